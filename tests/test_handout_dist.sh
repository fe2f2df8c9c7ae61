#!/usr/bin/env bash
# The student archive works as a student gets it: it unpacks, carries the manifest's
# public part (no hidden case, no probe) and the Makefile's generated assignment.mk, builds
# nnkit and the blank handout with the student's Makefile without a single compiler
# warning, `make help` lists every target and every part's training target, `make test`
# shows every item of the first part failing for 0 of its points, and `make submission`
# refuses the blank files, naming their items, unless PARTIAL=1, then packs exactly the
# files the manifest's parts hand in and reminds that the written part is a separate PDF.
# Parts, items and points come from the kit's assignment/manifest.json.
# usage: test_handout_dist.sh [ARCHIVE_DIR]
# With ARCHIVE_DIR, the archive tests/public_runner/prepare_archive.sh made and built there
# is checked (with its blank files put back), instead of making and building another.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/assignment/manifest.json
command -v jq > /dev/null || { echo "test_handout_dist: jq is needed to read $manifest (make deps)" >&2; exit 2; }
if [ $# -ge 1 ]; then
  work=$1
  cp "$work/blank/"*.cpp "$work/nnkit-assignment/assignment/"
  trap 'cp "$work/solution/"*.cpp "$work/nnkit-assignment/assignment/"; rm -f "$work/nnkit-assignment/submission.zip"' EXIT
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

# From the manifest: the first part, one of its items' titles (as the public tests print
# it), its points, and the files to hand in.
part=$(jq -r '.parts[0].name' "$manifest")
part_file=$(jq -r '.parts[0].file' "$manifest")
item=$(jq -r --arg p "$part" '[.items[] | select(.part == $p)] | last
  | "\(.number) \(.name) (\(.points) \(if .points == 1 then "pt" else "pts" end))"' "$manifest")
part_points=$(jq -r --arg p "$part" '[.items[] | select(.part == $p) | .points] | add' "$manifest")
files=$(jq -r '.parts[].file' "$manifest" | LC_ALL=C sort | tr '\n' ' ')

if [ $# -ge 1 ]; then
  test -s "$work/nnkit-assignment.tar.gz"
else
  "$root/tools/make_handout_dist.sh" "$work/nnkit-assignment.tar.gz" && tar -C "$work" -xzf "$work/nnkit-assignment.tar.gz"
fi
check "make handout-dist writes the archive" $?
cd "$work/nnkit-assignment" || exit 1
for path in Makefile assignment.mk CMakeLists.txt README.md assignment/manifest.json \
            "assignment/$part_file" assignment/theory.md "public_tests/test_$part.cpp" \
            cmake/nnkit_build.cmake cmake/nnkit_manifest.cmake lib/include/nnkit/nnkit.hpp \
            data/setup.sh; do
  test -f "$path"; check "the archive has $path" $?
done
! grep -rq 'Answer Q' assignment/theory.md; check "theory.md carries no answers" $?
! find . -name '*.py' | grep -q .; check "no golden script (a reference implementation) ships" $?
test ! -e cmake/nnkit_grader_kit.cmake && test ! -e hidden_tests
check "no grader kit stager and no hidden tests ship" $?

# the manifest's public part
shipped=assignment/manifest.json
jq -e 'keys_unsorted[0] == "generated"' "$shipped" > /dev/null
check "the shipped manifest says first that it is generated" $?
jq -e '[.items[].cases[] | select(.suite == "hidden" or has("probe"))] | length == 0' "$shipped" > /dev/null
check "the shipped manifest has no hidden case and no probe" $?
jq -e --slurpfile kit "$manifest" '
  [.items[].cases[].id] == [$kit[0].items[].cases[] | select(.suite != "hidden") | .id]
  and (del(.generated, .items) == ($kit[0] | del(.items)))
  and ([.items[] | del(.cases)] == [$kit[0].items[] | del(.cases)])' "$shipped" > /dev/null
check "it is the kit's manifest but for the hidden cases and the probes" $?

# assignment.mk, written from the manifest
head -1 assignment.mk | grep -qx "# Generated from assignment/manifest.json by the kit's make handout-dist: do not edit."
check "assignment.mk says first that it is generated" $?
mk() { make -s --no-print-directory -f - <<< "include assignment.mk
show: ; @echo \$($1)"; }
check "assignment.mk lists the manifest's parts" \
  $([ "$(mk PARTS)" = "$(jq -r '[.parts[].name] | join(" ")' "$manifest")" ]; echo $?)
check "assignment.mk lists the files the parts hand in" \
  $([ "$(mk PART_FILES)" = "$(jq -r '[.parts[].file] | join(" ")' "$manifest")" ]; echo $?)
check "assignment.mk carries the manifest's OpenBLAS pinning" \
  $([ "$(mk BLAS_PIN_FLAGS)" = "$(jq -r '.numerics.blas_pinning.cpu_flags | join(" ")' "$manifest")" ] &&
    [ "$(mk BLAS_PIN_ENV)" = "$(jq -r '[.numerics.blas_pinning.env | to_entries[] | "\(.key)=\(.value)"] | join(" ")' "$manifest")" ]; echo $?)
! grep -qE "$(jq -r '[.parts[].name] | join("|")' "$manifest")" Makefile
check "the Makefile names no part itself" $?

# make help: every target of the Makefile that has a description, and every part.
help=$(make -s help 2>&1)
missing_targets=""
for target in $(grep -oE '^[a-z][a-z-]*:' Makefile | tr -d ':' | sort -u) $(jq -r '.parts[].name' "$manifest"); do
  echo "$help" | grep -qE "^  make $target( |$)" || missing_targets+=" $target"
done
check "make help lists every target and each part's training target${missing_targets:+ (missing:$missing_targets)}" \
  $([ -z "$missing_targets" ]; echo $?)

# The whole blank archive builds, and not one warning: students' warnings are their own.
build_log=$(make build JOBS=2 2>&1); status=$?
check "make build builds the blank archive (exit $status)" $([ "$status" -eq 0 ]; echo $?)
warnings=$(echo "$build_log" | grep -E 'warning:' | sort -u)
[ -z "$warnings" ] || echo "$warnings" | head -20
check "the blank archive builds without a compiler warning ($(echo -n "$warnings" | grep -c .) found)" \
  $([ -z "$warnings" ]; echo $?)

output=$(make test PART="$part" JOBS=2 2>&1); status=$?
echo "$output" | tail -3
check "make test exits non-zero on the blank handout" $([ "$status" -ne 0 ]; echo $?)
echo "$output" | grep -qxF "$item: FAILED"; check "items are listed with their points ($item: FAILED)" $?
echo "$output" | grep -qE "^Part [0-9]+ \($part\): 0 / $part_points points$"
check "the blank part $part scores 0 / $part_points" $?
echo "$output" | grep -qE "^Public tests: 0 / $part_points \($part only\) — the hidden tests check the same items on other inputs$"
check "the run ends with the total and what the hidden tests check" $?

output=$(make -s submission 2>&1); status=$?
echo "$output" | head -3
check "make submission refuses the blank files (exit $status)" $([ "$status" -ne 0 ] && [ ! -e submission.zip ]; echo $?)
first_item=$(jq -r --arg p "$part" '[.items[] | select(.part == $p)][0] | .number' "$manifest")
echo "$output" | grep -qE "^!! +$first_item [^ ]+ \(assignment/$part_file:[0-9]+\)\$"
check "it names each unfinished item with its file and line ($first_item in assignment/$part_file)" $?
echo "$output" | grep -q 'make submission PARTIAL=1'
check "it says how to hand in unfinished work (PARTIAL=1)" $?
output=$(make -s submission PARTIAL=1 2>&1)
check "make submission PARTIAL=1 packs them" $([ -f submission.zip ]; echo $?)
echo "$output" | grep -qE 'written part.*theory\.md.*PDF'
check "make submission reminds that the written part (theory.md) is a separate PDF" $?
listing=$(unzip -Z1 submission.zip 2>/dev/null | LC_ALL=C sort | tr '\n' ' ')
check "submission.zip holds the files the parts hand in (got: $listing; want: $files)" \
  $([ "$listing" = "$files" ]; echo $?)

echo "$failures failed"
[ "$failures" -eq 0 ]

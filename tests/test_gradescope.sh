#!/usr/bin/env bash
# Gradescope's autograder end to end, as Gradescope runs it but in a temporary folder
# laid out like /autograder (AUTOGRADER_ROOT): `make gradescope`'s zip unpacks into
# source/, setup.sh really configures and builds nnkit-grade and its kit there (package
# installation is skipped when everything is installed; NNKIT_SETUP_CHECK=none skips the
# full `validate`), and run_autograder grades, on a few cheap items (NNKIT_GRADE_ARGS):
#   1. the reference solution's files nested in a subfolder, beside a decoy copy in
#      __MACOSX/: full marks, a results.json Gradescope can read;
#   2. the same with one file missing (the part of the last item graded): its items score
#      0 and the output says so;
#   3. the files inside a zip the student uploaded: full marks;
#   4. a grader that cannot start (no kit): results.json still there, score 0, the error.
# Then `make classroom`'s workflow: every item of the manifest, with its points.
# The parts, their files, the items and the total come from assignment/manifest.json.
# Takes about as long as building nnkit once (minutes on two cores).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
manifest=$repo/assignment/manifest.json
command -v jq > /dev/null || { echo "test_gradescope: jq is needed to read $manifest (make deps)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/nnkit-test-gradescope.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # as /autograder is: the sandbox's unprivileged user must reach the kit
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
items=${NNKIT_TEST_ITEMS:-1.2,1.3,2.2}
mapfile -t files < <(jq -r '.parts[].file' "$manifest")
[ "${#files[@]}" -gt 0 ] || { echo "test_gradescope: no parts in $manifest" >&2; exit 2; }
# the file left out in case 2: the one of the part of the last item graded
missing_file=$(jq -r --arg n "${items##*,}" '(.items[] | select(.number == $n) | .part) as $p
  | .parts[] | select(.name == $p) | .file' "$manifest")
[ -n "$missing_file" ] || { echo "test_gradescope: item ${items##*,} is not in $manifest" >&2; exit 2; }

# results_line FILE: "score=.. max=.. tests=.. visible_field=.. output=.." (points in hundredths)
results_line() { cmake -DRESULTS="$1" -P "$repo/tools/gradescope/check_results.cmake" 2>&1; }
field() { sed -nE "s/.*(^| )$1=([^ ]*).*/\2/p" <<< "$2"; }

# --- the zip -------------------------------------------------------------------------
"$repo/tools/make_gradescope.sh" "$work/autograder.zip"
check "make_gradescope.sh writes the zip" $?
listing=$(unzip -Z1 "$work/autograder.zip" 2>/dev/null)
for path in setup.sh run_autograder CMakeLists.txt assignment/manifest.json \
            cmake/nnkit_manifest.cmake cmake/nnkit_grader_kit.cmake grader/src/main.cpp \
            lib/src/tensor/tensor.cpp "solution/${files[0]}" "handout/${files[0]}" \
            tools/install_deps.sh tools/gradescope/packages.txt data/split/SHA256SUMS \
            data/split/y_test.idx third_party/include/xtensor/xarray.hpp \
            third_party/include/fmt/format-inl.h third_party/VERSIONS; do
  grep -qx "$path" <<< "$listing"; check "the zip has $path at its top level" $?
done
unzip -p "$work/autograder.zip" assignment/manifest.json 2>/dev/null | cmp -s - "$manifest"
check "the zip's assignment/manifest.json is the kit's" $?
! grep -qE '^(lib/tests|public_tests|tests|bench)/|\.py$|\.gz$' <<< "$listing"
check "the zip leaves out the kit's tests, benchmarks, Python scripts and the .gz dataset" $?
(cd "$work" && mkdir split && unzip -q -o autograder.zip 'data/split/*' -d split \
   && cd split/data/split && sha256sum --check --strict --quiet SHA256SUMS)
check "the zip's data/split/ matches its SHA256SUMS" $?
unzip -Z "$work/autograder.zip" setup.sh run_autograder 2>/dev/null | grep -c '^-rwx' | grep -qx 2
check "setup.sh and run_autograder are executable in the zip" $?

# --- setup.sh, as Gradescope runs it --------------------------------------------------
root=$work/autograder
mkdir -p "$root/source" "$root/submission" "$root/results"
unzip -q "$work/autograder.zip" -d "$root/source"
start=$SECONDS
(cd "$root/source" && AUTOGRADER_ROOT=$root NNKIT_SETUP_CHECK=none JOBS=${JOBS:-$(nproc)} \
   bash ./setup.sh) > "$work/setup.log" 2>&1
status=$?
tail -3 "$work/setup.log"
check "setup.sh configures and builds nnkit-grade and its kit ($((SECONDS - start)) s)" $status
[ "$status" -eq 0 ] || { tail -40 "$work/setup.log"; echo "$failures failed"; exit 1; }
test -x "$root/source/build/bin/nnkit-grade" && test -f "$root/source/build/grader-kit/kit.json"
check "the grader and its kit are in source/build" $?
grep -qx "NNKIT_VENDORED_INCLUDE:PATH=$root/source/third_party/include" "$root/source/build/CMakeCache.txt" \
  && grep -q 'FMT_HEADER_ONLY' "$root/source/build/grader-kit/kit.json" \
  && ! grep -q 'libfmt' "$root/source/build/grader-kit/kit.json"
check "setup.sh builds with the zip's own headers (fmt header-only, no libfmt)" $?
[ "$(stat -c %a "$root/source/data/split")" = 700 ] && [ "$(stat -c %a "$root/source/data/split/y_test.idx")" = 600 ]
check "setup.sh leaves data/split/ (the held-out labels) readable by its owner only" $?
check "nnkit-grade files lists the manifest's files" \
  $([ "$("$root/source/build/bin/nnkit-grade" files 2>&1)" = "$(printf '%s\n' "${files[@]}")" ]; echo $?)
cp "$root/source/run_autograder" "$root/run_autograder"   # Gradescope copies it there

run_autograder() {  # run_autograder [ENV=VALUE...]: one graded submission
  rm -rf "$root/results" && mkdir -p "$root/results"
  (cd "$root" && env AUTOGRADER_ROOT="$root" NNKIT_GRADE_ARGS="--items $items" "$@" \
     ./run_autograder) > "$work/run.log" 2>&1
}

# 1. the solution, nested, beside a decoy
mkdir -p "$root/submission/hw3/src" "$root/submission/__MACOSX/hw3/src"
for file in "${files[@]}"; do
  cp "$repo/solution/$file" "$root/submission/hw3/src/"
  echo "this is not C++" > "$root/submission/__MACOSX/hw3/src/$file"
done
start=$SECONDS
run_autograder; status=$?
check "run_autograder grades the nested solution ($((SECONDS - start)) s)" $status
line=$(results_line "$root/results/results.json"); echo "results.json: $line"
check "results.json is JSON Gradescope reads (score, tests with their fields)" \
  $([ -n "$(field tests "$line")" ] && [ "$(field tests "$line")" -gt 0 ]; echo $?)
[ "$(field tests "$line")" -gt 0 ] 2>/dev/null || tail -40 "$work/run.log"
check "the solution scores full marks on items $items" \
  $([ "$(field score "$line")" = "$(field max "$line")" ] && [ "$(field max "$line")" -gt 0 ]; echo $?)
check "every test has a visibility" $([ "$(field visible_field "$line")" = "$(field tests "$line")" ]; echo $?)
grep -q '"after_published"\|"visible"' "$root/results/results.json"; check "visibility values are Gradescope's" $?
grep -qF "run_autograder: ${files[0]}: submission/hw3/src/${files[0]}" "$work/run.log"
check "the files were found in the subfolder, not in __MACOSX" $?
full=$(field max "$line")

# 2. one file missing
rm -rf "$root/submission/__MACOSX" "$root/submission/hw3/src/$missing_file"
run_autograder; status=$?
line=$(results_line "$root/results/results.json"); echo "results.json: $line"
check "run_autograder grades a submission with a file missing" $status
check "the missing part costs its items only" \
  $([ "$(field max "$line")" = "$full" ] && [ "$(field score "$line")" -lt "$full" ] && [ "$(field score "$line")" -gt 0 ]; echo $?)
grep -qF "$missing_file is missing" "$root/results/results.json"; check "results.json says $missing_file is missing" $?

# 3. a zip the student uploaded
rm -rf "$root/submission" && mkdir -p "$work/zipped/assignment" "$root/submission"
for file in "${files[@]}"; do cp "$repo/solution/$file" "$work/zipped/assignment/"; done
(cd "$work/zipped" && zip -q -r "$root/submission/submission.zip" assignment)
run_autograder; status=$?
line=$(results_line "$root/results/results.json"); echo "results.json: $line"
check "run_autograder finds the files inside a zip: full marks" \
  $([ "$status" -eq 0 ] && [ "$(field score "$line")" = "$full" ] && [ "$full" -gt 0 ]; echo $?)

# 4. the grader itself cannot start
run_autograder NNKIT_GRADER_KIT="$work/no-such-kit"; status=$?
line=$(results_line "$root/results/results.json"); echo "results.json: $line"
check "a grader failure still leaves a results.json with score 0" \
  $([ "$status" -eq 0 ] && [ "$(field score "$line")" = 0 ] && [ "$(field output "$line")" = yes ]; echo $?)
grep -q 'The autograder itself failed' "$root/results/results.json"; check "its output says the autograder failed" $?
! ls "$root/results" | grep -q '\.tmp$'; check "no temporary file is left in results/" $?

# --- make classroom --------------------------------------------------------------------
"$repo/tools/make_classroom.sh" "$work/classroom" > /dev/null
check "make_classroom.sh writes the workflow" $?
workflow=$work/classroom/.github/workflows/classroom.yml
# every item with a public case, titled as the public tests title it (the generated
# header's ASSIGNMENT_ITEM_* macros): "<number> <name> (<points> pt|pts)"
while IFS=$'\t' read -r part item; do
  grep -qF "command: 'grep -qxF \"$item: passed\" public-tests-$part.log'" "$workflow"
  check "the workflow scores \"$item\" ($part)" $?
done < <(jq -r '.items[] | select(any(.cases[]; .suite == "public"))
  | [.part, "\(.number) \(.name) (\(.points) \(if .points == 1 then "pt" else "pts" end))"] | @tsv' "$manifest")
max_total=$(grep -oE '^ +max-score: [0-9.]+$' "$workflow" | awk '{ s += $2 } END { printf "%g\n", s }')
manifest_total=$(jq -r '.total_points' "$manifest")
check "the workflow's maximum is the manifest's total_points ($max_total of $manifest_total)" \
  $([ "$max_total" = "$manifest_total" ]; echo $?)
runners=$(grep -oE 'runners: .*' "$workflow" | tr ',' '\n' | wc -l)
steps=$(grep -c 'uses: classroom-resources/autograding-command-grader@v1' "$workflow")
check "the reporter lists every item's step ($runners of $steps)" $([ "$runners" = "$steps" ]; echo $?)

echo "$failures failed"
[ "$failures" -eq 0 ]

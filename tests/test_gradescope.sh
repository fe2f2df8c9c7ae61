#!/usr/bin/env bash
# Gradescope's autograder end to end, as Gradescope runs it but in a temporary folder
# laid out like /autograder (AUTOGRADER_ROOT): `make gradescope`'s zip unpacks into
# source/, setup.sh really configures and builds nnkit-grade and its kit there (package
# installation is skipped when everything is installed; NNKIT_SETUP_CHECK=none skips the
# full `validate`), and run_autograder grades, on a few cheap items (NNKIT_GRADE_ARGS):
#   1. the reference solution's three files nested in a subfolder, beside a decoy copy in
#      __MACOSX/: full marks, a results.json Gradescope can read;
#   2. the same with pytorch_ann.cpp missing: its item scores 0 and the output says so;
#   3. the three files inside a zip the student uploaded: full marks;
#   4. a grader that cannot start (no kit): results.json still there, score 0, the error.
# Then `make classroom`'s workflow: every item of every part, with the right points.
# Takes about as long as building nnkit once (minutes on two cores).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nnkit-test-gradescope.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # as /autograder is: the sandbox's unprivileged user must reach the kit
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
parts=(numpy_ann pytorch_ann pytorch_cnn)
items=${NNKIT_TEST_ITEMS:-1.2,1.3,2.2}

# results_line FILE: "score=.. max=.. tests=.. visible_field=.. output=.." (points in hundredths)
results_line() { cmake -DRESULTS="$1" -P "$repo/tools/gradescope/check_results.cmake" 2>&1; }
field() { sed -nE "s/.*(^| )$1=([^ ]*).*/\2/p" <<< "$2"; }

# --- the zip -------------------------------------------------------------------------
"$repo/tools/make_gradescope.sh" "$work/autograder.zip"
check "make_gradescope.sh writes the zip" $?
listing=$(unzip -Z1 "$work/autograder.zip" 2>/dev/null)
for path in setup.sh run_autograder CMakeLists.txt hidden_tests/rubric.json grader/src/main.cpp \
            lib/src/tensor/tensor.cpp solution/numpy_ann.cpp handout/numpy_ann.cpp \
            data/setup.sh tools/install_deps.sh tools/packages-build.txt; do
  grep -qx "$path" <<< "$listing"; check "the zip has $path at its top level" $?
done
! grep -qE '^(lib/tests|public_tests|tests|bench)/|\.py$' <<< "$listing"
check "the zip leaves out the kit's tests, benchmarks and Python scripts" $?
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
cp "$root/source/run_autograder" "$root/run_autograder"   # Gradescope copies it there

run_autograder() {  # run_autograder [ENV=VALUE...]: one graded submission
  rm -rf "$root/results" && mkdir -p "$root/results"
  (cd "$root" && env AUTOGRADER_ROOT="$root" NNKIT_GRADE_ARGS="--items $items" "$@" \
     ./run_autograder) > "$work/run.log" 2>&1
}

# 1. the solution, nested, beside a decoy
mkdir -p "$root/submission/hw3/src" "$root/submission/__MACOSX/hw3/src"
for part in "${parts[@]}"; do
  cp "$repo/solution/$part.cpp" "$root/submission/hw3/src/"
  echo "this is not C++" > "$root/submission/__MACOSX/hw3/src/$part.cpp"
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
grep -q 'run_autograder: numpy_ann.cpp: submission/hw3/src/numpy_ann.cpp' "$work/run.log"
check "the files were found in the subfolder, not in __MACOSX" $?
full=$(field max "$line")

# 2. pytorch_ann.cpp missing
rm -rf "$root/submission/__MACOSX" "$root/submission/hw3/src/pytorch_ann.cpp"
run_autograder; status=$?
line=$(results_line "$root/results/results.json"); echo "results.json: $line"
check "run_autograder grades a submission with a file missing" $status
check "the missing part costs its items only" \
  $([ "$(field max "$line")" = "$full" ] && [ "$(field score "$line")" -lt "$full" ] && [ "$(field score "$line")" -gt 0 ]; echo $?)
grep -q 'pytorch_ann.cpp is missing' "$root/results/results.json"; check "results.json says pytorch_ann.cpp is missing" $?

# 3. a zip the student uploaded
rm -rf "$root/submission" && mkdir -p "$work/zipped/assignment" "$root/submission"
for part in "${parts[@]}"; do cp "$repo/solution/$part.cpp" "$work/zipped/assignment/"; done
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
for part in "${parts[@]}"; do
  while IFS= read -r item; do
    grep -qF "command: 'grep -qxF \"$item: passed\" public-tests.log'" "$workflow"
    check "the workflow scores \"$item\" ($part)" $?
  done < <(grep -oE 'TEST_CASE\("[0-9]+\.[0-9]+ [^"]* \([0-9]+ pts?\)"\)' "$repo/public_tests/test_$part.cpp" \
             | sed -E 's/^TEST_CASE\("(.*)"\)$/\1/')
done
max_total=$(grep -oE '^ +max-score: [0-9]+$' "$workflow" | awk '{ s += $2 } END { print s }')
rubric_total=$(grep -oE '"total_points": *[0-9]+' "$repo/hidden_tests/rubric.json" | grep -oE '[0-9]+$')
check "the workflow's maximum is the rubric's total ($max_total of ${rubric_total:-?})" \
  $([ -n "$rubric_total" ] && [ "$max_total" = "$rubric_total" ]; echo $?)
runners=$(grep -oE 'runners: .*' "$workflow" | tr ',' '\n' | wc -l)
steps=$(grep -c 'uses: classroom-resources/autograding-command-grader@v1' "$workflow")
check "the reporter lists every item's step ($runners of $steps)" $([ "$runners" = "$steps" ]; echo $?)

echo "$failures failed"
[ "$failures" -eq 0 ]

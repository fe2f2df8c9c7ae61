#!/usr/bin/env bash
# One manifest drives the kit: change a threshold in a copy of assignment/manifest.json,
# build a kit from that copy (-DNNKIT_MANIFEST), and see the program, the public test and
# the grader all use the new value. Part 1's threshold goes from the manifest's value to
# 0.87, just above the reference solution's 0.86, so all three must now call it a failure.
# Also: a manifest with a key missing stops the build and the grader with a message that
# names the key. Builds nnkit once more: several minutes on two cores (`make test-manifest`).
#   usage: test_manifest_threshold.sh [WORK_DIR]
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
passes=0 failures=0
check() {  # description, condition-exit-status
  if [ "$2" -eq 0 ]; then echo "PASS: $1"; passes=$((passes + 1))
  else echo "FAIL: $1"; failures=$((failures + 1)); fi
}
command -v jq > /dev/null || { echo "test_manifest_threshold: jq is needed (make deps)" >&2; exit 2; }

threshold=0.87
jq --argjson t "$threshold" '(.parts[] | select(.name == "numpy_ann") | .test_accuracy_threshold) = $t' \
  "$repo/assignment/manifest.json" > "$work/manifest.json"
build=$work/build
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DNNKIT_MANIFEST="$work/manifest.json" \
  > "$work/configure.log" 2>&1
check "the kit configures with the copy of the manifest" $?
cmake --build "$build" -j "$(nproc)" --target numpy_ann test_numpy_ann nnkit-grade grader-kit \
  > "$work/build.log" 2>&1
status=$?
check "numpy_ann, its public test and the grader build" $status
[ "$status" -eq 0 ] || { tail -n 30 "$work/build.log"; echo "$passes passed, $failures failed"; exit 1; }

header=$build/ASSIGNMENT_manifest/assignment_manifest.hpp
grep -q "test_accuracy_threshold = $threshold" "$header"
check "the generated header holds $threshold" $?
head -n 1 "$header" | grep -q '^// Generated from .* do not edit'
check "the generated header says so in its first line" $?

# The program: the reference reaches 0.86, below 0.87 now: red, exit status 1.
output=$(OPENBLAS_NUM_THREADS=1 "$build/bin/numpy_ann" --out "$work" 2>&1); status=$?
echo "$output" | tail -n 2
check "the program exits 1 below the new threshold (exit $status)" $([ "$status" -eq 1 ]; echo $?)
echo "$output" | grep -q 'Accuracy on test set: 0.86000'
check "the program still reaches 0.86000" $?

# The public test of item 1.10 fails, naming the new threshold in its check.
output=$(OPENBLAS_NUM_THREADS=1 "$build/bin/test_numpy_ann" --test-case='1.10*' 2>&1); status=$?
check "the public test of 1.10 fails (exit $status)" $([ "$status" -ne 0 ]; echo $?)
echo "$output" | grep -q "^1.10 overall (2 pts): FAILED$"
check "the public test reports 1.10 FAILED" $?
echo "$output" | grep -q "0.86 >= $threshold"
check "its failed check compares 0.86 with $threshold" $?

# The grader, with the kit staged from the copy: the solution fails 1.10's accuracy case.
output=$("$build/bin/nnkit-grade" grade "$repo/solution" --items 1.10 --suite public \
  --kit "$build/grader-kit" --quiet --format md 2>&1); status=$?
echo "$output" | grep -E '1\.10'
check "the grader grades (exit $status)" $status
echo "$output" | grep -q "threshold $threshold): below the threshold"
check "the grader judges 1.10 against $threshold" $?

# A malformed manifest: the key is named, with what was expected.
jq 'del(.parts[0].test_accuracy_threshold)' "$work/manifest.json" > "$work/broken.json"
output=$(cmake -S "$repo" -B "$work/broken-build" -DNNKIT_MANIFEST="$work/broken.json" 2>&1)
echo "$output" | grep -q 'parts.0.test_accuracy_threshold'
check "cmake names the missing key parts.0.test_accuracy_threshold" $?
cp -r "$build/grader-kit" "$work/broken-kit"
rm -rf "$work/broken-kit/cache"
jq 'del(.items[0].cases[1].points)' "$work/manifest.json" > "$work/broken-kit/manifest.json"
output=$("$build/bin/nnkit-grade" files --kit "$work/broken-kit" 2>&1); status=$?
echo "$output"
check "nnkit-grade stops on it (exit $status)" $([ "$status" -eq 3 ]; echo $?)
echo "$output" | grep -q 'case 1.1.public.seeds: "points" is missing; expected a number'
check "nnkit-grade names the case, the key and what was expected" $?

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]

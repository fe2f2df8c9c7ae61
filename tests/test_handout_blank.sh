#!/usr/bin/env bash
# The blank handout scores 0: every scored item of every public suite fails, and each
# training program stops at its doc examples with a message naming what is missing.
# The programs are the parts of the assignment's manifest ($NNKIT_MANIFEST, default
# assignment/manifest.json).
# usage: test_handout_blank.sh HANDOUT_BIN_DIR TEST_BINARY...
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
manifest=${NNKIT_MANIFEST:-$repo/assignment/manifest.json}
command -v jq > /dev/null || { echo "test_handout_blank: jq is needed to read $manifest (make deps)" >&2; exit 2; }
mapfile -t parts < <(jq -r '.parts[].name' "$manifest")
[ "${#parts[@]}" -gt 0 ] || { echo "test_handout_blank: no parts in $manifest" >&2; exit 2; }
bin_dir=$1; shift
failures=0
check() {  # description, condition-exit-status
  if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}

for suite in "$@"; do
  name=$(basename "$suite")
  output=$(OPENBLAS_NUM_THREADS=1 timeout 300 "$suite" 2>&1); status=$?
  check "$name exits non-zero on the blank handout" $([ "$status" -ne 0 ]; echo $?)
  echo "$output" | grep -qE '^Public tests: 0 / [1-9][0-9]* points$'
  check "$name scores 0 points" $?
  passed=$(echo "$output" | grep -E '^[0-9]+\.[0-9]+ .*\([0-9.]+ pts?\): passed$')
  check "$name passes no scored item${passed:+ (passed: $passed)}" $([ -z "$passed" ]; echo $?)
  echo "$output" | grep -q 'not implemented: '
  check "$name reports the stubs as not implemented" $?
done

for program in "${parts[@]}"; do
  suites=$(for suite in "$@"; do basename "$suite"; done)
  grep -qE "(^|_)test_${program}\$" <<< "$suites"
  check "the public suite of $program is among those checked" $?
  output=$(timeout 120 "$bin_dir/$program" --data /nonexistent-not-needed 2>&1); status=$?
  check "$program stops before training (exit $status)" $([ "$status" -ne 0 ]; echo $?)
  echo "$output" | grep -qE 'not implemented: [0-9]+\.[0-9]+ '
  check "$program names the missing item" $?
done

echo "$failures failed"
[ "$failures" -eq 0 ]

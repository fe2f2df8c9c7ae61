#!/usr/bin/env bash
# The blank handout scores 0: every scored item of every public suite fails, and each
# training program stops at its doc examples with a message naming what is missing.
# usage: test_handout_blank.sh HANDOUT_BIN_DIR TEST_BINARY...
set -uo pipefail
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
  passed=$(echo "$output" | grep -E '^[0-9]+\.[0-9]+ .*\([0-9]+ pts?\): passed$')
  check "$name passes no scored item${passed:+ (passed: $passed)}" $([ -z "$passed" ]; echo $?)
  echo "$output" | grep -q 'not implemented: '
  check "$name reports the stubs as not implemented" $?
done

for program in numpy_ann pytorch_ann pytorch_cnn; do
  output=$(timeout 120 "$bin_dir/$program" --data /nonexistent-not-needed 2>&1); status=$?
  check "$program stops before training (exit $status)" $([ "$status" -ne 0 ]; echo $?)
  echo "$output" | grep -qE 'not implemented: [0-9]+\.[0-9]+ '
  check "$program names the missing item" $?
done

echo "$failures failed"
[ "$failures" -eq 0 ]

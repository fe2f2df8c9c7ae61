#!/usr/bin/env bash
# The public-test runner on the usual mistakes: each is planted, one at a time, into the
# reference solution in the unpacked archive (prepare_archive.sh), and `make test
# PART=<part>` must make the planted item fail with what a student needs to fix it
# (expected vs got and their reference, the exception, or the crash's signal), while every
# other item of the part still gets its line and the part keeps its manifest total.
# usage: test_planted_mistakes.sh ARCHIVE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
manifest=$root/assignment/manifest.json
ARCHIVE_DIR=$1
# shellcheck source=runner_lib.sh
source "$here/runner_lib.sh"
cd "$ARCHIVE_DIR/nnkit-assignment" || exit 1
trap 'use_files solution' EXIT

# try_plant ID PART FILE ITEM PERL_PROGRAM VERDICT_REGEX DETAIL_REGEX...
try_plant() {
  local id=$1 part=$2 file=$3 item=$4 program=$5 verdict=$6
  shift 6
  echo "== planted: $id (item $item)"
  use_files solution
  plant "$file" "$program"; check "$id: the mistake is planted in $file" $?
  local started output status
  started=$(date +%s)
  output=$(make test PART="$part" 2>&1); status=$?
  echo "$output" | sed -n '/^== Part/,$p'
  echo "($id: make test PART=$part took $(( $(date +%s) - started )) s)"
  check "$id: make test fails" $([ "$status" -ne 0 ]; echo $?)
  grep -qE "^$(sed 's/\./\\./g' <<< "$item") .*: $verdict" <<< "$output"
  check "$id: item $item says \"$verdict\"" $?
  for detail in "$@"; do
    grep -qE -- "$detail" <<< "$output"; check "$id: the output explains it ($detail)" $?
  done
  local items reported points
  items=$(jq -r --arg p "$part" '[.items[] | select(.part == $p) | .number] | join(" ")' "$manifest")
  reported=$(item_lines "$output" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')
  check "$id: every item of $part reports once ($reported)" $([ "$reported" = "$items" ]; echo $?)
  points=$(jq -r --arg p "$part" '[.items[] | select(.part == $p) | .points] | add' "$manifest")
  grep -qE "^Part [0-9]+ \\($part\\): [0-9.]+ / $points points$" <<< "$output"
  check "$id: $part is scored out of its $points points" $?
  ! grep -qE '0x[0-9a-fA-F]{6,}|will translate later' <<< "$output"
  check "$id: no pointer address, no doctest internals" $?
}

try_plant softmax_axis numpy_ann numpy_ann.cpp 1.5 \
  "$PLANT_SOFTMAX_AXIS" \
  'FAILED$' '^ +got +[0-9]' "^ +expected .*NumPy's value, golden/numpy_ann.json" 'element \[0, [01]\] of \[1, 2\]'
try_plant missing_m numpy_ann numpy_ann.cpp 1.6 \
  "$PLANT_MISSING_M" \
  'FAILED$' 'W2 moved 4 times too far' '^ +expected .*plain loops in this test'
try_plant wrong_sign numpy_ann numpy_ann.cpp 1.6 \
  "$PLANT_WRONG_SIGN" \
  'FAILED$' '^ +got +-?[0-9]' "^ +expected .*NumPy's value"
try_plant broadcast numpy_ann numpy_ann.cpp 1.6 \
  "$PLANT_BROADCAST" \
  'FAILED$' 'an exception left the test \(subcase' 'Incompatible dimension'
try_plant segfault_in_accuracy numpy_ann numpy_ann.cpp 1.9 \
  "$PLANT_SEGFAULT_IN_ACCURACY" \
  'crashed: SIGSEGV in 1\.9 accuracy' '^ +SIGSEGV \(segmentation fault' \
  '^1\.7 train \(2 pts\): crashed: SIGSEGV in 1\.7 train' '^1\.8 predict \(1 pt\): passed$'
try_plant mean_cross_entropy numpy_ann numpy_ann.cpp 1.4 \
  "$PLANT_MEAN_CROSS_ENTROPY" \
  'FAILED$' 'yours is the mean over all 4 elements' '^ +got +0\.34' "^ +expected +0\.69.*NumPy's value"
try_plant manual_seed_after_model pytorch_ann pytorch_ann.cpp 2.1 \
  "$PLANT_MANUAL_SEED_AFTER_MODEL" \
  'FAILED$' '^ +expected .*built right after manual_seed' 'parameter 0 with seed 42: element \[0, 0\]'

# FAST=1, the loop after an edit, on the solution: the items of a full training run are
# skipped and named, every other item runs and passes, every item still has its line.
echo "== make test FAST=1 (the solution)"
use_files solution
started=$(date +%s)
output=$(make test FAST=1 2>&1); status=$?
echo "$output" | sed -n '/^== Part/,$p'
echo "(make test FAST=1 took $(( $(date +%s) - started )) s)"
check "FAST=1: make test passes on the solution (exit $status)" $([ "$status" -eq 0 ]; echo $?)
# the manifest's full trainings (a public case with a time of its own) are skipped, and
# with them the items that share their run (3.3 shares 3.2's CNN training)
long_items=$(jq -r '.items[] | select(any(.cases[]; .suite == "public" and has("timeout_s"))) | .number' "$manifest")
check "FAST=1: the manifest has full-training items" $([ -n "$long_items" ]; echo $?)
for item in $long_items; do
  grep -qE "^$(sed 's/\./\\./g' <<< "$item") .*: skipped \(FAST=1" <<< "$output"
  check "FAST=1: item $item (a full training) is skipped" $?
done
skipped=$(grep -E '^[0-9]+\.[0-9]+ .*: skipped \(FAST=1' <<< "$output" | cut -d' ' -f1 | paste -sd, - | sed 's/,/, /g')
grep -qF "FAST=1: items $skipped (" <<< "$output"
check "FAST=1: the run ends by naming the items it skipped ($skipped)" $?
all_items=$(jq -r '[.items[].number] | join(" ")' "$manifest")
reported=$(item_lines "$output" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')
check "FAST=1: every item of every part reports once" $([ "$reported" = "$all_items" ]; echo $?)
[ "$(grep -E '^[0-9]+\.[0-9]+ .* \([0-9.]+ pts?\): ' <<< "$output" | grep -cvE ': (passed|skipped \(FAST=1.*)$')" -eq 0 ]
check "FAST=1: every other item passes" $?

echo "$failures failed"
[ "$failures" -eq 0 ]

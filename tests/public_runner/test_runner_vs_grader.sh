#!/usr/bin/env bash
# `make test` in the unpacked archive (prepare_archive.sh) and `nnkit-grade --suite
# public` give every item the same verdict: on the reference solution and the blank
# handout (every part), and on two planted mistakes (their part's items). An item passes
# for the grader when all its public cases pass; for `make test` when its line says passed.
# usage: test_runner_vs_grader.sh ARCHIVE_DIR NNKIT_GRADE
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
manifest=$root/assignment/manifest.json
ARCHIVE_DIR=$1
grade=$2
# shellcheck source=runner_lib.sh
source "$here/runner_lib.sh"
cd "$ARCHIVE_DIR/nnkit-assignment" || exit 1
submission=$(mktemp -d) logs=$(mktemp -d)
trap 'use_files solution; rm -rf "$submission" "$logs"' EXIT

# grader_lines ITEMS: "<number> passed|failed" per item of the grader's public suite on
# the archive's current part files (ITEMS: comma-separated, empty for all)
grader_lines() {
  cp $(jq -r '.parts[].file | "assignment/" + .' "$manifest") "$submission/"
  "$grade" grade "$submission" --suite public --format json --quiet ${1:+--items "$1"} \
      --log "$logs/instructor.log" \
    | jq -r '.tests | group_by(.number)[]
             | "\(.[0].number) \(if all(.[]; .status == "passed") then "passed" else "failed" end)"'
}

# compare NAME PART: make test [PART=PART] and the grader on the same items
compare() {
  local name=$1 part=$2 items="" started runner grader
  [ -z "$part" ] || items=$(jq -r --arg p "$part" '[.items[] | select(.part == $p) | .number] | join(",")' "$manifest")
  started=$(date +%s)
  runner=$(make test ${part:+PART=$part} 2>&1)
  echo "$name: make test${part:+ PART=$part} took $(( $(date +%s) - started )) s"
  runner=$(item_lines "$runner" | LC_ALL=C sort)
  started=$(date +%s)
  grader=$(grader_lines "$items" | LC_ALL=C sort)
  echo "$name: nnkit-grade --suite public${items:+ --items $items} took $(( $(date +%s) - started )) s"
  paste -d' ' <(echo "$runner") <(echo "$grader") | awk -v name="$name" '
    { printf "  %-8s make test: %-7s nnkit-grade: %-7s %s\n", $1, $2, $4, ($1 == $3 && $2 == $4) ? "" : "<- DIFFERS" }'
  [ -n "$runner" ]; check "$name: make test reports items" $?
  [ "$runner" = "$grader" ]; check "$name: make test and nnkit-grade --suite public agree on every item" $?
}

use_files solution
compare solution ""
use_files blank
compare blank ""
plant numpy_ann.cpp "$PLANT_MISSING_M"; check "the missing /m is planted" $?
compare missing_m numpy_ann
plant numpy_ann.cpp "$PLANT_SEGFAULT_IN_ACCURACY"; check "the segfault in accuracy is planted" $?
compare segfault_in_accuracy numpy_ann

echo "$failures failed"
[ "$failures" -eq 0 ]

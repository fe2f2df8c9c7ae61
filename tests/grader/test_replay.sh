#!/usr/bin/env bash
# Replaying the reference's long run (docs/architecture.md, "Replaying the reference's
# run"), through the real nnkit-grade and the kit's reference cache (grader.validate fills
# it). For each manifest replay (a part's "replays"):
#   the solution                          -> replayed, and every point of the items that
#                                            read the long probe (the full run gives them all:
#                                            grader.validate)
#   the solution with --no-replay         -> "replays are off" (decided before any probe)
#   a given line changed (a comment added
#   to a line outside the regions)        -> not replayed: the given code differs
#   a #define in a region                 -> not replayed: a preprocessor line
#   another constant in a region          -> not replayed: the network differs
# Each decision is in the instructor's log (--log) before the long probe runs; a grading
# budget stops the runs that are not replayed (this test is about the decision; what a
# full run gives, grader.validate shows). The last variant first grades a cheap item, so
# that its build is cached and the budget is spent on its probes, not its compile.
#   test_replay.sh NNKIT_GRADE SOURCE_DIR WORK_DIR
set -euo pipefail
grade=$1 source=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
manifest=$source/assignment/manifest.json
command -v jq > /dev/null || fail "jq is needed to read $manifest (make deps)"
rm -rf "$work" && mkdir -p "$work"
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

mapfile -t replays < <(jq -r '.parts[] | .name as $part | .file as $file | (.replays // [])[]
  | [$part, $file, .probe] | @tsv' "$manifest")
[ "${#replays[@]}" -gt 0 ] || { echo "no replay in $manifest: nothing to test"; exit 0; }

# grade_as NAME ARGS...: grades $work/NAME: the files already written there, the solution's
# for the others; the log in $work/NAME.log, stderr in $work/NAME.err.
grade_as() {
  local name=$1; shift
  for f in $(jq -r '.parts[].file' "$manifest"); do
    [ -f "$work/$name/$f" ] || cp "$source/solution/$f" "$work/$name/$f"
  done
  "$grade" grade "$work/$name" --log "$work/$name.log" --results "$work/$name.json" "$@" \
    > "$work/$name.out" 2> "$work/$name.err" || true
}

for replay in "${replays[@]}"; do
  IFS=$'\t' read -r part file probe <<< "$replay"
  # the items whose cases read the long probe, and a cheap item of the same part
  items=$(jq -r --arg p "$probe" --arg part "$part" '[.items[] | select(.part == $part)
    | select(any(.cases[]; .probe == $p)) | .number] | join(",")' "$manifest")
  cheap=$(jq -r --arg p "$probe" --arg part "$part" '[.items[] | select(.part == $part)
    | select(all(.cases[]; .probe != $p)) | .number][0] // empty' "$manifest")
  [ -n "$items" ] || fail "no item reads $probe"
  echo "== $part: $probe (items $items)"

  # 1. the solution: replayed, full marks
  mkdir -p "$work/solution"
  start=$SECONDS
  grade_as solution --items "$items"
  grep -q "probe $probe: replayed the reference's run" "$work/solution.err"
  check "the solution's $probe is replayed ($((SECONDS - start)) s)" $?
  score=$(jq '[.tests[].score] | add' "$work/solution.json") max=$(jq '[.tests[].max_score] | add' "$work/solution.json")
  check "the solution scores every point of items $items with the replay ($score of $max)" \
    $([ "$score" = "$max" ] && [ "$(jq -r '.grader_error // false' "$work/solution.json")" = false ]; echo $?)

  # 2. --no-replay
  mkdir -p "$work/no_replay"
  grade_as no_replay --items "$items" --no-replay --budget 1
  grep -q "probe $probe: runs in full, no replay: .*replays are off" "$work/no_replay.log"
  check "--no-replay runs $probe in full" $?

  # 3. a given line changed: a comment after the file's last given line that has code
  mkdir -p "$work/given_changed"
  last=$(grep -n '^}' "$source/solution/$file" | tail -1 | cut -d: -f1)
  sed "${last}s|\$|  // my own note|" "$source/solution/$file" > "$work/given_changed/$file"
  grade_as given_changed --items "$items" --budget 1
  grep -q "probe $probe: runs in full, no replay: the file's given code is not the handout's" "$work/given_changed.log"
  check "a changed given line turns the replay of $probe off" $?

  # 4. a #define in the first region
  mkdir -p "$work/define"
  awk '{ print } !done && /\/\/ >>> YOUR CODE HERE >>>/ { print "#define MY_MACRO 1"; done = 1 }' \
    "$source/solution/$file" > "$work/define/$file"
  grade_as define --items "$items" --budget 1
  grep -q "no replay: .*a preprocessor line" "$work/define.log"
  check "a #define in a region turns the replay of $probe off" $?

  # 5. another network: the first decimal constant of the regions changed (0.3 -> 0.25
  #    in the reference's CNN: another dropout rate). Its build is cached by a cheap item.
  mkdir -p "$work/other_network"
  awk '/\/\/ >>> YOUR CODE HERE >>>/ { inside = 1 } /\/\/ <<< END OF YOUR CODE <<</ { inside = 0 }
       inside && !done && match($0, /\(0\.[0-9]+\)/) { $0 = substr($0, 1, RSTART) "0.25" substr($0, RSTART + RLENGTH - 1); done = 1 }
       { print }' "$source/solution/$file" > "$work/other_network/$file"
  ! cmp -s "$source/solution/$file" "$work/other_network/$file" || fail "no decimal constant in a region of $file to change"
  [ -z "$cheap" ] || grade_as other_network --items "$cheap"
  start=$SECONDS
  grade_as other_network --items "$items" --budget 20
  grep -q "probe $probe: runs in full, no replay: its network is not the reference's" "$work/other_network.log"
  check "another network's $probe runs in full ($((SECONDS - start)) s, stopped by the budget)" $?
done
[ "$failures" -eq 0 ] || { for f in "$work"/*.err; do echo "--- $f"; tail -5 "$f"; done; }
echo "$failures failed"
[ "$failures" -eq 0 ]

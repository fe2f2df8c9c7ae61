#!/usr/bin/env bash
# nnkit-grade batch on a small class (invariant I6, docs/architecture.md). Five
# submissions, graded two at a time on three cheap items (the test is about the batch, not
# about training):
#   alice          the solution                                  -> graded, every point
#   bob            the solution, but its grader crashes          -> grader error
#                  (this test sends SIGSEGV to bob's `nnkit-grade grade` child, as a bug
#                  in the grader would: no results.json; tried again by every run)
#   carol          the solution without one part's file          -> files missing
#   dave           an infinite loop in a probed function         -> graded, its cases time out
#   gradebook.csv  a compile error in one part; named like the batch's own file
#                                                                -> graded, between 0 and alice
# Run 1 is SIGKILLed (the batch alone) once alice is graded: none of its gradings may
# survive it. Run 2 resumes and is stopped with SIGTERM at its first verdict: it writes a
# gradebook with "not run" rows. Run 3 finishes: five rows, each with its status, every
# student but bob graded exactly once over the three runs, finished results untouched.
# No process and no scratch folder of a killed grading is left. Then other --items grade
# everything again, the same --items nothing, --force everything.
#   test_batch.sh NNKIT_GRADE SOURCE_DIR WORK_DIR GRADER_KIT
# The files each student hands in are the manifest's (SOURCE_DIR/assignment/manifest.json).
# The class is graded with a copy of GRADER_KIT whose probe timeout is 10 s, so that
# dave's hang costs seconds.
set -euo pipefail
grade=$1 source=$2 work=$3 kit=$4
items=1.2,1.3,2.2   # cheap probes
hang_item=1.3       # dave's infinite loop
fail() { echo "FAIL: $*" >&2; exit 1; }
manifest=$source/assignment/manifest.json
command -v jq > /dev/null || fail "jq is needed to read $manifest (make deps)"
[[ -f "$kit/kit.json" ]] || fail "no grader kit at $kit (kit.json missing): build the grader-kit target"
mapfile -t files < <(jq -r '.parts[].file' "$manifest")
[[ ${#files[@]} -gt 0 ]] || fail "no parts in $manifest"
file_of_item() {
  jq -r --arg n "$1" '(.items[] | select(.number == $n) | .part) as $p
    | .parts[] | select(.name == $p) | .file' "$manifest"
}
# carol's missing file and the compile error are in the part of the last item graded
broken=$(file_of_item "${items##*,}") hang_file=$(file_of_item "$hang_item")
[[ -n "$broken" && -n "$hang_file" ]] || fail "item ${items##*,} or $hang_item is not in $manifest"

rm -rf "$work/class" "$work/out" "$work/kit" "$work"/run*.log
mkdir -p "$work/class" "$work/kit"
# The kit, with a short probe timeout (its fingerprint changes, so the reference is its own).
for entry in "$kit"/*; do
  [[ "$(basename "$entry")" == cache ]] || cp -r "$entry" "$work/kit/"
done
jq '.parts[].probe_timeout_s = 10' "$kit/manifest.json" > "$work/kit/manifest.json"

students=(alice bob carol dave gradebook.csv)
for student in "${students[@]}"; do
  mkdir -p "$work/class/$student"
  for file in "${files[@]}"; do cp "$source/solution/$file" "$work/class/$student/"; done
done
# bob's code differs from the solution's, so that its grading compiles (long enough to be
# caught) instead of reusing the reference's cached build
for file in "${files[@]}"; do echo "// bob's copy" >> "$work/class/bob/$file"; done
rm "$work/class/carol/$broken"
awk -v heading="// $hang_item " '
  index($0, heading) { region = 1 }
  { print }
  region && /YOUR CODE HERE/ { print "  for (volatile unsigned long spins = 0;; spins = spins + 1) {}"; region = 0 }
' "$source/solution/$hang_file" > "$work/class/dave/$hang_file"
grep -q "spins = spins + 1" "$work/class/dave/$hang_file" || fail "could not put a loop into item $hang_item of $hang_file"
echo "this line does not compile" >> "$work/class/gradebook.csv/$broken"

args=(batch "$work/class" --out "$work/out" --jobs 2 --kit "$work/kit" --cache "$work/cache" --quiet)
out=$work/out/submissions

# bob's grader crashes: any `nnkit-grade grade` child grading bob gets SIGSEGV (by its pid).
(
  while :; do
    for pid in $(pgrep -f -- "grade $work/class/bob " || true); do kill -SEGV "$pid" 2> /dev/null || true; done
    sleep 0.2
  done
) &
crasher=$!
# What the batch runs leave: grade children (their command line names the class) and
# their sandboxes (bubblewrap's names the cache).
leftovers() { pgrep -af -- "$work/class/|$work/cache/" | grep -v -- "pgrep" || true; }
cleanup() {
  kill "$crasher" 2> /dev/null || true
  for pid in $(pgrep -f -- "$work/class|$work/cache/" || true); do kill -KILL "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT

# no_leftovers WHEN: nothing of a batch may run once it is gone (killed processes take a
# moment to leave /proc).
no_leftovers() {
  for _ in $(seq 20); do [[ -z "$(leftovers)" ]] && return 0; sleep 0.5; done
  leftovers >&2
  fail "$1: processes of the batch are still running"
}

status_of() { jq -r .status "$out/$1/key.json" 2> /dev/null || echo none; }

# 1. SIGKILL the batch itself (not its process group) once alice has her verdict: its
#    children must die with it (a parent-death signal), and their sandboxes with them.
"$grade" "${args[@]}" --items "$items" > "$work/run1.log" 2>&1 &
batch=$!
# the line is printed after key.json is written: once it is there, so is alice's verdict
for _ in $(seq 1200); do grep -qF "] alice: " "$work/run1.log" && break; sleep 0.5; done
grep -qF "] alice: " "$work/run1.log" || { cat "$work/run1.log"; fail "alice has no verdict after 600 s"; }
kill -KILL "$batch"
wait "$batch" 2> /dev/null || true
no_leftovers "after SIGKILL of the batch"
finished=()
for student in "${students[@]}"; do
  status=$(status_of "$student")
  [[ "$status" == none || "$status" == "grader error" ]] || finished+=("$student")
done
(cd "$out" && for s in "${finished[@]}"; do sha256sum "$s/results.json" "$s/key.json"; done) > "$work/finished.sha256"
echo "run 1 killed after ${#finished[@]} verdict(s): ${finished[*]}"

# 2. Resume, and stop it with SIGTERM at its first verdict: the batch cancels what runs,
#    writes a gradebook whose unfinished rows say "not run", and exits 1. A second batch
#    on the same OUT meanwhile is refused.
"$grade" "${args[@]}" --items "$items" > "$work/run2.log" 2>&1 &
batch=$!
for _ in $(seq 600); do grep -q "^batch: grading" "$work/run2.log" && break; sleep 0.5; done
if "$grade" "${args[@]}" --items "$items" > "$work/concurrent.log" 2>&1; then
  fail "a second batch on the same --out was not refused"
fi
grep -q "another nnkit-grade batch is writing into" "$work/concurrent.log" \
  || { cat "$work/concurrent.log"; fail "the second batch does not say why it stopped"; }
for _ in $(seq 1200); do grep -q '^\[' "$work/run2.log" && break; sleep 0.5; done
kill -TERM "$batch"
status=0; wait "$batch" || status=$?
cat "$work/run2.log"
[[ $status -eq 1 ]] || fail "a batch stopped by SIGTERM exited $status, expected 1"
grep -q "${#finished[@]} already graded" "$work/run2.log" || fail "the restart did not count ${#finished[@]} finished submission(s)"
grep -q "stopped by SIGTERM" "$work/run2.log" || fail "the stopped batch does not say it was stopped"
no_leftovers "after SIGTERM of the batch"
grep -q ',not run,' "$work/out/gradebook.csv" || { cat "$work/out/gradebook.csv"; fail "no 'not run' row after a stop"; }

# 3. Finish the batch.
status=0; "$grade" "${args[@]}" --items "$items" > "$work/run3.log" 2>&1 || status=$?
cat "$work/run3.log"
[[ $status -eq 1 ]] || fail "a batch with a grader error exited $status, expected 1"
(cd "$out" && sha256sum --quiet -c "$work/finished.sha256") || fail "a finished result was rewritten"
no_leftovers "after the batch"
# the scratch folders of the killed gradings are gone too
[[ -z "$(ls -A "$work/cache/work" 2> /dev/null)" ]] || { ls -la "$work/cache/work"; fail "killed gradings left their work folders"; }

# Each student but bob got one verdict over the three runs; bob is tried by each run.
for student in alice carol dave gradebook.csv; do
  n=$(cat "$work"/run[123].log | grep -cF "] $student: " || true)
  [[ $n -eq 1 ]] || fail "$student got $n verdicts over the three runs, expected 1"
done
for student in "${finished[@]}"; do   # finished in run 1: never started again
  ! grep -qF "batch: grading $student (" "$work/run2.log" "$work/run3.log" \
    || fail "$student, finished in run 1, was graded again"
done
n=$(cat "$work"/run[123].log | grep -cF "batch: grading bob (" || true)
[[ $n -ge 2 ]] || fail "bob's failed grading was not tried again ($n tries)"
[[ -d "$out/gradebook.csv" && -s "$out/gradebook.csv/results.json" ]] || fail "the student gradebook.csv has no results"

# The gradebook: a header and one row per submission with its status.
book=$work/out/gradebook.csv
head -1 "$book" | grep -q '^submission,status,' || { cat "$book"; fail "gradebook.csv is not the gradebook"; }
[[ $(wc -l < "$book") -eq 6 ]] || { cat "$book"; fail "gradebook.csv should have 6 lines"; }
column() { awk -F, -v who="$1" -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
                                             $1 == who { print $c }' "$book"; }
expect_status() {
  [[ "$(column "$1" status)" == "$2" ]] || { cat "$book"; fail "$1's status is $(column "$1" status), expected $2"; }
}
expect_status alice graded
expect_status bob "grader error"
expect_status carol "files missing"
expect_status dave graded
expect_status gradebook.csv graded
grep '^bob,' "$book" | grep -q "SIGSEGV" || { cat "$book"; fail "bob's row does not say the grader was killed by SIGSEGV"; }
grep '^carol,' "$book" | grep -qF "$broken" || { cat "$book"; fail "carol's row does not name $broken"; }
grep -q "timed out" "$out/dave/results.json" || fail "dave's hang did not time out"
out_of=$(jq --arg items "$items" '[.items[] | select(.number as $n | $items | split(",") | index($n))
                                   | .cases[].points] | add' "$manifest")
alice=$(column alice total) dave=$(column dave total) broken_total=$(column gradebook.csv total)
echo "totals out of $out_of: alice $alice, dave $dave, gradebook.csv $broken_total"
[[ "$(column alice out_of)" == "$out_of" ]] || fail "totals are not out of the selected items' $out_of points"
[[ "$alice" == "$out_of" ]] || fail "the solution got $alice of $out_of"
grep -qF "] alice: $out_of / $out_of (" "$work/run1.log" || fail "run 1 does not print alice's total out of $out_of"
awk -v a="$alice" -v d="$dave" -v b="$broken_total" 'BEGIN { exit !(d > 0 && d < a && b > 0 && b < a) }' \
  || fail "a hang or a compile error should cost its own cases or part only"
[[ -z "$(column bob total)" ]] || fail "bob has a total without a verdict"
head -c 8 "$work/out/histogram.png" | od -An -tx1 | grep -q "89 50 4e 47" || fail "histogram.png is not a PNG"

# 4. Other --items: every submission is graded again, totals out of that item's points.
"$grade" "${args[@]}" --items 1.2 > "$work/run4.log" 2>&1 || true
cat "$work/run4.log"
grep -q "0 already graded, 5 to grade" "$work/run4.log" || fail "other --items did not grade everyone again"
grep -q "changed: --suite/--items" "$work/run4.log" || fail "the batch does not say the options changed"
one=$(jq '[.items[] | select(.number == "1.2") | .cases[].points] | add' "$manifest")
[[ "$(column alice out_of)" == "$one" && "$(column alice total)" == "$one" ]] || { cat "$book"; fail "--items 1.2: alice not $one of $one"; }
[[ -z "$(column alice "1.3 $(jq -r '.items[] | select(.number == "1.3") | .name' "$manifest")")" ]] \
  || { cat "$book"; fail "an item not graded has a score"; }
expect_status carol graded   # its missing file belongs to no item graded now

# 5. The same --items again: only bob (a grader error is no verdict); then --force: all.
"$grade" "${args[@]}" --items 1.2 > "$work/run5.log" 2>&1 || true
grep -q "4 already graded, 1 to grade" "$work/run5.log" || { cat "$work/run5.log"; fail "a finished batch was graded again"; }
"$grade" "${args[@]}" --items 1.2 --force > "$work/run6.log" 2>&1 || true
grep -q "0 already graded, 5 to grade" "$work/run6.log" || { cat "$work/run6.log"; fail "--force did not grade everyone again"; }
no_leftovers "at the end"
echo "PASS"

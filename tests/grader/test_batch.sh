#!/usr/bin/env bash
# nnkit-grade batch on a small class (issue 5; invariant I6, docs/architecture.md): graded two at a time,
# killed with SIGKILL once the first results.json exists, then started again. The restart
# must grade only what is missing, leave finished results untouched, and end with one
# gradebook row per submission and a histogram.
#   test_batch.sh NNKIT_GRADE SOURCE_DIR WORK_DIR
# The files each student hands in are the manifest's (SOURCE_DIR/assignment/manifest.json).
set -euo pipefail
grade=$1 source=$2 work=$3
items=1.2,1.3,2.2   # cheap probes: the test is about the batch, not about training
fail() { echo "FAIL: $*" >&2; exit 1; }
manifest=$source/assignment/manifest.json
command -v jq > /dev/null || fail "jq is needed to read $manifest (make deps)"
mapfile -t files < <(jq -r '.parts[].file' "$manifest")
[[ ${#files[@]} -gt 0 ]] || fail "no parts in $manifest"
# dave's compile error goes into the part of the last item graded: it costs that part only
broken=$(jq -r --arg n "${items##*,}" '(.items[] | select(.number == $n) | .part) as $p
  | .parts[] | select(.name == $p) | .file' "$manifest")
[[ -n "$broken" ]] || fail "item ${items##*,} is not in $manifest"

rm -rf "$work/class" "$work/out"
mkdir -p "$work/class"
for student in alice bob carol dave; do mkdir -p "$work/class/$student"; done
for file in "${files[@]}"; do
  cp "$source/solution/$file" "$work/class/alice/"
  cp "$source/solution/$file" "$work/class/carol/"
  cp "$source/handout/$file" "$work/class/bob/"
  cp "$source/solution/$file" "$work/class/dave/"
done
echo "this line does not compile" >> "$work/class/dave/$broken"
args=(batch "$work/class" --out "$work/out" --jobs 2 --items "$items" --cache "$work/cache" --quiet)

# 1. Start the batch in its own process group and kill the whole group at the first result.
setsid "$grade" "${args[@]}" > "$work/run1.log" 2>&1 &
leader=$!
for _ in $(seq 600); do
  compgen -G "$work/out/*/results.json" > /dev/null && break
  sleep 0.5
done
compgen -G "$work/out/*/results.json" > /dev/null || { cat "$work/run1.log"; fail "no result after 300 s"; }
kill -KILL -- "-$leader" 2> /dev/null || true
wait "$leader" 2> /dev/null || true
sleep 1
finished_before=$(ls "$work"/out/*/results.json | wc -l)
(cd "$work/out" && sha256sum */results.json) > "$work/finished_before.sha256"
echo "killed the batch after $finished_before finished submission(s)"
if pgrep -f "$work/class" > /dev/null; then
  pgrep -af "$work/class" >&2
  fail "processes of the killed batch are still running"
fi

# 2. Start again: only the rest is graded; finished results are not touched.
"$grade" "${args[@]}" > "$work/run2.log" 2>&1 || { cat "$work/run2.log"; fail "the resumed batch failed"; }
cat "$work/run2.log"
grep -q "$finished_before already graded" "$work/run2.log" || fail "the restart did not count $finished_before finished submission(s)"
(cd "$work/out" && sha256sum --quiet -c "$work/finished_before.sha256") || fail "a finished results.json was rewritten"
for student in alice bob carol dave; do
  [[ -s "$work/out/$student/results.json" ]] || fail "$student has no results.json"
  grep -q '"score"' "$work/out/$student/results.json" || fail "$student's results.json has no score"
done

# 3. The gradebook: a header and one row per submission; equal code, equal totals.
book="$work/out/gradebook.csv"
[[ $(wc -l < "$book") -eq 5 ]] || { cat "$book"; fail "gradebook.csv should have 5 lines"; }
total_of() { awk -F, -v who="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "total") c = i }
                                   $1 == who { print $c }' "$book"; }
alice=$(total_of alice) bob=$(total_of bob) carol=$(total_of carol) dave=$(total_of dave)
echo "totals: alice $alice, bob $bob, carol $carol, dave $dave"
[[ "$alice" == "$carol" ]] || fail "the same code got $alice and $carol"
[[ "$bob" == "0" ]] || fail "the blank handout got $bob"
awk -v a="$alice" -v d="$dave" 'BEGIN { exit !(d > 0 && d < a) }' \
  || fail "a compile error in one part should cost that part only (dave $dave, alice $alice)"
head -c 8 "$work/out/histogram.png" | od -An -tx1 | grep -q "89 50 4e 47" || fail "histogram.png is not a PNG"

# 4. Once more: nothing left to grade.
"$grade" "${args[@]}" > "$work/run3.log" 2>&1
grep -q "4 already graded, 0 to grade" "$work/run3.log" || { cat "$work/run3.log"; fail "a finished batch was graded again"; }
echo "PASS"

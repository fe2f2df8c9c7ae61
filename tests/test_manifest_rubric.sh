#!/usr/bin/env bash
# The manifest reproduces the rubric the kit graded with before the manifest existed
# (tests/fixtures/rubric_before_manifest.json, the last hidden_tests/rubric.json): the
# same total, items with the same numbers, parts and points, and the same cases — ids,
# suites, points, probes, judges and timeouts — with each accuracy threshold now held by
# the part. That the solution still earns every point and the blank handout none is
# grader.validate's job.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
manifest=${1:-$repo/assignment/manifest.json}
before=$repo/tests/fixtures/rubric_before_manifest.json
command -v jq > /dev/null || { echo "test_manifest_rubric: jq is needed (make deps)" >&2; exit 2; }

# Both files as one normal form: one line per case, the threshold moved back into the judge.
old=$(jq -r '.total_points as $t | .items[] | . as $i | .cases[]
  | [$t, $i.number, $i.name, $i.part, $i.points, .id, .suite, .points, .probe, (.timeout_s // 0),
     (.judge | tojson)] | @tsv' "$before")
new=$(jq -r '.total_points as $t | (.parts | map({(.name): .test_accuracy_threshold}) | add) as $th
  | .items[] | . as $i | .cases[]
  | [$t, $i.number, $i.name, $i.part, $i.points, .id, .suite, .points, .probe, (.timeout_s // 0),
     (.judge | if .kind == "accuracy" then . + {threshold: $th[$i.part]} else . end | tojson)]
  | @tsv' "$manifest")
if [ "$old" != "$new" ]; then
  echo "FAIL: the manifest's rubric differs from the one before it:"
  diff <(echo "$old") <(echo "$new") || true
  exit 1
fi
cases=$(echo "$new" | wc -l)
total=$(jq '.total_points' "$manifest")
parts_old=$(jq -c '[.parts | to_entries[] | {name: .key, file: .value.file, timeout: .value.timeout_s}]' "$before")
parts_new=$(jq -c '[.parts[] | {name, file, timeout: .probe_timeout_s}]' "$manifest")
if [ "$parts_old" != "$parts_new" ]; then
  echo "FAIL: parts differ: before $parts_old, manifest $parts_new"
  exit 1
fi
echo "PASS: the manifest gives the rubric of before: $total points, $cases cases, the same parts"

# Every hidden case names what announced its kind of requirement to the student: a public
# case of its item, or a sentence that the handout's file holds word for word.
unannounced=$(jq -r '.items[].cases[] | select(.suite == "hidden" and .announced_by == null) | .id' "$manifest")
if [ -n "$unannounced" ]; then
  echo "FAIL: hidden cases without \"announced_by\": $(echo $unannounced)"
  exit 1
fi
handout=$repo/handout
while IFS=$'\t' read -r id file sentence; do
  if ! grep -qF -- "$sentence" "$handout/$file"; then
    echo "FAIL: $id is announced by \"$sentence\", which handout/$file does not hold"
    exit 1
  fi
done < <(jq -r '.items[].cases[] | select(.announced_by | type == "object")
                | [.id, .announced_by.file, .announced_by.sentence] | @tsv' "$manifest")
echo "PASS: every hidden case is announced by a public case or a sentence of the handout"
echo "2 passed, 0 failed"

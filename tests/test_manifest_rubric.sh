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
echo "1 passed, 0 failed"

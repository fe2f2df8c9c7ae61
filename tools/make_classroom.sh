#!/usr/bin/env bash
# make_classroom.sh OUT_DIR — writes GitHub Classroom's autograding workflow for student
# repositories made from the handout archive (`make classroom`):
#   OUT_DIR/.github/workflows/classroom.yml  from tools/classroom/classroom.yml.in
#   OUT_DIR/README.md                        from tools/classroom/README.md
# One command-grader step per public item, worth the points the public tests give it: the
# items and points come from the public suites' test-case names ("1.6 _backward (3 pts)"),
# which are exactly the lines the student's `make test` prints with ": passed" after them.
# When hidden_tests/rubric.json is there, every item must carry the rubric's points too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
template=$root/tools/classroom/classroom.yml.in

items=$(for part in numpy_ann pytorch_ann pytorch_cnn; do
  grep -oE 'TEST_CASE\("[0-9]+\.[0-9]+ [^"]* \([0-9]+ pts?\)"\)' "$root/public_tests/test_$part.cpp" \
    | sed -E 's/^TEST_CASE\("(.*)"\)$/\1/'
done)
if [ -z "$items" ]; then
  echo "classroom: no scored test case found in public_tests/test_*.cpp" >&2
  exit 1
fi

rubric=""
if [ -f "$root/hidden_tests/rubric.json" ]; then
  rubric=$(cmake -DRUBRIC="$root/hidden_tests/rubric.json" -P "$root/tools/classroom/rubric_points.cmake" 2>&1) \
    || { echo "classroom: cannot read hidden_tests/rubric.json: $rubric" >&2; exit 1; }
  public_numbers=$(sed -E "s/ .*//" <<< "$items" | sort)
  rubric_numbers=$(awk "{ print \$1 }" <<< "$rubric" | sort)
  if [ "$public_numbers" != "$rubric_numbers" ]; then
    echo "classroom: the public tests score items $(echo $public_numbers) but the rubric has $(echo $rubric_numbers)" >&2
    exit 1
  fi
fi
steps=$(mktemp) env_lines=$(mktemp)
trap 'rm -f "$steps" "$env_lines"' EXIT
runners=() total=0 count=0
while IFS= read -r item; do
  number=${item%% *}
  points=$(sed -E 's/.*\(([0-9]+) pts?\)$/\1/' <<< "$item")
  name=$(sed -E 's/^[0-9.]+ (.*) \([0-9]+ pts?\)$/\1/' <<< "$item")
  case "$item" in *[\'\"\\\$\`]*) echo "classroom: an item name with a quote, backslash, \$ or backquote cannot go into a command: $item" >&2; exit 1 ;; esac
  if [ -n "$rubric" ]; then
    rubric_points=$(awk -v n="$number" '($1 "") == (n "") { print $2 }' <<< "$rubric")
    if [ -n "$rubric_points" ] && [ "${rubric_points%.0}" != "$points" ]; then
      echo "classroom: item $number has $points points in the public tests but $rubric_points in hidden_tests/rubric.json" >&2
      exit 1
    fi
  fi
  # The command grader runs its command without a shell, splitting it at spaces outside
  # double quotes (@actions/exec): hence the double quotes, and no shell syntax.
  id=item_${number//./_}
  runners+=("$id")
  total=$((total + points)) count=$((count + 1))
  cat >> "$steps" <<STEP
      - name: "$number $name"
        id: $id
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "$item"
          command: 'grep -qxF "$item: passed" public-tests.log'
          timeout: 1
          max-score: $points
STEP
  echo "          ${id^^}_RESULTS: \"\${{ steps.$id.outputs.result }}\"" >> "$env_lines"
done <<< "$items"

mkdir -p "$out/.github/workflows"
workflow=$out/.github/workflows/classroom.yml
awk -v steps="$steps" -v env_lines="$env_lines" -v runners="$(IFS=,; echo "${runners[*]}")" \
    -v count="$count" -v total="$total" '
  function cat_file(f,   line) { while ((getline line < f) > 0) print line; close(f) }
  /^@ITEM_STEPS@$/   { cat_file(steps); next }
  /^@REPORTER_ENV@$/ { cat_file(env_lines); next }
  { gsub(/@RUNNERS@/, runners); gsub(/@ITEM_COUNT@/, count); gsub(/@TOTAL_POINTS@/, total); print }
' "$template" > "$workflow.tmp"
mv "$workflow.tmp" "$workflow"
cp "$root/tools/classroom/README.md" "$out/README.md"
echo "classroom: wrote $workflow ($count items, $total points) and $out/README.md"

#!/usr/bin/env bash
# make_classroom.sh OUT_DIR — writes GitHub Classroom's autograding workflow for student
# repositories made from the handout archive (`make classroom`):
#   OUT_DIR/.github/workflows/classroom.yml  from tools/classroom/classroom.yml.in
#   OUT_DIR/README.md                        from tools/classroom/README.md
# One command-grader step per item of the assignment's manifest (assignment/manifest.json)
# that has a public case, worth the item's points: tools/classroom/manifest_items.cmake
# prints each item as the public tests title its test case ("1.6 _backward (3 pts)"),
# which is exactly the line the student's `make test` prints with ": passed" after it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
template=$root/tools/classroom/classroom.yml.in
manifest=$root/assignment/manifest.json

items=$(cmake -DMANIFEST="$manifest" -P "$root/tools/classroom/manifest_items.cmake" 2>&1) \
  || { echo "classroom: cannot read the items of assignment/manifest.json: $items" >&2; exit 1; }
if [ -z "$items" ]; then
  echo "classroom: assignment/manifest.json has no item with a public case" >&2
  exit 1
fi

steps=$(mktemp) env_lines=$(mktemp)
trap 'rm -f "$steps" "$env_lines"' EXIT
runners=() count=0
while IFS= read -r item; do
  if ! [[ "$item" =~ ^([0-9]+(\.[0-9]+)*)\ (.+)\ \(([0-9]+(\.[0-9]+)?)\ pts?\)$ ]]; then
    echo "classroom: cannot read the item line \"$item\" (expected \"<number> <name> (<points> pts)\")" >&2
    exit 1
  fi
  number=${BASH_REMATCH[1]} name=${BASH_REMATCH[3]} points=${BASH_REMATCH[4]}
  case "$item" in *[\'\"\\\$\`]*) echo "classroom: an item name with a quote, backslash, \$ or backquote cannot go into a command: $item" >&2; exit 1 ;; esac
  # The command grader runs its command without a shell, splitting it at spaces outside
  # double quotes (@actions/exec): hence the double quotes, and no shell syntax.
  id=item_${number//./_}
  runners+=("$id")
  count=$((count + 1))
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
# points may be fractional: add them with awk, printed as the manifest writes them (42, 41.5)
total=$(sed -E 's/.*\(([0-9.]+) pts?\)$/\1/' <<< "$items" | awk '{ s += $1 } END { printf "%g\n", s }')

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

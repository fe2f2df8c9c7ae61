#!/usr/bin/env bash
# make_classroom.sh OUT_DIR — writes GitHub Classroom's autograding workflow for student
# repositories made from the handout archive (`make classroom`):
#   OUT_DIR/.github/workflows/classroom.yml  from tools/classroom/classroom.yml.in
#   OUT_DIR/README.md                        from tools/classroom/README.md
# One step per part of the assignment's manifest (assignment/manifest.json) that builds it
# alone and runs its public tests (`make test PART=<part>`, its log in
# public-tests-<part>.log), within a time limit; then one command-grader step per item
# with a public case, worth the item's points, that reads its part's log:
# tools/classroom/manifest_items.cmake prints each item as the public tests title its test
# case ("1.6 _backward (3 pts)"), which is exactly the line the student's `make test`
# prints with ": passed" after it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
template=$root/tools/classroom/classroom.yml.in
manifest=$root/assignment/manifest.json

# Minutes each part's step allows for building (nnkit, the scaffold and the part, from
# scratch: whichever part builds first builds nnkit) before its public tests' own limit;
# classroom.yml.in's header says what was measured.
build_minutes=20
# The archive's files that are not the student's and that the build reads: the build
# cache's key hashes them, and the workflow dates them old so a restored build keeps
# their objects (folders and files of the student archive, tools/make_handout_dist.sh).
kit_dirs=(cmake lib public_tests assignment/scaffold assignment/golden)
kit_files=(CMakeLists.txt assignment/CMakeLists.txt assignment/manifest.json tools/packages-build.txt)

lines=$(cmake -DMANIFEST="$manifest" -P "$root/tools/classroom/manifest_items.cmake" 2>&1) \
  || { echo "classroom: cannot read the parts and items of assignment/manifest.json: $lines" >&2; exit 1; }
if ! grep -q '^item ' <<< "$lines"; then
  echo "classroom: assignment/manifest.json has no item with a public case" >&2
  exit 1
fi

part_steps=$(mktemp) steps=$(mktemp) env_lines=$(mktemp)
trap 'rm -f "$part_steps" "$steps" "$env_lines"' EXIT
runners=() count=0
declare -A part_seen=()
while IFS= read -r line; do
  case "$line" in
    part\ *)
      read -r _ part timeout_s <<< "$line"
      [[ "$part" =~ ^[A-Za-z0-9_]+$ && "$timeout_s" =~ ^[0-9]+(\.[0-9]+)?$ ]] \
        || { echo "classroom: cannot read the part line \"$line\" (expected \"part <name> <seconds>\")" >&2; exit 1; }
      part_seen[$part]=1
      # the build's budget plus the public tests' limit, in whole minutes
      minutes=$(awk -v s="$timeout_s" -v b="$build_minutes" 'BEGIN { m = int(s / 60); if (m * 60 < s) m++; print m + b }')
      step_minutes=$((minutes + 2))
      log=public-tests-$part.log
      cat >> "$part_steps" <<STEP
      # builds $part alone (a compile error costs only its items); \`timeout\` stops it after
      # $minutes minutes ($build_minutes to build, $timeout_s s of public tests) and its log is still printed
      - name: "Part $part: build and run its public tests (make test PART=$part)"
        if: \${{ !cancelled() }}
        continue-on-error: true
        timeout-minutes: $step_minutes
        run: status=0; timeout -k 30s ${minutes}m make test PART=$part > $log 2>&1 || status=\$?; cat $log; if [ "\$status" -eq 124 ] || [ "\$status" -eq 137 ]; then echo "$part stopped after $minutes minutes: its items that had not passed score 0"; fi
STEP
      ;;
    item\ *)
      item=${line#item }
      part=${item%% *} item=${item#* }
      [ -n "${part_seen[$part]:-}" ] || { echo "classroom: item \"$item\" is of part \"$part\", which the manifest's parts lack" >&2; exit 1; }
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
        if: \${{ !cancelled() }}
        timeout-minutes: 2
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "$item"
          command: 'grep -qxF "$item: passed" public-tests-$part.log'
          timeout: 1
          max-score: $points
STEP
      echo "          ${id^^}_RESULTS: \"\${{ steps.$id.outputs.result }}\"" >> "$env_lines"
      ;;
    *) echo "classroom: unexpected line from manifest_items.cmake: $line" >&2; exit 1 ;;
  esac
done <<< "$lines"
items=$(sed -n 's/^item [^ ]* //p' <<< "$lines")
# points may be fractional: add them with awk, printed as the manifest writes them (42, 41.5)
total=$(sed -E 's/.*\(([0-9.]+) pts?\)$/\1/' <<< "$items" | awk '{ s += $1 } END { printf "%g\n", s }')

# cache keys: the apt cache's from the package lists (the Debian packages make deps and
# make data install); the build's from the hash of the kit's files and of the installed
# packages' versions (GitHub's hashFiles; the workflow lists them in debian-packages.txt)
packages_hash=$(cat "$root/tools/packages-build.txt" "$root/data/setup.sh" | sha256sum | cut -c1-16)
apt_key="debian12-apt-$packages_hash"
globs=()
for dir in "${kit_dirs[@]}"; do globs+=("'$dir/**'"); done
for file in "${kit_files[@]}" debian-packages.txt; do globs+=("'$file'"); done
build_key="debian12-build-\${{ hashFiles($(IFS=,; echo "${globs[*]}" | sed "s/','/', '/g")) }}"

mkdir -p "$out/.github/workflows"
workflow=$out/.github/workflows/classroom.yml
awk -v part_steps="$part_steps" -v steps="$steps" -v env_lines="$env_lines" \
    -v runners="$(IFS=,; echo "${runners[*]}")" -v count="$count" -v total="$total" \
    -v build_minutes="$build_minutes" \
    -v apt_key="$apt_key" -v build_key="$build_key" -v kit_paths="${kit_dirs[*]} ${kit_files[*]}" '
  function cat_file(f,   line) { while ((getline line < f) > 0) print line; close(f) }
  /^@PART_STEPS@$/   { cat_file(part_steps); next }
  /^@ITEM_STEPS@$/   { cat_file(steps); next }
  /^@REPORTER_ENV@$/ { cat_file(env_lines); next }
  { gsub(/@RUNNERS@/, runners); gsub(/@ITEM_COUNT@/, count); gsub(/@TOTAL_POINTS@/, total)
    gsub(/@BUILD_MINUTES@/, build_minutes)
    gsub(/@APT_KEY@/, apt_key); gsub(/@BUILD_KEY@/, build_key); gsub(/@KIT_PATHS@/, kit_paths); print }
' "$template" > "$workflow.tmp"
# the job's limit: the sum of its steps' (every step has one: tests/test_classroom.sh checks)
job_minutes=$(awk '/^        timeout-minutes: [0-9]+$/ { s += $2 } END { print s }' "$workflow.tmp")
sed -i "s/@JOB_MINUTES@/$job_minutes/" "$workflow.tmp"
mv "$workflow.tmp" "$workflow"
cp "$root/tools/classroom/README.md" "$out/README.md"
echo "classroom: wrote $workflow ($count items, $total points, at most $job_minutes minutes) and $out/README.md"

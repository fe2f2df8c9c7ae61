#!/usr/bin/env bash
# `make classroom`'s workflow, run as GitHub would run it in a student's repository (make
# test-classroom): the student archive is unpacked in an empty folder and made a fresh git
# repository, the reference solution's part files go in, and part 3 gets a compile error.
# Then the generated workflow's `run:` steps and its item steps' `command:`s run here, in
# order (not the `uses:` steps, nor those that set up apt, which is the machine's; `make
# deps` runs and finds everything installed). Checked: every step has a time limit; the
# items of the parts that compile get all their points (the manifest's, read with jq) and
# those of the broken part none; the broken part's log names its compile error. Then a
# second push with the build cache: a fresh clone at the same place, the build folder of
# the first run put back as actions/cache would, and the workflow's dating step: building
# a part recompiles that part and nothing of nnkit.
# Builds nnkit once and trains parts 1 and 2 with the assignment's settings (the archive
# has no shorter training): README.md, "Tests", has the time it takes.
set -uo pipefail
# as GitHub runs it: no make flags from a make that runs this test
unset MAKEFLAGS MFLAGS MAKELEVEL
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/assignment/manifest.json
command -v jq > /dev/null || { echo "test_classroom: jq is needed to read $manifest (make deps)" >&2; exit 2; }
command -v git > /dev/null || { echo "test_classroom: git is needed for the student repository" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/nnkit-test-classroom.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
elapsed() { echo $(( $(date +%s) - $1 )); }

# the broken part: the manifest's third; the others must keep their points
broken=$(jq -r '.parts[2].name' "$manifest")
broken_file=$(jq -r '.parts[2].file' "$manifest")
[ -n "$broken" ] && [ "$broken" != null ] || { echo "test_classroom: $manifest has no third part" >&2; exit 2; }
# points of the items with a public case: of the parts that compile, and of the broken one
public_points() { jq -r --arg p "$broken" "[.items[] | select(any(.cases[]; .suite == \"public\")) | select($1) | .points] | add // 0" "$manifest"; }
want_good=$(public_points '.part != $p')
want_broken=$(public_points '.part == $p')

"$root/tools/make_handout_dist.sh" "$work/nnkit-assignment.tar.gz" > /dev/null
check "make handout-dist writes the archive" $?
"$root/tools/make_classroom.sh" "$work/classroom" > /dev/null
check "make classroom writes the workflow" $?
workflow=$work/classroom/.github/workflows/classroom.yml

# --- every step has a time limit, and so has the job ------------------------------------
missing=$(awk '
  /^    timeout-minutes: [0-9]+$/ { job = 1 }
  /^      - name: / { if (name != "" && !limit) print name; name = $0; sub(/^      - name: /, "", name); limit = 0 }
  /^        timeout-minutes: [0-9]+$/ { limit = 1 }
  END { if (name != "" && !limit) print name; if (!job) print "(the job)" }' "$workflow")
check "every step of the workflow has timeout-minutes${missing:+ (not: $(tr '\n' ';' <<< "$missing"))}" \
  $([ -z "$missing" ]; echo $?)
steps=$(grep -c '^      - name: ' "$workflow")
limits=$(grep -c '^        timeout-minutes: [0-9]*$' "$workflow")
check "as many limits as steps ($limits of $steps)" $([ "$steps" -gt 0 ] && [ "$limits" = "$steps" ]; echo $?)

# --- the student's repository ----------------------------------------------------------
repo=$work/student
mkdir "$repo"
tar -C "$repo" --strip-components=1 -xzf "$work/nnkit-assignment.tar.gz" || exit 1
cd "$repo" || exit 1
[ -z "$(git rev-parse --show-toplevel 2> /dev/null)" ] || { echo "test_classroom: $repo is inside a git repository" >&2; exit 2; }
while read -r file; do cp "$root/solution/$file" "assignment/$file"; done < <(jq -r '.parts[].file' "$manifest")
printf '\nthis line is not C++ (planted by tests/test_classroom.sh)\n' >> "assignment/$broken_file"
git init -q . && git add -A \
  && git -c user.name=student -c user.email=student@example.org commit -q -m "my assignment"
check "the unpacked archive is a fresh git repository" $?

# --- the workflow's steps, in order ----------------------------------------------------
# Each step becomes a file steps/NNN.<kind> (run: its script, grade: its command, then a
# tab and its max-score; uses: nothing) and steps/NNN.name its name.
mkdir "$work/steps"
awk -v dir="$work/steps" '
  function flush() { if (n) { print kind_body > (dir "/" sprintf("%03d", n) "." kind); close(dir "/" sprintf("%03d", n) "." kind) } }
  /^      - name: / { flush(); n++; name = $0; sub(/^      - name: /, "", name); gsub(/"/, "", name)
                      print name > (dir "/" sprintf("%03d", n) ".name"); close(dir "/" sprintf("%03d", n) ".name")
                      kind = "uses"; kind_body = ""; block = 0; next }
  block && /^          / { line = $0; sub(/^          /, "", line); kind_body = kind_body (kind_body == "" ? "" : "\n") line; next }
  { block = 0 }
  /^        run: \|$/ { kind = "run"; block = 1; next }
  /^        run: /    { kind = "run"; kind_body = $0; sub(/^        run: /, "", kind_body); next }
  /^          command: / { kind = "grade"; command = $0; sub(/^          command: \x27/, "", command); sub(/\x27$/, "", command); next }
  /^          max-score: / { kind_body = command "\t" $2; next }
  END { flush() }' "$workflow"

declare -A got=() max=()
ran=0
for name_file in "$work"/steps/*.name; do
  n=${name_file%.name} name=$(cat "$name_file")
  if [ -f "$n.run" ]; then
    script=$(cat "$n.run")
    # the container's apt set-up is GitHub's machine's business, not this one's
    if grep -qE 'apt-get|/etc/apt' <<< "$script"; then echo "skip: $name (sets up apt)"; continue; fi
    start=$(date +%s)
    bash --noprofile --norc -eo pipefail -c "$script" > "$n.out" 2>&1
    status=$?
    echo "step: $name: $(elapsed "$start") s, exit $status"
    ran=$((ran + 1))
    [ "$status" -eq 0 ] || { echo "--- its output:"; tail -20 "$n.out"; }
  elif [ -f "$n.grade" ]; then
    IFS=$'\t' read -r command points < "$n.grade"
    part=$(sed -nE 's/.* public-tests-([A-Za-z0-9_]+)\.log$/\1/p' <<< "$command")
    max[$part]=$(awk -v a="${max[$part]:-0}" -v b="$points" 'BEGIN { printf "%g", a + b }')
    # the command grader runs it without a shell, split at spaces outside double quotes
    if bash -c "$command"; then
      got[$part]=$(awk -v a="${got[$part]:-0}" -v b="$points" 'BEGIN { printf "%g", a + b }')
    fi
  else
    echo "skip: $name (uses: an action)"
  fi
done
check "the workflow's run: steps ran ($ran)" $([ "$ran" -gt 0 ]; echo $?)

good=0 good_max=0
for part in "${!max[@]}"; do
  echo "points: $part ${got[$part]:-0} / ${max[$part]}"
  [ "$part" = "$broken" ] && continue
  good=$(awk -v a="$good" -v b="${got[$part]:-0}" 'BEGIN { printf "%g", a + b }')
  good_max=$(awk -v a="$good_max" -v b="${max[$part]}" 'BEGIN { printf "%g", a + b }')
done
check "the parts that compile get all their points ($good of $want_good; their steps offer $good_max)" \
  $([ "$good" = "$want_good" ] && [ "$good_max" = "$want_good" ]; echo $?)
check "the broken part $broken gets none (${got[$broken]:-0} of ${max[$broken]:-0}; the manifest's $want_broken)" \
  $([ "${got[$broken]:-0}" = 0 ] && [ "${max[$broken]:-0}" = "$want_broken" ]; echo $?)
grep -qF "this line is not C++" "public-tests-$broken.log" && grep -qxF "$broken does not compile (errors above): its items score 0" "public-tests-$broken.log"
check "the broken part's log shows its compile error" $?

# --- a second push, with the build cache -----------------------------------------------
# what actions/cache does: the build folder comes back with its files' dates, into a fresh
# checkout (every file dated now) at the same place; then the workflow's dating step
part=$(jq -r '.parts[0].name' "$manifest")
part_file=$(jq -r '.parts[0].file' "$manifest")
cd "$work" && mv student first && git clone -q first student && mv first/build student/build \
  && rm -rf first && cd student
check "a fresh clone with the first run's build folder" $?
dating=$(grep -l 'touch -d' "$work"/steps/*.run | head -1)
bash --noprofile --norc -eo pipefail -c "$(cat "$dating")"
check "the workflow's dating step runs" $?
start=$(date +%s)
output=$(make build PART="$part" 2>&1); status=$?
echo "make build PART=$part with the cache: $(elapsed "$start") s, exit $status"
check "the part builds from the cache" "$status"
! grep -qE 'Building CXX object lib/' <<< "$output"
check "nothing of nnkit recompiles" $?
grep -qE "Building CXX object .*/${part_file}\.o$" <<< "$output"
check "the student's $part_file recompiles" $?

echo "$failures failed"
[ "$failures" -eq 0 ]

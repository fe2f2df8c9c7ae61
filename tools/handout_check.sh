#!/usr/bin/env bash
# handout_check.sh — fails when handout/ is not exactly what `make handout` would write
# from solution/ now; prints the files that differ and the command that fixes it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
"$root/tools/make_handout.sh" "$root/solution" "$fresh/handout"
if ! diff -r "$fresh/handout" "$root/handout" > "$fresh/diff.txt"; then
  echo "handout-check: handout/ is stale: it differs from what solution/ generates:" >&2
  grep -E '^(diff|Only in)' "$fresh/diff.txt" | sed "s|$fresh/||" >&2 || true
  echo "handout-check: run \`make handout\` and commit handout/ (never edit handout/ by hand)" >&2
  exit 1
fi
echo "handout-check: handout/ is in sync with solution/"

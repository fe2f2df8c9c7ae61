#!/usr/bin/env bash
# handout_check.sh [SOLUTION_DIR HANDOUT_DIR] — fails when the handout is not exactly what
# `make handout` would write from the solution now (default: solution/ and handout/);
# prints the files that differ and the command that fixes it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
solution=${1:-$root/solution}
handout=${2:-$root/handout}
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
"$root/tools/make_handout.sh" "$solution" "$fresh/handout"
if ! diff -r "$fresh/handout" "$handout" > "$fresh/diff.txt"; then
  echo "handout-check: $handout is stale: it differs from what $solution generates:" >&2
  grep -E '^(diff|Only in)' "$fresh/diff.txt" | sed "s|$fresh/||" >&2 || true
  echo "handout-check: run \`make handout\` and commit the handout (never edit it by hand)" >&2
  exit 1
fi
echo "handout-check: ${handout#"$root/"} is in sync with ${solution#"$root/"}"

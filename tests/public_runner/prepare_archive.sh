#!/usr/bin/env bash
# prepare_archive.sh DIR — the student archive as a student unpacks it (make handout-dist),
# in DIR/nnkit-assignment, built with its own Makefile, with the reference solution's part
# files in assignment/. The blank files are kept in DIR/blank/ and the solution's in
# DIR/solution/, so the runner's tests (runner.*) can switch between them and plant
# mistakes without building nnkit again. CTest fixture runner_archive.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
manifest=$root/assignment/manifest.json
command -v jq > /dev/null || { echo "prepare_archive: jq is needed to read $manifest (make deps)" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir/blank" "$dir/solution"
"$root/tools/make_handout_dist.sh" "$dir/nnkit-assignment.tar.gz"
tar -C "$dir" -xzf "$dir/nnkit-assignment.tar.gz"
for file in $(jq -r '.parts[].file' "$manifest"); do
  cp "$dir/nnkit-assignment/assignment/$file" "$dir/blank/"
  cp "$root/solution/$file" "$dir/solution/"
  cp "$root/solution/$file" "$dir/nnkit-assignment/assignment/"
done
cd "$dir/nnkit-assignment"
start=$(date +%s)
nice -n 19 make build JOBS="${JOBS:-2}"
echo "prepare_archive: built the archive in $(( $(date +%s) - start )) s"

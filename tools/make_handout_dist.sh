#!/usr/bin/env bash
# make_handout_dist.sh OUT.tar.gz — packs the student archive from the kit: the generated
# handout (as assignment/), nnkit without its own tests, the public tests, the data set-up,
# the dependency installer, and the student's Makefile, CMakeLists.txt and README.
# The handout must be in sync with solution/ (handout_check.sh) before it ships.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
"$root/tools/handout_check.sh" > /dev/null

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
kit="$staging/nnkit-assignment"
mkdir -p "$kit/cmake"
cp -r "$root/handout" "$kit/assignment"
mv "$kit/assignment/README.md" "$kit/README.md"
cp -r "$root/public_tests" "$kit/public_tests"
"$root/tools/stage_kit_sources.sh" "$kit"
cp "$root/cmake/nnkit_build.cmake" "$kit/cmake/"
cp "$root/tools/handout_dist/CMakeLists.txt" "$root/tools/handout_dist/Makefile" "$kit/"

mkdir -p "$(dirname "$out")"
tar -C "$staging" --sort=name --owner=0 --group=0 --mtime='2026-01-01 00:00Z' \
    -czf "$out.tmp" nnkit-assignment
mv "$out.tmp" "$out"
echo "handout-dist: wrote $out ($(du -h "$out" | cut -f1))"

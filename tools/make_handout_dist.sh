#!/usr/bin/env bash
# make_handout_dist.sh OUT.tar.gz — packs the student archive from the kit: the generated
# handout (as assignment/), nnkit without its own tests, the public tests, the data set-up,
# the dependency installer, the student's Makefile, CMakeLists.txt and README, and a
# .devcontainer/ (Debian 12 with the same packages).
# The handout must be in sync with solution/ (handout_check.sh) before it ships.
#
# Two files are written from the kit's assignment/manifest.json here, with jq (on the
# instructor's machine only: the archive itself never needs jq):
#   assignment/manifest.json  the manifest's public part: every hidden case left out and
#                             no case's probe; the archive's CMake reads it
#                             (cmake/nnkit_manifest.cmake) as the kit's does;
#   assignment.mk             what the student's Makefile needs from it: PARTS, PART_FILES
#                             and OpenBLAS's pinning (numerics.blas_pinning).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
manifest=$root/assignment/manifest.json
"$root/tools/handout_check.sh" > /dev/null
command -v jq > /dev/null || { echo "handout-dist: jq is needed to read assignment/manifest.json; run 'make deps'" >&2; exit 2; }
[ -f "$manifest" ] || { echo "handout-dist: assignment/manifest.json is missing" >&2; exit 1; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
kit="$staging/nnkit-assignment"
mkdir -p "$kit/cmake"
cp -r "$root/handout" "$kit/assignment"
mv "$kit/assignment/README.md" "$kit/README.md"
cp -r "$root/public_tests" "$kit/public_tests"
"$root/tools/stage_kit_sources.sh" "$kit"
cp "$root/cmake/nnkit_build.cmake" "$root/cmake/nnkit_manifest.cmake" "$kit/cmake/"
cp "$root/tools/handout_dist/CMakeLists.txt" "$root/tools/handout_dist/Makefile" "$kit/"
# The dev container (VS Code, Codespaces, Docker Desktop): Debian 12 with packages-build.txt.
cp -r "$root/tools/handout_dist/devcontainer" "$kit/.devcontainer"

# The manifest's public part: what students may know (parts, items and points, public
# cases, thresholds, split, judgement words, numerics), never a hidden case or a probe.
# (The generated notes name `make handout-dist`, not this script: a file of the archive
# cites only files the archive has, and this script is the kit's, not the archive's.)
jq --arg generated "from the kit's assignment/manifest.json by the kit's make handout-dist (hidden cases left out); do not edit" '
  {generated: $generated}
  + (del(.generated) | .items |= map(.cases |= map(select(.suite != "hidden") | del(.probe))))
' "$manifest" > "$kit/assignment/manifest.json" \
  || { echo "handout-dist: cannot read $manifest" >&2; exit 1; }

# assignment.mk: make variables, so every value must be one plain word.
jq -r '
  def word($what; $re): if type == "string" and test($re) then .
    else error("\($what) \"\(.)\" is not a plain word (\($re))") end;
  "# Generated from assignment/manifest.json by the kit'"'"'s make handout-dist: do not edit.",
  "# The assignment'"'"'s parts, the files you hand in, and the CPU flags under which the tests",
  "# and programs pin OpenBLAS'"'"'s kernels (the Makefile includes this file).",
  "PARTS := \([.parts[].name | word("part name"; "^[A-Za-z0-9_]+$")] | join(" "))",
  "PART_FILES := \([.parts[].file | word("part file"; "^[A-Za-z0-9_][A-Za-z0-9_.-]*$")] | join(" "))",
  "BLAS_PIN_FLAGS := \([.numerics.blas_pinning.cpu_flags[] | word("CPU flag"; "^[a-z0-9_]+$")] | join(" "))",
  "BLAS_PIN_ENV := \([.numerics.blas_pinning.env | to_entries[]
     | "\(.key | word("variable"; "^[A-Za-z_][A-Za-z0-9_]*$"))=\(.value | tostring | word("value"; "^[A-Za-z0-9_.,:-]+$"))"]
     | join(" "))"
' "$manifest" > "$kit/assignment.mk" \
  || { echo "handout-dist: cannot write assignment.mk from $manifest" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
tar -C "$staging" --sort=name --owner=0 --group=0 --mtime='2026-01-01 00:00Z' \
    -czf "$out.tmp" nnkit-assignment
mv "$out.tmp" "$out"
echo "handout-dist: wrote $out ($(du -h "$out" | cut -f1))"

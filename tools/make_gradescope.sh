#!/usr/bin/env bash
# make_gradescope.sh OUT.zip — packs Gradescope's autograder (`make gradescope`). At the
# zip's top level: setup.sh and run_autograder (tools/gradescope/), the grader-only
# CMakeLists.txt beside them, and the sources nnkit-grade is built from: the assignment's
# manifest (assignment/manifest.json: parts, items, cases, thresholds), cmake/, lib/
# without its tests, solution/ and handout/ (the kit stages both), hidden_tests/ (the
# probes), grader/ and the dependency installer with the image's package list
# (tools/gradescope/packages.txt). It is self-contained beyond that list: it carries the
# header-only libraries it compiles with (third_party/: tools/vendor_headers.sh) and the
# assignment's split of Fashion-MNIST (data/split/: six IDX files, 2 MB, and their
# SHA256SUMS, written by `nnkit-grade export-split` from this machine's dataset).
# Gradescope unpacks it into /autograder/source and runs setup.sh there.
#
# Environment: NNKIT_GRADE — the nnkit-grade that exports the split (default
# build/bin/nnkit-grade: `make gradescope` builds it); FMNIST_DIR, as for `make data`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
grade=${NNKIT_GRADE:-$root/build/bin/nnkit-grade}
if [ ! -x "$grade" ]; then
  echo "gradescope: $grade is missing: it exports the data split the zip carries; run \`make grader\`" \
       "first (or set NNKIT_GRADE to an nnkit-grade of this kit)" >&2
  exit 1
fi
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
"$root/tools/handout_check.sh" > /dev/null
if [ ! -f "$root/assignment/manifest.json" ]; then
  echo "gradescope: assignment/manifest.json is missing: the autograder has nothing to grade with" >&2
  exit 1
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
src=$staging/autograder
mkdir -p "$src"
cp "$root/tools/gradescope/setup.sh" "$root/tools/gradescope/run_autograder" \
   "$root/tools/gradescope/CMakeLists.txt" "$root/tools/gradescope/README.md" "$src/"
cp -r "$root/assignment" "$root/cmake" "$root/solution" "$root/handout" "$root/hidden_tests" \
      "$root/grader" "$src/"
"$root/tools/stage_kit_sources.sh" "$src"
# The image's packages are tools/gradescope/packages.txt; the full kit's list and the
# dataset's set-up are not used by this build.
rm "$src/tools/packages-build.txt" "$src/data/setup.sh" "$src/data/fashion-mnist.files"
mkdir -p "$src/tools/gradescope"
cp "$root/tools/gradescope/packages.txt" "$src/tools/gradescope/"
"$root/tools/vendor_headers.sh" "$src/third_party"
"$grade" export-split "$src/data/split" --quiet
(cd "$src/data/split" && sha256sum *.idx > SHA256SUMS)
# the golden-value scripts are not needed to grade (the grader computes its own reference)
find "$src" -name '*.py' -delete
chmod 755 "$src/setup.sh" "$src/run_autograder"

mkdir -p "$(dirname "$out")"
rm -f "$out.tmp"
# the files, not their folder, at the zip's top level (Gradescope looks for setup.sh
# there); a fixed order and time so that the same kit gives the same zip
find "$src" -exec touch -h -d '2026-01-01 00:00Z' {} +
(cd "$src" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | zip -q -X -@ "$out.tmp")
mv "$out.tmp" "$out"
echo "gradescope: wrote $out ($(du -h "$out" | cut -f1), $(unzip -Z1 "$out" | wc -l) files)"

#!/usr/bin/env bash
# stage_kit_sources.sh DEST — copies what every packed kit builds from into DEST: nnkit
# without its own tests (lib/), the data set-up and checksums (data/), and the dependency
# installer with its package list (tools/). Used by make_handout_dist.sh (the student
# archive) and make_gradescope.sh (the autograder), so a new folder of lib/ reaches both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
mkdir -p "$dest/lib" "$dest/data" "$dest/tools"
cp -r "$root/lib/include" "$root/lib/src" "$root/lib/examples" "$root/lib/CMakeLists.txt" "$dest/lib/"
cp "$root/data/setup.sh" "$root/data/fashion-mnist.files" "$dest/data/"
cp "$root/tools/install_deps.sh" "$root/tools/packages-build.txt" "$dest/tools/"

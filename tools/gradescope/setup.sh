#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: the zip is
# unpacked in $AUTOGRADER_ROOT/source (default /autograder/source). It installs the Debian
# packages the kit needs (tools/packages-build.txt, Fashion-MNIST included; only what is
# missing), checks the data, builds nnkit-grade and its kit (Release) into source/build,
# and checks in this image that the kit grades (see NNKIT_SETUP_CHECK).
#
# Environment: AUTOGRADER_ROOT (default /autograder); JOBS (default: all cores);
# NNKIT_SETUP_CHECK=validate|none — `validate` (default) grades the reference solution
# (42/42) and the blank handout (0) in this very image: a kit that cannot grade here (no
# bubblewrap sandbox in the container, say) fails the upload instead of every submission,
# and the reference observations it computes stay cached in the image for every
# submission; `none` skips it (each submission then computes what it needs; for tests).
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
source_dir=$root/source
build_dir=$source_dir/build
check=${NNKIT_SETUP_CHECK:-validate}
cd "$source_dir"

echo "setup: $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown system}"), $(nproc) cores"
tools/install_deps.sh tools/packages-build.txt
cmake_version=$(cmake --version | awk 'NR == 1 { print $3 }')
if ! printf '3.22\n%s\n' "$cmake_version" | sort -V -C; then
  echo "setup: cmake $cmake_version is too old (the kit needs 3.22 or newer, as in Ubuntu 22.04" \
       "or Debian 12); choose a newer base image in Gradescope's autograder settings" >&2
  exit 1
fi
data/setup.sh

cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}" --target nnkit-grade grader-kit
grade=$build_dir/bin/nnkit-grade

case "$check" in
  validate) "$grade" validate ;;
  none) ;;
  *) echo "setup: NNKIT_SETUP_CHECK=$check: expected validate or none" >&2; exit 2 ;;
esac
echo "setup: the autograder is ready ($grade)"

#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: the zip is
# unpacked in $AUTOGRADER_ROOT/source (default /autograder/source). It installs the few
# packages the autograder takes from the image (tools/gradescope/packages.txt: compiler,
# CMake, OpenBLAS, zlib, bubblewrap, libseccomp, gnuplot, Boost's iostreams; only what is
# missing), checks the data the zip carries (data/split/, against its SHA256SUMS), closes
# the whole source folder to every user but root (it holds the held-out test labels, the
# reference solution and the hidden tests; where bubblewrap cannot start, the fallback
# sandbox runs student code as a uid of its own that sees what permissions let it), builds
# nnkit-grade and its kit (Release) into source/build with the header-only libraries the zip carries
# (third_party/include), and checks in this image that the kit grades (NNKIT_SETUP_CHECK).
#
# Environment: AUTOGRADER_ROOT (default /autograder); JOBS (default: all cores);
# NNKIT_SETUP_CHECK=validate|none — `validate` (default) grades the reference solution
# (42/42) and the blank handout (0) in this very image: a kit that cannot grade here (no
# sandbox that can start in the container, a compiler missing, say) fails the upload instead of every submission,
# and the reference observations it computes stay cached in the image for every
# submission; `none` skips it (each submission then computes what it needs; for tests).
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
source_dir=$root/source
build_dir=$source_dir/build
check=${NNKIT_SETUP_CHECK:-validate}
cd "$source_dir"

echo "setup: $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown system}"), $(nproc) cores"
tools/install_deps.sh tools/gradescope/packages.txt
cmake_version=$(cmake --version | awk 'NR == 1 { print $3 }')
if ! printf '3.22\n%s\n' "$cmake_version" | sort -V -C; then
  echo "setup: cmake $cmake_version is too old (the kit needs 3.22 or newer, as in Ubuntu 22.04" \
       "or Debian 12); choose a newer base image in Gradescope's autograder settings" >&2
  exit 1
fi
split=$source_dir/data/split
if ! (cd "$split" && sha256sum --check --strict --quiet SHA256SUMS); then
  echo "setup: $split does not match its SHA256SUMS (above: which file): the zip is damaged" \
       "or was changed after \`make gradescope\`; make it again and upload it" >&2
  exit 1
fi
# Root only: the grader runs as root and reads them; student code never runs as root.
# The split closed twice (itself and the folder above) so that it stays closed wherever the
# source folder is copied; what the sandbox needs of the kit the grader stages for each run.
chown -R 0:0 "$split" 2> /dev/null || true
chmod 700 "$split" && chmod 600 "$split"/*
chmod 700 "$source_dir"
echo "setup: data/split/ matches its SHA256SUMS ($(grep -c . "$split/SHA256SUMS") files); source/ is root only"

cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
      -DNNKIT_VENDORED_INCLUDE="$source_dir/third_party/include" > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}" --target nnkit-grade grader-kit
grade=$build_dir/bin/nnkit-grade

case "$check" in
  validate) "$grade" validate --data "$split" ;;
  none) ;;
  *) echo "setup: NNKIT_SETUP_CHECK=$check: expected validate or none" >&2; exit 2 ;;
esac
echo "setup: the autograder is ready ($grade)"

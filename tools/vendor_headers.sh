#!/usr/bin/env bash
# vendor_headers.sh DEST — copies the header-only libraries the grader's build compiles
# with, exactly as Debian 12 packages them, into DEST/include, with each package's
# copyright file in DEST/licenses and their versions in DEST/VERSIONS.
#
# Why: Gradescope's images are Ubuntu (22.04 by default), whose xtensor, fmt or CLI11 may
# be other versions than the ones the kit is tested with, or missing. The autograder zip
# carries these headers (tools/make_gradescope.sh) and its build uses them
# (cmake/nnkit_vendored.cmake), so the image only has to provide a compiler, CMake, OpenBLAS,
# zlib and the few packages of tools/gradescope/packages.txt.
# Each package's own file list (dpkg -L) decides what is copied: nothing more, nothing less.
set -euo pipefail
dest=$1
# The packages, and why each is needed: xtensor and its helpers (xtl, xsimd) and
# xtensor-blas are nnkit's arrays; fmt (used header-only), nlohmann-json and CLI11 are the
# grader's and the scaffold's formatting, JSON and flags; gnuplot-iostream draws the
# learning-curve plots that item 2.5 grades.
packages=(libxtensor-dev xtl-dev libxsimd-dev libxtensor-blas-dev libfmt-dev nlohmann-json3-dev
          libcli11-dev libgnuplot-iostream-dev)
mkdir -p "$dest/include" "$dest/licenses"
: > "$dest/VERSIONS"
# This machine's own instance of each (with multiarch a bare name may match two: arm64
# -dev packages for a cross-build); header-only packages are often ":all".
native=$(dpkg --print-architecture)
for name in "${packages[@]}"; do
  package=$name:$native
  dpkg-query -W "$package" > /dev/null 2>&1 || package=$name:all
  if ! version=$(dpkg-query -W -f '${Version}' "$package" 2> /dev/null) || [ -z "$version" ]; then
    echo "vendor_headers: Debian package $name is not installed, so its headers cannot be" \
         "packed into the autograder; run \`make deps\`" >&2
    exit 1
  fi
  echo "$name $version" >> "$dest/VERSIONS"
  # Regular files under /usr/include, with their folders (links and folders are recreated).
  dpkg -L "$package" | grep '^/usr/include/' | while read -r path; do
    [ -f "$path" ] && [ ! -L "$path" ] || continue
    relative=${path#/usr/include/}
    mkdir -p "$dest/include/$(dirname "$relative")"
    cp "$path" "$dest/include/$relative"
  done
  cp "/usr/share/doc/$name/copyright" "$dest/licenses/$name.copyright"
done

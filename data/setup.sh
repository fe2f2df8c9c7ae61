#!/usr/bin/env bash
# `make data`: makes sure Fashion-MNIST is there and intact.
# By default it comes from Debian's dataset-fashion-mnist package (installed if missing);
# FMNIST_DIR=/some/folder points at another copy of the same four .gz files.
# Every file is checked against data/fashion-mnist.files (size and SHA-256); any problem
# stops with the file, what was expected, what was found, and how to fix it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
default_dir=/usr/share/datasets/fashion-mnist
dir=${FMNIST_DIR:-$default_dir}

if [ -z "${FMNIST_DIR:-}" ] && [ ! -d "$dir" ]; then
  echo "data: $dir does not exist; installing Debian's dataset-fashion-mnist"
  printf 'dataset-fashion-mnist\n' > "${TMPDIR:-/tmp}/nnkit-data-package.txt"
  "$here/../tools/install_deps.sh" "${TMPDIR:-/tmp}/nnkit-data-package.txt"
fi

if [ "$dir" = "$default_dir" ]; then
  fix="reinstall the package: apt-get install --reinstall dataset-fashion-mnist"
else
  fix="copy the original file into $dir again, or unset FMNIST_DIR to use Debian's dataset-fashion-mnist package"
fi

if [ ! -d "$dir" ]; then
  echo "data: FMNIST_DIR=$dir is not a folder." >&2
  echo "data: expected a folder holding the four Fashion-MNIST .gz files ($(grep -v '^#' "$here/fashion-mnist.files" | awk '{printf "%s ", $1}'))" >&2
  echo "data: fix: point FMNIST_DIR at such a folder, or unset it to use $default_dir" >&2
  exit 1
fi

failures=0
while read -r name size sha; do
  case "$name" in ''|'#'*) continue ;; esac
  file="$dir/$name"
  if [ ! -f "$file" ]; then
    echo "data: $file is missing (expected $size bytes, SHA-256 $sha); fix: $fix" >&2
    failures=$((failures + 1)); continue
  fi
  found_size=$(stat -c %s "$file")
  if [ "$found_size" != "$size" ]; then
    echo "data: $file has $found_size bytes, expected $size (truncated or not the original); fix: $fix" >&2
    failures=$((failures + 1)); continue
  fi
  found_sha=$(sha256sum "$file" | awk '{print $1}')
  if [ "$found_sha" != "$sha" ]; then
    echo "data: $file is corrupt: SHA-256 $found_sha, expected $sha; fix: $fix" >&2
    failures=$((failures + 1)); continue
  fi
done < "$here/fashion-mnist.files"

if [ "$failures" -gt 0 ]; then
  echo "data: $failures of 4 Fashion-MNIST files failed the check in $dir" >&2
  exit 1
fi
echo "data: Fashion-MNIST verified in $dir (4 files, sizes and SHA-256 match)"

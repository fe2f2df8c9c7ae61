#!/usr/bin/env bash
# `make data`: makes sure Fashion-MNIST is there and intact.
# By default it comes from Debian's dataset-fashion-mnist package (installed if missing);
# FMNIST_DIR=/some/folder points at another copy of the same four .gz files.
# Every file is checked against data/fashion-mnist.files (size and SHA-256); any problem
# (missing, a folder, FIFO, device or dangling link in its place, unreadable, truncated,
# corrupt) stops with the file, what was expected, what was found, and how to fix it.
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

# not_a_file FILE: why FILE, which exists but is no regular file (after links), cannot be
# used, e.g. "is a folder"; empty for a regular file.
not_a_file() {
  case "$(stat -L -c %F -- "$1" 2>/dev/null)" in
    'regular file'|'regular empty file') ;;
    directory) echo "is a folder, not the .gz file" ;;
    fifo) echo "is a named pipe (FIFO), not the .gz file; reading it would wait forever" ;;
    socket) echo "is a socket, not the .gz file" ;;
    'character special file'|'block special file') echo "is a device, not the .gz file" ;;
    *) echo "is not a regular file ($(stat -L -c %F -- "$1" 2>/dev/null || echo 'unknown kind'))" ;;
  esac
}

if [ ! -r "$dir" ] || [ ! -x "$dir" ]; then
  echo "data: $dir cannot be read by user $(id -un) (mode $(stat -c '%A, owner %U' -- "$dir")), so its files cannot be checked" >&2
  echo "data: fix: chmod a+rx '$dir', or run make data as a user who can read it" >&2
  exit 1
fi

failures=0
while read -r name size sha; do
  case "$name" in ''|'#'*) continue ;; esac
  file="$dir/$name"
  if [ -L "$file" ] && [ ! -e "$file" ]; then
    echo "data: $file is a link to $(readlink -- "$file"), which does not exist (expected $size bytes, SHA-256 $sha); fix: $fix" >&2
    failures=$((failures + 1)); continue
  fi
  if [ ! -e "$file" ]; then
    echo "data: $file is missing (expected $size bytes, SHA-256 $sha); fix: $fix" >&2
    failures=$((failures + 1)); continue
  fi
  why=$(not_a_file "$file")
  if [ -n "$why" ] && [ -L "$file" ]; then why="is a link to $(readlink -- "$file"), which $why"; fi
  if [ -n "$why" ]; then
    echo "data: $file $why (expected $size bytes, SHA-256 $sha); fix: remove it (rm -r '$file'), then $fix" >&2
    failures=$((failures + 1)); continue
  fi
  found_size=$(stat -L -c %s -- "$file")
  if [ "$found_size" != "$size" ]; then
    echo "data: $file has $found_size bytes, expected $size (truncated or not the original); fix: $fix" >&2
    failures=$((failures + 1)); continue
  fi
  # Read it, and say why not: as another user, a file of mode 600 fails here.
  if ! found_sha=$(sha256sum -- "$file" 2>&1); then
    reason=${found_sha##*: }   # "sha256sum: FILE: Permission denied" -> "Permission denied"
    echo "data: $file cannot be read by user $(id -un): $reason (mode $(stat -L -c '%A, owner %U' -- "$file")); fix: chmod a+r '$file', or run make data as a user who can read it" >&2
    failures=$((failures + 1)); continue
  fi
  found_sha=${found_sha#\\}     # sha256sum starts the line with \ when the name needs escapes
  found_sha=${found_sha%% *}
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

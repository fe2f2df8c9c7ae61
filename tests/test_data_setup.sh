#!/usr/bin/env bash
# Tests data/setup.sh (`make data`) on a copy of the dataset in a temporary folder:
# a good folder passes; a truncated, a corrupted (same size, one byte changed) and a
# missing file each fail with a message naming that file; so do a folder, a named pipe,
# a link to a device and a dangling link in a file's place, and a file its user cannot
# read, each with why; FMNIST_DIR pointing at something that is not a folder fails and
# names it. Prints PASS/FAIL per case and exits non-zero if any case fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
setup="$here/../data/setup.sh"
source_dir=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

for name in "${files[@]}"; do
  if [ ! -f "$source_dir/$name" ]; then
    echo "FAIL setup: $source_dir/$name is missing; run \`make data\` first (or set FMNIST_DIR)"
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/nnkit-test-data-setup.XXXXXX")
trap 'rm -rf "$work"' EXIT
good="$work/fashion-mnist"
mkdir "$good"
cp "${files[@]/#/$source_dir/}" "$good/"

failures=0
pass() { echo "PASS $1"; }
fail() {
  echo "FAIL $1: $2"
  sed 's/^/    | /' "$work/out" 2>/dev/null
  failures=$((failures + 1))
}

# Runs setup.sh with FMNIST_DIR=$1, output in $work/out; returns its exit status. The
# timeout turns a script that blocks (reading a FIFO) into a failure.
run_setup() {
  FMNIST_DIR="$1" timeout 120 bash "$setup" > "$work/out" 2>&1
}

# expect_failure CASE DIR NEEDLE: setup.sh must exit non-zero and print NEEDLE.
expect_failure() {
  local case=$1 dir=$2 needle=$3
  if run_setup "$dir"; then
    fail "$case" "setup.sh exited 0; expected a non-zero exit"
  elif ! grep -qF -- "$needle" "$work/out"; then
    fail "$case" "setup.sh failed but its message does not name $needle"
  else
    pass "$case"
  fi
}

# A fresh copy of the good folder, for one case to break.
fresh_copy() {
  local dir="$work/$1"
  rm -rf "$dir"
  cp -r "$good" "$dir"
  echo "$dir"
}

# 1. The intact copy passes.
if run_setup "$good" && grep -q "verified" "$work/out"; then
  pass "good folder passes"
else
  fail "good folder passes" "setup.sh rejected an intact copy of the dataset"
fi

# 2. A truncated file (cut by 1000 bytes).
dir=$(fresh_copy truncated)
truncate -s -1000 "$dir/train-images-idx3-ubyte.gz"
expect_failure "truncated file is rejected" "$dir" "$dir/train-images-idx3-ubyte.gz"

# 3. A corrupted file: same size, one byte changed.
dir=$(fresh_copy corrupted)
target="$dir/t10k-images-idx3-ubyte.gz"
offset=2000000
old=$(od -An -tu1 -j "$offset" -N1 "$target" | tr -d ' ')
new=$(( (old + 1) % 256 ))
printf "$(printf '\\%03o' "$new")" | dd of="$target" bs=1 seek="$offset" count=1 conv=notrunc status=none
if [ "$(stat -c %s "$target")" != "$(stat -c %s "$source_dir/t10k-images-idx3-ubyte.gz")" ] \
   || cmp -s "$target" "$source_dir/t10k-images-idx3-ubyte.gz"; then
  fail "corrupted file is rejected" "could not make a same-size copy with one byte changed"
else
  expect_failure "corrupted file is rejected" "$dir" "$target"
fi

# 4. A missing file.
dir=$(fresh_copy missing)
rm "$dir/train-labels-idx1-ubyte.gz"
expect_failure "missing file is rejected" "$dir" "$dir/train-labels-idx1-ubyte.gz"

# 5. Something else in a file's place: the message names the file and says what it is.
dir=$(fresh_copy folder)
rm "$dir/train-labels-idx1-ubyte.gz" && mkdir "$dir/train-labels-idx1-ubyte.gz"
expect_failure "a folder in a file's place is named" "$dir" "$dir/train-labels-idx1-ubyte.gz is a folder"
dir=$(fresh_copy fifo)
rm "$dir/t10k-labels-idx1-ubyte.gz" && mkfifo "$dir/t10k-labels-idx1-ubyte.gz"
expect_failure "a FIFO in a file's place is named, never read" "$dir" \
  "$dir/t10k-labels-idx1-ubyte.gz is a named pipe"
dir=$(fresh_copy device)
rm "$dir/t10k-images-idx3-ubyte.gz" && ln -s /dev/null "$dir/t10k-images-idx3-ubyte.gz"
expect_failure "a link to a device is named" "$dir" \
  "$dir/t10k-images-idx3-ubyte.gz is a link to /dev/null, which is a device"
dir=$(fresh_copy dangling)
rm "$dir/train-images-idx3-ubyte.gz" && ln -s "$work/nowhere.gz" "$dir/train-images-idx3-ubyte.gz"
expect_failure "a dangling link is named" "$dir" \
  "$dir/train-images-idx3-ubyte.gz is a link to $work/nowhere.gz, which does not exist"

# 6. A file its user cannot read. root reads anything, so as root the check runs as
# nobody, on a copy of setup.sh in the work folder (the checkout may not be readable by
# nobody; the folders on the way are made searchable for it).
dir=$(fresh_copy unreadable)
chmod 600 "$dir"/*.gz
mkdir -p "$work/script/data"
cp "$setup" "$here/../data/fashion-mnist.files" "$work/script/data/"
chmod -R a+rX "$work/script"
chmod 755 "$work" "$dir"
if [ "$(id -u)" = 0 ]; then
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  user=nobody
else
  as_user=()
  user=$(id -un)
fi
if (cd / && FMNIST_DIR="$dir" timeout 120 "${as_user[@]}" bash "$work/script/data/setup.sh") > "$work/out" 2>&1; then
  fail "an unreadable file is named" "setup.sh exited 0; expected a non-zero exit"
elif ! grep -qF "$dir/train-images-idx3-ubyte.gz cannot be read by user $user: Permission denied" "$work/out"; then
  fail "an unreadable file is named" "setup.sh failed but does not say which file it cannot read and why"
elif grep -q "^sha256sum:" "$work/out"; then
  fail "an unreadable file is named" "sha256sum's bare message leaked out"
else
  pass "an unreadable file is named"
fi

# 7. FMNIST_DIR pointing at a regular file, and at nothing.
expect_failure "FMNIST_DIR at a file is rejected" "$good/t10k-labels-idx1-ubyte.gz" \
  "$good/t10k-labels-idx1-ubyte.gz"
expect_failure "FMNIST_DIR at a missing path is rejected" "$work/no-such-folder" \
  "$work/no-such-folder"

if [ "$failures" -gt 0 ]; then
  echo "test_data_setup: $failures case(s) failed"
  exit 1
fi
echo "test_data_setup: all cases passed"

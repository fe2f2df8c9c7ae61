#!/usr/bin/env bash
# Tests data/setup.sh (`make data`) on a copy of the dataset in a temporary folder:
# a good folder passes; a truncated, a corrupted (same size, one byte changed) and a
# missing file each fail with a message naming that file; FMNIST_DIR pointing at
# something that is not a folder fails and names it. Prints PASS/FAIL per case and
# exits non-zero if any case fails.
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

# Runs setup.sh with FMNIST_DIR=$1, output in $work/out; returns its exit status.
run_setup() {
  FMNIST_DIR="$1" bash "$setup" > "$work/out" 2>&1
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

# 5. FMNIST_DIR pointing at a regular file, and at nothing.
expect_failure "FMNIST_DIR at a file is rejected" "$good/t10k-labels-idx1-ubyte.gz" \
  "$good/t10k-labels-idx1-ubyte.gz"
expect_failure "FMNIST_DIR at a missing path is rejected" "$work/no-such-folder" \
  "$work/no-such-folder"

if [ "$failures" -gt 0 ]; then
  echo "test_data_setup: $failures case(s) failed"
  exit 1
fi
echo "test_data_setup: all cases passed"

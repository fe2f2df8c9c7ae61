#!/usr/bin/env bash
# `make test-arm64`: the student archive (make handout-dist) with the reference solution's
# parts, cross-built for Linux arm64 with Debian's g++-aarch64-linux-gnu against the arm64
# -dev packages (multiarch; tools/packages-arm64.txt, installed here), then run under
# qemu-aarch64-static: the stand-in for a student's arm64 laptop (Apple Silicon under a
# Linux VM or container, a Raspberry Pi), which this machine cannot be.
#
# What runs under qemu (about 20-50 times slower than native):
#  - every public item of every part, but those that train with the assignment's full
#    settings (LONG_ITEMS below: hours under qemu);
#  - in their place, the training programs of parts 1 and 2 for as many epochs as it takes
#    to print their first progress line (10 and 5 epochs today: read from the reference
#    run's first line in assignment/golden/), whose metrics must equal the reference run's
#    to the printed digits (within 1e-5: OpenBLAS's arm64 kernels sum in another order
#    than the x86 ones the reference used). The CNN's first epoch takes 20 minutes under
#    qemu (measured niced on a busy 2-core machine; it passed), too long for CI's budget:
#    ARM64_CNN=1 adds it. Item 3.1 (the CNN's forward in eval and train mode against
#    torch's values) runs either way.
# OPENBLAS_NUM_THREADS=1 for everything under qemu: OpenBLAS's thread server spins forever
# there otherwise (measured); each run has a time limit so a hang fails, naming the run.
#   usage: test_arm64.sh [BUILD_PREFIX]      (default: build, so build-arm64)
#   environment: JOBS (default: all cores), QEMU_TIMEOUT (seconds per run, default 1800),
#                ARM64_CNN=1 (also the CNN program's first epoch: 20 more minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "${1:-build}-arm64" && cd "${1:-build}-arm64" && pwd)
jobs=${JOBS:-$(nproc)}
limit=${QEMU_TIMEOUT:-1800}
sysroot=/usr/aarch64-linux-gnu
say() { echo "test-arm64: $*"; }
die() { echo "test-arm64: $*" >&2; exit 2; }
# The items that train on the full split with the assignment's epochs (1.10 and 2.6 the
# overall runs, 3.2 the CNN's 60 epochs and 3.3, which judges that same run).
LONG_ITEMS=(1.10 2.6 3.2 3.3)

# --- packages: arm64 must be a foreign architecture before apt can see :arm64 packages ---
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  if [ "$(id -u)" -eq 0 ]; then
    say "adding arm64 as a foreign architecture (dpkg --add-architecture arm64)"
    dpkg --add-architecture arm64
  else
    die "arm64 is not a dpkg architecture here; fix: sudo dpkg --add-architecture arm64, then make test-arm64 again"
  fi
fi
"$root/tools/install_deps.sh" "$root/tools/packages-arm64.txt"
for tool in aarch64-linux-gnu-g++ qemu-aarch64-static jq; do
  command -v "$tool" > /dev/null || die "no $tool; fix: make deps, then tools/install_deps.sh tools/packages-arm64.txt"
done
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] \
  || die "no arm64 C library in $sysroot; fix: tools/install_deps.sh tools/packages-arm64.txt (g++-aarch64-linux-gnu brings it)"

start=$SECONDS
source "$root/tests/student_archive.sh"
archive=$dir/nnkit-assignment
student_archive_with_solution "$root" "$archive"
build=$archive/build-arm64
say "cross-building the archive with $(aarch64-linux-gnu-g++ -dumpfullversion) in $build"
cmake -S "$archive" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-aarch64-linux-gnu.cmake" \
  > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" > "$build.build.log" 2>&1 \
  || { grep -m 40 -A 8 'error' "$build.build.log" || tail -n 40 "$build.build.log"; exit 1; }
built=$((SECONDS - start))
say "built in $built s"

failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
# ELF e_machine (2 bytes at offset 18) is 183 for AArch64: the build really is arm64's.
machine() { od -An -tu2 -j18 -N2 "$1" | tr -d ' '; }
run_arm64() { OPENBLAS_NUM_THREADS=1 timeout "$limit" qemu-aarch64-static -L "$sysroot" "$@"; }

mapfile -t parts < <(jq -r '.parts[].name' "$archive/assignment/manifest.json")
exclude=$(printf '%s *,' "${LONG_ITEMS[@]}")
for part in "${parts[@]}"; do
  binary=$build/bin/test_$part
  check "test_$part is an arm64 executable (ELF machine $(machine "$binary"))" \
    $([ "$(machine "$binary")" = 183 ]; echo $?)
  t0=$SECONDS
  status=0
  # The data set is read where the archive's tests read it (FMNIST_DIR or the default).
  (cd "$archive" && run_arm64 "$binary" --no-intro --no-version --test-case-exclude="${exclude%,}") \
    > "$build/test_$part.log" 2>&1 || status=$?
  grep -E '^\[doctest\] (test cases|assertions):|ERROR|Public tests:' "$build/test_$part.log" | sed 's/^/  /' || true
  [ "$status" -ne 124 ] || echo "  test_$part: no end after $limit s under qemu (QEMU_TIMEOUT)"
  check "public tests of $part under qemu, items ${LONG_ITEMS[*]} left out ($((SECONDS - t0)) s)" "$status"
done

# --- short runs of the training programs in place of the long items ----------------------
numbers() { sed -E 's/^\[[0-9]+ \/ [0-9]+\]//' | grep -oE '[0-9]+\.[0-9]+'; }
programs=("${parts[@]}")
if [ "${ARM64_CNN:-0}" != 1 ]; then
  programs=("${parts[@]:0:2}")
  say "the CNN program's first epoch is left out (20 minutes under qemu); ARM64_CNN=1 adds it"
fi
for part in "${programs[@]}"; do
  golden=$archive/assignment/golden/$part.json
  first=$(jq -r '.run.progress_lines[0]' "$golden")
  epochs=$(sed -nE 's/^\[([0-9]+) \/ [0-9]+\].*/\1/p' <<< "$first")
  [ -n "$epochs" ] || { check "$part: a first progress line in $golden" 1; continue; }
  out=$build/out-$part
  t0=$SECONDS
  status=0
  # One worker thread (nnkit's default follows OPENBLAS_NUM_THREADS=1): with --threads 2
  # under qemu, pytorch_ann's 5 epochs had not ended after 300 s (15 s on one thread).
  run_arm64 "$build/bin/$part" --epochs "$epochs" --out "$out" > "$build/$part.log" 2>&1 || status=$?
  # Below the accuracy threshold after so few epochs the program exits 1: expected. Only a
  # crash, a time-out or a failed doc example (exit 1 before any progress line) fail here.
  got=$(grep -m1 -E "^\[$epochs / $epochs\]" "$build/$part.log" || true)
  echo "  $part --epochs $epochs under qemu: exit $status in $((SECONDS - t0)) s"
  echo "    arm64:     $got"
  echo "    reference: $first"
  check "$part ran $epochs epochs under qemu (no crash, no time-out)" \
    $([ "$status" -le 1 ] && [ -n "$got" ]; echo $?)
  [ -n "$got" ] || { tail -n 20 "$build/$part.log" | sed 's/^/    /'; continue; }
  worst=$(paste <(numbers <<< "$got") <(numbers <<< "$first") \
    | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; n++ } END { printf "%d %.5f", n, m }')
  count=${worst% *}
  check "$part: its first progress line's $count metrics equal the reference run's within 1e-5 (largest difference ${worst#* })" \
    $(awk -v n="$count" -v d="${worst#* }" 'BEGIN { exit !(n >= 4 && d <= 0.0000101) }'; echo $?)
done

say "$([ $failures -eq 0 ] && echo passed || echo "FAILED ($failures)") in $((SECONDS - start)) s (cross-build $built s)"
[ $failures -eq 0 ]

#!/usr/bin/env bash
# `make test-clang`: the student archive (make handout-dist) with the reference solution's
# parts, built with clang++ as a student on macOS (Apple clang) or with CXX=clang++ would
# build it, then the archive's own `make test`: every public item, the full trainings
# included, must pass. clang must compile nnkit, the parts, the programs and the public
# tests without a warning (-Wall -Wextra, the archive's flags).
#
# The build forces nnkit's allocator onto its std::aligned_alloc path (-DNNKIT_MMAP=OFF,
# the path of a system without mmap; g++ runs the mmap path in make test), so that path is
# compiled and trained through here, and nnkit's own allocator unit tests
# (lib/tests/test_caching_allocator.cpp) are compiled against the archive's nnkit and run.
#   usage: test_clang.sh [BUILD_PREFIX]      (default: build, so build-clang)
#   environment: CXX_CLANG (default clang++), JOBS (default: all cores)
set -euo pipefail
# The archive's make runs as a student's would: no flags or variables of a make that runs
# this script (make test-clang BUILD=x would otherwise reach it as BUILD=x).
unset MAKEFLAGS MFLAGS MAKELEVEL BUILD
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "${1:-build}-clang" && cd "${1:-build}-clang" && pwd)
compiler=${CXX_CLANG:-clang++}
jobs=${JOBS:-$(nproc)}
say() { echo "test-clang: $*"; }
command -v "$compiler" > /dev/null \
  || { echo "test-clang: no $compiler; fix: make deps (tools/packages-kit-tests.txt lists clang)" >&2; exit 2; }

failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
start=$SECONDS
source "$root/tests/student_archive.sh"
archive=$dir/nnkit-assignment
student_archive_with_solution "$root" "$archive"
cd "$archive"
# Configured first with clang and the forced fallback; the archive's `make build` and
# `make test` configure the same folder again and keep both (CMake's cache).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$compiler" -DNNKIT_MMAP=OFF \
  > build.configure.log 2>&1 || { cat build.configure.log; exit 1; }
say "building the archive with $("$compiler" --version | head -n 1) (nnkit's allocator without mmap)"
status=0
make build BUILD=build JOBS="$jobs" > build.build.log 2>&1 || status=$?
built=$((SECONDS - start))
check "make build with clang ($built s since the start)" "$status"
[ "$status" -eq 0 ] || { grep -m 40 -A 8 'error' build.build.log || tail -n 40 build.build.log; exit 1; }
warnings=$(grep -c 'warning:' build.build.log || true)
grep -m 20 -A 4 'warning:' build.build.log || true
check "no compiler warning ($warnings)" $([ "$warnings" -eq 0 ]; echo $?)

# nnkit's allocator tests against the archive's nnkit: the segments of the fallback path
# (split, merged only within an allocation, released whole) behave as the mmap path's blocks.
t0=$SECONDS
cache=build/CMakeCache.txt
cblas=$(sed -n 's/^OPENBLAS_CBLAS_INCLUDE:PATH=//p' "$cache")
status=0
"$compiler" -std=c++20 -O2 -Wall -Wextra -Ilib/include -I"$cblas" \
  "$root/lib/tests/test_caching_allocator.cpp" "$root/lib/tests/doctest_main.cpp" \
  build/lib/libnnkit.a -lopenblas -lfmt -lz -pthread -o build/test_caching_allocator \
  > build/test_caching_allocator.log 2>&1 || status=$?
[ "$status" -eq 0 ] && { build/test_caching_allocator >> build/test_caching_allocator.log 2>&1 || status=$?; }
grep -E '^\[doctest\] (test cases|assertions):|error|ERROR' build/test_caching_allocator.log | sed 's/^/  /' || true
check "nnkit's allocator unit tests on the aligned_alloc path ($((SECONDS - t0)) s)" "$status"

t0=$SECONDS
status=0
make test BUILD=build JOBS="$jobs" 2>&1 | tee build.test.log || status=$?
check "the archive's make test with clang: every public item passes ($((SECONDS - t0)) s)" "$status"

say "$([ $failures -eq 0 ] && echo passed || echo "FAILED ($failures)") in $((SECONDS - start)) s"
[ $failures -eq 0 ]

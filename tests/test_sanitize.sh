#!/usr/bin/env bash
# `make test-sanitize`: the tests that need no sandbox, under the sanitizers, each in a
# build folder of its own (RelWithDebInfo, so reports have lines):
#   BUILD_PREFIX-asan  AddressSanitizer + UndefinedBehaviorSanitizer (any UB stops the
#                      test): every `lib` test (nnkit's unit tests) and every `unit` test
#                      (the grader's own, e.g. grader.batch_record);
#   BUILD_PREFIX-tsan  ThreadSanitizer over the lib tests that run nnkit's thread pool
#                      (lib/src/kernels/parallel.cpp) on several workers.
# Not run sanitized: whatever grades (grader.I*, grader.validate, the feedback tests that
# grade, kit.*, public.*). The grader compiles submissions with the kit's flags from
# kit.json, which in these builds carry -fsanitize: the probes would be instrumented but
# linked without the runtime, and ASan's shadow memory cannot be mapped under the
# sandbox's 3 GiB address-space limit. Nor the tests that train (public.*, the handout's,
# grader.validate): they are most of `make test`'s time, and ASan typically doubles it.
# Builds only the test executables (README.md, "Tests", has the time this takes).
#   usage: test_sanitize.sh [BUILD_PREFIX]      (default: build, so build-asan, build-tsan)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-build}
jobs=$(nproc)
say() { echo "test-sanitize: $*"; }

# configure DIR FLAGS: a RelWithDebInfo build with FLAGS; its log beside it.
configure() {
  cmake -S "$repo" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$2" \
    > "$1.configure.log" 2>&1 || { cat "$1.configure.log"; exit 1; }
}

# executables_of DIR LABEL_REGEX: the executables of the CTest tests with one of those
# labels (tools/ctest_executables.sh).
executables_of() { "$repo/tools/ctest_executables.sh" "$1" "$2"; }

build_targets() {
  local dir=$1; shift
  say "building $* in $dir"
  cmake --build "$dir" -j "$jobs" --target "$@" > "$dir.build.log" 2>&1 \
    || { tail -n 40 "$dir.build.log"; exit 1; }
}

start=$SECONDS
failures=0

# 1. ASan + UBSan.
asan=$prefix-asan
configure "$asan" "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
mapfile -t asan_targets < <(executables_of "$asan" '^(lib|unit)$')
[[ ${#asan_targets[@]} -gt 0 ]] || { echo "test_sanitize: no lib or unit test in $asan" >&2; exit 1; }
build_targets "$asan" "${asan_targets[@]}"
# detect_leaks: a leak fails the test too; print_stacktrace: UBSan says where.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
say "ASan + UBSan: ctest -L 'lib|unit' (${#asan_targets[@]} executables)"
(cd "$asan" && ctest --output-on-failure -j "$jobs" -L '^(lib|unit)$') || failures=$((failures + 1))
unset ASAN_OPTIONS UBSAN_OPTIONS

# 2. TSan over the thread pool. The lib tests' CTest entries pin one thread (their results
# must not depend on the machine); here the binaries run directly with
# OPENBLAS_NUM_THREADS=3, from which the pool takes its size (OpenBLAS caps it at the
# cores: 2 workers on a two-core machine), so tasks really interleave. These are the lib
# tests whose shapes make parallel_for start the pool's workers (Pool::start_workers, seen
# in gdb); test_gemm also sets 1 to 3 workers itself. The others run their loops on one
# thread whatever the setting, so TSan would watch nothing there.
tsan=$prefix-tsan
tsan_tests=(test_gemm test_conv2d test_conv2d_relu_max_pool2d test_batch_norm_dropout test_cnn_chain)
configure "$tsan" "-fsanitize=thread -fno-omit-frame-pointer"
build_targets "$tsan" "${tsan_tests[@]}"
# OpenBLAS is not instrumented: what it does inside stays out of the reports.
printf 'called_from_lib:libopenblas.so.0\n' > "$tsan/tsan.supp"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$tsan/tsan.supp"
for test in "${tsan_tests[@]}"; do
  if (cd "$repo" && OPENBLAS_NUM_THREADS=3 "$tsan/bin/$test" > "$tsan/$test.log" 2>&1); then
    say "TSan: $test passed"
  else
    say "TSan: $test FAILED"; tail -n 60 "$tsan/$test.log"
    failures=$((failures + 1))
  fi
done
unset TSAN_OPTIONS

say "$failures failure(s) in $((SECONDS - start)) s"
[[ $failures -eq 0 ]]

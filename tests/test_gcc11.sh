#!/usr/bin/env bash
# `make test-gcc11`: nnkit and its unit tests (CTest label `lib`) built with g++-11 — the
# compiler of Ubuntu 22.04, Gradescope's default image — into BUILD_PREFIX-gcc11 (Release),
# then `ctest -L lib` there. The kit's own build uses Debian 12's g++-12; this keeps the
# library compiling with both. Builds only the test executables (README.md, "Tests", has
# the time this takes).
#   usage: test_gcc11.sh [BUILD_PREFIX]      (default: build, so build-gcc11)
#   environment: CXX11 (default g++-11), JOBS (default: all cores)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}-gcc11
compiler=${CXX11:-g++-11}
jobs=${JOBS:-$(nproc)}
say() { echo "test-gcc11: $*"; }

command -v "$compiler" > /dev/null \
  || { echo "test-gcc11: no $compiler; fix: make deps (tools/packages-kit-tests.txt lists it)" >&2; exit 2; }
start=$SECONDS
cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$compiler" \
  > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
mapfile -t targets < <("$repo/tools/ctest_executables.sh" "$dir" '^lib$')
[[ ${#targets[@]} -gt 0 ]] || { echo "test-gcc11: no lib test in $dir" >&2; exit 1; }
say "building nnkit and ${#targets[@]} lib test executables with $("$compiler" -dumpfullversion) in $dir"
cmake --build "$dir" -j "$jobs" --target nnkit "${targets[@]}" > "$dir.build.log" 2>&1 \
  || { grep -m 40 -A 8 'error' "$dir.build.log" || tail -n 40 "$dir.build.log"; exit 1; }
status=0
(cd "$dir" && ctest --output-on-failure -j "$jobs" -L '^lib$') || status=1
say "$([[ $status -eq 0 ]] && echo passed || echo FAILED) in $((SECONDS - start)) s"
exit $status

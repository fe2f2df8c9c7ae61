#!/usr/bin/env bash
# The student archive works as a student gets it: it unpacks, builds nnkit and the blank
# handout with the student's Makefile, `make test` shows every part-1 item failing for
# 0 / 18 points, and `make submission` packs exactly the three files to hand in.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

"$root/tools/make_handout_dist.sh" "$work/nnkit-assignment.tar.gz"
check "make handout-dist writes the archive" $?
tar -C "$work" -xzf "$work/nnkit-assignment.tar.gz"
cd "$work/nnkit-assignment" || exit 1
for path in Makefile CMakeLists.txt README.md assignment/numpy_ann.cpp assignment/theory.md \
            public_tests/test_numpy_ann.cpp lib/include/nnkit/nnkit.hpp data/setup.sh; do
  test -f "$path"; check "the archive has $path" $?
done
! grep -rq 'Answer Q' assignment/theory.md; check "theory.md carries no answers" $?
! find . -name '*.py' | grep -q .; check "no golden script (a reference implementation) ships" $?

output=$(make test PART=numpy_ann JOBS=2 2>&1); status=$?
echo "$output" | tail -3
check "make test exits non-zero on the blank handout" $([ "$status" -ne 0 ]; echo $?)
echo "$output" | grep -q '^1.6 _backward (3 pts): FAILED$'; check "items are listed with their points" $?
echo "$output" | grep -q '^Public tests: 0 / 18 points$'; check "the blank part 1 scores 0 / 18" $?

make -s submission > /dev/null 2>&1
check "make submission succeeds" $?
listing=$(unzip -Z1 submission.zip 2>/dev/null | sort | tr '\n' ' ')
check "submission.zip holds the three files (got: $listing)" \
  $([ "$listing" = "numpy_ann.cpp pytorch_ann.cpp pytorch_cnn.cpp " ]; echo $?)

echo "$failures failed"
[ "$failures" -eq 0 ]

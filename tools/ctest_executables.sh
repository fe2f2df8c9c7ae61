#!/usr/bin/env bash
# tools/ctest_executables.sh BUILD_DIR LABEL_REGEX — prints, one a line, the executables
# (= their targets' names) of the CTest tests that have a label matching LABEL_REGEX (awk
# ERE, e.g. '^(lib|unit)$'), read from the CTestTestfile.cmake files the configure wrote
# (ctest --show-only omits the commands of executables not built yet). Tests run through
# bash are left out. Used by tests/test_sanitize.sh and tests/test_gcc11.sh to build only
# what those labels run.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 BUILD_DIR LABEL_REGEX" >&2; exit 2; }
find "$1" -name CTestTestfile.cmake -exec cat {} + | awk -v labels="$2" '
  /^add_test\(/ { split($0, f, "\""); name = $0; sub(/^add_test\(\[=\[/, "", name); sub(/\]=\].*/, "", name)
                  command[name] = f[2] }
  /^set_tests_properties\(/ && match($0, /LABELS "[^"]*"/) {
    name = $0; sub(/^set_tests_properties\(\[=\[/, "", name); sub(/\]=\].*/, "", name)
    n = split(substr($0, RSTART + 8, RLENGTH - 9), label, ";")
    for (i = 1; i <= n; i++) if (label[i] ~ labels) selected[name] = 1 }
  END { for (name in selected) if (command[name] != "") print command[name] }' \
  | xargs -r -n1 basename | grep -v '^bash$' | sort -u

#!/usr/bin/env bash
# The training programs' command line (solution/scaffold/program.cpp, shared by all three),
# on one program:
# --epochs and --threads out of range are refused with their bounds written out (not a
# double's 300-digit maximum) and exit status 2; --out that is a file, cannot be created
# or cannot be written is refused, naming the folder and why, before anything is trained;
# a missing --out folder is created. Prints PASS/FAIL per case.
#   usage: test_program_options.sh PROGRAM
set -uo pipefail
program=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/nnkit-test-program-options.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

# expect CASE NEEDLE ARGS...: the program exits 2 within 20 s (no training) and prints NEEDLE.
expect() {
  local case=$1 needle=$2; shift 2
  local status=0
  timeout 20 "$program" "$@" > "$work/out" 2>&1 || status=$?
  if [[ $status -ne 2 ]]; then
    echo "FAIL $case: exit status $status, expected 2"; sed 's/^/    | /' "$work/out"
    failures=$((failures + 1))
  elif ! grep -qF -- "$needle" "$work/out"; then
    echo "FAIL $case: the message does not say '$needle'"; sed 's/^/    | /' "$work/out"
    failures=$((failures + 1))
  elif grep -qE '[0-9]{30}' "$work/out"; then
    echo "FAIL $case: a 30-digit number in the message"; failures=$((failures + 1))
  else
    echo "PASS $case"
  fi
}

expect "--epochs 0 is refused with its bounds" "--epochs: Value 0 not in range 1 to 100000" --epochs 0
expect "--epochs too large is refused" "not in range 1 to 100000" --epochs 100001
expect "--threads 0 is refused with its bounds" "--threads: Value 0 not in range 1 to 256" --threads 0
expect "--threads too large is refused" "not in range 1 to 256" --threads 257
touch "$work/a-file"
expect "--out that is a file is refused" "--out $work/a-file: is not a folder" --out "$work/a-file"
expect "--out that cannot be created is refused" "--out $work/a-file/plots: the folder cannot be created" \
  --out "$work/a-file/plots"
mkdir "$work/read-only"
chmod 555 "$work/read-only"
if [[ $(id -u) -eq 0 ]]; then
  # root writes anywhere: as nobody, whose folder this is not, with a copy of the program
  # (the build folder may not be readable by nobody)
  cp "$program" "$work/program"
  chmod 755 "$work" "$work/program"
  program_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups "$work/program")
else
  program_as=("$program")
fi
status=0
(cd / && timeout 20 "${program_as[@]}" --out "$work/read-only") > "$work/out" 2>&1 || status=$?
if [[ $status -eq 2 ]] && grep -qF -- "--out $work/read-only: cannot write into the folder" "$work/out"; then
  echo "PASS --out that cannot be written is refused before training"
else
  echo "FAIL --out that cannot be written: exit status $status"; sed 's/^/    | /' "$work/out"
  failures=$((failures + 1))
fi

# A missing --out folder is created (a bad --epochs would stop the program before; a
# missing --data folder stops it right after, before any training).
status=0
timeout 60 "$program" --out "$work/new/plots" --data "$work/no-data" > "$work/out" 2>&1 || status=$?
if [[ -d "$work/new/plots" ]]; then
  echo "PASS a missing --out folder is created"
else
  echo "FAIL a missing --out folder is created: no $work/new/plots (exit status $status)"
  sed 's/^/    | /' "$work/out"
  failures=$((failures + 1))
fi

[[ $failures -eq 0 ]] || { echo "test_program_options: $failures case(s) failed"; exit 1; }
echo "test_program_options: all cases passed"

#!/usr/bin/env bash
# Regenerates the committed golden data (`make golden`): runs every
# lib/tests/golden/make_*.py with Debian's /usr/bin/python3 (the interpreter that has
# python3-numpy/sklearn/torch; a pyenv `python3` on PATH does not), from the repo root,
# single-threaded so the values do not depend on the machine's core count.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3
if [ ! -x "$PYTHON" ]; then
  echo "make golden: $PYTHON not found; run 'make deps-python' first" >&2
  exit 1
fi

export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0

shopt -s nullglob
scripts=(lib/tests/golden/make_*.py solution/golden/make_*.py data/fixtures/make_*.py)
if [ "${#scripts[@]}" -eq 0 ]; then
  echo "make golden: no golden scripts found" >&2
  exit 1
fi
for script in "${scripts[@]}"; do
  echo "golden: $PYTHON $script"
  "$PYTHON" "$script"
done

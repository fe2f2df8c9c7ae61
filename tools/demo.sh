#!/usr/bin/env bash
# `make demo`: runs what the kit has, on the parts of the assignment's manifest: the data
# and its split, nnkit printing like PyTorch, every part's reference program, the blank
# handout stopping at its first missing item, and the grader's score tables for the
# reference solution and the blank handout (`nnkit-grade validate`).
#   usage: demo.sh [BUILD_DIR]   (DEMO_OUT=dir: where the plots go, default demo-output)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
out=${DEMO_OUT:-demo-output}
bold=$'\e[1m'; plain=$'\e[0m'
mkdir -p "$out"

# The manifest the build read (NNKIT_MANIFEST in its cache), else the kit's own.
manifest=$(sed -n 's/^NNKIT_MANIFEST:FILEPATH=//p' "$build/CMakeCache.txt" 2> /dev/null || true)
[ -n "$manifest" ] || manifest=$root/assignment/manifest.json
command -v jq > /dev/null || { echo "demo: jq is needed to read $manifest; run 'make deps'" >&2; exit 2; }
mapfile -t parts < <(jq -r '.parts[].name' "$manifest")
[ "${#parts[@]}" -gt 0 ] || { echo "demo: no parts in $manifest" >&2; exit 1; }
# numerics.blas_pinning: where this CPU has every listed flag, the programs run with the
# OpenBLAS kernels the reference runs used, as the public tests and the grader do.
pin=()
if jq -r '.numerics.blas_pinning.cpu_flags[]' "$manifest" | while read -r flag; do
     grep -qE "^flags[[:space:]]*:(.* )?$flag( |\$)" /proc/cpuinfo 2> /dev/null || exit 1
   done; then
  mapfile -t pin < <(jq -r '.numerics.blas_pinning.env | to_entries[] | "\(.key)=\(.value)"' "$manifest")
fi

echo "${bold}== The data: Fashion-MNIST and the assignment's split ==${plain}"
"$build/bin/nnkit-show-split"
echo
echo "${bold}== nnkit seeds, computes and prints like PyTorch 1.13 ==${plain}"
"$build/bin/nnkit-seeded-model"
echo
status=0
for program in "${parts[@]}"; do
  echo "${bold}== The reference solution: $program (plots go to $out/) ==${plain}"
  env "${pin[@]}" "$build/bin/$program" --out "$out" || status=1
  echo
done
echo "${bold}== The blank handout stops at its first missing item ==${plain}"
env "${pin[@]}" "$build/handout/bin/${parts[0]}" || true
echo
echo "${bold}== The grader: the reference solution and the blank handout, scored ==${plain}"
"$build/bin/nnkit-grade" validate || status=1
exit $status

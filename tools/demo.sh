#!/usr/bin/env bash
# `make demo`: runs what the kit has today, and says plainly what it does not have yet.
set -euo pipefail
build=${1:-build}
bold=$'\e[1m'; plain=$'\e[0m'

echo "${bold}== The data: Fashion-MNIST and the assignment's split ==${plain}"
"$build/bin/nnkit-show-split"
echo
echo "${bold}== nnkit seeds, computes and prints like PyTorch 1.13 ==${plain}"
"$build/bin/nnkit-seeded-model"
echo
echo "${bold}== Not there yet ==${plain}"
cat <<'TXT'
  - the reference solution and the three training programs (numpy_ann, pytorch_ann,
    pytorch_cnn), the handout and the public tests: issue 4;
  - the grader and its score tables (solution 42/42, blank handout 0): issue 5;
  - the benchmarks against PyTorch and NumPy: issue 6.
TXT

# Helpers of the runner's tests (sourced): checks, the archive's part files, planted mistakes.
# ARCHIVE_DIR is prepare_archive.sh's DIR.
failures=0
check() {  # description, condition-exit-status
  if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}

# use_files blank|solution: the part files the archive's assignment/ holds from now on
use_files() {
  cp "$ARCHIVE_DIR/$1/"*.cpp "$ARCHIVE_DIR/nnkit-assignment/assignment/"
}

# plant FILE PERL_PROGRAM: the solution's FILE with one mistake (perl -0pe, the whole file
# at once); fails when the program no longer changes the file (the solution moved on)
plant() {
  local file=$1 program=$2 target=$ARCHIVE_DIR/nnkit-assignment/assignment/$1
  perl -0pe "$program" "$ARCHIVE_DIR/solution/$file" > "$target"
  ! cmp -s "$ARCHIVE_DIR/solution/$file" "$target"
}

# item_lines OUTPUT: "<number> passed|failed" per item line of the runner's output
item_lines() {
  sed -nE 's/^([0-9]+\.[0-9]+) .* \([0-9.]+ pts?\): (passed|.*)$/\1 \2/p' <<< "$1" \
    | awk '{ print $1, ($2 == "passed" ? "passed" : "failed") }'
}

# The usual mistakes, each a perl program (plant's) over the solution's part file.
# 1.5: its own softmax in _forward, normalised over the batch (axis 0) instead of each row
PLANT_SOFTMAX_AXIS='s{xt::xarray<double> a2_new = _softmax\(z2_new\);}{const xt::xarray<double> e2 = xt::exp(z2_new - xt::amax(z2_new)());\n  xt::xarray<double> a2_new = e2 / xt::sum(e2, {0}, xt::keep_dims);}'
# 1.6: the gradients not divided by m, the batch's rows
PLANT_MISSING_M='s{(d[Wb][12] = .*?) / m;}{$1;}g'
# 1.6: dz2 = y - a2, the gradient's sign flipped
PLANT_WRONG_SIGN='s{dz2 = a2 - y_true;}{dz2 = y_true - a2;}'
# 1.6: relu_grad(a2) [m, output] times [m, hidden]: xtensor's broadcast error
PLANT_BROADCAST='s{\* _relu_grad\(z1\)}{* _relu_grad(a2)}'
# 1.9: a std::vector indexed without being sized: a write through a null pointer
PLANT_SEGFAULT_IN_ACCURACY='s{#include <string>\n}{#include <string>\n#include <vector>\n}; s{std::size_t correct = 0;}{std::size_t correct = 0;\n  std::vector<std::size_t> predicted;  // never resized}; s{correct \+= \(std::max_element\(p, p \+ classes\) - p\)}{predicted[r] = std::max_element(p, p + classes) - p;\n    correct += predicted[r]}'
# 1.4: the mean over all elements instead of the sum over the rows
PLANT_MEAN_CROSS_ENTROPY='s{return -numpy_sum\(terms\) / m;}{return -xt::mean(terms)();}'
# 2.1: manual_seed called after the layers drew their weights
PLANT_MANUAL_SEED_AFTER_MODEL='s{(  nnkit::manual_seed\(static_cast<std::uint64_t>\(random_seed\)\);\n)(  model = nnkit::nn::Sequential\(.*?\);\n)}{$2$1}s'

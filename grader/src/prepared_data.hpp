#pragma once
/// The assignment's split, prepared by the grader for the sandbox (docs/architecture.md,
/// "The grader"): the images and the train/validation labels as plain IDX files that probes
/// read (probe::assignment_split), and the held-out test labels, which stay in the
/// grader's memory and are used only to score predicted labels.
#include <filesystem>
#include <string>
#include <vector>

#include <nnkit/data/fashion_mnist.hpp>

namespace grader {

struct PreparedData {
  std::filesystem::path dir;      ///< X_train.idx y_train.idx X_val.idx y_val.idx X_test.idx
  std::vector<int> test_labels;   ///< 200, never written where the sandbox can see
  /// A digest of every byte the sandbox reads (the five files) and of the held-out labels:
  /// what was computed from one dataset (reference observations, a batch's results) is
  /// never reused with another (FMNIST_DIR switched, --data elsewhere).
  std::string checksum;
};

/// Writes the manifest's split (`sizes`) of Fashion-MNIST in `dataset_dir` into `out_dir`
/// as six plain IDX files: X_train.idx y_train.idx X_val.idx y_val.idx X_test.idx and the
/// held-out y_test.idx. The Gradescope zip carries such a folder instead of the dataset
/// (about 2 MB, no Debian package needed on the image); keep it readable by root only.
void export_split(const std::filesystem::path& dataset_dir, const nnkit::data::SplitSizes& sizes,
                  const std::filesystem::path& out_dir);

/// Whether `dir` holds an exported split (its y_test.idx) rather than the four .gz files.
bool is_exported_split(const std::filesystem::path& dir);

/// Loads Fashion-MNIST from `dataset_dir` (nnkit::data checks every file) and makes the
/// manifest's split (`sizes`) — or, when `dataset_dir` is an exported split, reads it and
/// checks its shapes against `sizes` — and writes the sandbox's files under `cache_dir`/data
/// (atomically; a file is rewritten whenever its bytes differ, so switching datasets
/// replaces the split). Throws nnkit::Error naming a missing or damaged data file.
PreparedData prepare_data(const std::filesystem::path& dataset_dir,
                          const nnkit::data::SplitSizes& sizes,
                          const std::filesystem::path& cache_dir);

/// Fraction of `predicted` equal to `labels` (0 when the sizes differ).
double accuracy_of(const std::vector<double>& predicted, const std::vector<int>& labels);

}  // namespace grader

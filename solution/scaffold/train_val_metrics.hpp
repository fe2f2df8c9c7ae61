#pragma once
/// The per-epoch learning curve of parts 2 and 3 (`train_val_metrics` in the original),
/// its plot, and the one-word judgement of it. Given scaffold, shared by both parts.
#include <filesystem>
#include <string>
#include <vector>

#include "assignment_manifest.hpp"

namespace scaffold {

/// One value per epoch for each series, as the original's dict of lists.
struct TrainValMetrics {
  std::vector<double> train_losses;
  std::vector<double> train_accs;
  std::vector<double> val_losses;
  std::vector<double> val_accs;
};

/// Writes `png_path` with gnuplot (pngcairo, 1200×450): two panels side by side — train and
/// validation loss, train and validation accuracy — against epoch (1-based), with axis
/// labels, legends and `title` over both. The plotted numbers are written first to
/// `png_path` with the extension .dat (columns: epoch, train_loss, val_loss, train_acc,
/// val_acc), which gnuplot reads: the data file is exactly what the figure shows.
/// Throws nnkit::Error when the series are empty or of different lengths, or gnuplot fails.
void save_train_val_plot(const TrainValMetrics& metrics, const std::filesystem::path& png_path,
                         const std::string& title = "Train/Val Metrics");

/// Reads a .dat written by save_train_val_plot back (for tests and reports).
TrainValMetrics read_train_val_data(const std::filesystem::path& dat_path);

/// The judgements the assignment accepts: the manifest's judgement words.
inline const std::vector<std::string>& judgements() {
  static const std::vector<std::string> words(assignment::manifest::judgement_words.begin(),
                                              assignment::manifest::judgement_words.end());
  return words;
}

/// Returns `judgement` when it is exactly one of judgements(); otherwise throws
/// nnkit::Error quoting it and listing the accepted words.
const std::string& check_judgement(const std::string& judgement);

}  // namespace scaffold

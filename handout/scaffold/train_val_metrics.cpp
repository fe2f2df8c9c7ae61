// Learning-curve plots through gnuplot-iostream (gnuplot's pngcairo terminal).
#include "train_val_metrics.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gnuplot-iostream.h>

#include <nnkit/error.hpp>

namespace scaffold {

namespace {

// gnuplot strings are single-quoted: a quote inside is doubled.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void save_train_val_plot(const TrainValMetrics& metrics, const std::filesystem::path& png_path,
                         const std::string& title) {
  const std::size_t epochs = metrics.train_losses.size();
  if (epochs == 0 || metrics.train_accs.size() != epochs || metrics.val_losses.size() != epochs ||
      metrics.val_accs.size() != epochs) {
    throw nnkit::Error(fmt::format(
        "save_train_val_plot({}): expected four series of the same non-zero length, got "
        "train_losses {}, train_accs {}, val_losses {}, val_accs {}", png_path.string(), epochs,
        metrics.train_accs.size(), metrics.val_losses.size(), metrics.val_accs.size()));
  }
  std::filesystem::path dat_path = png_path;
  dat_path.replace_extension(".dat");
  {
    std::ofstream dat(dat_path);
    if (!dat) throw nnkit::Error("save_train_val_plot: cannot write " + dat_path.string());
    dat << "# epoch train_loss val_loss train_acc val_acc\n";
    for (std::size_t e = 0; e < epochs; ++e) {
      dat << fmt::format("{} {:.9g} {:.9g} {:.9g} {:.9g}\n", e + 1, metrics.train_losses[e],
                         metrics.val_losses[e], metrics.train_accs[e], metrics.val_accs[e]);
    }
    if (!dat) throw nnkit::Error("save_train_val_plot: writing " + dat_path.string() + " failed");
  }
  std::error_code ignored;
  std::filesystem::remove(png_path, ignored);
  {
    Gnuplot gp("gnuplot 2>&1");
    gp << "set terminal pngcairo size 1200,450 enhanced font 'DejaVu Sans,11'\n"
       << "set output " << quoted(png_path.string()) << "\n"
       << "set multiplot layout 1,2 title " << quoted(title) << " font ',14'\n"
       << "set grid\nset key top right\nset xlabel 'Epoch'\n"
       << "set ylabel 'Loss'\nset title 'Loss'\n"
       << "plot " << quoted(dat_path.string()) << " using 1:2 with lines lw 2 title 'Train loss', "
       << quoted(dat_path.string()) << " using 1:3 with lines lw 2 title 'Val loss'\n"
       << "set key bottom right\nset ylabel 'Accuracy'\nset title 'Accuracy'\n"
       << "plot " << quoted(dat_path.string()) << " using 1:4 with lines lw 2 title 'Train accuracy', "
       << quoted(dat_path.string()) << " using 1:5 with lines lw 2 title 'Val accuracy'\n"
       << "unset multiplot\nset output\n";
  }  // closing the pipe waits for gnuplot to finish writing
  if (!std::filesystem::exists(png_path) || std::filesystem::file_size(png_path) == 0) {
    throw nnkit::Error(fmt::format("save_train_val_plot: gnuplot did not write {}; is gnuplot "
                                   "(Debian's gnuplot-nox) installed? run `make deps`",
                                   png_path.string()));
  }
}

TrainValMetrics read_train_val_data(const std::filesystem::path& dat_path) {
  std::ifstream in(dat_path);
  if (!in) throw nnkit::Error("read_train_val_data: cannot open " + dat_path.string());
  TrainValMetrics metrics;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    double epoch, train_loss, val_loss, train_acc, val_acc;
    if (!(fields >> epoch >> train_loss >> val_loss >> train_acc >> val_acc)) {
      throw nnkit::Error("read_train_val_data: malformed line in " + dat_path.string() + ": " + line);
    }
    metrics.train_losses.push_back(train_loss);
    metrics.val_losses.push_back(val_loss);
    metrics.train_accs.push_back(train_acc);
    metrics.val_accs.push_back(val_acc);
  }
  return metrics;
}

const std::string& check_judgement(const std::string& judgement) {
  for (const auto& word : judgements()) {
    if (judgement == word) return word;
  }
  throw nnkit::Error(fmt::format("report_my_judgement() returned \"{}\"; expected exactly one of "
                                 "\"{}\" (lower case, no spaces)",
                                 judgement, fmt::join(judgements(), "\", \"")));
}

}  // namespace scaffold

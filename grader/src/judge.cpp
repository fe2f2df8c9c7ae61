// Judging one case outside the sandbox: see judge.hpp.
#include "judge.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "prepared_data.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

std::string index_text(std::size_t flat, const std::vector<std::size_t>& shape) {
  if (shape.empty()) return "";
  std::vector<std::size_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return fmt::format("[{}]", fmt::join(index, ", "));
}

std::string shorten(const std::string& text, std::size_t max = 600) {
  return text.size() <= max ? text : text.substr(0, max) + " [...]";
}

/// Compares one key; returns "" when equal within tolerance, else the reason.
std::string compare(const std::string& key, const Observation& got, const Observation& expected,
                    const Judge& judge, bool show_expected) {
  if (got.kind != expected.kind) {
    return show_expected ? fmt::format("{} is {}, expected {}", key, got.describe_kind(),
                                       expected.describe_kind())
                         : fmt::format("{} is {}, not what the reference reports", key,
                                       got.describe_kind());
  }
  switch (expected.kind) {
    case Observation::Kind::Text:
      if (got.text == expected.text) return "";
      return show_expected ? fmt::format("{} differs:\n  got:      {}\n  expected: {}", key,
                                         shorten(got.text), shorten(expected.text))
                           : fmt::format("{} differs from the reference (got: {})", key,
                                         shorten(got.text, 200));
    case Observation::Kind::File:
      return "";
    case Observation::Kind::Labels:
    case Observation::Kind::Array: {
      if (got.shape != expected.shape || got.values.size() != expected.values.size()) {
        return show_expected ? fmt::format("{} has shape {}, expected {}", key,
                                           got.describe_kind(), expected.describe_kind())
                             : fmt::format("{} has the wrong shape ({})", key,
                                           got.describe_kind());
      }
      for (std::size_t i = 0; i < expected.values.size(); ++i) {
        const double g = got.values[i], e = expected.values[i];
        const bool both_nan = std::isnan(g) && std::isnan(e);
        const bool close = g == e || std::abs(g - e) <= judge.atol + judge.rtol * std::abs(e);
        if (close || both_nan) continue;
        const std::string where = key + index_text(i, expected.shape);
        if (std::isnan(g)) return fmt::format("{} is NaN", where);
        return show_expected
                   ? fmt::format("{} = {:.10g}, expected {:.10g} (allowed: |got − expected| ≤ "
                                 "{:g} + {:g}·|expected|)", where, g, e, judge.atol, judge.rtol)
                   : fmt::format("{} = {:.10g} is not what the reference computes", where, g);
      }
      return "";
    }
  }
  return "";
}

CaseVerdict judge_reference(const Case& c, const ProbeRun& run, const Observations& reference) {
  const bool show = c.suite == Suite::Public;
  std::vector<std::string> keys = c.judge.keys;
  if (keys.empty()) {
    for (const auto& [key, _] : reference.by_key) keys.push_back(key);
  }
  for (const auto& key : keys) {
    const Observation* expected = reference.find(key);
    if (!expected) return {false, "the rubric names " + key + ", which the reference never reports"};
    const Observation* got = run.observations.find(key);
    if (!got) return {false, "nothing was reported for " + key};
    if (auto why = compare(key, *got, *expected, c.judge, show); !why.empty()) return {false, why};
  }
  return {true, fmt::format("matches the reference ({} value{})", keys.size(),
                            keys.size() == 1 ? "" : "s")};
}

CaseVerdict judge_accuracy(const Case& c, const ProbeRun& run, const std::vector<int>& labels) {
  const Observation* predicted = run.observations.find(c.judge.key);
  if (!predicted || predicted->kind != Observation::Kind::Labels) {
    return {false, "no predicted labels were reported for the test set"};
  }
  if (predicted->values.size() != labels.size()) {
    return {false, fmt::format("{} labels were predicted for {} test images",
                               predicted->values.size(), labels.size())};
  }
  const double accuracy = accuracy_of(predicted->values, labels);
  const bool passed = accuracy >= c.judge.threshold;
  return {passed, fmt::format("test accuracy {:.5f} (threshold {:g}){}", accuracy,
                              c.judge.threshold, passed ? "" : ": below the threshold")};
}

CaseVerdict judge_judgement(const Case& c, const ProbeRun& run, const Observations& reference) {
  const auto& words = c.judge.words;
  const Observation* got = run.observations.find(c.judge.key);
  if (!got || got->kind != Observation::Kind::Text) return {false, "no judgement was reported"};
  if (std::find(words.begin(), words.end(), got->text) == words.end()) {
    return {false, fmt::format("\"{}\" is not one of {}", shorten(got->text, 100),
                               fmt::join(words, ", "))};
  }
  const Observation* expected = reference.find(c.judge.key);
  if (expected && expected->text == got->text) return {true, "\"" + got->text + "\" fits the curve"};
  return {false, "\"" + got->text + "\" is not what the learning curve shows"};
}

/// Width and height from a PNG's IHDR, or {0, 0} when it is not a PNG.
std::pair<unsigned, unsigned> png_size(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[24] = {};
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return {0, 0};
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!std::equal(signature, signature + 8, h) || std::string(h + 12, h + 16) != "IHDR") return {0, 0};
  auto be32 = [](const unsigned char* p) {
    return (unsigned{p[0]} << 24) | (unsigned{p[1]} << 16) | (unsigned{p[2]} << 8) | p[3];
  };
  return {be32(h + 16), be32(h + 20)};
}

/// Whether `relative` names a regular file under `root` reached through real folders
/// only: the probe's output folder is the student's to fill, and a symbolic link there
/// must never make the grader read its own files.
bool plain_file_below(const fs::path& root, const fs::path& relative) {
  if (relative.empty() || relative.is_absolute()) return false;
  fs::path at = root;
  struct stat st {};
  for (auto it = relative.begin(); it != relative.end(); ++it) {
    if (*it == ".." || *it == "." || it->empty()) return false;
    at /= *it;
    if (lstat(at.c_str(), &st) != 0) return false;
    const bool last = std::next(it) == relative.end();
    if (last ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) return false;
  }
  return true;
}

CaseVerdict judge_plot(const Case& c, const ProbeRun& run) {
  const Observation* file = run.observations.find(c.judge.key);
  if (!file || file->kind != Observation::Kind::File) return {false, "no plot file was reported"};
  const fs::path name = file->text;
  if (!plain_file_below(run.out_dir, name)) {
    return {false, fmt::format("{} was not written as a regular file in the output folder",
                               file->text)};
  }
  const fs::path png = run.out_dir / name;
  const auto [width, height] = png_size(png);
  if (width == 0) return {false, fmt::format("{} is not a PNG image", file->text)};
  if (width < 600 || height < 300 || width > 10000 || height > 10000) {
    return {false, fmt::format("{} is {}×{}: too small or too large to read", file->text, width, height)};
  }
  fs::path dat_name = name;
  dat_name.replace_extension(".dat");
  const fs::path dat = run.out_dir / dat_name;
  struct stat st {};
  if (!plain_file_below(run.out_dir, dat_name) || lstat(dat.c_str(), &st) != 0 ||
      st.st_size > (8 << 20)) {
    return {false, fmt::format("{} has no data file {} beside it (save_train_val_plot writes it)",
                               file->text, dat.filename().string())};
  }
  std::ifstream in(dat);
  std::vector<std::vector<double>> columns(4);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    double epoch = 0, v[4] = {};
    if (!(fields >> epoch >> v[0] >> v[1] >> v[2] >> v[3])) {
      return {false, dat.filename().string() + " has a malformed line: " + shorten(line, 100)};
    }
    for (int k = 0; k < 4; ++k) columns[k].push_back(v[k]);
  }
  const char* keys[4] = {"train_losses", "val_losses", "train_accs", "val_accs"};
  for (int k = 0; k < 4; ++k) {
    const Observation* series = run.observations.find(keys[k]);
    if (!series) return {false, std::string("the metric ") + keys[k] + " was not reported"};
    if (series->values.size() != columns[k].size()) {
      return {false, fmt::format("the plot shows {} epochs of {}, the model recorded {}",
                                 columns[k].size(), keys[k], series->values.size())};
    }
    for (std::size_t e = 0; e < columns[k].size(); ++e) {
      const double want = series->values[e];
      if (!(std::abs(columns[k][e] - want) <= 1e-6 * std::max(1.0, std::abs(want)))) {
        return {false, fmt::format("the plot's {} at epoch {} is {}, the model recorded {}", keys[k],
                                   e + 1, columns[k][e], want)};
      }
    }
  }
  return {true, fmt::format("{} is a {}×{} PNG of the recorded metrics", file->text, width, height)};
}

CaseVerdict judge_decreasing(const Case& c, const ProbeRun& run) {
  const Observation* series = run.observations.find(c.judge.key);
  if (!series || series->kind != Observation::Kind::Array || series->values.size() < 2) {
    return {false, c.judge.key + " was not reported as a curve"};
  }
  const double first = series->values.front(), last = series->values.back();
  const bool passed = std::isfinite(last) && last <= c.judge.max_ratio * first;
  return {passed, fmt::format("{} goes from {:.5f} to {:.5f}{}", c.judge.key, first, last,
                              passed ? "" : fmt::format(" (it should end at most {:g}× its start)",
                                                        c.judge.max_ratio))};
}

}  // namespace

CaseVerdict judge_case(const Case& c, const JudgeInputs& in) {
  if (!in.student) return {false, in.part_failure};
  const ProbeRun& run = *in.student;
  if (!run.failure.empty()) return {false, "the probe " + run.failure};
  const Observations empty;
  const Observations& reference = in.reference ? *in.reference : empty;
  const std::string& kind = c.judge.kind;
  if (kind == "reference") return judge_reference(c, run, reference);
  if (kind == "accuracy") return judge_accuracy(c, run, *in.test_labels);
  if (kind == "judgement") return judge_judgement(c, run, reference);
  if (kind == "plot") return judge_plot(c, run);
  return judge_decreasing(c, run);
}

}  // namespace grader

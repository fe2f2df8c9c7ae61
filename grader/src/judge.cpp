// Judging one case outside the sandbox: see judge.hpp.
#include "judge.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include <csignal>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "error.hpp"
#include "prepared_data.hpp"
#include "text.hpp"

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

/// Whether the message may quote the submission (a public case) or must not (a hidden
/// one): see judge.hpp.
enum class Voice { Public, Hidden };

/// Compares one key; returns "" when equal within tolerance, else the reason.
std::string compare(const std::string& key, const Observation& got, const Observation& expected,
                    const Judge& judge, Voice voice) {
  const bool show = voice == Voice::Public;
  if (got.kind != expected.kind) {
    return show ? fmt::format("{} is {}, expected {}", key, got.describe_kind(),
                              expected.describe_kind())
                : fmt::format("{} is not what the reference reports (another kind of value)", key);
  }
  switch (expected.kind) {
    case Observation::Kind::Text:
      if (got.text == expected.text) return "";
      return show ? fmt::format("{} differs:\n  got:      {}\n  expected: {}", key,
                                text::cut(got.text, 600), text::cut(expected.text, 600))
                  : fmt::format("{} differs from the reference", key);
    case Observation::Kind::File:
      return "";
    case Observation::Kind::Labels:
    case Observation::Kind::Array: {
      if (got.shape != expected.shape || got.values.size() != expected.values.size()) {
        return show ? fmt::format("{} has shape {}, expected {}", key, got.describe_kind(),
                                  expected.describe_kind())
                    : fmt::format("{} has the wrong shape", key);
      }
      for (std::size_t i = 0; i < expected.values.size(); ++i) {
        const double g = got.values[i], e = expected.values[i];
        const bool both_nan = std::isnan(g) && std::isnan(e);
        const bool close = g == e || std::abs(g - e) <= judge.atol + judge.rtol * std::abs(e);
        if (close || both_nan) continue;
        const std::string where = key + index_text(i, expected.shape);
        if (std::isnan(g)) return show ? fmt::format("{} is NaN", where) : key + " has a value that is NaN";
        return show ? fmt::format("{} = {:.10g}, expected {:.10g} (allowed: |got − expected| ≤ "
                                  "{:g} + {:g}·|expected|)", where, g, e, judge.atol, judge.rtol)
                    : fmt::format("{} is not what the reference computes", key);
      }
      return "";
    }
  }
  return "";
}

/// The reference's observations of the case's probe; their absence is the kit's fault.
const Observations& reference_of(const Case& c, const JudgeInputs& in) {
  if (!in.reference) {
    throw Error(fmt::format("case {}: the reference has no observations of probe {}", c.id, c.probe));
  }
  return *in.reference;
}

CaseVerdict judge_reference(const Case& c, const ProbeRun& run, const Observations& reference,
                            Voice voice) {
  std::vector<std::string> keys = c.judge.keys;
  if (keys.empty()) {
    for (const auto& [key, _] : reference.by_key) keys.push_back(key);
  }
  if (keys.empty()) throw Error(fmt::format("case {}: the reference reports nothing to compare", c.id));
  for (const auto& key : keys) {
    const Observation* expected = reference.find(key);
    if (!expected) {
      throw Error(fmt::format("case {}: the rubric names {}, which the reference never reports",
                              c.id, key));
    }
    const Observation* got = run.observations.find(key);
    if (!got) return {false, "nothing was reported for " + key};
    if (auto why = compare(key, *got, *expected, c.judge, voice); !why.empty()) return {false, why};
  }
  return {true, fmt::format("matches the reference ({} value{})", keys.size(),
                            keys.size() == 1 ? "" : "s")};
}

CaseVerdict judge_accuracy(const Case& c, const ProbeRun& run, const std::vector<int>& labels,
                           Voice voice) {
  const Observation* predicted = run.observations.find(c.judge.key);
  if (!predicted || predicted->kind != Observation::Kind::Labels) {
    return {false, "no predicted labels were reported for the test set"};
  }
  if (predicted->values.size() != labels.size()) {
    return {false, voice == Voice::Public
                       ? fmt::format("{} labels were predicted for {} test images",
                                     predicted->values.size(), labels.size())
                       : fmt::format("the number of labels predicted is not the number of test "
                                     "images ({})", labels.size())};
  }
  const double accuracy = accuracy_of(predicted->values, labels);
  const bool passed = accuracy >= c.judge.threshold;
  if (voice == Voice::Hidden) {
    return {passed, fmt::format("the test accuracy is {} the threshold {:g}",
                                passed ? "at or above" : "below", c.judge.threshold)};
  }
  return {passed, fmt::format("test accuracy {:.5f} (threshold {:g}){}", accuracy,
                              c.judge.threshold, passed ? "" : ": below the threshold")};
}

CaseVerdict judge_judgement(const Case& c, const ProbeRun& run, const Observations& reference,
                            Voice voice) {
  const auto& words = c.judge.words;
  const Observation* got = run.observations.find(c.judge.key);
  if (!got || got->kind != Observation::Kind::Text) return {false, "no judgement was reported"};
  const bool show = voice == Voice::Public;
  if (std::find(words.begin(), words.end(), got->text) == words.end()) {
    return {false, show ? fmt::format("\"{}\" is not one of {}", text::cut(got->text, 100),
                                      fmt::join(words, ", "))
                        : fmt::format("the judgement reported is not one of {}",
                                      fmt::join(words, ", "))};
  }
  // from here on got->text is one of the manifest's words, not the submission's own text
  const Observation* expected = reference.find(c.judge.key);
  if (!expected) {
    throw Error(fmt::format("case {}: the reference reports no {}", c.id, c.judge.key));
  }
  if (expected->text == got->text) return {true, "\"" + got->text + "\" fits the curve"};
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

CaseVerdict judge_plot(const Case& c, const ProbeRun& run, Voice voice) {
  const Observation* file = run.observations.find(c.judge.key);
  if (!file || file->kind != Observation::Kind::File) return {false, "no plot file was reported"};
  const bool show = voice == Voice::Public;
  // the file's name and contents are the submission's: a hidden case names neither
  const std::string plot = show ? text::cut(file->text, 200) : "the plot";
  const fs::path name = file->text;
  if (!plain_file_below(run.out_dir, name)) {
    return {false, fmt::format("{} was not written as a regular file in the output folder", plot)};
  }
  const fs::path png = run.out_dir / name;
  const auto [width, height] = png_size(png);
  if (width == 0) return {false, fmt::format("{} is not a PNG image", plot)};
  if (width < 600 || height < 300 || width > 10000 || height > 10000) {
    return {false, show ? fmt::format("{} is {}×{}: too small or too large to read", plot, width, height)
                        : "the plot is too small or too large to read (from 600×300 to 10000×10000)"};
  }
  fs::path dat_name = name;
  dat_name.replace_extension(".dat");
  const fs::path dat = run.out_dir / dat_name;
  struct stat st {};
  if (!plain_file_below(run.out_dir, dat_name) || lstat(dat.c_str(), &st) != 0 ||
      st.st_size > (8 << 20)) {
    return {false, fmt::format("{} has no data file {} beside it (save_train_val_plot writes it)",
                               plot, show ? text::cut(dat.filename().string(), 200) : "(.dat)")};
  }
  std::ifstream in(dat);
  std::vector<std::vector<double>> columns(4);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    double epoch = 0, v[4] = {};
    if (!(fields >> epoch >> v[0] >> v[1] >> v[2] >> v[3])) {
      return {false, show ? text::cut(dat.filename().string(), 200) + " has a malformed line: " +
                                text::cut(line, 100)
                          : "the plot's data file has a malformed line"};
    }
    for (int k = 0; k < 4; ++k) columns[k].push_back(v[k]);
  }
  const char* keys[4] = {"train_losses", "val_losses", "train_accs", "val_accs"};
  for (int k = 0; k < 4; ++k) {
    const Observation* series = run.observations.find(keys[k]);
    if (!series) return {false, std::string("the metric ") + keys[k] + " was not reported"};
    if (series->values.size() != columns[k].size()) {
      return {false, show ? fmt::format("the plot shows {} epochs of {}, the model recorded {}",
                                        columns[k].size(), keys[k], series->values.size())
                          : fmt::format("the plot does not show as many epochs of {} as the model "
                                        "recorded", keys[k])};
    }
    for (std::size_t e = 0; e < columns[k].size(); ++e) {
      const double want = series->values[e];
      if (!(std::abs(columns[k][e] - want) <= 1e-6 * std::max(1.0, std::abs(want)))) {
        return {false, show ? fmt::format("the plot's {} at epoch {} is {}, the model recorded {}",
                                          keys[k], e + 1, columns[k][e], want)
                            : fmt::format("the plot's {} is not what the model recorded", keys[k])};
      }
    }
  }
  return {true, show ? fmt::format("{} is a {}×{} PNG of the recorded metrics", plot, width, height)
                     : "the plot is a PNG of the recorded metrics"};
}

CaseVerdict judge_decreasing(const Case& c, const ProbeRun& run, Voice voice) {
  const Observation* series = run.observations.find(c.judge.key);
  if (!series || series->kind != Observation::Kind::Array || series->values.size() < 2) {
    return {false, c.judge.key + " was not reported as a curve"};
  }
  const double first = series->values.front(), last = series->values.back();
  const bool passed = std::isfinite(last) && last <= c.judge.max_ratio * first;
  if (voice == Voice::Hidden) {
    return {passed, fmt::format("{} {} at most {:g}× its start", c.judge.key,
                                passed ? "ends" : "does not end", c.judge.max_ratio)};
  }
  return {passed, fmt::format("{} goes from {:.5f} to {:.5f}{}", c.judge.key, first, last,
                              passed ? "" : fmt::format(" (it should end at most {:g}× its start)",
                                                        c.judge.max_ratio))};
}

/// Whether the probe ran out of memory: std::bad_alloc thrown (the probe reports it as its
/// exception and on stderr), or probe_run's word for it.
bool out_of_memory(const ProbeRun& run) {
  const Observation* exception = run.observations.find("exception");
  return (exception && exception->text.find("bad_alloc") != std::string::npos) ||
         run.process.stderr_text.find("std::bad_alloc") != std::string::npos ||
         run.failure.find("out of memory") != std::string::npos;
}

/// The signals a hidden case names; any other is "a signal" (the submission can raise
/// any signal it likes: a number would be a channel of its own).
std::string signal_words(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (a segmentation fault: an invalid memory access)";
    case SIGABRT: return "SIGABRT (aborted: an uncaught exception, a failed assertion or a corrupted heap)";
    case SIGFPE: return "SIGFPE (an arithmetic error, e.g. integer division by zero)";
    case SIGBUS: return "SIGBUS (a bus error)";
    case SIGKILL: return "SIGKILL (a hard resource limit)";
    case SIGXCPU: return "SIGXCPU (the CPU time limit)";
    default: return "a signal";
  }
}

/// Why the probe did not finish. A public case quotes probe_run's sentence (with the
/// exception's text, cut); a hidden one says which of a few kinds of failure it was, in
/// the grader's words (see judge.hpp).
std::string probe_failure(const ProbeRun& run, Voice voice) {
  const bool exception = run.observations.find("exception") != nullptr;
  const bool report_unusable = !exception && run.process.ok() && run.observations.problem;
  if (voice == Voice::Public) {
    if (report_unusable) return "the probe's report is unusable: " + *run.observations.problem;
    // probe_run's sentences have no subject: "killed by SIGSEGV ..." needs its verb
    const bool passive = run.failure.rfind("killed by", 0) == 0;
    return "the probe " + std::string(passive ? "was " : "") + run.failure;
  }
  const auto& p = run.process;
  if (p.timed_out) return fmt::format("the probe timed out after {:.0f} s and was killed", p.wall_seconds);
  if (p.not_started) {
    return fmt::format("the probe did not start: the same hang as an earlier probe of this part "
                       "(it observed nothing within {:.0f} s)",
                       p.limits.startup_seconds);
  }
  // before the exception: std::bad_alloc is one
  if (out_of_memory(run)) return "the probe ran out of memory (the sandbox's address-space limit)";
  if (exception) return "the probe threw an exception (its text is kept for the instructor)";
  if (p.signal != 0) return "the probe was killed by " + signal_words(p.signal);
  if (p.exit_code != 0) return "the probe stopped early with a non-zero exit status (kept for the instructor)";
  if (report_unusable) {
    return "the probe's report is unusable: malformed or repeated lines (kept for the instructor)";
  }
  return "the probe did not finish (the details are kept for the instructor)";
}

CaseVerdict judge_as(const Case& c, const JudgeInputs& in, Voice voice) {
  if (!in.student) return {false, in.part_failure};
  const ProbeRun& run = *in.student;
  if (!run.failure.empty()) return {false, probe_failure(run, voice)};
  const std::string& kind = c.judge.kind;
  if (kind == "reference") return judge_reference(c, run, reference_of(c, in), voice);
  if (kind == "accuracy") return judge_accuracy(c, run, *in.test_labels, voice);
  if (kind == "judgement") return judge_judgement(c, run, reference_of(c, in), voice);
  if (kind == "plot") return judge_plot(c, run, voice);
  return judge_decreasing(c, run, voice);
}

}  // namespace

CaseVerdict judge_case(const Case& c, const JudgeInputs& in) {
  const bool hidden = c.suite == Suite::Hidden;
  CaseVerdict verdict = judge_as(c, in, hidden ? Voice::Hidden : Voice::Public);
  // The instructor reads what the student's message leaves out: the public wording.
  if (hidden && !verdict.passed) verdict.detail = judge_as(c, in, Voice::Public).message;
  verdict.message = text::cut(verdict.message, text::kCaseTextBytes);
  verdict.detail = text::cut(verdict.detail, text::kInstructorTextBytes);
  return verdict;
}

}  // namespace grader

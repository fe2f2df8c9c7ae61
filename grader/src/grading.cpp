// Orchestrating one grading: see grading.hpp.
#include "grading.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "judge.hpp"
#include "probe_run.hpp"
#include "text.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxSourceBytes = 1 << 20;

/// A case the grader failed on (grading.hpp, CaseResult::graded).
constexpr const char* kNotGraded =
    "not graded: grader error (not your code; the course staff will regrade it)";

/// Step 1, intake: the file must be a regular file (a symlink could point the grader at
/// its own secrets), of sane size and text. Returns the problem, or "" and copies it.
std::string take_in(const fs::path& source, const fs::path& copy) {
  struct stat st {};
  if (lstat(source.c_str(), &st) != 0) return fmt::format("{} is missing from the submission",
                                                          source.filename().string());
  if (!S_ISREG(st.st_mode)) return fmt::format("{} is not a regular file (a link or a folder)",
                                               source.filename().string());
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxSourceBytes) {
    return fmt::format("{} is {} bytes; a part may have at most {}", source.filename().string(),
                       st.st_size, kMaxSourceBytes);
  }
  const std::string bytes = read_file(source);
  if (bytes.find('\0') != std::string::npos) {
    return fmt::format("{} contains NUL bytes: it is not a C++ source file",
                       source.filename().string());
  }
  write_file_atomically(copy, bytes);
  return "";
}

/// Progress lines on stderr quote probe_run's sentences, which may quote the submission:
/// one line each, cut (the instructor's log holds the rest).
constexpr std::size_t kProgressBytes = 300;

/// The grader failed at `step` with `what`: the student reads the step (never `what`,
/// which may quote the submission: an error of the sandbox quotes what the process
/// printed), the instructor reads both on one "GRADER ERROR" line.
void grader_failed(GradeReport& report, const std::string& step, const std::string& what) {
  report.grader_errors.push_back("the grader could not " + step);
  report.instructor_log.push_back(fmt::format("GRADER ERROR: could not {}: {}", step,
                                              text::one_line(what, text::kInstructorTextBytes)));
}

/// For the instructor: what a failed probe threw and printed.
std::string probe_log_entry(const std::string& part, const std::string& probe, bool hidden,
                            const ProbeRun& run) {
  std::string entry = fmt::format("{} probe {}{}: {}\n", part, probe, hidden ? " (hidden)" : "",
                                  text::one_line(run.failure, kProgressBytes));
  if (const Observation* e = run.observations.find("exception")) {
    entry += "  exception:\n" + text::quoted_lines(text::cut(e->text, text::kInstructorTextBytes), "  | ");
  }
  const auto& p = run.process;
  for (const auto& [name, kept, total] : {std::tuple{"stdout", &p.stdout_text, p.stdout_bytes},
                                          std::tuple{"stderr", &p.stderr_text, p.stderr_bytes}}) {
    if (total == 0) continue;
    entry += fmt::format("  {} ({} bytes):\n", name, total);
    entry += text::quoted_lines(text::cut(*kept, text::kInstructorTextBytes / 4), "  | ");
  }
  return entry;
}

}  // namespace

bool selected(const Item& item, const Case& c, const GradeOptions& options) {
  return in_suite(c.suite, options.suite) &&
         (options.items.empty() ||
          std::find(options.items.begin(), options.items.end(), item.number) != options.items.end());
}

GradeReport grade_submission(const Kit& kit, const Rubric& rubric, const ReferenceStore& reference,
                             const PreparedData& data, const fs::path& submission,
                             const GradeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  GradeReport report;
  report.submission = fs::absolute(submission).lexically_normal().filename().string();
  report.suite = options.suite;
  auto say = [&](const std::string& line) {
    if (options.progress) std::cerr << report.submission << ": " << line << "\n";
  };

  // Which parts and probes the selected cases need; which probes a public case reads
  // (what those print may be quoted to the student, a hidden-only probe's never).
  std::map<std::string, std::set<std::string>> probes_of_part;
  std::set<std::string> public_probes;   // "part/probe"
  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (!selected(item, c, options)) continue;
      probes_of_part[item.part].insert(c.probe);
      if (c.suite == Suite::Public) public_probes.insert(item.part + "/" + c.probe);
    }
  }

  // The grader's own failures are caught per part, per probe and per case: the cases
  // they touch are "not graded: grader error", everything else is graded as usual.
  std::map<std::string, ProbeRun> runs;   // "part/probe"
  std::map<std::string, std::string> part_failure;
  std::set<std::string> not_graded;       // parts and "part/probe" keys the grader failed on
  const auto blas_env = pinned_blas_env(rubric.blas_pinning);
  for (const auto& part : rubric.parts) {
    const std::string& name = part.name;
    if (!probes_of_part.count(name)) continue;
    PartResult result{name, part.file, "", {}};
    try {
      const fs::path copy = options.work_dir / "submission" / part.file;
      result.intake_problem = take_in(submission / part.file, copy);
      if (result.intake_problem.empty()) {
        result.build = build_part(kit, name, copy, options.cache_dir);
        say(fmt::format("{} {}{}", part.file,
                        result.build.ok ? "compiled" : text::one_line(result.build.failure, kProgressBytes),
                        result.build.cached ? " (cached)" : ""));
      } else {
        say(result.intake_problem);
      }
    } catch (const std::exception& e) {
      grader_failed(report, "take in and build " + part.file, e.what());
      say("GRADER ERROR while building " + part.file + " (see the log)");
      not_graded.insert(name);
      report.parts.push_back(std::move(result));
      continue;
    }
    if (!result.built()) {
      part_failure[name] = result.intake_problem.empty()
                               ? fmt::format("{} {} (see the compiler output)", part.file,
                                             text::one_line(result.build.failure, kProgressBytes))
                               : result.intake_problem;
    } else {
      for (const auto& probe : probes_of_part[name]) {
        const std::string key = name + "/" + probe;
        const bool hidden = !public_probes.count(key);
        ProbeSettings settings{data.dir, rubric.probe_timeout(name, probe), options.threads,
                               blas_env};
        try {
          ProbeRun run = run_probe(kit, result.build.probe_binary, probe,
                                   options.work_dir / "out" / name / probe, settings);
          say(fmt::format("{} probe {}: {} ({:.1f} s)", name, probe,
                          run.failure.empty() ? "ran" : text::one_line(run.failure, kProgressBytes),
                          run.process.wall_seconds));
          if (!run.failure.empty()) report.instructor_log.push_back(probe_log_entry(name, probe, hidden, run));
          if (!run.note.empty()) {
            const std::string note = fmt::format("{} probe {}: {}", name, probe,
                                                 text::one_line(run.note, text::kNoteBytes));
            // a hidden-only probe's id and its output's size are not the student's to read
            (hidden ? report.instructor_log : report.notes).push_back(note);
          }
          runs.emplace(key, std::move(run));
        } catch (const std::exception& e) {
          grader_failed(report, "run a probe of " + part.file, e.what());
          say(fmt::format("GRADER ERROR while running {} probe {} (see the log)", name, probe));
          not_graded.insert(key);
        }
      }
    }
    report.parts.push_back(std::move(result));
  }

  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (!selected(item, c, options)) continue;
      CaseResult result{&item, &c, 0.0, false, true, ""};
      report.max_score += c.points;
      if (not_graded.count(item.part) || not_graded.count(item.part + "/" + c.probe)) {
        result.graded = false;
        result.message = kNotGraded;
        report.cases.push_back(std::move(result));
        continue;
      }
      try {
        JudgeInputs in;
        const auto run = runs.find(item.part + "/" + c.probe);
        in.student = run == runs.end() ? nullptr : &run->second;
        in.part_failure = part_failure[item.part];
        in.reference = reference.find(item.part, c.probe);
        in.test_labels = &data.test_labels;
        const CaseVerdict verdict = judge_case(c, in);
        result.passed = verdict.passed;
        result.score = verdict.passed ? c.points : 0.0;
        result.message = verdict.message;
        if (!verdict.detail.empty()) {
          report.instructor_log.push_back(fmt::format("case {} (hidden): {}\n", c.id, verdict.detail));
        }
        if (c.judge.kind == "accuracy" && in.student) {
          if (const auto* labels = in.student->observations.find(c.judge.key);
              labels && labels->kind == Observation::Kind::Labels) {
            const Part& part = rubric.part(item.part);
            report.test_accuracy.push_back({part.name, part.class_name,
                                            accuracy_of(labels->values, data.test_labels),
                                            part.test_accuracy_threshold,
                                            static_cast<int>(data.test_labels.size()),
                                            c.suite == Suite::Public});
          }
        }
      } catch (const std::exception& e) {
        grader_failed(report, "judge a case of item " + item.number, e.what());
        result = CaseResult{&item, &c, 0.0, false, false, kNotGraded};
      }
      report.score += result.score;
      report.cases.push_back(std::move(result));
    }
  }
  if (report.grader_error()) say("GRADER ERROR: some cases were not graded (see the log)");
  // Probe outputs may hold large plots; what the judge needed has been read.
  std::error_code ec;
  fs::remove_all(options.work_dir / "out", ec);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace grader

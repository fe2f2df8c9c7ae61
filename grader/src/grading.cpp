// Orchestrating one grading: see grading.hpp.
#include "grading.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "judge.hpp"
#include "probe_run.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxSourceBytes = 1 << 20;

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

  // Which parts and probes the selected cases need.
  std::map<std::string, std::set<std::string>> probes_of_part;
  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (selected(item, c, options)) probes_of_part[item.part].insert(c.probe);
    }
  }

  std::map<std::string, ProbeRun> runs;   // "part/probe"
  std::map<std::string, std::string> part_failure;
  const auto blas_env = pinned_blas_env(rubric.blas_pinning);
  for (const auto& part : rubric.parts) {
    const std::string& name = part.name;
    if (!probes_of_part.count(name)) continue;
    PartResult result{name, part.file, "", {}};
    const fs::path copy = options.work_dir / "submission" / part.file;
    result.intake_problem = take_in(submission / part.file, copy);
    if (result.intake_problem.empty()) {
      result.build = build_part(kit, name, copy, options.cache_dir);
      say(fmt::format("{} {}{}", part.file, result.build.ok ? "compiled" : result.build.failure,
                      result.build.cached ? " (cached)" : ""));
    } else {
      say(result.intake_problem);
    }
    if (!result.built()) {
      part_failure[name] = result.intake_problem.empty()
                               ? fmt::format("{} {} (see the compiler output)", part.file,
                                             result.build.failure)
                               : result.intake_problem;
    } else {
      for (const auto& probe : probes_of_part[name]) {
        ProbeSettings settings{data.dir, rubric.probe_timeout(name, probe), options.threads,
                               blas_env};
        ProbeRun run = run_probe(kit, result.build.probe_binary, probe,
                                 options.work_dir / "out" / name / probe, settings);
        say(fmt::format("{} probe {}: {} ({:.1f} s)", name, probe,
                        run.failure.empty() ? "ran" : run.failure, run.process.wall_seconds));
        if (!run.note.empty()) report.notes.push_back(fmt::format("{} probe {}: {}", name, probe, run.note));
        runs.emplace(name + "/" + probe, std::move(run));
      }
    }
    report.parts.push_back(std::move(result));
  }

  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (!selected(item, c, options)) continue;
      JudgeInputs in;
      const auto run = runs.find(item.part + "/" + c.probe);
      in.student = run == runs.end() ? nullptr : &run->second;
      in.part_failure = part_failure[item.part];
      in.reference = reference.find(item.part, c.probe);
      in.test_labels = &data.test_labels;
      const CaseVerdict verdict = judge_case(c, in);
      CaseResult result{&item, &c, verdict.passed ? c.points : 0.0, verdict.passed,
                        verdict.message};
      report.score += result.score;
      report.max_score += c.points;
      if (c.judge.kind == "accuracy" && in.student) {
        if (const auto* labels = in.student->observations.find(c.judge.key);
            labels && labels->kind == Observation::Kind::Labels) {
          const Part& part = rubric.part(item.part);
          report.test_accuracy.push_back({part.name, part.class_name,
                                          accuracy_of(labels->values, data.test_labels),
                                          part.test_accuracy_threshold,
                                          static_cast<int>(data.test_labels.size())});
        }
      }
      report.cases.push_back(std::move(result));
    }
  }
  // Probe outputs may hold large plots; what the judge needed has been read.
  std::error_code ec;
  fs::remove_all(options.work_dir / "out", ec);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace grader

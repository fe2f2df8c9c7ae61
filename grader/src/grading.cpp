// Orchestrating one grading: see grading.hpp.
#include "grading.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "given_code.hpp"
#include "judge.hpp"
#include "probe_run.hpp"
#include "replay.hpp"
#include "text.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxSourceBytes = 1 << 20;

/// A case the grader failed on (grading.hpp, CaseResult::graded).
constexpr const char* kNotGraded =
    "not graded: grader error (not your code; the course staff will regrade it)";

/// A case a checkpoint lists before grading reached it. Whoever reads it in results.json
/// reads a grading that was killed (Gradescope's own timeout, most likely).
constexpr const char* kNotGradedYet =
    "not graded: grading was stopped before this case (the platform's time limit?) — tell the "
    "course staff";

/// A probe that ran longer than this is followed by a checkpoint: a kill after it does not
/// lose it. Short probes are not worth a rewrite of results.json each.
constexpr double kCheckpointAfterSeconds = 3;

/// The start-up deadline after a hang (grade_submission): this many times the reference's
/// time to its first observation, at least kStartupFloorSeconds (process start and data
/// loading on a slow machine), or kStartupFallbackSeconds when the reference cache has
/// no timing (written by an older grader).
constexpr double kStartupFactor = 3;
constexpr double kStartupFloorSeconds = 2;
constexpr double kStartupFallbackSeconds = 10;

/// The start-up deadline of a probe whose reference timing is `timing` (may be null), or
/// 0 when it would not be shorter than the probe's own timeout.
double startup_deadline(const ReferenceTiming* timing, double timeout) {
  const double deadline = timing && timing->first_observation_s >= 0
                              ? std::max(kStartupFloorSeconds, kStartupFactor * timing->first_observation_s)
                              : kStartupFallbackSeconds;
  return deadline < timeout ? deadline : 0;
}

std::string out_of_budget(double budget_seconds, bool stopped_while_running) {
  return fmt::format("not run: the grading budget of {:g} s ran out{} (not a verdict on your code; "
                     "the cases before it took the time)",
                     budget_seconds, stopped_while_running ? " while this probe ran" : "");
}

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
  report.budget_seconds = options.budget.seconds();
  report.sandbox = sandbox_description();
  auto say = [&](const std::string& line) {
    if (options.progress) std::cerr << report.submission << ": " << line << "\n";
  };

  // The selected cases in the rubric's order; each gets its result as soon as it has one.
  // Which parts and probes they need; which probes a public case reads (what those print
  // may be quoted to the student, a hidden-only probe's never).
  std::vector<CaseResult> cases;
  std::vector<bool> done;
  std::map<std::string, std::set<std::string>> probes_of_part;
  std::set<std::string> public_probes;   // "part/probe"
  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (!selected(item, c, options)) continue;
      cases.push_back(CaseResult{&item, &c, 0.0, false, false, kNotGradedYet, NotGraded::NotYet});
      done.push_back(false);
      probes_of_part[item.part].insert(c.probe);
      if (c.suite == Suite::Public) public_probes.insert(item.part + "/" + c.probe);
    }
  }

  // The grader's own failures are caught per part, per probe and per case: the cases
  // they touch are "not graded: grader error", everything else is graded as usual.
  std::map<std::string, ProbeRun> runs;   // "part/probe"
  std::map<std::string, std::string> part_failure;

  // Every case of `part` (of its `probe` when given) gets `result`'s verdict fields.
  auto settle = [&](const std::string& part, const std::string* probe, bool graded,
                    const std::string& message, NotGraded why) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (done[i] || cases[i].item->part != part || (probe && cases[i].c->probe != *probe)) continue;
      cases[i] = CaseResult{cases[i].item, cases[i].c, 0.0, false, graded, message, why};
      done[i] = true;
    }
  };
  // Judges every case of `part` (of its `probe` when given) from what has run.
  auto judge = [&](const std::string& part, const std::string* probe) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (done[i] || cases[i].item->part != part || (probe && cases[i].c->probe != *probe)) continue;
      const Item& item = *cases[i].item;
      const Case& c = *cases[i].c;
      CaseResult result{&item, &c, 0.0, false, true, ""};
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
            const Part& p = rubric.part(item.part);
            report.test_accuracy.push_back({p.name, p.class_name,
                                            accuracy_of(labels->values, data.test_labels),
                                            p.test_accuracy_threshold,
                                            static_cast<int>(data.test_labels.size()),
                                            c.suite == Suite::Public});
          }
        }
      } catch (const std::exception& e) {
        grader_failed(report, "judge a case of item " + item.number, e.what());
        result = CaseResult{&item, &c, 0.0, false, false, kNotGraded};
      }
      cases[i] = std::move(result);
      done[i] = true;
    }
  };
  // The report as it stands: cases in the rubric's order, totals, time.
  auto assemble = [&](GradeReport& r, bool finished) {
    r.cases = cases;
    r.score = r.max_score = 0;
    for (const auto& c : r.cases) {
      r.score += c.score;
      r.max_score += c.c->points;
    }
    r.finished = finished;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto checkpoint = [&] {
    if (!options.checkpoint) return;
    GradeReport partial = report;
    assemble(partial, false);
    try {
      options.checkpoint(partial);
    } catch (const std::exception& e) {
      // the final report may still be written; the log says why no checkpoint was
      report.instructor_log.push_back(
          fmt::format("could not write a checkpoint of the results: {}",
                      text::one_line(e.what(), text::kInstructorTextBytes)));
    }
  };
  auto budget_out = [&](const std::string& part, const std::string* probe, bool while_running) {
    report.budget_ran_out = true;
    settle(part, probe, false, out_of_budget(options.budget.seconds(), while_running),
           NotGraded::OutOfBudget);
  };

  checkpoint();
  const auto blas_env = pinned_blas_env(rubric.blas_pinning);
  for (const auto& part : rubric.parts) {
    const std::string& name = part.name;
    if (!probes_of_part.count(name)) continue;
    PartResult result{name, part.file, "", {}};
    if (options.budget.spent()) {
      say(fmt::format("{}: not built, the grading budget ran out", part.file));
      budget_out(name, nullptr, false);
      report.parts.push_back(std::move(result));
      continue;
    }
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
      settle(name, nullptr, false, kNotGraded, NotGraded::GraderError);
      report.parts.push_back(std::move(result));
      checkpoint();
      continue;
    }
    if (!result.built()) {
      part_failure[name] = result.intake_problem.empty()
                               ? fmt::format("{} {} (see the compiler output)", part.file,
                                             text::one_line(result.build.failure, kProgressBytes))
                               : result.intake_problem;
      judge(name, nullptr);
    } else {
      // The probe of this part that timed out before it observed anything, if one did:
      // the part's program hangs while starting, and every later probe gets a start-up
      // deadline (grading.hpp).
      std::string hung_probe;
      bool hung_probe_public = false;
      // Whether the reference's long runs may be replayed for this file (replay.hpp).
      // Decided before any probe runs, so the log says it even when the budget stops them.
      std::string no_replay = "replays are off (--no-replay)";
      if (options.replay && !part.replays.empty()) {
        const std::string difference = given_code_difference(
            read_file(kit.handout_dir / part.file), read_file(options.work_dir / "submission" / part.file));
        no_replay = difference.empty() ? "" : "the file's given code is not the handout's: " + difference;
      }
      if (!no_replay.empty()) {
        for (const auto& replay : part.replays) {
          if (!probes_of_part[name].count(replay.probe)) continue;
          report.instructor_log.push_back(
              fmt::format("{} probe {}: runs in full, no replay: {}", name, replay.probe, no_replay));
        }
      }
      for (const auto& probe : probes_of_part[name]) {
        const std::string key = name + "/" + probe;
        const bool hidden = !public_probes.count(key);
        const double timeout = rubric.probe_timeout(name, probe);
        if (options.budget.spent()) {
          say(fmt::format("{} probe {}: not run, the grading budget ran out", name, probe));
          budget_out(name, &probe, false);
          continue;
        }
        // Clamped to the budget: a probe stopped there did not time out by itself.
        const bool clamped = options.budget.remaining() < timeout;
        ProbeSettings settings{data.dir, clamped ? options.budget.remaining() : timeout, options.threads,
                               blas_env};
        if (!hung_probe.empty()) {
          settings.startup_s = startup_deadline(reference.find_timing(name, probe), settings.timeout_s);
        }
        try {
          std::optional<ProbeRun> replayed;
          if (const Replay* replay = part.replay_of(probe); replay && no_replay.empty()) {
            ReplayAttempt attempt = try_replay(kit, *replay, reference.find(name, probe),
                                               result.build.probe_binary, options.work_dir / "out" / name,
                                               settings, part.timeout_s);
            if (attempt.run) {
              replayed = std::move(attempt.run);
              say(fmt::format("{} probe {}: replayed the reference's run (the same network, the "
                              "given code unchanged; {:.1f} s)", name, probe, replayed->process.wall_seconds));
            } else {
              report.instructor_log.push_back(
                  fmt::format("{} probe {}: runs in full, no replay: {}", name, probe, attempt.why_not));
              if (attempt.hung && hung_probe.empty()) {
                // its constructor hangs: the full run gets the start-up deadline
                hung_probe = replay->fingerprint_probe;
                hung_probe_public = false;
                settings.startup_s = startup_deadline(reference.find_timing(name, probe), settings.timeout_s);
              }
            }
          }
          ProbeRun run = replayed ? std::move(*replayed)
                                  : run_probe(kit, result.build.probe_binary, probe,
                                              options.work_dir / "out" / name / probe, settings);
          const bool budget_stopped = clamped && run.process.timed_out;
          if (run.process.not_started) {
            // Named only where the student may read it: a hidden-only probe's id is not theirs.
            const std::string same = hidden || hung_probe_public
                                         ? "probe " + hung_probe
                                         : "an earlier probe of this part (a hidden one)";
            run.failure = fmt::format(
                "did not start: the same hang as {} — it observed nothing within its start-up "
                "deadline of {:.0f} s, after that probe timed out having observed nothing",
                same, settings.startup_s);
          } else if (run.process.timed_out && !budget_stopped && run.process.first_line_seconds < 0 &&
                     hung_probe.empty()) {
            hung_probe = probe;
            hung_probe_public = !hidden;
          }
          say(fmt::format("{} probe {}: {} ({:.1f} s)", name, probe,
                          budget_stopped ? "stopped, the grading budget ran out"
                          : run.failure.empty() ? "ran"
                                                : text::one_line(run.failure, kProgressBytes),
                          run.process.wall_seconds));
          if (!run.failure.empty()) report.instructor_log.push_back(probe_log_entry(name, probe, hidden, run));
          if (!run.note.empty()) {
            const std::string note = fmt::format("{} probe {}: {}", name, probe,
                                                 text::one_line(run.note, text::kNoteBytes));
            // a hidden-only probe's id and its output's size are not the student's to read
            (hidden ? report.instructor_log : report.notes).push_back(note);
          }
          const double wall = run.process.wall_seconds;
          if (budget_stopped) {
            budget_out(name, &probe, true);
          } else {
            runs.emplace(key, std::move(run));
            judge(name, &probe);
          }
          if (wall > kCheckpointAfterSeconds) checkpoint();
        } catch (const std::exception& e) {
          grader_failed(report, "run a probe of " + part.file, e.what());
          say(fmt::format("GRADER ERROR while running {} probe {} (see the log)", name, probe));
          settle(name, &probe, false, kNotGraded, NotGraded::GraderError);
        }
      }
    }
    report.parts.push_back(std::move(result));
    checkpoint();
  }

  if (report.budget_ran_out) {
    // Whose fault is it? The budget is the course's setting. When the reference solution's
    // own probes (timed on this machine) need more than the budget, no submission could be
    // graded in full: the budget is too small and the student must not pay for it — a
    // grader error (on Gradescope the student keeps their previous score until the staff
    // regrade). Otherwise the submission's own slowness (probes running to their
    // timeouts) spent it, as a timeout would have: the cases not run score 0, which the
    // report says, and it is no grader error.
    double reference_seconds = 0;
    for (const auto& [name, probes] : probes_of_part) {
      for (const auto& probe : probes) {
        if (const auto* t = reference.find_timing(name, probe)) reference_seconds += t->wall_s;
      }
    }
    if (reference_seconds > options.budget.seconds()) {
      grader_failed(report,
                    fmt::format("grade within its budget of {:g} s: the reference solution's own "
                                "probes take {:.0f} s; the course staff must raise the budget",
                                options.budget.seconds(), reference_seconds),
                    "the grading budget is shorter than the reference's probes");
    }
    say(fmt::format("the grading budget of {:g} s ran out: some cases were not run",
                    options.budget.seconds()));
  }
  if (report.grader_error()) say("GRADER ERROR: some cases were not graded (see the log)");
  // Probe outputs may hold large plots; what the judge needed has been read.
  std::error_code ec;
  fs::remove_all(options.work_dir / "out", ec);
  assemble(report, true);
  return report;
}

}  // namespace grader

// Gradings that cannot run to their end (issue 15; docs/architecture.md, "Results that
// survive a kill"): the real `nnkit-grade grade` on fixtures made from solution/
// (hostile.hpp).
//   - checkpoint_*: SIGKILL in the middle of a grading leaves a valid results.json whose
//     finished cases are judged as in a full run, the rest "not graded" yet;
//   - budget_*: --budget and $NNKIT_GRADE_BUDGET are checked; when the budget runs out no
//     probe starts, the cases not run say so and score 0, earlier ones keep their scores;
//   - startup_hang_*: a part-2 constructor that never returns costs one timeout, not one
//     per probe (at most 120 s more than the same submission without the loop);
//   - gradescope_*: raw text is declared as text for Gradescope, top level and per test.
// CTest runs each case on its own (tests/grader/CMakeLists.txt) as grader.<name>.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hostile.hpp"

namespace {

using namespace hostile;

/// What one `nnkit-grade grade` did, stopped or not.
struct Run {
  pid_t pid = 0;
  int exit_status = -1;   ///< -1 when it did not exit normally (killed)
  bool killed = false;    ///< by this test, when `kill_when` said so
  double seconds = 0;
  std::string out, err;
  json results;           ///< null when results.json is missing or invalid
  std::string results_problem;
};

/// results.json as JSON, or nullopt while it does not exist or does not parse (it is
/// replaced by a rename, so a parse failure would be a bug: the caller checks at the end).
std::optional<json> read_results(const fs::path& file) {
  const std::string text = read_text(file);
  if (text.empty()) return std::nullopt;
  try {
    return json::parse(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Runs `nnkit-grade grade FIXTURE --items ... --results FILE EXTRA...` with this test's
/// cache and kit, `env` added to its environment. Every 50 ms `kill_when` (when given)
/// reads the current results.json; when it returns true the grader is SIGKILLed.
Run grade_run(const fs::path& fixture, const std::vector<std::string>& items, const fs::path& results,
              const std::vector<std::string>& extra = {},
              const std::vector<std::pair<std::string, std::string>>& env = {},
              const std::function<bool(const json&)>& kill_when = {}, double deadline_s = 1200) {
  std::error_code ec;
  fs::create_directories(results.parent_path());
  fs::remove(results, ec);
  const fs::path out_file = results.string() + ".stdout", err_file = results.string() + ".stderr";
  std::vector<std::string> args = {paths().grader.string(), "grade", fixture.string(),
                                   "--items", fmt::format("{}", fmt::join(items, ",")),
                                   "--results", results.string(), "--cache", paths().cache().string(),
                                   "--kit", paths().kit.string(), "--threads", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  MESSAGE(fmt::format("{}", fmt::join(args, " ")));
  Run run;
  const auto start = std::chrono::steady_clock::now();
  run.pid = fork();
  REQUIRE(run.pid >= 0);
  if (run.pid == 0) {
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  const auto deadline = start + std::chrono::duration<double>(deadline_s);
  for (;;) {
    if (waitpid(run.pid, &status, WNOHANG) == run.pid) break;
    const bool stop = std::chrono::steady_clock::now() > deadline ||
                      (kill_when && [&] {
                        const auto now = read_results(results);
                        return now && kill_when(*now);
                      }());
    if (stop) {
      kill(run.pid, SIGKILL);
      waitpid(run.pid, &status, 0);
      run.killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) run.exit_status = WEXITSTATUS(status);
  run.out = read_text(out_file);
  run.err = read_text(err_file);
  if (!fs::exists(results)) {
    run.results_problem = "no results file was written";
  } else {
    try {
      run.results = json::parse(read_text(results));
    } catch (const std::exception& e) {
      run.results_problem = std::string("results.json is not JSON: ") + e.what();
    }
  }
  MESSAGE(fmt::format("{} after {:.1f} s, exit status {}", run.killed ? "killed" : "finished",
                      run.seconds, run.exit_status));
  return run;
}

/// results.json is valid and lists every selected case, in the rubric's order, with its
/// points; returns the tests by case id.
std::map<std::string, json> tests_by_case(const Run& run, const std::vector<std::string>& items) {
  INFO("stderr:\n" << run.err.substr(0, 6000));
  REQUIRE_MESSAGE(run.results_problem.empty(), run.results_problem);
  REQUIRE(run.results.is_object());
  const auto cases = rubric_cases(items);
  const json& tests = run.results.at("tests");
  REQUIRE(tests.size() == cases.size());
  double sum = 0;
  std::map<std::string, json> by_case;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CHECK(tests[i].at("max_score").get<double>() == doctest::Approx(cases[i].points));
    sum += tests[i].at("score").get<double>();
    by_case[cases[i].id] = tests[i];
  }
  CHECK(run.results.at("score").get<double>() == doctest::Approx(sum));
  return by_case;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

/// Every case of `items` in `cases` passed with its points.
void check_pass(const std::map<std::string, json>& cases, const std::vector<std::string>& all,
                const std::vector<std::string>& items) {
  for (const auto& c : rubric_cases(all)) {
    if (std::find(items.begin(), items.end(), c.item) == items.end()) continue;
    const json& t = cases.at(c.id);
    INFO("case " << c.id << ": " << t.dump());
    CHECK(t.value("status", "") == "passed");
    CHECK(t.value("score", -1.0) == doctest::Approx(c.points));
  }
}

/// Part 2's every probe hangs: its constructor never returns.
Injection hanging_pytorch_ann_constructor() {
  return {"pytorch_ann", "2.1", R"(
  volatile unsigned long spins = 0;
  for (;;) spins = spins + 1;)"};
}

}  // namespace

TEST_CASE("checkpoint_sigkill_midway_leaves_the_finished_cases_judged") {
  // Part 1 is the solution's; part 2's forward pass hangs (60 s per probe), so the kill
  // lands while part 2 runs, once a checkpoint shows part 1 judged.
  const Fixture fixture{"checkpoint_kill", "solution", {{"pytorch_ann", "2.2", R"(
  volatile unsigned long spins = 0;
  for (;;) spins = spins + 1;)"}}, {}};
  const std::vector<std::string> items = {"1.2", "1.4", "2.2"};
  const fs::path dir = write_fixture(fixture);
  const auto part_1_judged = [](const json& results) {
    for (const auto& t : results.at("tests")) {
      if (t.at("number").get<std::string>().rfind("1.", 0) == 0 &&
          starts_with(t.value("output", ""), "not graded")) {
        return false;
      }
    }
    return true;
  };
  const Run run = grade_run(dir, items, paths().work / "results" / "checkpoint_kill.json", {}, {},
                            part_1_judged);
  REQUIRE(run.killed);   // the grading had not finished: part 2's probes hang
  INFO("results.json:\n" << run.results.dump(2).substr(0, 6000));
  const auto cases = tests_by_case(run, items);
  CHECK(run.results.value("grading_finished", true) == false);
  CHECK(run.results.value("output", "").find("Grading did not finish") != std::string::npos);
  check_pass(cases, items, {"1.2", "1.4"});   // as a full run of the solution judges them
  for (const auto& c : rubric_cases({"2.2"})) {
    const json& t = cases.at(c.id);
    CHECK(starts_with(t.value("output", ""), "not graded: grading was stopped before this case"));
    CHECK(t.value("score", -1.0) == 0.0);
  }
  // bubblewrap's --die-with-parent: nothing of the grading survives the kill
  std::this_thread::sleep_for(std::chrono::seconds(2));
  GradeRun as_grade;
  as_grade.pid = run.pid;
  const auto left = survivors(as_grade, dir, "");
  CHECK_MESSAGE(left.empty(), fmt::format("{}", fmt::join(left, "\n")));
}

TEST_CASE("budget_flag_and_environment_are_checked") {
  const fs::path dir = write_fixture({"budget_flag", "solution", {}, {}});
  const fs::path results = paths().work / "results" / "budget_flag.json";
  for (const std::string bad : {"soon", "-5", "0.5", "1e9", "nan"}) {
    const Run flag = grade_run(dir, {"1.2"}, results, {"--budget", bad});
    CHECK(flag.exit_status == 2);
    CHECK(flag.err.find("is not a grading budget: give the seconds the whole grading may take, from 1 to 86400") !=
          std::string::npos);
    const Run env = grade_run(dir, {"1.2"}, results, {}, {{"NNKIT_GRADE_BUDGET", bad}});
    CHECK(env.exit_status == 2);
    CHECK(env.err.find("NNKIT_GRADE_BUDGET: " + bad + " is not a grading budget") != std::string::npos);
  }
}

TEST_CASE("budget_ran_out_later_cases_are_not_run_earlier_keep_their_scores") {
  // 1.3's probes hang; the budget runs out while the first one runs (its timeout is
  // clamped to the budget: not the submission's timeout), so neither the rest of 1.3 nor
  // part 2 runs. A first grading without a budget fills the build cache, so that the budget
  // is not spent compiling (nor on the reference: set-up counts against the budget).
  const Fixture fixture{"budget", "solution", {{"numpy_ann", "1.3", R"(
  volatile unsigned long spins = 0;
  for (;;) spins = spins + 1;
  return z;)"}}, {}};
  const fs::path dir = write_fixture(fixture);
  const fs::path results = paths().work / "results" / "budget.json";
  const Run warm = grade_run(dir, {"1.2", "1.3", "2.2"}, results);   // and the reference's
  REQUIRE(warm.exit_status == 0);

  const std::vector<std::string> items = {"1.2", "1.3", "2.2"};
  const Run run = grade_run(dir, items, results, {}, {{"NNKIT_GRADE_BUDGET", "30"}});
  CHECK(run.exit_status == 0);
  INFO("results.json:\n" << run.results.dump(2).substr(0, 6000));
  const auto cases = tests_by_case(run, items);
  CHECK(run.results.value("grading_finished", false));
  CHECK(run.results.value("budget_ran_out", false));
  CHECK(run.results.value("budget_seconds", 0.0) == 30.0);
  // the reference's probes fit in 30 s: the submission's hang spent the budget
  CHECK(run.results.value("grader_error", true) == false);
  CHECK(run.results.value("output", "").find("The grading budget of 30 s ran out") != std::string::npos);
  check_pass(cases, items, {"1.2"});
  for (const auto& c : rubric_cases({"1.3", "2.2"})) {
    const json& t = cases.at(c.id);
    INFO("case " << c.id << ": " << t.dump());
    CHECK(starts_with(t.value("output", ""), "not run: the grading budget of 30 s ran out"));
    CHECK(t.value("score", -1.0) == 0.0);
  }
  CHECK(run.out.find("NOT RUN") != std::string::npos);
}

TEST_CASE("startup_hang_of_a_part_costs_one_timeout") {
  // Done when: a part-2 constructor that never returns costs at most 120 s more than the
  // same submission without the loop, and the other parts keep full marks. Without the
  // start-up deadline part 2's probes would each run to their timeout (1,320 s). What is
  // asserted is the mechanism — exactly one probe runs to its timeout, every other probe of
  // the part is stopped as "the same hang" — not the wall time, which is printed: this
  // machine is shared and noisy.
  const std::vector<std::string> items = {"1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "3.1"};
  const fs::path same = write_fixture({"startup_no_hang", "solution", {}, {}});
  const fs::path hang = write_fixture({"startup_hang", "solution", {hanging_pytorch_ann_constructor()}, {}});
  // Once without timing it: the reference of every item is computed and cached here.
  const Run warm = grade_run(same, items, paths().work / "results" / "startup_warm.json");
  REQUIRE(warm.exit_status == 0);

  const Run no_hang = grade_run(same, items, paths().work / "results" / "startup_no_hang.json");
  REQUIRE(no_hang.exit_status == 0);
  const Run hung = grade_run(hang, items, paths().work / "results" / "startup_hang.json");
  REQUIRE(hung.exit_status == 0);
  MESSAGE(fmt::format("wall: without the hang {:.0f} s, with it {:.0f} s (+{:.0f} s)", no_hang.seconds,
                      hung.seconds, hung.seconds - no_hang.seconds));
  INFO("results.json:\n" << hung.results.dump(2).substr(0, 8000));
  const auto cases = tests_by_case(hung, items);
  check_pass(cases, items, {"1.2", "3.1"});
  std::size_t timed_out = 0, same_hang = 0, part_cases = 0;
  for (const auto& c : rubric_cases(items)) {
    if (c.part != "pytorch_ann") continue;
    ++part_cases;
    const json& t = cases.at(c.id);
    CHECK(t.value("score", -1.0) == 0.0);
    const std::string output = t.value("output", "");
    // (a "same hang" message of a hidden case also says that an earlier probe timed out)
    if (output.rfind("the probe timed out after", 0) == 0) ++timed_out;
    if (output.find("did not start: the same hang as") != std::string::npos) ++same_hang;
  }
  CHECK(timed_out == 1);
  CHECK(same_hang == part_cases - 1);
  CHECK(hung.results.value("grading_finished", false));
}

TEST_CASE("gradescope_raw_text_is_declared_text") {
  const fs::path dir = write_fixture({"text_format", "solution", {}, {}});
  const std::vector<std::string> items = {"1.2"};
  const Run run = grade_run(dir, items, paths().work / "results" / "text_format.json");
  const auto cases = tests_by_case(run, items);
  // Gradescope renders output as HTML unless told: compiler output quoting
  // `#include <vector>` must read as it is
  CHECK(run.results.value("output_format", "") == "text");
  CHECK(run.results.value("test_output_format", "") == "text");
  CHECK(run.results.value("test_name_format", "") == "text");
  for (const auto& [id, t] : cases) {
    INFO("case " << id);
    CHECK(t.value("output_format", "") == "text");
  }
  CHECK(run.results.value("grading_finished", false));
  CHECK(run.results.value("budget_ran_out", true) == false);
  CHECK(run.results.at("budget_seconds").is_null());
}

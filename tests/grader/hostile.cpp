// Fixtures, grader runs and the checks every run must pass: see hostile.hpp.
#include "hostile.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace hostile {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

namespace {

void write_if_changed(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  if (fs::exists(path, ec) && read_text(path) == bytes) return;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Replaces the body of student region `item` in `text` (see Injection).
std::string inject(const std::string& text, const Injection& injection, const fs::path& file) {
  const auto lines = lines_of(text);
  const std::string heading = "// " + injection.item + " ";
  std::size_t head = 0;
  while (head < lines.size() && lines[head].find(heading) == std::string::npos) ++head;
  std::size_t open = head;
  while (open < lines.size() && lines[open].find(">>> YOUR CODE HERE >>>") == std::string::npos) ++open;
  std::size_t close = open;
  while (close < lines.size() && lines[close].find("<<< END OF YOUR CODE <<<") == std::string::npos) ++close;
  REQUIRE_MESSAGE(close < lines.size(),
                  "no student region " << injection.item << " in " << file.string()
                                       << " (has solution/ changed its markers?)");
  REQUIRE_MESSAGE(open - head <= 2, "region " << injection.item << " of " << file.string()
                                              << ": its heading is not right above the marker");
  std::string out;
  for (std::size_t i = 0; i <= open; ++i) out += lines[i] + "\n";
  out += injection.body;
  if (!injection.body.empty() && injection.body.back() != '\n') out += "\n";
  for (std::size_t i = close; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

const char* const kParts[] = {"numpy_ann", "pytorch_ann", "pytorch_cnn"};

std::string cmdline_of(const fs::path& proc_dir) {
  std::string text = read_text(proc_dir / "cmdline");
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

}  // namespace

const Paths& paths() {
  static const Paths p{NNKIT_SOURCE_DIR, NNKIT_GRADE, NNKIT_GRADER_KIT, NNKIT_HOSTILE_WORK, [] {
                         const char* sandbox = std::getenv("NNKIT_SANDBOX");
                         return std::string(sandbox && std::string(sandbox) == "fallback" ? "fallback" : "");
                       }()};
  return p;
}

fs::path fixture_dir(const std::string& name) { return paths().fixtures() / name; }

fs::path results_file(const std::string& name) { return paths().results() / (name + ".json"); }

fs::path write_fixture(const Fixture& fixture) {
  const fs::path dir = fixture_dir(fixture.name);
  fs::create_directories(dir);
  for (const char* part : kParts) {
    const fs::path from = paths().source / fixture.base / (std::string(part) + ".cpp");
    std::string text = read_text(from);
    REQUIRE_MESSAGE(!text.empty(), "cannot read " << from.string());
    for (const auto& injection : fixture.injections) {
      if (injection.part == part) text = inject(text, injection, from);
    }
    if (auto it = fixture.prologue.find(part); it != fixture.prologue.end()) {
      text = "// Hostile fixture " + fixture.name + " (tests/grader): code before the file.\n" +
             it->second + "\n" + text;
    }
    write_if_changed(dir / (std::string(part) + ".cpp"), text);
  }
  return dir;
}

std::vector<RubricCase> rubric_cases(const std::vector<std::string>& items) {
  const json rubric = json::parse(read_text(paths().kit / "manifest.json"));
  std::vector<RubricCase> cases;
  for (const auto& item : rubric.at("items")) {
    const std::string number = item.at("number");
    if (std::find(items.begin(), items.end(), number) == items.end()) continue;
    for (const auto& c : item.at("cases")) {
      cases.push_back({number, item.at("part"), c.at("id"), c.at("probe"), c.at("suite"),
                       c.at("points").get<double>()});
    }
  }
  return cases;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
    const auto relative = fs::relative(it->path(), dir).string();
    if (it->is_symlink()) files[relative] = "symlink -> " + fs::read_symlink(it->path()).string();
    else if (it->is_regular_file()) files[relative] = read_text(it->path());
    else files[relative] = "(folder)";
  }
  return files;
}

GradeRun grade(const fs::path& fixture, const std::vector<std::string>& items,
               const fs::path& results_file, double deadline_s) {
  GradeRun run;
  run.results_file = results_file;
  std::error_code ec;
  fs::remove(results_file, ec);
  const fs::path out_file = results_file.string() + ".stdout";
  const fs::path err_file = results_file.string() + ".stderr";
  const std::string item_list = fmt::format("{}", fmt::join(items, ","));
  const std::vector<std::string> args = {
      paths().grader.string(), "grade", fixture.string(), "--items", item_list,
      "--results", results_file.string(), "--cache", paths().cache().string(),
      "--kit", paths().kit.string(), "--threads", "1"};
  MESSAGE("nnkit-grade grade " << fixture.filename().string() << " --items " << item_list);

  const auto start = std::chrono::steady_clock::now();
  run.pid = fork();
  REQUIRE(run.pid >= 0);
  if (run.pid == 0) {
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  const auto deadline = start + std::chrono::duration<double>(deadline_s);
  for (;;) {
    const pid_t done = wait4(run.pid, &status, WNOHANG, &usage);
    if (done == run.pid) {
      run.finished = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(run.pid, SIGKILL);
      wait4(run.pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) run.exit_status = WEXITSTATUS(status);
  run.out = read_text(out_file);
  run.err = read_text(err_file);
  if (!fs::exists(results_file)) {
    run.results_problem = "no results file was written";
  } else {
    try {
      run.results = json::parse(read_text(results_file));
    } catch (const std::exception& e) {
      run.results_problem = std::string("results.json is not JSON: ") + e.what();
    }
  }
  MESSAGE(fmt::format("graded in {:.1f} s, exit status {}, grader peak RSS {} MB", run.seconds,
                      run.exit_status, run.max_rss_kb / 1024));
  return run;
}

std::vector<std::string> survivors(const GradeRun& run, const fs::path& fixture,
                                   const std::string& process_name) {
  const std::string work = (paths().cache() / "work" / std::to_string(run.pid)).string();
  const std::string build = fmt::format(".tmp{}", run.pid);
  std::vector<std::string> found;
  // Killed processes take a moment to leave /proc: look again while any is listed.
  for (int attempt = 0; attempt < 40; ++attempt) {
    found.clear();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (std::stol(name) == getpid()) continue;
      std::ifstream status(entry.path() / "status");
      std::string line, state;
      unsigned uid = 0;
      while (std::getline(status, line)) {
        if (line.rfind("Uid:", 0) == 0) uid = static_cast<unsigned>(std::stoul(line.substr(4)));
        if (line.rfind("State:", 0) == 0) state = line.substr(6);
      }
      if (state.find('Z') != std::string::npos) continue;  // exited, waiting to be reaped
      const std::string cmdline = cmdline_of(entry.path());
      const std::string comm = read_text(entry.path() / "comm");
      const bool ours = (geteuid() == 0 && uid == run.sandbox_uid()) ||
                        (!process_name.empty() && comm.rfind(process_name, 0) == 0) ||
                        cmdline.find(fixture.string()) != std::string::npos ||
                        cmdline.find(work) != std::string::npos ||
                        (cmdline.find(paths().cache().string()) != std::string::npos &&
                         cmdline.find(build) != std::string::npos);
      if (ours) found.push_back(fmt::format("{} (uid {}, {}): {}", name, uid, state, cmdline));
    }
    if (found.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return found;
}

std::vector<std::string> planted_files(const std::vector<fs::path>& roots, int depth,
                                       fs::file_time_type since, const std::string& marker,
                                       unsigned uid, const std::vector<fs::path>& excluded) {
  std::vector<std::string> found;
  for (const auto& root : roots) {
    std::error_code ec;
    if (!fs::exists(root, ec)) continue;
    auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::end(it); it.increment(ec)) {
      const fs::path path = it->path();
      if (std::find(excluded.begin(), excluded.end(), path) != excluded.end()) {
        it.disable_recursion_pending();
        continue;
      }
      if (it.depth() >= depth) it.disable_recursion_pending();
      struct stat st {};
      if (lstat(path.c_str(), &st) != 0) continue;
      if (uid != 0 && st.st_uid == uid) {
        found.push_back(path.string() + " belongs to the sandbox's uid");
        continue;
      }
      std::error_code time_ec;
      if (!S_ISREG(st.st_mode) || st.st_size > (4 << 20) ||
          fs::last_write_time(path, time_ec) < since || time_ec) {
        continue;
      }
      if (!marker.empty() && read_text(path).find(marker) != std::string::npos) {
        found.push_back(path.string());
      }
    }
  }
  return found;
}

GradeRun grade_and_check(const Fixture& fixture, const Expectation& expect) {
  const fs::path dir = write_fixture(fixture);
  const auto before = snapshot(dir);
  const fs::path report_path = results_file(fixture.name);
  fs::create_directories(report_path.parent_path());
  GradeRun run = grade(dir, expect.items, report_path);

  CHECK_MESSAGE(run.finished, "the grader did not finish");
  CHECK_MESSAGE(run.exit_status == 0, "nnkit-grade exited with " << run.exit_status
                                                                 << "; stderr:\n" << run.err);
  const auto left = survivors(run, dir, expect.process_name);
  CHECK_MESSAGE(left.empty(), "processes of the grading survive it:\n"
                                  << fmt::format("{}", fmt::join(left, "\n")));
  for (const auto& line : left) kill(std::stoi(line), SIGKILL);  // ours: do not leave them
  CHECK_MESSAGE(snapshot(dir) == before, "the submission folder changed during grading");
  if (geteuid() == 0) {
    // Whatever the sandbox's uid owns outside the grader's own cache was put there from
    // inside (the cache holds the build and probe folders the grader hands it).
    std::vector<fs::path> roots = {"/tmp", paths().work, paths().kit};
    if (const char* home = std::getenv("HOME")) roots.push_back(home);
    const auto planted = planted_files(roots, 4, {}, "", run.sandbox_uid(), {paths().cache()});
    CHECK_MESSAGE(planted.empty(), "files of the sandbox's uid outside it:\n"
                                       << fmt::format("{}", fmt::join(planted, "\n")));
  }

  REQUIRE_MESSAGE(run.results_problem.empty(), run.results_problem << "\nstderr:\n" << run.err);
  const json& results = run.results;
  REQUIRE(results.is_object());
  REQUIRE(results.contains("tests"));
  CHECK(results.value("output", "").rfind("nnkit grader: ", 0) == 0);
  // Which sandbox ran: the one CTest's variant asked for ($NNKIT_SANDBOX).
  CHECK(results.value("sandbox", "").rfind(paths().fallback() ? "fallback (no namespaces)" : "bubblewrap ", 0) == 0);
  const auto cases = rubric_cases(expect.items);
  const auto& tests = results.at("tests");
  REQUIRE_MESSAGE(tests.size() == cases.size(),
                  "results.json has " << tests.size() << " tests, the rubric's selected items have "
                                      << cases.size() << " cases");
  double total = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const RubricCase& c = cases[i];
    const json& t = tests[i];
    const std::string output = t.value("output", "");
    const bool should_fail =
        expect.failing_items.count(c.item) || expect.failing_probes.count(c.part + "/" + c.probe);
    INFO("case " << c.id << " (probe " << c.probe << "): " << t.value("status", "?") << ", "
                 << output);
    CHECK(t.value("number", "") == c.item);
    CHECK(t.value("max_score", -1.0) == doctest::Approx(c.points));
    total += t.value("score", 0.0);
    if (should_fail) {
      CHECK(t.value("status", "") == "failed");
      CHECK(t.value("score", -1.0) == 0.0);
      if (!expect.reasons.empty()) {
        const bool named = std::any_of(expect.reasons.begin(), expect.reasons.end(),
                                       [&](const std::string& r) { return output.find(r) != std::string::npos; });
        CHECK_MESSAGE(named, "the message names none of the expected reasons");
      }
    } else {
      CHECK(t.value("status", "") == "passed");
      CHECK(t.value("score", -1.0) == doctest::Approx(c.points));
    }
  }
  CHECK(results.value("score", -1.0) == doctest::Approx(total));
  return run;
}

}  // namespace hostile

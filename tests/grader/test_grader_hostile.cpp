// Broken and hostile submissions through the real `nnkit-grade grade` (issue 5;
// docs/architecture.md, invariants I1–I5). Each test case writes one fixture submission — the
// reference solution with one student region replaced, or code put before a file — grades
// a few cheap items with --items, and checks the outcome from results.json: the faulty
// cases fail and say why, every other selected case passes, and (hostile.hpp,
// grade_and_check) the grader finishes with status 0, its results.json is its own, no
// process it started survives and the submission folder is untouched.
//
// CTest runs each case on its own (tests/grader/CMakeLists.txt) as grader.<name>.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "hostile.hpp"

namespace {

using namespace hostile;

// Cheap items (probes of a second or less) whose probes call no student code but the
// item's own method and the constructor: 1.2 _relu, 1.3 _relu_grad and 1.4 _cross_entropy
// of part 1 (the probes set the weights themselves), 2.1 and 2.2 of part 2, 3.1 of part 3.
// Items whose probes train the full networks (1.10, 2.5–2.7, 3.2, 3.3) take minutes.
const std::vector<std::string> kAllCheapItems = {"1.2", "1.3", "1.4", "2.1", "2.2", "3.1"};

/// The run-time marker a planted results.json carries; the fixtures build it at run time
/// from pieces, so neither their source nor their binary holds it whole.
const std::string kPlantedMarker = "nnkit-planted-results";

/// Every case of `items` passes.
Expectation all_pass(std::vector<std::string> items) {
  Expectation e;
  e.items = std::move(items);
  return e;
}

/// Every case of `failing` fails with a message naming one of `reasons`.
Expectation items_fail(std::vector<std::string> items, std::set<std::string> failing,
                       std::vector<std::string> reasons) {
  Expectation e = all_pass(std::move(items));
  e.failing_items = std::move(failing);
  e.reasons = std::move(reasons);
  return e;
}

/// Every case that reads one of `probes` ("part/probe") fails, naming one of `reasons`.
Expectation probes_fail(std::vector<std::string> items, std::set<std::string> probes,
                        std::vector<std::string> reasons) {
  Expectation e = all_pass(std::move(items));
  e.failing_probes = std::move(probes);
  e.reasons = std::move(reasons);
  return e;
}

std::string quoted(const fs::path& path) { return fmt::format("\"{}\"", path.string()); }

/// Every file that is a secret to the sandbox and exists here: the hidden suites and
/// the manifest, the solution (in the repository, in the kit and as the reference build in the
/// cache), the reference observations and the held-out test labels.
std::vector<fs::path> secret_files() {
  const Paths& p = paths();
  std::vector<fs::path> files = {
      p.source / "assignment/manifest.json",
      p.source / "hidden_tests/README.md",
      p.source / "hidden_tests/probe/probe.hpp",
      p.source / "hidden_tests/probe_numpy_ann.cpp",
      p.source / "solution/numpy_ann.cpp",
      p.source / "solution/numpy_ann.hpp",
      p.source / "solution/theory.md",
      p.kit / "manifest.json",
      p.kit / "kit.json",
      p.kit / "solution/numpy_ann.cpp",
      "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
  };
  // What the cache holds about the reference (sorted: the fixture's bytes stay the same).
  std::vector<fs::path> cached;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(p.cache() / "reference", ec);
       !ec && it != fs::end(it); it.increment(ec)) {
    if (it->is_regular_file() && it->path().string().find("/numpy_ann/1.") != std::string::npos) {
      cached.push_back(it->path());
    }
  }
  const std::string solution = read_text(p.source / "solution/numpy_ann.cpp");
  for (auto it = fs::directory_iterator(p.cache() / "builds", ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path copy = it->path() / "numpy_ann.cpp";
    if (fs::exists(copy) && read_text(copy) == solution) cached.push_back(copy);
  }
  std::sort(cached.begin(), cached.end());
  files.insert(files.end(), cached.begin(), cached.end());
  std::vector<fs::path> existing;
  for (const auto& f : files) {
    if (fs::is_regular_file(f)) existing.push_back(f);
  }
  return existing;
}

/// Folders that are secret to the sandbox (it must not even see that they exist).
std::vector<fs::path> secret_folders() {
  const Paths& p = paths();
  return {p.source / "hidden_tests", p.source / "solution", p.kit, p.kit / "solution",
          p.cache(), p.cache() / "reference", "/usr/share/datasets/fashion-mnist"};
}

/// A listening TCP socket on 127.0.0.1; the port stays the same from run to run when it
/// can (the fixture's bytes, hence its cached build, depend on it).
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    for (int candidate : {47613, 47614, 47615, 0}) {
      fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      REQUIRE(fd >= 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<std::uint16_t>(candidate));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && listen(fd, 16) == 0) {
        socklen_t length = sizeof address;
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        port = ntohs(address.sin_port);
        return;
      }
      close(fd);
    }
    FAIL("cannot listen on 127.0.0.1");
  }
  ~Listener() { close(fd); }
  /// Whether anybody connected (a pending connection is accepted and counted).
  int connections() const {
    int count = 0;
    while (accept(fd, nullptr, nullptr) >= 0) ++count;
    return count;
  }
};

/// Whether this machine reaches `ip`:`port` at all (outside any sandbox): tells whether
/// the sandbox's "no network" was tested against a reachable address.
bool reachable_from_here(const char* ip, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip, &address.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (!ok && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    ok = poll(&p, 1, 2000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  close(fd);
  return ok;
}

}  // namespace

// ---- I5: the solution and the blank handout -------------------------------------------------

TEST_CASE("I5_solution_passes_every_case_and_scores_the_same_twice") {
  // Also the set-up of the others (CTest FIXTURES_SETUP): it computes the reference
  // observations of every item they grade and compiles the solution's parts into the cache.
  const Fixture solution{"solution", "solution", {}, {}};
  const Expectation expect = all_pass(kAllCheapItems);
  const GradeRun first = grade_and_check(solution, expect);
  const GradeRun second = grade_and_check(solution, expect);
  REQUIRE(first.results.is_object());
  REQUIRE(second.results.is_object());
  CHECK(first.results.at("tests") == second.results.at("tests"));
  CHECK(first.results.at("score") == second.results.at("score"));
  CHECK(first.results.at("leaderboard") == second.results.at("leaderboard"));
}

TEST_CASE("I5_blank_handout_scores_nothing") {
  const Fixture blank{"blank_handout", "handout", {}, {}};
  grade_and_check(blank, items_fail(kAllCheapItems, {kAllCheapItems.begin(), kAllCheapItems.end()},
                                     {"not implemented", "threw an exception (its text is kept"}));
}

// ---- I4: a compile error costs its part ------------------------------------------------------

TEST_CASE("I4_compile_error_costs_only_its_part_and_shows_the_compiler_output") {
  const Fixture broken{"compile_error",
                       "solution",
                       {{"pytorch_ann", "2.2", "  return model(X) * hostile_undeclared_factor;"}},
                       {}};
  const GradeRun run = grade_and_check(
      broken, items_fail({"1.2", "2.1", "2.2", "3.1"}, {"2.1", "2.2"},
                         {"pytorch_ann.cpp does not compile"}));
  const std::string output = run.results.value("output", "");
  INFO("results.json output:\n" << output);
  CHECK(output.find("pytorch_ann.cpp does not compile") != std::string::npos);
  CHECK(output.find("hostile_undeclared_factor") != std::string::npos);  // g++'s own message
  CHECK(output.find("error:") != std::string::npos);
}

// ---- I3: crashes, hangs, bombs and floods cost only their cases ------------------------------

TEST_CASE("I3_segfault_costs_its_case") {
  const Fixture crash{"segfault", "solution", {{"numpy_ann", "1.2", R"(
  int* volatile nowhere = nullptr;  // volatile: the compiler cannot see the null
  *nowhere = 42;
  return xt::maximum(z, 0.0);)"}}, {}};
  grade_and_check(crash, items_fail({"1.2", "1.4", "2.2"}, {"1.2"}, {"SIGSEGV"}));
}

TEST_CASE("I3_uncaught_exception_costs_its_case") {
  const Fixture thrower{"exception", "solution", {{"numpy_ann", "1.3", R"(
  if (z.size() < 1000000000) throw std::runtime_error("hostile fixture: _relu_grad gives up");
  return xt::where(z > 0.0, 1.0, 0.0);)"}}, {}};
  grade_and_check(thrower, items_fail({"1.3", "1.4", "2.2"}, {"1.3"},
                                      {"threw an exception: hostile fixture: _relu_grad gives up",
                                       "threw an exception (its text is kept for the instructor)"}));
}

TEST_CASE("I3_infinite_loop_times_out_only_its_case") {
  // Only the doc example (its 2×2 input) hangs: the item's other case must still pass.
  const Fixture hang{"infinite_loop", "solution", {{"numpy_ann", "1.4", R"(
  if (y_pred.shape()[0] == 2 && y_pred.shape()[1] == 2) {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;
  }
  const double m = static_cast<double>(y_true.shape()[0]);
  const xt::xarray<double> terms = y_true * xt::log(y_pred);
  return -numpy_sum(terms) / m;)"}}, {}};
  grade_and_check(hang, probes_fail({"1.4", "1.2", "2.2"}, {"numpy_ann/1.4.doc_example"},
                                    {"timed out"}));
}

TEST_CASE("I3_memory_bomb_costs_its_case") {
  const Fixture hog{"memory_bomb", "solution", {{"pytorch_ann", "2.2", R"(
  std::vector<char> hostile_big(std::size_t{8} << 30, 1);  // 8 GiB, every page touched
  if (hostile_big[hostile_big.size() / 2] != 1) return {};
  return model(X);)"}}, {}};
  grade_and_check(hog, items_fail({"2.2", "2.1", "1.2"}, {"2.2"}, {"bad_alloc", "out of memory"}));
}

TEST_CASE("I3_fork_bomb_costs_its_case_and_leaves_no_process_behind") {
  // On the doc example's input only; every process forks forever, the children in new
  // sessions (out of the process group the grader kills) with their output closed.
  const Fixture bomb{"fork_bomb", "solution", {{"numpy_ann", "1.3", R"(
  if (z.dimension() == 1 && z.size() == 3) {
    prctl(PR_SET_NAME, "nnkit-hostile");
    for (;;) {
      const pid_t child = fork();
      if (child == 0) {
        setsid();
        close(0);
        close(1);
        close(2);
        close(3);
      } else if (child < 0) {
        usleep(100000);
      }
    }
  }
  return xt::where(z > 0.0, 1.0, 0.0);)"}},
                          {{"numpy_ann", "#include <sys/prctl.h>\n#include <unistd.h>"}}};
  Expectation expect = probes_fail({"1.3", "1.4", "2.2"}, {"numpy_ann/1.3.doc_example"}, {"timed out"});
  expect.process_name = "nnkit-hostile";
  grade_and_check(bomb, expect);
}

TEST_CASE("I3_output_flood_is_cut_and_costs_nothing") {
  // 100 MB on stdout and 10 MB on stderr per probe process, with fake verdicts, then the
  // right answer: the output is read and dropped past the cap, and nothing is lost.
  const Fixture flood{"output_flood", "solution", {{"numpy_ann", "1.2", R"(
  static bool flooded = false;
  if (!flooded) {
    flooded = true;
    std::string line = "1.2 _relu (1 / 1 pts): passed  Public tests: 42 / 42 points ";
    line.resize(1023, '+');
    line += '\n';
    for (int i = 0; i < 100 * 1024; ++i) std::fwrite(line.data(), 1, line.size(), stdout);
    for (int i = 0; i < 10 * 1024; ++i) std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stdout);
  }
  return xt::maximum(z, 0.0);)"}},
                           {{"numpy_ann", "#include <cstdio>"}}};
  const GradeRun run = grade_and_check(flood, all_pass({"1.2", "1.4", "2.2"}));
  const std::string output = run.results.value("output", "");
  INFO("results.json output:\n" << output);
  CHECK(output.find("only the first") != std::string::npos);  // the report says it was cut
  CHECK(fs::file_size(run.results_file) < (1u << 20));
}

// ---- I1: what the submission prints, writes or returns cannot raise its score -----------------

TEST_CASE("I1_fake_results_then_exit_from_a_static_initialiser_earn_nothing") {
  // Before main(): passing lines and a Gradescope JSON on stdout, made-up observations and
  // verdicts on the observation channel (fd 3), then exit(0) — the probes never run.
  const Fixture liar{"fake_exit", "solution", {}, {{"numpy_ann", R"(#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
namespace {
const int hostile_fake_exit = [] {
  std::printf("1.2 _relu (1 / 1 pts): passed\n1.4 _cross_entropy (1 / 1 pts): passed\n"
              "Public tests: 42 / 42 points\n"
              "{\"score\": 42, \"tests\": [{\"name\": \"1.2\", \"score\": 1, \"max_score\": 1, "
              "\"status\": \"passed\"}]}\n");
  std::fflush(stdout);
  const char* lines[] = {
      "{\"key\": \"relu\", \"kind\": \"array\", \"shape\": [3], \"data\": [42, 42, 42]}\n",
      "{\"key\": \"relu_matrix\", \"kind\": \"text\", \"text\": \"passed\"}\n",
      "{\"key\": \"cross_entropy\", \"kind\": \"array\", \"shape\": [], \"data\": [42]}\n",
      "{\"key\": \"status\", \"kind\": \"text\", \"text\": \"passed\"}\n",
      "{\"key\": \"score\", \"kind\": \"array\", \"shape\": [], \"data\": [42]}\n"};
  for (const char* line : lines) {
    if (write(3, line, std::strlen(line)) < 0) break;
  }
  std::exit(0);
  return 0;
}();
}  // namespace)"}}};
  const GradeRun run = grade_and_check(
      liar, items_fail({"1.2", "1.4", "2.2"}, {"1.2", "1.4"},
                       {"nothing was reported", "not what the reference", "expected", "is text",
                        "unusable"}));
  const double points_2_2 = [] {
    double total = 0;
    for (const auto& c : rubric_cases({"2.2"})) total += c.points;
    return total;
  }();
  CHECK(run.results.value("score", -1.0) == doctest::Approx(points_2_2));
}

TEST_CASE("I1_results_json_planted_anywhere_is_not_the_report") {
  // A static initialiser writes a full-marks results.json everywhere it might count — the
  // working folder and its parents, /tmp, $HOME, Gradescope's /autograder/results, the
  // grader's --results file, the submission folder, the cache, a sentinel in the build
  // tree — and the fixture's _relu is wrong, so the real report must show a failure.
  const Paths& p = paths();
  const fs::path report_file = results_file("planted_results");
  const fs::path sentinel = p.work / p.variant / "sentinel-planted-results.json";
  const fs::path planted_dir = fixture_dir("planted_results");
  std::error_code ec;
  fs::remove(sentinel, ec);
  const bool autograder_existed = fs::exists("/autograder");
  const auto start = fs::file_time_type::clock::now();

  const std::string targets = fmt::format(
      R"("results.json", "../results.json", "../../results.json", "../../../results.json",
      "/results.json", "/tmp/results.json", "/autograder/results/results.json",
      "/autograder/source/results.json", {}, {}, {}, {}, {}, {})",
      quoted(report_file), quoted(sentinel), quoted(planted_dir / "results.json"),
      quoted(p.cache() / "results.json"), quoted(p.kit / "results.json"),
      quoted(p.work / "results.json"));
  const Fixture planter{
      "planted_results",
      "solution",
      {{"numpy_ann", "1.2", "  return z;  // wrong on purpose: the real report fails 1.2"}},
      {{"numpy_ann", fmt::format(R"(#include <sys/stat.h>
#include <cstdio>
#include <cstdlib>
#include <string>
namespace {{
void hostile_plant(const std::string& path, const std::string& json) {{
  if (std::FILE* f = std::fopen(path.c_str(), "w")) {{
    std::fputs(json.c_str(), f);
    std::fclose(f);
  }}
}}
const int hostile_planted = [] {{
  std::string marker = "nnkit-";
  marker += "planted-";
  marker += "results";
  const std::string json = "{{\"score\": 42.0, \"output\": \"" + marker +
      "\", \"tests\": [{{\"name\": \"everything\", \"score\": 42, \"max_score\": 42, "
      "\"status\": \"passed\"}}]}}\n";
  mkdir("/autograder", 0777);
  mkdir("/autograder/results", 0777);
  mkdir("/autograder/source", 0777);
  const char* home = std::getenv("HOME");
  if (home) hostile_plant(std::string(home) + "/results.json", json);
  for (const char* path : {{{}}}) hostile_plant(path, json);
  // Our own source, too: a re-grade must not see a different submission.
  if (std::FILE* f = std::fopen({}, "a")) {{
    std::fputs("// planted\n", f);
    std::fclose(f);
  }}
  return 0;
}}();
}}  // namespace)",
                                 targets, quoted(planted_dir / "numpy_ann.cpp"))}}};
  const GradeRun run = grade_and_check(
      planter, items_fail({"1.2", "1.4", "2.2"}, {"1.2"}, {"expected", "not what the reference"}));

  const std::string report = read_text(report_file);
  CHECK(report.find(kPlantedMarker) == std::string::npos);
  CHECK_MESSAGE(!fs::exists(sentinel), "the sandbox wrote " << sentinel.string());
  CHECK(fs::exists("/autograder") == autograder_existed);
  const char* home = std::getenv("HOME");
  std::vector<fs::path> roots = {"/tmp", "/autograder", p.work, p.kit};
  if (home) roots.push_back(home);
  const auto planted = planted_files(roots, 4, start, kPlantedMarker,
                                     geteuid() == 0 ? run.sandbox_uid() : 0,
                                     {p.cache() / "builds", p.cache() / "reference"});
  CHECK_MESSAGE(planted.empty(), "written from inside the sandbox:\n"
                                     << fmt::format("{}", fmt::join(planted, "\n")));
}

TEST_CASE("I1_nan_never_passes") {
  const Fixture nan{"nan", "solution", {{"numpy_ann", "1.4",
                                         "  return std::numeric_limits<double>::quiet_NaN();"}},
                    {{"numpy_ann", "#include <limits>"}}};
  grade_and_check(nan, items_fail({"1.4", "1.2", "2.2"}, {"1.4"}, {"is NaN"}));
}

TEST_CASE("I1_wrong_shape_never_passes") {
  // The right values with one more dimension: [n] becomes [1, n], [r, c] becomes [1, r*c].
  const Fixture shape{"wrong_shape", "solution", {{"numpy_ann", "1.3", R"(
  xt::xarray<double> g = xt::where(z > 0.0, 1.0, 0.0);
  g.reshape({std::size_t{1}, g.size()});
  return g;)"}}, {}};
  grade_and_check(shape, items_fail({"1.3", "1.2", "2.2"}, {"1.3"}, {"shape"}));
}

// ---- I2: secrets stay outside; no network --------------------------------------------------

TEST_CASE("I2_secrets_are_not_visible_at_compile_time") {
  // #error for every secret the compiler can open by its absolute path; a control shows
  // that absolute paths do work in there. A visible secret breaks the build, so the
  // fixture's cases would fail and the compiler output would name it.
  const auto secrets = secret_files();
  REQUIRE(secrets.size() >= 10);
  std::string checks =
      "#if !__has_include(\"/usr/include/stdio.h\")\n"
      "#error \"control: absolute includes do not work, this fixture proves nothing\"\n"
      "#endif\n";
  for (const auto& secret : secrets) {
    checks += fmt::format("#if __has_include({0})\n#error \"I2 broken: \" {0} \" is visible at "
                          "compile time\"\n#endif\n",
                          quoted(secret));
  }
  // Builds are cached by content, whichever sandbox made them: the fallback's variant
  // (whose compile fails, below) has bytes of its own.
  if (paths().fallback()) checks = "// the fallback sandbox's variant\n" + checks;
  const Fixture peek{"secrets_compile_time", "solution", {}, {{"numpy_ann", checks}}};
  if (paths().fallback()) {
    // Without a mount namespace the secrets' folders exist, closed by their modes: the
    // compiler's look-up of the first one fails with "Permission denied" (a fatal error in
    // GCC, where a missing file is not), so the part does not compile and nothing is read.
    // That every secret stays unreadable is I2_secrets_are_not_readable_at_run_time's
    // (same uid, same files).
    const GradeRun run = grade_and_check(
        peek, items_fail({"1.2", "1.4", "2.2"}, {"1.2", "1.4"}, {"does not compile"}));
    const std::string output = run.results.value("output", "");
    CHECK(output.find("I2 broken") == std::string::npos);
    CHECK(output.find(": Permission denied") != std::string::npos);
    CHECK(output.find("control: absolute includes do not work") == std::string::npos);
    MESSAGE("the fallback: the compiler cannot open " << secrets.front().string());
    return;
  }
  const GradeRun run = grade_and_check(peek, all_pass({"1.2", "1.4", "2.2"}));
  CHECK(run.results.value("output", "").find("I2 broken") == std::string::npos);
  MESSAGE(secrets.size() << " secret files checked");
}

TEST_CASE("I2_secrets_are_not_readable_at_run_time") {
  // Before main(), the probe process looks for every secret file and folder; if it sees
  // one it aborts (its cases fail with SIGABRT and say which). _relu answers right only
  // when the look-up ran and its controls (its own data, /proc) worked. The fallback
  // sandbox (no mount namespace) shows that a closed folder exists (stat), never what is
  // in it: there only listing it counts. Its data is where $NNKIT_PROBE_DATA says.
  std::string files, folders;
  for (const auto& f : secret_files()) files += quoted(f) + ",\n      ";
  for (const auto& d : secret_folders()) folders += quoted(d) + ",\n      ";
  const Fixture peek{
      "secrets_run_time",
      "solution",
      {{"numpy_ann", "1.2", R"(
  if (!hostile_secrets_checked) return z;  // the look-up did not run: fail visibly
  return xt::maximum(z, 0.0);)"}},
      {{"numpy_ann", fmt::format(R"(#include <dirent.h>
#include <sys/stat.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
namespace {{
[[noreturn]] void hostile_leak(const char* what, const char* path) {{
  std::fprintf(stderr, "I2 broken: %s %s from inside the sandbox\n", what, path);
  std::abort();
}}
const bool hostile_secrets_checked = [] {{
  const bool fallback = {};
  const char* data = std::getenv("NNKIT_PROBE_DATA");
  if (data == nullptr) return false;
  const char* files[] = {{
      {}nullptr}};
  const char* folders[] = {{
      {}nullptr}};
  struct stat st;
  for (const char** f = files; *f; ++f) {{
    if (std::FILE* in = std::fopen(*f, "rb")) {{ std::fclose(in); hostile_leak("read", *f); }}
    if (stat(*f, &st) == 0) hostile_leak("saw", *f);
  }}
  for (const char** d = folders; *d; ++d) {{
    if (!fallback && stat(*d, &st) == 0) hostile_leak("saw", *d);
    if (DIR* dir = opendir(*d)) {{ closedir(dir); hostile_leak("listed", *d); }}
  }}
  // The held-out labels are not in the prepared data either.
  if (DIR* dir = opendir(data)) {{
    while (const dirent* e = readdir(dir)) {{
      if (std::strstr(e->d_name, "y_test") || std::strstr(e->d_name, "t10k-labels")) {{
        hostile_leak("found", e->d_name);
      }}
    }}
    closedir(dir);
  }}
  // Controls: the look-up can see what the sandbox does show.
  return stat("/proc/self/exe", &st) == 0 && stat((std::string(data) + "/X_train.idx").c_str(), &st) == 0;
}}();
}}  // namespace)",
                                 paths().fallback() ? "true" : "false", files, folders)}}};
  grade_and_check(peek, all_pass({"1.2", "1.4", "2.2"}));
}

TEST_CASE("I2_no_network_from_the_sandbox") {
  // The probe process connects to a port this test listens on (127.0.0.1) and to outside
  // addresses; any connection, or a name that resolves, aborts it (its cases would fail).
  const Listener listener;
  const Fixture caller{
      "network",
      "solution",
      {{"numpy_ann", "1.2", R"(
  if (!hostile_network_checked) return z;
  return xt::maximum(z, 0.0);)"}},
      {{"numpy_ann", fmt::format(R"(#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
namespace {{
bool hostile_connects(const char* ip, int port) {{
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_in address{{}};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<unsigned short>(port));
  inet_pton(AF_INET, ip, &address.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (!ok && errno == EINPROGRESS) {{
    pollfd p{{fd, POLLOUT, 0}};
    int error = 0;
    socklen_t length = sizeof error;
    ok = poll(&p, 1, 3000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
         error == 0;
  }}
  close(fd);
  return ok;
}}
const bool hostile_network_checked = [] {{
  const struct {{ const char* ip; int port; }} targets[] = {{
      {{"127.0.0.1", {}}}, {{"1.1.1.1", 443}}, {{"8.8.8.8", 53}}, {{"151.101.2.132", 80}}}};
  for (const auto& t : targets) {{
    if (hostile_connects(t.ip, t.port)) {{
      std::fprintf(stderr, "network from the sandbox: connected to %s:%d\n", t.ip, t.port);
      std::abort();
    }}
  }}
  addrinfo* found = nullptr;
  if (getaddrinfo("deb.debian.org", "80", nullptr, &found) == 0) {{
    std::fprintf(stderr, "network from the sandbox: deb.debian.org resolves\n");
    std::abort();
  }}
  return true;
}}();
}}  // namespace)",
                                 listener.port)}}};
  grade_and_check(caller, all_pass({"1.2", "1.4", "2.2"}));
  CHECK_MESSAGE(listener.connections() == 0,
                "the sandbox connected to 127.0.0.1:" << listener.port << " outside it");
  MESSAGE("outside address 1.1.1.1:443 reachable from the test itself: "
          << (reachable_from_here("1.1.1.1", 443) ? "yes" : "no"));
}

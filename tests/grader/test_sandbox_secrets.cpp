// What the sandbox keeps from a submission (issue 14; docs/architecture.md, invariants I2
// and I3, "Sandbox limits"), through the real `nnkit-grade grade` on fixtures made from
// solution/ (hostile.hpp) whose probed code — pytorch_ann's constructor (2.1) and forward
// (2.2) — attacks the sandbox:
//   - I2_grader_environment_*: a grader started with CANARY=<random> in its environment;
//     the probe reads every /proc/*/environ and getenv and throws what it found. The
//     canary is nowhere in results.json, the JUnit file, stdout or stderr.
//   - I2_probe_binary_*: the probe opens /proc/self/exe, /probe/probe, the kit's manifest,
//     solution and probes, the reference observations and the dataset's test labels —
//     Debian's, and copies under /usr ($FMNIST_DIR) and /etc (--data) — and throws
//     READ_OK:<path> for each read that works; none does, and the process is not dumpable.
//   - I3_writable_storage_*: a probe fills /tmp, /dev/shm, / and /out (also with files it
//     deletes but keeps open), or makes 20,000 files; it is stopped at the caps, with
//     bubblewrap's --size and with the fallback of a bubblewrap without it
//     (NNKIT_BWRAP_VERSION=0.6.0); the host's tmpfs memory and the grader's work folder
//     grow by at most the caps (measured while it runs; the numbers are printed).
//   - I3_thread_counts_*: --threads 0 and 10000 are refused with the range (grade, batch,
//     validate; exit status 2); the default is min(the CPU quota, the most allowed) and
//     reaches the probe; a probe given the most starts its 2T − 1 threads.
//   - I3_oom_killer_*: a probe the kernel's OOM killer ends (a memory cgroup with a small
//     limit) is reported as out of memory, naming that limit.
// Every grading must also leave results.json valid JSON with the untouched parts' scores
// intact. CTest runs each case on its own (tests/grader/CMakeLists.txt) as grader.<name>.
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hostile.hpp"

namespace {

using namespace hostile;

/// Items whose probes are cheap: numpy_ann's 1.2 (a part no fixture touches) and
/// pytorch_ann's 2.1 (constructor) and 2.2 (forward), where the fixtures put their code.
const std::vector<std::string> kItems = {"1.2", "2.1", "2.2"};

// ---- running nnkit-grade ------------------------------------------------------------------

/// One `nnkit-grade` run and what it left.
struct Graded {
  GradeRun run;             ///< pid, status, stdout, stderr, results (hostile.hpp)
  std::string junit;        ///< the JUnit file's text
  std::string results_text; ///< results.json's text
};

/// Runs nnkit-grade with `args` and `env` added to this process's environment, calling
/// `tick` about every 20 ms while it runs (measurements). Kills it after `deadline_s`.
Graded run_grader(const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& env = {},
                  const std::function<void()>& tick = {}, double deadline_s = 300) {
  Graded g;
  const fs::path base = paths().work / "sandbox_secrets" / fmt::format("run{}", getpid());
  fs::create_directories(base.parent_path());
  const fs::path out_file = base.string() + ".stdout", err_file = base.string() + ".stderr";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<std::string> all = {paths().grader.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  g.run.pid = pid;
  int status = 0;
  rusage usage{};
  const auto deadline = start + std::chrono::duration<double>(deadline_s);
  for (;;) {
    if (wait4(pid, &status, WNOHANG, &usage) == pid) {
      g.run.finished = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &usage);
      break;
    }
    if (tick) tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  g.run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g.run.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) g.run.exit_status = WEXITSTATUS(status);
  g.run.out = read_text(out_file);
  g.run.err = read_text(err_file);
  return g;
}

/// Grades `fixture` (written first) on `items` with --results and --junit, this test's
/// cache and the extra `args` (default: --threads 1).
Graded grade_fixture(const Fixture& fixture, const std::vector<std::string>& items,
                     std::vector<std::string> args = {"--threads", "1"},
                     const std::vector<std::pair<std::string, std::string>>& env = {},
                     const std::function<void()>& tick = {}) {
  const fs::path dir = write_fixture(fixture);
  const fs::path results = results_file(fixture.name);
  const fs::path junit = results.string() + ".junit.xml";
  fs::create_directories(results.parent_path());
  std::error_code ec;
  fs::remove(results, ec);
  fs::remove(junit, ec);
  std::vector<std::string> all = {"grade", dir.string(), "--items",
                                  fmt::format("{}", fmt::join(items, ",")),
                                  "--results", results.string(), "--junit", junit.string(),
                                  "--cache", paths().cache().string(),
                                  "--kit", paths().kit.string()};
  all.insert(all.end(), args.begin(), args.end());
  MESSAGE("nnkit-grade grade " << fixture.name << " --items " << fmt::format("{}", fmt::join(items, ","))
                               << " " << fmt::format("{}", fmt::join(args, " ")));
  Graded g = run_grader(all, env, tick);
  g.run.results_file = results;
  g.results_text = read_text(results);
  g.junit = read_text(junit);
  if (g.results_text.empty()) {
    g.run.results_problem = "no results file was written";
  } else {
    try {
      g.run.results = json::parse(g.results_text);
    } catch (const std::exception& e) {
      g.run.results_problem = std::string("results.json is not JSON: ") + e.what();
    }
  }
  MESSAGE(fmt::format("graded in {:.1f} s, exit status {}", g.run.seconds, g.run.exit_status));
  const auto left = survivors(g.run, dir, "");
  CHECK_MESSAGE(left.empty(), "processes of the grading survive it:\n" << fmt::format("{}", fmt::join(left, "\n")));
  for (const auto& line : left) kill(std::stoi(line), SIGKILL);
  return g;
}

/// The checks every grading must pass: exit 0, results.json valid JSON with one test per
/// selected case; the cases of `failing_items` fail (each message naming one of
/// `reasons`, when given) and every other case — the untouched parts — scores in full.
void check_report(const Graded& g, const std::vector<std::string>& items,
                  const std::set<std::string>& failing_items,
                  const std::vector<std::string>& reasons = {}) {
  CHECK_MESSAGE(g.run.finished, "the grader did not finish");
  CHECK_MESSAGE(g.run.exit_status == 0, "nnkit-grade exited with " << g.run.exit_status << "; stderr:\n"
                                                                   << g.run.err);
  REQUIRE_MESSAGE(g.run.results_problem.empty(), g.run.results_problem << "\nstderr:\n" << g.run.err);
  const json& results = g.run.results;
  REQUIRE(results.is_object());
  REQUIRE(results.contains("tests"));
  // The sandbox the suite means graded, not the other one by way of --sandbox auto.
  const std::string expected_sandbox = paths().fallback() ? "fallback" : "bubblewrap";
  CHECK_MESSAGE(results.value("sandbox", "").rfind(expected_sandbox, 0) == 0,
                "graded in \"" << results.value("sandbox", "") << "\", not in " << expected_sandbox
                                << "; stderr:\n" << g.run.err);
  const auto cases = rubric_cases(items);
  const auto& tests = results.at("tests");
  REQUIRE(tests.size() == cases.size());
  double total = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const json& t = tests[i];
    const std::string output = t.value("output", "");
    INFO("case " << c.id << ": " << t.value("status", "?") << ", " << output);
    total += t.value("score", 0.0);
    if (failing_items.count(c.item)) {
      CHECK(t.value("status", "") == "failed");
      CHECK(t.value("score", -1.0) == 0.0);
      if (!reasons.empty()) {
        CHECK_MESSAGE(std::any_of(reasons.begin(), reasons.end(),
                                  [&](const std::string& r) { return output.find(r) != std::string::npos; }),
                      "the message names none of: " << fmt::format("{}", fmt::join(reasons, " | ")));
      }
    } else {
      CHECK(t.value("status", "") == "passed");
      CHECK(t.value("score", -1.0) == doctest::Approx(c.points));
    }
  }
  CHECK(results.value("score", -1.0) == doctest::Approx(total));
}

/// The output of the first public case of `item` in results.json ("" when none).
std::string public_output(const Graded& g, const std::string& item) {
  const auto cases = rubric_cases(kItems);
  if (!g.run.results.is_object()) return "";
  const auto& tests = g.run.results.at("tests");
  for (std::size_t i = 0; i < cases.size() && i < tests.size(); ++i) {
    if (cases[i].item == item && cases[i].suite == "public") return tests[i].value("output", "");
  }
  return "";
}

/// Every text the grading produced, for "is X anywhere?" checks.
std::string everything_reported(const Graded& g) {
  return g.results_text + "\n" + g.junit + "\n" + g.run.out + "\n" + g.run.err;
}

std::string quoted(const fs::path& path) { return fmt::format("\"{}\"", path.string()); }

/// The solution's constructor body (2.1), for fixtures that add code before it.
const char* const kConstructorBody = R"(
  this->input_size = input_size;
  this->hidden_size = hidden_size;
  this->output_size = output_size;
  seed = random_seed;
  nnkit::manual_seed(static_cast<std::uint64_t>(random_seed));
  model = nnkit::nn::Sequential(nnkit::nn::Linear(input_size, hidden_size), nnkit::nn::ReLU(),
                                nnkit::nn::Linear(hidden_size, output_size));)";

/// A Fashion-MNIST copy in a folder the sandbox sees (/usr, /etc), removed at the end;
/// closed to other uids (mode 700), as the fallback sandbox needs a hidden folder to be.
struct DatasetCopy {
  fs::path dir;
  explicit DatasetCopy(fs::path where) {
    std::error_code ec;
    if (where.empty()) return;
    where += paths().variant.empty() ? "" : "-" + paths().variant;  // both variants at once
    fs::remove_all(where, ec);
    fs::create_directories(where, ec);
    fs::permissions(where, fs::perms::owner_all, ec);
    for (const auto& entry : fs::directory_iterator("/usr/share/datasets/fashion-mnist", ec)) {
      fs::copy_file(entry.path(), where / entry.path().filename(), ec);
    }
    if (!ec && fs::exists(where / "t10k-labels-idx1-ubyte.gz")) dir = where;
  }
  ~DatasetCopy() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

// ---- host measurements --------------------------------------------------------------------

/// A /proc/meminfo field in bytes.
std::int64_t meminfo(const std::string& field) {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return 0;
}

/// Bytes under `dir` (blocks or size, whichever is more, like the grader's watchdog).
std::int64_t disk_usage(const fs::path& dir) {
  std::int64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::end(it); it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) == 0) bytes += std::max<std::int64_t>(st.st_size, st.st_blocks * 512);
  }
  return bytes;
}

/// Used bytes of the file system holding `dir` (sees files deleted but kept open, and every
/// other writer on it).
std::int64_t filesystem_used(const fs::path& dir) {
  struct statvfs s {};
  if (statvfs(dir.c_str(), &s) != 0) return 0;
  return static_cast<std::int64_t>(s.f_blocks - s.f_bfree) * static_cast<std::int64_t>(s.f_frsize);
}

/// Peaks of the host's memory and disk while a grading runs, against their values before.
struct HostPeaks {
  std::int64_t shmem0 = meminfo("Shmem"), available0 = meminfo("MemAvailable");
  std::int64_t work0 = disk_usage(paths().cache() / "work");
  std::int64_t used0 = filesystem_used(paths().cache());
  std::int64_t shmem = shmem0, available = available0, work = work0, used = used0;
  void sample() {
    shmem = std::max(shmem, meminfo("Shmem"));
    available = std::min(available, meminfo("MemAvailable"));
    work = std::max(work, disk_usage(paths().cache() / "work"));
    used = std::max(used, filesystem_used(paths().cache()));
  }
  static double mib(std::int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }
  std::string describe() const {
    return fmt::format("tmpfs (Shmem) +{:.0f} MiB, MemAvailable -{:.0f} MiB, grader's work folder "
                       "+{:.0f} MiB, its file system +{:.0f} MiB (any writer)",
                       mib(shmem - shmem0), mib(available0 - available), mib(work - work0),
                       mib(used - used0));
  }
};

constexpr std::int64_t MiB = 1 << 20;

// ---- CPU quota, independently of the grader ----------------------------------------------

/// The CPUs this process may keep busy: the CPU quota of the cgroup shown at
/// /sys/fs/cgroup (v2 cpu.max, v1 cpu.cfs_quota_us), rounded up, at most the affinity mask.
int quota_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  double quota = 0, period = 0;
  std::ifstream v2("/sys/fs/cgroup/cpu.max");
  std::string max;
  if (v2 >> max >> period && max != "max") quota = std::stod(max);
  for (const char* dir : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
    std::ifstream q(fmt::format("{}/cpu.cfs_quota_us", dir)), p(fmt::format("{}/cpu.cfs_period_us", dir));
    double vq = 0, vp = 0;
    if (q >> vq && p >> vp && vq > 0 && vp > 0 && (quota <= 0 || vq / vp < quota / period)) {
      quota = vq;
      period = vp;
    }
  }
  if (quota > 0 && period > 0) cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(quota / period))));
  return std::max(1, cpus);
}

}  // namespace

// ---- I2: the grader's environment --------------------------------------------------------

TEST_CASE("I2_grader_environment_is_not_readable_in_the_sandbox") {
  std::random_device random;
  const std::string canary = fmt::format("nnkit-canary-{:08x}{:08x}", random(), random());
  const Fixture spy{"environment_canary", "solution", {{"pytorch_ann", "2.2", R"(
  // Once per probe: whatever names CANARY, in any environment this process can read.
  static const std::string hostile_leaks = hostile_environment_leaks();
  if (!hostile_leaks.empty()) throw std::runtime_error("LEAK " + hostile_leaks);
  return model(X);)"}},
                    {{"pytorch_ann", R"(#include <dirent.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
namespace {
std::string hostile_read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}
std::string hostile_environment_leaks() {
  std::string leaks;
  int processes = 0;
  if (DIR* proc = opendir("/proc")) {
    while (const dirent* e = readdir(proc)) {
      if (std::strspn(e->d_name, "0123456789") != std::strlen(e->d_name)) continue;
      ++processes;
      for (const char* file : {"/environ", "/cmdline"}) {
        std::string text = hostile_read_all(std::string("/proc/") + e->d_name + file);
        for (char& c : text) if (c == '\0') c = ' ';
        if (text.find("CANARY") != std::string::npos) leaks += std::string("/proc/") + e->d_name + file + ": " + text + "\n";
      }
    }
    closedir(proc);
  }
  if (const char* value = std::getenv("CANARY")) leaks += std::string("getenv: ") + value + "\n";
  for (char** e = environ; e && *e; ++e) {
    if (std::strstr(*e, "CANARY")) leaks += std::string("environ: ") + *e + "\n";
  }
  // Controls: the scan saw bubblewrap's PID 1 and this process, and this process's
  // environment holds what the grader set. (Its /proc/self/environ is unreadable: an
  // execute-only binary makes the process non-dumpable.)
  if (processes < 2) leaks += "CONTROL_FAILED: fewer than 2 processes in /proc\n";
  if (!std::getenv("NNKIT_PROBE_FD")) leaks += "CONTROL_FAILED: no NNKIT_PROBE_FD in the environment\n";
  return leaks;
}
}  // namespace)"}}};
  const Graded g = grade_fixture(spy, kItems, {"--threads", "1"}, {{"CANARY", canary}});
  check_report(g, kItems, {});
  const std::string all = everything_reported(g);
  CHECK_MESSAGE(all.find(canary) == std::string::npos, "the canary " << canary << " reached a report");
  CHECK_MESSAGE(all.find("LEAK") == std::string::npos, "the probe found CANARY:\n" << public_output(g, "2.2"));
  CHECK(!g.junit.empty());
  MESSAGE("the canary " << canary << " was in the grader's environment only");
}

// ---- I2: the probe binary, the kit, the labels -------------------------------------------

TEST_CASE("I2_probe_binary_kit_and_labels_are_not_readable") {
  const Paths& p = paths();
  // The dataset where the sandbox sees folders: $FMNIST_DIR under /usr, --data under /etc
  // (root only: the test must write there).
  const bool root = geteuid() == 0;
  const DatasetCopy under_usr(root ? fs::path("/usr/local/share/nnkit-test-fashion-mnist") : fs::path());
  const DatasetCopy under_etc(root ? fs::path("/etc/nnkit-test-fashion-mnist") : fs::path());
  if (!root) MESSAGE("not root: the copies of the dataset under /usr and /etc are not tested");

  std::vector<fs::path> secrets = {
      "/proc/self/exe", "/probe/probe", p.kit / "manifest.json", p.kit / "kit.json",
      p.kit / "solution/pytorch_ann.cpp", p.kit / "solution/numpy_ann.cpp",
      p.kit / "lib/libprobe_pytorch_ann.a", p.kit / "include/pytorch_ann.hpp",
      p.source / "hidden_tests/probe_pytorch_ann.cpp",
      "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"};
  std::vector<fs::path> folders = {"/usr/share/datasets/fashion-mnist", p.kit, p.cache()};
  for (const auto* copy : {&under_usr, &under_etc}) {
    if (copy->dir.empty()) continue;
    secrets.push_back(copy->dir / "t10k-labels-idx1-ubyte.gz");
    folders.push_back(copy->dir);
  }
  std::vector<fs::path> cached;  // the reference observations and solution builds
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(p.cache() / "reference", ec); !ec && it != fs::end(it); it.increment(ec)) {
    if (it->is_regular_file() && it->path().string().find("/pytorch_ann/2.") != std::string::npos) cached.push_back(it->path());
  }
  std::sort(cached.begin(), cached.end());
  secrets.insert(secrets.end(), cached.begin(), cached.end());
  std::string secret_list, folder_list;
  for (const auto& s : secrets) secret_list += quoted(s) + ",\n      ";
  for (const auto& f : folders) folder_list += quoted(f) + ",\n      ";

  const Fixture reader{"read_secrets", "solution", {{"pytorch_ann", "2.2", R"(
  static const std::string hostile_found = hostile_secret_reads();
  if (!hostile_found.empty()) throw std::runtime_error(hostile_found);
  return model(X);)"}},
                       {{"pytorch_ann", fmt::format(R"(#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
namespace {{
/// "READ_OK:<path> " when a byte of `path` can be read.
std::string hostile_read(const std::string& path) {{
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "";
  char byte = 0;
  const bool ok = read(fd, &byte, 1) == 1;
  close(fd);
  return ok ? "READ_OK:" + path + " " : "";
}}
std::string hostile_secret_reads() {{
  std::string found;
  const char* files[] = {{
      {}nullptr}};
  for (const char** f = files; *f; ++f) found += hostile_read(*f);
  // The binary by its resolved name, and through every mapping of this process.
  char exe[4096] = {{}};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) > 0) found += hostile_read(exe);
  if (DIR* maps = opendir("/proc/self/map_files")) {{
    while (const dirent* e = readdir(maps)) {{
      if (e->d_name[0] != '.') found += hostile_read(std::string("/proc/self/map_files/") + e->d_name);
    }}
    closedir(maps);
  }}
  // Folders that hold secrets: empty wherever the sandbox sees them.
  const char* folders[] = {{
      {}nullptr}};
  for (const char** d = folders; *d; ++d) {{
    if (DIR* dir = opendir(*d)) {{
      while (const dirent* e = readdir(dir)) {{
        if (e->d_name[0] != '.') found += std::string("LISTED:") + *d + "/" + e->d_name + " ";
      }}
      closedir(dir);
    }}
  }}
  if (chmod("/probe/probe", 0755) == 0) found += "CHMOD_OK:/probe/probe ";
  if (exe[0] != '\0' && chmod(exe, 0755) == 0) found += std::string("CHMOD_OK:") + exe + " ";
  if (prctl(PR_GET_DUMPABLE) != 0) found += "DUMPABLE ";
  // Controls: reads do work in here, and the binary is there to be run.
  // (The fallback sandbox has no /data and /probe: the probe's environment and
  // /proc/self/exe say where they are.)
  const char* data = std::getenv("NNKIT_PROBE_DATA");
  if (data == nullptr || hostile_read(std::string(data) + "/X_train.idx").empty()) found += "CONTROL_FAILED:X_train.idx ";
  if (access(exe, X_OK) != 0) found += "CONTROL_FAILED:probe-not-executable ";
  return found;
}}
}}  // namespace)",
                                                    secret_list, folder_list)}}};
  std::vector<std::string> args = {"--threads", "1"};
  std::vector<std::pair<std::string, std::string>> env;
  if (!under_etc.dir.empty()) args.insert(args.end(), {"--data", under_etc.dir.string()});
  if (!under_usr.dir.empty()) env.emplace_back("FMNIST_DIR", under_usr.dir.string());
  const Graded g = grade_fixture(reader, kItems, args, env);
  check_report(g, kItems, {});
  const std::string all = everything_reported(g);
  for (const char* marker : {"READ_OK", "LISTED", "CHMOD_OK", "DUMPABLE", "CONTROL_FAILED"}) {
    CHECK_MESSAGE(all.find(marker) == std::string::npos,
                  marker << " in a report:\n" << public_output(g, "2.2"));
  }
  MESSAGE(secrets.size() << " files and " << folders.size() << " folders tried from inside");
}

// ---- I3: writable storage -----------------------------------------------------------------

TEST_CASE("I3_writable_storage_is_stopped_at_the_caps") {
  // Fills each writable place with 16 MiB files until a write fails (bounded at 1 GiB a
  // place, in case a cap does not hold); in /out first three 64 MiB files it deletes but
  // keeps open, which no folder shows.
  const Fixture filler{"fill_storage", "solution", {{"pytorch_ann", "2.2", R"(
  static const bool hostile_filled = hostile_fill();
  (void)hostile_filled;
  return model(X);)"}},
                       {{"pytorch_ann", R"(#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <cstdlib>
#include <string>
#include <vector>
namespace {
std::size_t hostile_fill_folder(const std::string& dir, int files, int mib_per_file, bool unlink_them) {
  static const std::vector<char> chunk(1 << 20, 'x');
  std::size_t total = 0;
  for (int f = 0; f < files; ++f) {
    const std::string path = dir + "/hostile-fill-" + std::to_string(f);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return total;
    if (unlink_them) unlink(path.c_str());  // the descriptor stays open: the bytes stay on disk
    for (int i = 0; i < mib_per_file; ++i) {
      const ssize_t n = write(fd, chunk.data(), chunk.size());
      if (n <= 0) {
        close(fd);
        return total;
      }
      total += static_cast<std::size_t>(n);
    }
    if (!unlink_them) close(fd);
  }
  return total;
}
bool hostile_fill() {
  signal(SIGXFSZ, SIG_IGN);  // past the file-size limit a write fails instead
  // /out and /data where the probe's environment says (the fallback has no mount there)
  const std::string out = std::getenv("NNKIT_PROBE_OUT"), data = std::getenv("NNKIT_PROBE_DATA");
  hostile_fill_folder("/tmp", 64, 16, false);
  hostile_fill_folder("/dev/shm", 64, 16, false);
  for (const std::string dir : {std::string(), std::string("/probe"), std::string("/dev"), data}) {
    hostile_fill_folder(dir, 1, 16, false);
  }
  hostile_fill_folder(out, 3, 64, true);
  hostile_fill_folder(out, 64, 16, false);
  return true;
}
}  // namespace)"}}};
  // 20,000 empty files in /tmp: a tmpfs's size does not bound its inodes.
  const Fixture many{"many_files", "solution", {{"pytorch_ann", "2.2", R"(
  static const bool hostile_made = [] {
    for (int i = 0; i < 20000; ++i) {
      const int fd = open(("/tmp/f" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT, 0644);
      if (fd < 0) break;
      close(fd);
    }
    return true;
  }();
  (void)hostile_made;
  return model(X);)"}},
                     {{"pytorch_ann", "#include <fcntl.h>\n#include <unistd.h>\n#include <string>"}}};

  constexpr std::int64_t kTmp = 256 * MiB, kShm = 64 * MiB, kOut = 256 * MiB;
  // What the kill takes to land (the watchdog looks every 10 ms) and other tests' noise.
  constexpr std::int64_t kSlack = 64 * MiB;
  struct Variant {
    std::string name;
    std::vector<std::pair<std::string, std::string>> env;
    std::vector<std::string> reasons;
  };
  std::vector<Variant> variants = {
      {"bubblewrap's own (--size)", {}, {"/out"}},
      {"bubblewrap 0.6 fallback (host folders)", {{"NNKIT_BWRAP_VERSION", "0.6.0"}}, {"/tmp"}}};
  // Without namespaces /tmp and /dev/shm are the host's (the grader measures what the
  // sandbox's uid owns there, and removes it after each run).
  if (paths().fallback()) variants = {{"fallback sandbox (no namespaces)", {}, {"/out", "/tmp", "/dev/shm"}}};
  for (const auto& v : variants) {
    INFO("variant: " << v.name);
    HostPeaks peaks;
    const Graded g = grade_fixture(filler, kItems, {"--threads", "1"}, v.env, [&] { peaks.sample(); });
    peaks.sample();
    MESSAGE(v.name << ": " << peaks.describe());
    MESSAGE("2.2's public message: " << public_output(g, "2.2"));
    // The public case says which cap stopped it; the hidden one may say less (SIGKILL).
    check_report(g, kItems, {"2.2"}, {"/out", "/tmp", "SIGKILL", "cap"});
    const std::string message = public_output(g, "2.2");
    CHECK_MESSAGE(std::any_of(v.reasons.begin(), v.reasons.end(),
                              [&](const std::string& r) { return message.find(r) != std::string::npos; }),
                  "2.2 was not stopped at the cap of " << fmt::format("{}", fmt::join(v.reasons, " or ")));
    CHECK(message.find("cap") != std::string::npos);
    CHECK(peaks.shmem - peaks.shmem0 <= kTmp + kShm + kSlack);
    CHECK(peaks.work - peaks.work0 <= kTmp + kShm + kOut + kSlack);
    if (v.env.empty() && !paths().fallback()) CHECK(peaks.work - peaks.work0 <= kOut + kSlack);  // only /out is on disk
  }
  const Graded g = grade_fixture(many, kItems);
  MESSAGE("2.2's public message: " << public_output(g, "2.2"));
  check_report(g, kItems, {"2.2"}, {"files and folders", "SIGKILL"});
  CHECK(public_output(g, "2.2").find(paths().fallback() ? "files and folders in the host's /tmp"
                                                        : "files and folders in /tmp") != std::string::npos);
}

// ---- I3: thread counts --------------------------------------------------------------------

TEST_CASE("I3_thread_counts_stay_within_the_process_limit") {
  // --threads out of range: refused with the range, by every command that takes it.
  int most = 0;
  for (const char* command : {"grade", "batch", "validate"}) {
    for (const char* threads : {"0", "10000"}) {
      std::vector<std::string> args = {command};
      if (std::string(command) != "validate") args.push_back(paths().work.string());
      if (std::string(command) == "batch") args.insert(args.end(), {"--out", (paths().work / "unused").string()});
      args.insert(args.end(), {"--threads", threads, "--kit", paths().kit.string()});
      const Graded g = run_grader(args);
      INFO("nnkit-grade " << fmt::format("{}", fmt::join(args, " ")) << "\nstderr: " << g.run.err);
      CHECK(g.run.exit_status == 2);
      std::smatch range;
      REQUIRE(std::regex_search(g.run.err, range, std::regex("--threads: \\S+ is not a thread count from 1 to ([0-9]+)")));
      most = std::stoi(range[1]);
    }
  }
  const int expected_default = std::min(quota_cpus(), most);
  MESSAGE("--threads may be 1 to " << most << "; this machine's CPU quota gives "
                                   << quota_cpus() << ", so the default is " << expected_default);
  CHECK(most >= 1);
  CHECK(2 * most - 1 + 2 < 64);  // the probe's threads and bubblewrap's 2, under the limit
  const Graded help = run_grader({"grade", "--help"});
  CHECK(help.run.out.find(fmt::format("(default: {},", expected_default)) != std::string::npos);

  // The default reaches the probe (2.2 checks OPENBLAS_NUM_THREADS); the constructor (2.1)
  // starts threads up to the 2T - 1 a probe given T may run, and must manage them all.
  const Fixture counter{"thread_counts", "solution", {{"pytorch_ann", "2.1", std::string(R"(
  static const bool hostile_threads_started = hostile_start_threads();
  (void)hostile_threads_started;)") + kConstructorBody},
                                                    {"pytorch_ann", "2.2", fmt::format(R"(
  const char* hostile_threads = std::getenv("OPENBLAS_NUM_THREADS");
  if (!hostile_threads || std::atoi(hostile_threads) != {})
    throw std::runtime_error(std::string("THREADS_ENV:") + (hostile_threads ? hostile_threads : "unset"));
  return model(X);)", expected_default)}},
                       {{"pytorch_ann", R"(#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
namespace {
int hostile_thread_count() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}
bool hostile_start_threads() {
  const char* value = std::getenv("OPENBLAS_NUM_THREADS");
  const int threads = value ? std::atoi(value) : 1;
  std::vector<std::thread> started;
  std::string failure;
  while (hostile_thread_count() < 2 * threads - 1) {
    try {
      started.emplace_back([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); });
    } catch (const std::system_error& e) {
      failure = "THREADS_FAILED at " + std::to_string(hostile_thread_count()) + " of " +
                std::to_string(2 * threads - 1) + ": " + e.what();
      break;
    }
  }
  for (auto& t : started) t.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  return true;
}
}  // namespace)"}}};
  const Graded by_default = grade_fixture(counter, kItems, {});
  check_report(by_default, kItems, {});
  const Graded at_most = grade_fixture(counter, {"1.2", "2.1"}, {"--threads", std::to_string(most)});
  check_report(at_most, {"1.2", "2.1"}, {});
  for (const Graded* g : {&by_default, &at_most}) {
    const std::string all = everything_reported(*g);
    CHECK_MESSAGE(all.find("THREADS_") == std::string::npos, "a thread check failed:\n"
                                                                 << public_output(*g, "2.1") << "\n"
                                                                 << public_output(*g, "2.2"));
  }
}

// ---- I3: the kernel's OOM killer --------------------------------------------------------------

namespace {

/// A memory cgroup below this process's own with `limit` bytes, holding this process while
/// it lives (its children too); nothing when cgroups cannot be written here.
struct MemoryCgroup {
  fs::path dir, home;
  explicit MemoryCgroup(std::size_t limit) {
    // v1 "N:memory:/path" or v2 "0::/path"
    std::ifstream in("/proc/self/cgroup");
    for (std::string line; std::getline(in, line);) {
      const auto a = line.find(':'), b = line.find(':', a + 1);
      const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
      fs::path candidate;
      std::string limit_file;
      if (("," + controllers + ",").find(",memory,") != std::string::npos) {
        candidate = fs::path("/sys/fs/cgroup/memory") / fs::path(path).relative_path();
        limit_file = "memory.limit_in_bytes";
      } else if (controllers.empty() && line.rfind("0::", 0) == 0 && fs::exists("/sys/fs/cgroup/cgroup.controllers")) {
        candidate = fs::path("/sys/fs/cgroup") / fs::path(path).relative_path();
        limit_file = "memory.max";
      } else {
        continue;
      }
      const fs::path child = candidate / fmt::format("nnkit-oom-test-{}", getpid());
      std::error_code ec;
      if (!fs::create_directory(child, ec)) continue;
      std::ofstream(child / limit_file) << limit;
      std::ofstream(child / "cgroup.procs") << getpid();
      if (read_text(child / "cgroup.procs").find(std::to_string(getpid())) == std::string::npos) {
        fs::remove(child, ec);
        continue;
      }
      dir = child;
      home = candidate;
      return;
    }
  }
  ~MemoryCgroup() {
    if (dir.empty()) return;
    std::ofstream(home / "cgroup.procs") << getpid();
    std::error_code ec;
    for (int attempt = 0; attempt < 50 && !fs::remove(dir, ec); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
};

}  // namespace

TEST_CASE("I3_oom_killer_is_reported_as_out_of_memory") {
  // 1.5 GiB, every page touched: within the 3 GiB address-space limit, so only a memory
  // limit below it (the cgroup's) stops it.
  const Fixture hog{"oom_killer", "solution", {{"pytorch_ann", "2.2", R"(
  {
    std::vector<char> hostile_block(std::size_t{3} << 29);
    for (std::size_t i = 0; i < hostile_block.size(); i += 4096) hostile_block[i] = 1;
    if (hostile_block[hostile_block.size() / 2] != 1) return {};
  }
  return model(X);)"}},
                    {{"pytorch_ann", "#include <vector>"}}};
  // Without a memory limit it passes: the allocation alone fails nothing (and the build
  // is cached before the limit is set).
  check_report(grade_fixture(hog, kItems), kItems, {});
  const MemoryCgroup cgroup(std::size_t{1} << 30);
  if (cgroup.dir.empty()) {
    MESSAGE("cannot make a memory cgroup here: the OOM killer's case is not tested");
    return;
  }
  MESSAGE("graded in memory cgroup " << cgroup.dir.string() << " (limit 1 GiB)");
  const Graded g = grade_fixture(hog, kItems);
  MESSAGE("2.2's public message: " << public_output(g, "2.2"));
  check_report(g, kItems, {"2.2"}, {"out of memory"});
  CHECK(public_output(g, "2.2").find("OOM killer") != std::string::npos);
  CHECK(public_output(g, "2.2").find("memory limit") != std::string::npos);
}

// ---- the fallback sandbox (no namespaces) ----------------------------------------------------

TEST_CASE("fallback_seccomp_refuses_network_namespaces_and_ptrace") {
  // In the fallback sandbox (forced: --sandbox fallback), the probe tries what its seccomp
  // filter refuses and throws SECCOMP_BROKEN naming each call that did not fail as it
  // should; controls show that an AF_UNIX socket, threads and fork still work, and a file
  // of the kit (a hidden folder, closed by its mode) cannot be opened.
  const Paths& p = paths();
  const Fixture caller{"fallback_seccomp", "solution", {{"pytorch_ann", "2.2", R"(
  static const std::string hostile_broken = hostile_syscalls();
  if (!hostile_broken.empty()) throw std::runtime_error("SECCOMP_BROKEN " + hostile_broken);
  return model(X);)"}},
                       {{"pytorch_ann", fmt::format(R"hostile(#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
namespace {{
std::string hostile_syscalls() {{
  std::string broken;
  auto expect = [&](const char* what, long rc, int wanted) {{
    if (rc != -1 || errno != wanted) {{
      broken += std::string(what) + " gave " + std::to_string(rc) + " (" + std::strerror(errno) + ") ";
    }}
  }};
  errno = 0;
  expect("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0), EPERM);
  expect("socket(AF_INET6)", socket(AF_INET6, SOCK_DGRAM, 0), EPERM);
  expect("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, 0), EPERM);
  expect("ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0, nullptr, nullptr), EPERM);
  expect("ptrace(PTRACE_ATTACH, parent)", ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr), EPERM);
  char byte = 0;
  iovec local{{&byte, 1}}, remote{{&byte, 1}};
  expect("process_vm_readv", process_vm_readv(getpid(), &local, 1, &remote, 1, 0), EPERM);
  expect("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER), EPERM);
  expect("unshare(CLONE_NEWNET)", unshare(CLONE_NEWNET), EPERM);
  clone_args args{{}};
  args.flags = CLONE_NEWUSER;
  expect("clone3", syscall(SYS_clone3, &args, sizeof args), ENOSYS);
  expect("mount", mount("none", "/tmp", "tmpfs", 0, nullptr), EPERM);
  expect("chroot", chroot("/"), EPERM);
  expect("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
  expect("bpf", syscall(SYS_bpf, 0, nullptr, 0), EPERM);
  expect("perf_event_open", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0), EPERM);
  expect("userfaultfd", syscall(SYS_userfaultfd, 0), EPERM);
  expect("personality(READ_IMPLIES_EXEC)", personality(READ_IMPLIES_EXEC), EPERM);
  expect("personality(ADDR_NO_RANDOMIZE)", personality(ADDR_NO_RANDOMIZE), EPERM);
  expect("open(a file of the kit)", open({}, O_RDONLY), EACCES);
  // Controls: what a compiler and a probe need still works.
  if (personality(0xffffffff) == -1) broken += "CONTROL personality query ";
  const int unix_socket = socket(AF_UNIX, SOCK_STREAM, 0);
  if (unix_socket < 0) broken += "CONTROL socket(AF_UNIX) ";
  else close(unix_socket);
  bool ran = false;
  std::thread([&] {{ ran = true; }}).join();
  if (!ran) broken += "CONTROL thread ";
  const pid_t child = fork();
  if (child == 0) _exit(7);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {{
    broken += "CONTROL fork ";
  }}
  return broken;
}}
}}  // namespace)hostile",
                                                            quoted(p.kit / "kit.json"))}}};
  const Graded g = grade_fixture(caller, kItems, {"--threads", "2", "--sandbox", "fallback"});
  INFO("2.2's public message: " << public_output(g, "2.2"));
  check_report(g, kItems, {});
  CHECK(g.run.results.value("sandbox", "").rfind("fallback (no namespaces)", 0) == 0);
  CHECK(everything_reported(g).find("SECCOMP_BROKEN") == std::string::npos);
}

TEST_CASE("fallback_refuses_a_hidden_folder_other_uids_can_read") {
  // --data is hidden from every sandbox; in a folder others may read (mode 755), the
  // fallback cannot hide it and the grader refuses before it runs anything, naming the
  // folder and the chmod; closed (mode 700), the same grading runs.
  const fs::path open_data = paths().work / paths().variant / "open-dataset";
  std::error_code ec;
  fs::remove_all(open_data, ec);
  fs::create_directories(open_data);
  for (const auto& entry : fs::directory_iterator("/usr/share/datasets/fashion-mnist", ec)) {
    fs::copy_file(entry.path(), open_data / entry.path().filename(), ec);
  }
  REQUIRE(fs::exists(open_data / "t10k-labels-idx1-ubyte.gz"));
  fs::permissions(open_data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
  const std::vector<std::string> one = {"1.2"};
  const std::vector<std::string> args = {"--threads", "1", "--sandbox", "fallback", "--data",
                                         open_data.string()};
  const Fixture solution{"fallback_solution", "solution", {}, {}};
  const Graded refused = grade_fixture(solution, one, args);
  INFO("stderr: " << refused.run.err);
  CHECK(refused.run.exit_status == 3);
  CHECK(refused.run.err.find("cannot hide") != std::string::npos);
  CHECK(refused.run.err.find("chmod 700 " + open_data.string()) != std::string::npos);
  CHECK_FALSE(refused.run.results.is_object());  // no verdict on the submission

  fs::permissions(open_data, fs::perms::owner_all);
  const Graded graded = grade_fixture(solution, one, args);
  check_report(graded, one, {});
  fs::remove_all(open_data, ec);
}

TEST_CASE("fallback_is_chosen_where_namespaces_are_refused") {
  // Docker's default seccomp profile, in small: nnkit-grade runs under a filter that
  // refuses clone and unshare with CLONE_NEWUSER (EPERM), so bubblewrap cannot start
  // ("No permissions to create new namespace"); with --sandbox auto (the default) the
  // grader says so and grades in the fallback, and the report says which sandbox ran.
  const Fixture solution{"fallback_auto", "solution", {}, {}};
  const fs::path dir = write_fixture(solution);
  const fs::path results = results_file(solution.name);
  fs::create_directories(results.parent_path());
  std::error_code ec;
  fs::remove(results, ec);
  const fs::path err_file = results.string() + ".stderr";
  std::vector<std::string> args = {paths().grader.string(), "grade", dir.string(), "--items", "1.2",
                                   "--results", results.string(), "--cache", paths().cache().string(),
                                   "--kit", paths().kit.string(), "--threads", "1", "--quiet"};
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    unsetenv("NNKIT_SANDBOX");  // auto
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(err, 2);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    for (const char* call : {"clone", "unshare"}) {
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), seccomp_syscall_resolve_name(call), 1,
                       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    }
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), seccomp_syscall_resolve_name("clone3"), 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) _exit(126);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  const std::string err = read_text(err_file);
  INFO("stderr: " << err);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(err.find("bubblewrap cannot start here") != std::string::npos);
  const json report = json::parse(read_text(results));
  CHECK(report.value("sandbox", "") == "fallback (no namespaces): uid, rlimits, seccomp");
  CHECK(report.value("score", 0.0) > 0);
  for (const auto& t : report.at("tests")) CHECK(t.value("status", "") == "passed");
}

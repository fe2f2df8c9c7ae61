// Grading a class: see batch.hpp.
#include "batch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "error.hpp"
#include "gradebook.hpp"
#include "grading.hpp"
#include "kit.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// Whether `inner` is `outer` or lies under it (both made absolute, links resolved).
bool inside(const fs::path& inner, const fs::path& outer) {
  const fs::path relative = fs::weakly_canonical(inner).lexically_relative(fs::weakly_canonical(outer));
  return !relative.empty() && *relative.begin() != "..";
}

/// One batch at a time per OUT: two would grade the same submissions into the same
/// folders. flock, so the lock ends with the process however it dies; O_CLOEXEC, so no
/// child (nor the sandbox under it) holds it.
class OutLock {
 public:
  explicit OutLock(const fs::path& file) : fd_(open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ < 0) {
      throw Error(fmt::format("cannot open {}: {}; fix: --out a folder you can write to",
                              file.string(), std::strerror(errno)));
    }
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      close(fd_);
      throw Error(fmt::format("another nnkit-grade batch is writing into {} (it holds {}); wait "
                              "for it to finish, or stop it, then start this one again",
                              file.parent_path().string(), file.string()));
    }
  }
  ~OutLock() { close(fd_); }
  OutLock(const OutLock&) = delete;
  OutLock& operator=(const OutLock&) = delete;

 private:
  int fd_;
};

volatile sig_atomic_t g_stop_signal = 0;
extern "C" void note_stop_signal(int signal) { g_stop_signal = signal; }

/// While alive, SIGINT, SIGTERM and SIGHUP ask the batch to stop (its children are then
/// killed and the gradebook written); the previous handlers come back afterwards. A signal
/// ignored when the batch started stays ignored: `nohup` must keep a batch alive after a
/// hang-up, and a background job of a script ignores SIGINT.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = note_stop_signal;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) {
      sigaction(kSignals[i], nullptr, &previous_[i]);
      if (previous_[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &action, nullptr);
    }
  }
  ~StopSignals() {
    for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction previous_[std::size(kSignals)] {};
};

/// The files of the parts --suite/--items grade that are absent from `folder`, tested as
/// intake tests them (grading.cpp: lstat, so a dangling link is there, and not a file).
std::vector<std::string> missing_part_files(const Rubric& rubric, const BatchOptions& options,
                                            const fs::path& folder) {
  GradeOptions selection;
  selection.suite = options.suite;
  selection.items = options.items;
  std::vector<std::string> missing;
  for (const auto& part : rubric.parts) {
    bool graded = false;
    for (const auto& item : rubric.items) {
      for (const auto& c : item.cases) graded = graded || (item.part == part.name && selected(item, c, selection));
    }
    struct stat st {};
    if (graded && lstat((folder / part.file).c_str(), &st) != 0 && errno == ENOENT) {
      missing.push_back(part.file);
    }
  }
  return missing;
}

/// A finished grading's line for the log: "12 / 14" or why there is no score.
std::string outcome_line(const BatchRecord& record, const fs::path& results, double out_of) {
  if (record.status == Status::GraderError) return fmt::format("GRADER ERROR: {}", record.detail);
  std::string score = "?";
  try {
    score = fmt::format("{:g}", nlohmann::json::parse(read_file(results)).at("score").get<double>());
  } catch (const std::exception&) {
  }
  const std::string line = fmt::format("{} / {:g}", score, out_of);
  return record.status == Status::FilesMissing ? fmt::format("{} ({})", line, record.detail) : line;
}

/// Removes the scratch folders under `work_root` whose grader process is gone: a killed
/// grader cannot remove its own. A folder of a live process (a grading by hand with the
/// same cache) is left alone.
void remove_dead_work_folders(const fs::path& work_root) {
  std::error_code ec;
  for (fs::directory_iterator it(work_root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.size() > 9 || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (kill(static_cast<pid_t>(std::stol(name)), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

/// Removes what an earlier grading of this submission left, record first: a grading that
/// fails now must not leave an old results.json that looks like its own.
void clear_outputs(const fs::path& out) {
  std::error_code ec;
  for (const char* name : {"key.json", "results.json", "junit.xml", "grading.log"}) fs::remove(out / name, ec);
}

}  // namespace

std::vector<fs::path> submission_folders(const BatchOptions& options) {
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(options.submissions)) {
    std::error_code ec;
    if (entry.is_directory(ec)) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

fs::path submission_out_dir(const BatchOptions& options, const std::string& name) {
  return options.out_dir / "submissions" / name;
}

GradingKey current_key(const BatchOptions& options, const fs::path& folder) {
  std::vector<std::string> items = options.items;
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return {content_digest(folder), options.kit_fingerprint, options.data_checksum, options.suite, items};
}

double selected_points(const Rubric& rubric, const std::string& suite,
                       const std::vector<std::string>& items) {
  GradeOptions selection;
  selection.suite = suite;
  selection.items = items;
  double points = 0;
  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) points += selected(item, c, selection) ? c.points : 0;
  }
  return points;
}

int run_batch(const Rubric& rubric, const BatchOptions& options) {
  if (!fs::is_directory(options.submissions)) {
    throw Error(fmt::format("{} is not a folder; DIR is a folder with one folder per submission",
                            options.submissions.string()));
  }
  // Outputs inside DIR would be graded as a submission, and change keys as they are written.
  if (inside(options.out_dir, options.submissions) ||
      inside(options.submissions, options.out_dir / "submissions")) {
    throw Error(fmt::format("--out {} and DIR {} overlap: the outputs would land among the "
                            "submissions; fix: --out a folder outside DIR",
                            options.out_dir.string(), options.submissions.string()));
  }
  fs::create_directories(options.out_dir / "submissions");
  const OutLock lock(options.out_dir / "batch.lock");
  if (!options.work_root.empty()) remove_dead_work_folders(options.work_root);
  const double out_of = selected_points(rubric, options.suite, options.items);

  struct Pending { fs::path folder; GradingKey key; std::string why; };
  std::vector<Pending> pending;
  const auto folders = submission_folders(options);
  for (const auto& folder : folders) {
    const fs::path out = submission_out_dir(options, folder.filename().string());
    GradingKey key = current_key(options, folder);
    const auto record = read_record(out / "key.json");
    std::string why;
    if (options.force) why = "--force";
    else if (!record) why = "new";
    else if (record->key != key) why = fmt::format("changed: {}", key.changes_since(record->key));
    else if (record->status == Status::GraderError) why = "the grader failed last time";
    else if (!fs::is_regular_file(out / "results.json")) why = "its results.json is gone";
    if (!why.empty()) pending.push_back({folder, std::move(key), why});
  }
  const std::size_t total = folders.size();
  std::size_t done = total - pending.size();
  std::cerr << fmt::format("batch: {} submissions, {} already graded, {} to grade with {} job{}; "
                           "totals out of {:g} points\n",
                           total, done, pending.size(), options.jobs, options.jobs == 1 ? "" : "s",
                           out_of);

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  struct Running { pid_t pid; Pending submission; Clock::time_point start; };
  std::vector<Running> running;
  const StopSignals stop_signals;
  const auto batch_start = Clock::now();
  std::size_t next = 0, graded_now = 0;
  bool stopping = false;
  while ((!stopping && next < pending.size()) || !running.empty()) {
    while (!g_stop_signal && next < pending.size() && static_cast<int>(running.size()) < options.jobs) {
      const Pending& submission = pending[next++];
      const std::string name = submission.folder.filename().string();
      const fs::path out = submission_out_dir(options, name);
      fs::create_directories(out);
      clear_outputs(out);
      std::vector<std::string> args = {self, "grade", fs::absolute(submission.folder).string(),
                                       "--suite", options.suite,
                                       "--results", (out / "results.json").string(),
                                       "--junit", (out / "junit.xml").string()};
      if (!options.items.empty()) {
        args.push_back("--items");
        args.push_back(fmt::format("{}", fmt::join(submission.key.items, ",")));
      }
      args.insert(args.end(), options.grade_arguments.begin(), options.grade_arguments.end());
      std::cerr << fmt::format("batch: grading {} ({})\n", name, submission.why);
      running.push_back({start_child(args, out / "grading.log"), submission, Clock::now()});
    }
    if (g_stop_signal && !stopping) {
      stopping = true;
      std::cerr << fmt::format("batch: stopped by SIG{}: cancelling {} grading{}, {} not started\n",
                               sigabbrev_np(g_stop_signal), running.size(),
                               running.size() == 1 ? "" : "s", pending.size() - next);
      for (const auto& r : running) signal_child_group(r.pid, SIGKILL);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a signal cuts it short
      continue;
    }
    if (pid < 0) break;   // ECHILD: no child left
    const auto it = std::find_if(running.begin(), running.end(), [&](const Running& r) { return r.pid == pid; });
    if (it == running.end()) continue;
    const std::string name = it->submission.folder.filename().string();
    const fs::path out = submission_out_dir(options, name);
    if (stopping) {
      clear_outputs(out);   // cancelled: "not run", graded in full next time
    } else {
      const BatchRecord record =
          classify_grading(it->submission.key, status, out / "results.json", out / "grading.log",
                           missing_part_files(rubric, options, it->submission.folder));
      write_record(out / "key.json", record);
      ++done;
      ++graded_now;
      const double seconds = std::chrono::duration<double>(Clock::now() - it->start).count();
      std::cerr << fmt::format("[{}/{}] {}: {} ({:.0f} s)\n", done, total, name,
                               outcome_line(record, out / "results.json", out_of), seconds);
    }
    running.erase(it);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - batch_start).count();
  if (graded_now > 0) {
    std::cerr << fmt::format("batch: graded {} in {:.0f} s ({:.1f} submissions per hour)\n",
                             graded_now, elapsed, graded_now * 3600.0 / std::max(elapsed, 1.0));
  }
  if (!options.work_root.empty()) remove_dead_work_folders(options.work_root);
  auto counts = write_gradebook(rubric, options);
  std::cerr << fmt::format("batch: {} graded, {} files missing, {} grader error{}, {} not run; wrote {}\n",
                           counts[Status::Graded], counts[Status::FilesMissing],
                           counts[Status::GraderError], counts[Status::GraderError] == 1 ? "" : "s",
                           counts[Status::NotRun], (options.out_dir / "gradebook.csv").string());
  if (counts[Status::NotRun] > 0) {
    std::cerr << "batch: start it again to grade the submissions not run\n";
  }
  return counts[Status::GraderError] + counts[Status::NotRun];
}

}  // namespace grader

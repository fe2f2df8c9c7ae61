// Grading a class: see batch.hpp.
#include "batch.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "kit.hpp"

extern char** environ;

namespace grader {
namespace {

namespace fs = std::filesystem;

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error(fmt::format("cannot start {}: {}", args[0], std::strerror(rc)));
  return pid;
}

void write_histogram(const std::vector<double>& scores, double max_score, const fs::path& out_dir) {
  const fs::path dat = out_dir / "histogram.dat", png = out_dir / "histogram.png";
  std::map<int, int> bins;   // 2-point bins
  for (double s : scores) bins[static_cast<int>(s / 2) * 2]++;
  std::string data;
  for (int b = 0; b <= static_cast<int>(max_score); b += 2) data += fmt::format("{} {}\n", b + 1, bins[b]);
  write_file_atomically(dat, data);
  const std::string script = fmt::format(
      "set terminal pngcairo size 900,500 font 'DejaVu Sans,11'\nset output '{}.tmp'\n"
      "set title 'Scores ({} submissions)'\nset xlabel 'Score (points out of {:g})'\n"
      "set ylabel 'Submissions'\nset xrange [0:{:g}]\nset yrange [0:*]\nset boxwidth 1.8\n"
      "set style fill solid 0.7\nset grid ytics\nplot '{}' using 1:2 with boxes notitle\n",
      png.string(), scores.size(), max_score, max_score + 1, dat.string());
  write_file_atomically(out_dir / "histogram.gp", script);
  const pid_t pid = spawn({"/usr/bin/gnuplot", (out_dir / "histogram.gp").string()},
                          out_dir / "histogram.log");
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    fs::rename(png.string() + ".tmp", png);
  } else {
    std::cerr << "batch: gnuplot could not draw the histogram; see " << (out_dir / "histogram.log") << "\n";
  }
}

}  // namespace

void write_gradebook(const Rubric& rubric, const fs::path& out_dir) {
  std::string csv = "submission";
  for (const auto& item : rubric.items) {
    csv += ',';
    csv += csv_field(item.number + " " + item.name);
  }
  csv += ",total";
  for (const auto& part : rubric.parts) csv += "," + part.name + "_test_accuracy";
  csv += "\n";
  std::vector<double> scores;
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    if (entry.is_directory() && fs::exists(entry.path() / "results.json")) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    const auto results = nlohmann::json::parse(read_file(folder / "results.json"));
    std::map<std::string, double> by_item;
    for (const auto& t : results.at("tests")) by_item[t.at("number")] += t.at("score").get<double>();
    csv += csv_field(folder.filename().string());
    for (const auto& item : rubric.items) csv += fmt::format(",{:g}", by_item[item.number]);
    const double total = results.at("score").get<double>();
    csv += fmt::format(",{:g}", total);
    std::map<std::string, double> accuracy;
    for (const auto& entry : results.value("leaderboard", nlohmann::json::array())) {
      accuracy[entry.at("name")] = entry.at("value").get<double>();
    }
    for (const auto& part : rubric.parts) {
      const auto it = accuracy.find(part.class_name + " test accuracy");
      csv += it == accuracy.end() ? "," : fmt::format(",{:.5f}", it->second);
    }
    csv += "\n";
    scores.push_back(total);
  }
  write_file_atomically(out_dir / "gradebook.csv", csv);
  if (!scores.empty()) write_histogram(scores, rubric.total_points, out_dir);
}

int run_batch(const Rubric& rubric, const BatchOptions& options) {
  if (!fs::is_directory(options.submissions)) {
    throw Error(fmt::format("{} is not a folder of submissions", options.submissions.string()));
  }
  fs::create_directories(options.out_dir);
  std::vector<fs::path> pending;
  std::size_t done = 0, total = 0;
  std::vector<fs::path> all;
  for (const auto& entry : fs::directory_iterator(options.submissions)) {
    if (entry.is_directory()) all.push_back(entry.path());
  }
  std::sort(all.begin(), all.end());
  for (const auto& folder : all) {
    ++total;
    if (fs::exists(options.out_dir / folder.filename() / "results.json")) ++done;
    else pending.push_back(folder);
  }
  std::cerr << fmt::format("batch: {} submissions, {} already graded, {} to grade with {} job{}\n",
                           total, done, pending.size(), options.jobs, options.jobs == 1 ? "" : "s");
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  struct Running { pid_t pid; fs::path folder; std::chrono::steady_clock::time_point start; };
  std::vector<Running> running;
  int failed = 0;
  const auto batch_start = std::chrono::steady_clock::now();
  std::size_t next = 0;
  while (next < pending.size() || !running.empty()) {
    while (next < pending.size() && static_cast<int>(running.size()) < options.jobs) {
      const fs::path folder = pending[next++];
      const fs::path out = options.out_dir / folder.filename();
      fs::create_directories(out);
      std::vector<std::string> args = {self, "grade", folder.string(), "--suite", options.suite,
                                       "--results", (out / "results.json").string(),
                                       "--junit", (out / "junit.xml").string()};
      args.insert(args.end(), options.grade_arguments.begin(), options.grade_arguments.end());
      running.push_back({spawn(args, out / "grading.log"), folder, std::chrono::steady_clock::now()});
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    const auto it = std::find_if(running.begin(), running.end(), [&](const Running& r) { return r.pid == pid; });
    if (it == running.end()) continue;
    ++done;
    const fs::path results = options.out_dir / it->folder.filename() / "results.json";
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - it->start).count();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(results)) {
      const auto j = nlohmann::json::parse(read_file(results));
      std::cerr << fmt::format("[{}/{}] {}: {:g} / {:g} ({:.0f} s)\n", done, total,
                               it->folder.filename().string(), j.at("score").get<double>(),
                               rubric.total_points, seconds);
    } else {
      ++failed;
      std::cerr << fmt::format("[{}/{}] {}: grading did not complete; see {}\n", done, total,
                               it->folder.filename().string(),
                               (options.out_dir / it->folder.filename() / "grading.log").string());
    }
    running.erase(it);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start).count();
  if (!pending.empty()) {
    std::cerr << fmt::format("batch: graded {} in {:.0f} s ({:.1f} submissions per hour)\n",
                             pending.size(), elapsed, pending.size() * 3600.0 / std::max(elapsed, 1.0));
  }
  write_gradebook(rubric, options.out_dir);
  std::cerr << "batch: wrote " << (options.out_dir / "gradebook.csv").string() << "\n";
  return failed;
}

}  // namespace grader

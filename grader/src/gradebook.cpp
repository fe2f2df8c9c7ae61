// The batch's gradebook and histogram: see gradebook.hpp.
#include "gradebook.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "kit.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

struct Row {
  std::string name;
  Status status = Status::NotRun;
  std::string detail;
  nlohmann::json results;   ///< graded or files missing
};

/// The row of `folder`: its results only when graded under its current key.
Row row_of(const BatchOptions& options, const fs::path& folder) {
  Row row{folder.filename().string(), Status::NotRun, "", nullptr};
  const fs::path out = submission_out_dir(options, row.name);
  const auto record = read_record(out / "key.json");
  if (!record) return row;
  const GradingKey key = current_key(options, folder);
  if (record->key != key) {
    row.detail = fmt::format("graded before; since then changed: {}", key.changes_since(record->key));
    return row;
  }
  row.status = record->status;
  row.detail = record->detail;
  if (row.status == Status::Graded || row.status == Status::FilesMissing) {
    try {
      row.results = nlohmann::json::parse(read_file(out / "results.json"));
      row.results.at("score").get<double>();
      row.results.at("tests").size();
    } catch (const std::exception& e) {
      row.status = Status::GraderError;
      row.detail = fmt::format("{} cannot be read ({}); grade it again",
                               (out / "results.json").string(), e.what());
    }
  }
  return row;
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
  const pid_t pid = start_child({"/usr/bin/gnuplot", (out_dir / "histogram.gp").string()},
                                out_dir / "histogram.log");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    fs::rename(png.string() + ".tmp", png);
  } else {
    std::cerr << "batch: gnuplot could not draw the histogram; see " << (out_dir / "histogram.log") << "\n";
  }
}

}  // namespace

std::map<Status, int> write_gradebook(const Rubric& rubric, const BatchOptions& options) {
  const double out_of = selected_points(rubric, options.suite, options.items);
  std::string csv = "submission,status";
  for (const auto& item : rubric.items) csv += fmt::format(",{}", csv_field(fmt::format("{} {}", item.number, item.name)));
  csv += ",total,out_of";
  for (const auto& part : rubric.parts) csv += fmt::format(",{}_test_accuracy", part.name);
  csv += ",detail\n";

  std::map<Status, int> counts;
  std::vector<double> scores;
  for (const auto& folder : submission_folders(options)) {
    const Row row = row_of(options, folder);
    ++counts[row.status];
    csv += fmt::format("{},{}", csv_field(row.name), status_name(row.status));
    const bool scored = row.results.is_object();
    std::map<std::string, double> by_item;
    std::map<std::string, double> accuracy;
    if (scored) {
      for (const auto& t : row.results.at("tests")) {
        by_item[t.value("number", std::string())] += t.value("score", 0.0);
      }
      for (const auto& entry : row.results.value("leaderboard", nlohmann::json::array())) {
        accuracy[entry.value("name", std::string())] = entry.value("value", 0.0);
      }
    }
    // An item that was not graded has an empty cell, never a 0 it did not earn.
    for (const auto& item : rubric.items) {
      const auto it = by_item.find(item.number);
      csv += it == by_item.end() ? "," : fmt::format(",{:g}", it->second);
    }
    if (scored) {
      const double total = row.results.at("score").get<double>();
      csv += fmt::format(",{:g},{:g}", total, out_of);
      scores.push_back(total);
    } else {
      csv += fmt::format(",,{:g}", out_of);
    }
    for (const auto& part : rubric.parts) {
      const auto it = accuracy.find(part.class_name + " test accuracy");
      csv += it == accuracy.end() ? "," : fmt::format(",{:.5f}", it->second);
    }
    csv += fmt::format(",{}\n", csv_field(row.detail));
  }
  write_file_atomically(options.out_dir / "gradebook.csv", csv);
  if (!scores.empty()) write_histogram(scores, out_of, options.out_dir);
  return counts;
}

}  // namespace grader

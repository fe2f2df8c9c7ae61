// A batch's record of each submission: see batch_record.hpp.
#include "batch_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "child_process.hpp"
#include "error.hpp"
#include "kit.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxDepth = 64;                  // deeper folders are keyed by their name only
constexpr std::size_t kMaxDetail = 300;        // characters of a gradebook's detail cell

/// A digest of a regular file's bytes, read a block at a time (a student's file may be
/// large). O_NONBLOCK and the fstat check: a file swapped for a FIFO is never waited on.
std::string file_digest(const fs::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fmt::format("unreadable ({})", std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return "not a regular file";
  }
  std::string digests, block(std::size_t{1} << 16, '\0');
  for (;;) {
    const ssize_t n = read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      digests += fmt::format("read error ({})", std::strerror(errno));
      break;
    }
    if (n == 0) break;
    digests += digest(block.substr(0, static_cast<std::size_t>(n)));
  }
  close(fd);
  return digest(digests);
}

/// Appends one line per entry under `dir`, in name order; each name ends with a NUL byte,
/// so that no name can pass for another entry's line.
void describe_tree(const fs::path& dir, const std::string& relative, int depth, std::string& out) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    out += "unreadable folder " + relative + '\0' + ec.message() + '\n';
    return;
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const fs::path path = dir / name;
    const std::string entry = (relative.empty() ? name : relative + "/" + name) + '\0';
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      out += "vanished " + entry + '\n';
    } else if (S_ISREG(st.st_mode)) {
      out += "file " + entry + std::to_string(st.st_size) + ' ' + file_digest(path) + '\n';
    } else if (S_ISDIR(st.st_mode)) {
      out += "folder " + entry + '\n';
      if (depth < kMaxDepth) describe_tree(path, entry.substr(0, entry.size() - 1), depth + 1, out);
    } else if (S_ISLNK(st.st_mode)) {
      std::error_code link_error;
      out += "link " + entry + fs::read_symlink(path, link_error).string() + '\n';
    } else {
      out += "other " + entry + std::to_string(st.st_mode) + '\n';
    }
  }
}

/// Control characters and newlines as spaces, cut to kMaxDetail: one gradebook cell.
std::string one_line(std::string text) {
  for (auto& ch : text) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  const auto begin = text.find_first_not_of(' ');
  text = begin == std::string::npos ? "" : text.substr(begin, text.find_last_not_of(' ') - begin + 1);
  return text.size() > kMaxDetail ? text.substr(0, kMaxDetail - 3) + "..." : text;
}

/// The last non-empty line of `log` (a grader that fails says why there, last).
std::string last_line_of(const fs::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 4096);
  in.seekg(from);
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) {
    tail.pop_back();
  }
  const auto newline = tail.rfind('\n');
  return newline == std::string::npos ? tail : tail.substr(newline + 1);
}

const char* kStatusNames[] = {"graded", "files missing", "grader error", "not run"};

}  // namespace

std::string status_name(Status status) { return kStatusNames[static_cast<int>(status)]; }

std::string GradingKey::changes_since(const GradingKey& before) const {
  std::vector<std::string> changes;
  if (content != before.content) changes.push_back("the submission's files");
  if (kit != before.kit) changes.push_back("the grader kit");
  if (data != before.data) changes.push_back("the data");
  if (suite != before.suite || items != before.items) changes.push_back("--suite/--items");
  return fmt::format("{}", fmt::join(changes, ", "));
}

nlohmann::json GradingKey::to_json() const {
  return {{"content", content}, {"kit", kit}, {"data", data}, {"suite", suite}, {"items", items}};
}

GradingKey GradingKey::from_json(const nlohmann::json& j) {
  return {j.at("content").get<std::string>(), j.at("kit").get<std::string>(),
          j.at("data").get<std::string>(), j.at("suite").get<std::string>(),
          j.at("items").get<std::vector<std::string>>()};
}

std::string content_digest(const fs::path& folder) {
  std::string description;
  describe_tree(folder, "", 0, description);
  return digest(description);
}

std::optional<BatchRecord> read_record(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(read_file(file));
    const std::string status = j.at("status").get<std::string>();
    const auto* name = std::find(std::begin(kStatusNames), std::end(kStatusNames), status);
    if (name == std::end(kStatusNames)) return std::nullopt;
    return BatchRecord{GradingKey::from_json(j.at("key")),
                       static_cast<Status>(name - std::begin(kStatusNames)),
                       j.value("detail", std::string())};
  } catch (const std::exception&) {
    return std::nullopt;   // damaged by hand: grade the submission again
  }
}

void write_record(const fs::path& file, const BatchRecord& record) {
  const nlohmann::json j = {{"key", record.key.to_json()},
                            {"status", status_name(record.status)},
                            {"detail", record.detail}};
  // A detail quoted from a log may hold bytes that are not UTF-8: replaced, never thrown on.
  write_file_atomically(file, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

BatchRecord classify_grading(const GradingKey& key, int wait_status, const fs::path& results,
                             const fs::path& log, const std::vector<std::string>& missing_files) {
  BatchRecord record{key, Status::GraderError, ""};
  const std::string see_log = fmt::format("see {}", log.string());
  const bool exited_0 = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  std::error_code ec;
  if (!exited_0) {
    const std::string last = one_line(last_line_of(log));
    record.detail = one_line(fmt::format("nnkit-grade grade {}{}; {}", describe_wait_status(wait_status),
                                         last.empty() ? "" : ": " + last, see_log));
    return record;
  }
  if (!fs::is_regular_file(results, ec)) {
    record.detail = one_line(fmt::format("nnkit-grade grade exited 0 but wrote no {}; {}",
                                         results.filename().string(), see_log));
    return record;
  }
  try {
    const auto j = nlohmann::json::parse(read_file(results));
    if (j.value(kGraderErrorField, false)) {
      record.detail = one_line(fmt::format("{}; {}", j.value("output", std::string("the grader failed")),
                                           see_log));
      return record;
    }
    j.at("score").get<double>();
  } catch (const std::exception& e) {
    record.detail = one_line(fmt::format("{} is not a grader's report ({}); {}", results.string(),
                                         e.what(), see_log));
    return record;
  }
  if (!missing_files.empty()) {
    record.status = Status::FilesMissing;
    record.detail = fmt::format("missing: {}", fmt::join(missing_files, ", "));
  } else {
    record.status = Status::Graded;
  }
  return record;
}

}  // namespace grader

// The batch's bookkeeping without grading anything (grader/src/batch_record.hpp,
// gradebook.hpp, child_process.hpp): the key of any folder a student may hand in, the
// status of every way a grade child can end, the gradebook's rows, and children that die
// with their parent. tests/grader/test_batch.sh runs the real batch end to end.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "batch.hpp"
#include "batch_record.hpp"
#include "child_process.hpp"
#include "gradebook.hpp"
#include "kit.hpp"
#include "rubric.hpp"

namespace {

namespace fs = std::filesystem;
using namespace grader;

/// A fresh folder under the system's temporary folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "nnkit-batch-record-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("content_digest: any change of a file, a name or the tree changes the key") {
  TempDir dir;
  const fs::path s = dir.path / "alice";
  write(s / "numpy_ann.cpp", "int x = 1;\n");
  write(s / "notes" / "readme.txt", "hello");
  const std::string first = content_digest(s);
  CHECK(first == content_digest(s));                        // stable

  write(s / "numpy_ann.cpp", "int x = 2;\n");               // same size, one byte
  const std::string edited = content_digest(s);
  CHECK(edited != first);
  fs::rename(s / "notes" / "readme.txt", s / "notes" / "README.txt");
  CHECK(content_digest(s) != edited);
  const std::string renamed = content_digest(s);
  write(s / "empty.cpp", "");
  CHECK(content_digest(s) != renamed);
  const std::string with_empty = content_digest(s);
  fs::create_directory(s / "folder");
  CHECK(content_digest(s) != with_empty);
}

TEST_CASE("content_digest: FIFOs, links and large files are keyed, never followed or waited on") {
  TempDir dir;
  const fs::path s = dir.path / "mallory";
  write(s / "part.cpp", "x");
  const std::string plain = content_digest(s);
  REQUIRE(mkfifo((s / "pipe.cpp").c_str(), 0644) == 0);          // opening it would block
  fs::create_symlink("/dev/zero", s / "zero.cpp");                 // reading it never ends
  fs::create_symlink(s, s / "loop");                               // walking it never ends
  const std::string hostile = content_digest(s);
  CHECK(hostile != plain);
  fs::remove(s / "zero.cpp");
  fs::create_symlink("/dev/null", s / "zero.cpp");                 // another target: another key
  CHECK(content_digest(s) != hostile);

  std::string big(std::size_t{3} << 20, 'a');                      // several read blocks
  write(s / "big.cpp", big);
  const std::string before = content_digest(s);
  big[big.size() - 1] = 'b';
  write(s / "big.cpp", big);
  CHECK(content_digest(s) != before);
}

TEST_CASE("GradingKey: round trip through JSON, and what changed in words") {
  const GradingKey key{"c", "k", "d", "all", {"1.2", "1.3"}};
  CHECK(GradingKey::from_json(key.to_json()) == key);
  GradingKey other = key;
  CHECK(other.changes_since(key).empty());
  other.content = "c2";
  other.items = {"1.2"};
  CHECK(other.changes_since(key) == "the submission's files, --suite/--items");
  other = key;
  other.data = "d2";
  CHECK(other.changes_since(key) == "the data");
}

TEST_CASE("read_record: a missing, damaged or unknown record is none, so the submission is graded again") {
  TempDir dir;
  CHECK_FALSE(read_record(dir.path / "key.json"));
  write(dir.path / "garbage.json", "{not json");
  CHECK_FALSE(read_record(dir.path / "garbage.json"));
  write(dir.path / "unknown.json",
        R"({"key": {"content": "c", "kit": "k", "data": "d", "suite": "all", "items": []},
            "status": "excellent", "detail": ""})");
  CHECK_FALSE(read_record(dir.path / "unknown.json"));
  fs::create_directory(dir.path / "folder.json");
  CHECK_FALSE(read_record(dir.path / "folder.json"));

  const BatchRecord record{{"c", "k", "d", "public", {"2.2"}}, Status::FilesMissing, "missing: a.cpp"};
  write_record(dir.path / "key.json", record);
  const auto back = read_record(dir.path / "key.json");
  REQUIRE(back);
  CHECK(back->key == record.key);
  CHECK(back->status == Status::FilesMissing);
  CHECK(back->detail == "missing: a.cpp");
}

TEST_CASE("classify_grading: every way a grade child ends has its status") {
  TempDir dir;
  const GradingKey key{"c", "k", "d", "all", {}};
  const fs::path results = dir.path / "results.json", log = dir.path / "grading.log";
  const std::string good = R"({"score": 3, "tests": []})";

  SUBCASE("exit status 3: the grader's own error, with its last line") {
    write(log, "alice: numpy_ann.cpp compiled\nnnkit-grade: unexpected failure: boom\n\n");
    const auto r = classify_grading(key, W_EXITCODE(3, 0), results, log, {});
    CHECK(r.status == Status::GraderError);
    CHECK(r.detail.find("exited with status 3") != std::string::npos);
    CHECK(r.detail.find("unexpected failure: boom") != std::string::npos);
    CHECK(r.detail.find(log.string()) != std::string::npos);
  }
  SUBCASE("killed by a signal, even with a results.json from before") {
    write(results, good);
    const auto r = classify_grading(key, W_EXITCODE(0, SIGSEGV), results, log, {});
    CHECK(r.status == Status::GraderError);
    CHECK(r.detail.find("SIGSEGV") != std::string::npos);
  }
  SUBCASE("exit 0 without results.json") {
    const auto r = classify_grading(key, 0, results, log, {});
    CHECK(r.status == Status::GraderError);
    CHECK(r.detail.find("wrote no results.json") != std::string::npos);
  }
  SUBCASE("results.json that says the grader failed") {
    write(results, nlohmann::json{{kGraderErrorField, true}, {"score", 0},
                                  {"output", "cannot read the kit\nline two"}}.dump());
    const auto r = classify_grading(key, 0, results, log, {"b.cpp"});
    CHECK(r.status == Status::GraderError);
    CHECK(r.detail.find("cannot read the kit line two") != std::string::npos);   // one line
  }
  SUBCASE("results.json that is not a report") {
    write(results, "[1, 2");
    CHECK(classify_grading(key, 0, results, log, {}).status == Status::GraderError);
    write(results, R"({"tests": []})");
    CHECK(classify_grading(key, 0, results, log, {}).status == Status::GraderError);
  }
  SUBCASE("a verdict: graded, or files missing naming them") {
    write(results, good);
    CHECK(classify_grading(key, 0, results, log, {}).status == Status::Graded);
    const auto r = classify_grading(key, 0, results, log, {"a.cpp", "b.cpp"});
    CHECK(r.status == Status::FilesMissing);
    CHECK(r.detail == "missing: a.cpp, b.cpp");
  }
  SUBCASE("a log line that is not UTF-8 is kept as a valid record") {
    write(log, "nnkit-grade: \xff\xfe bad bytes\x01\n");
    const auto r = classify_grading(key, W_EXITCODE(3, 0), results, log, {});
    write_record(dir.path / "key.json", r);
    const auto back = read_record(dir.path / "key.json");
    REQUIRE(back);
    CHECK(back->status == Status::GraderError);
    CHECK(back->detail.find("bad bytes") != std::string::npos);
  }
}

TEST_CASE("write_gradebook: a row per submission folder, whatever its name, with its status") {
  TempDir dir;
  const Rubric rubric = load_rubric(NNKIT_MANIFEST_FILE);
  BatchOptions options;
  options.submissions = dir.path / "class";
  options.out_dir = dir.path / "out";
  options.items = {"1.2"};
  options.kit_fingerprint = "kit";
  options.data_checksum = "data";
  const double out_of = selected_points(rubric, "all", {"1.2"});
  REQUIRE(out_of > 0);
  CHECK(selected_points(rubric, "all", {}) == rubric.total_points);

  // gradebook.csv and "x,y" are students; "stale" was graded before its last change;
  // "never" has no record; "broken" crashed the grader; "partial" lacks a file.
  for (const char* name : {"gradebook.csv", "x,y", "stale", "never", "broken", "partial"}) {
    write(options.submissions / name / "numpy_ann.cpp", name);
  }
  write(options.submissions / "not-a-folder.zip", "zip");
  const std::string graded_results = R"({"score": 1, "tests": [{"number": "1.2", "score": 1}]})";
  const auto record = [&](const std::string& name, Status status, const std::string& detail) {
    const fs::path out = submission_out_dir(options, name);
    write(out / "results.json", graded_results);
    write_record(out / "key.json",
                 {current_key(options, options.submissions / name), status, detail});
  };
  record("gradebook.csv", Status::Graded, "");
  record("x,y", Status::Graded, "");
  record("stale", Status::Graded, "");
  write(options.submissions / "stale" / "numpy_ann.cpp", "changed since");
  record("broken", Status::GraderError, "killed by SIGSEGV");
  record("partial", Status::FilesMissing, "missing: pytorch_ann.cpp");

  const auto counts = write_gradebook(rubric, options);
  CHECK(counts.at(Status::Graded) == 2);
  CHECK(counts.at(Status::NotRun) == 2);
  CHECK(counts.at(Status::GraderError) == 1);
  CHECK(counts.at(Status::FilesMissing) == 1);

  std::ifstream in(options.out_dir / "gradebook.csv");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  INFO("gradebook.csv:\n" << [&] { std::string all; for (auto& l : lines) all += l + "\n"; return all; }());
  REQUIRE(lines.size() == 7);   // header + six folders; the .zip is no submission
  CHECK(lines[0].rfind("submission,status,", 0) == 0);
  const auto row = [&](const std::string& start) {
    for (const auto& line : lines) if (line.rfind(start, 0) == 0) return line;
    return std::string();
  };
  const std::string scores = fmt::format(",{:g},{:g},", 1.0, out_of);
  CHECK(row("gradebook.csv,graded,").find(scores) != std::string::npos);
  CHECK(row("\"x,y\",graded,").find(scores) != std::string::npos);
  CHECK(row("stale,not run,").find("since then changed: the submission's files") != std::string::npos);
  CHECK(row("never,not run,") != "");
  CHECK(row("broken,grader error,").find("killed by SIGSEGV") != std::string::npos);
  CHECK(row("broken,grader error,").find(scores) == std::string::npos);   // no score without a verdict
  CHECK(row("partial,files missing,").find("missing: pytorch_ann.cpp") != std::string::npos);
  CHECK(fs::is_regular_file(options.out_dir / "gradebook.csv"));
  CHECK(fs::is_directory(submission_out_dir(options, "gradebook.csv")));
}

TEST_CASE("start_child: its own process group, its output in the log, and it dies with its parent") {
  TempDir dir;
  SUBCASE("a program that cannot be executed says so in its log and exits 127") {
    const pid_t pid = start_child({"/nonexistent/program", "x"}, dir.path / "log");
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(describe_wait_status(status) == "exited with status 127");
    std::ifstream in(dir.path / "log");
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str().find("cannot execute /nonexistent/program") != std::string::npos);
  }
  SUBCASE("SIGKILL of the parent kills the child") {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    const pid_t parent = fork();
    REQUIRE(parent >= 0);
    if (parent == 0) {
      const pid_t child = start_child({"/bin/sleep", "60"}, dir.path / "sleep.log");
      const bool own_group = getpgid(child) == child;
      [[maybe_unused]] auto n = write(pipe_fds[1], &child, sizeof child);
      n = write(pipe_fds[1], &own_group, sizeof own_group);
      pause();   // until killed
      _exit(0);
    }
    pid_t child = 0;
    bool own_group = false;
    REQUIRE(read(pipe_fds[0], &child, sizeof child) == sizeof child);
    REQUIRE(read(pipe_fds[0], &own_group, sizeof own_group) == sizeof own_group);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK(own_group);
    CHECK(alive(child));
    kill(parent, SIGKILL);
    waitpid(parent, nullptr, 0);
    // the orphan is reaped by init (or a subreaper): it is gone once kill(0) fails, or a zombie
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      std::ifstream stat_file(fmt::format("/proc/{}/stat", child));
      std::string text;
      std::getline(stat_file, text);
      const auto close_paren = text.rfind(')');
      gone = !alive(child) || (close_paren != std::string::npos && text.substr(close_paren + 2, 1) == "Z");
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK_MESSAGE(gone, "sleep " << child << " outlived its parent");
    if (!gone) kill(child, SIGKILL);
  }
}

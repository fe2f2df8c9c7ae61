// Compiling and linking one part in the sandbox: see part_build.hpp.
#include "part_build.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {
namespace {

namespace fs = std::filesystem;

constexpr double kCompileSeconds = 120;

/// A folder the sandbox's uid may write into (it is another uid when we run as root).
fs::path make_writable_dir(const fs::path& dir) {
  fs::create_directories(dir);
  if (geteuid() == 0) chown(dir.c_str(), sandbox_uid(), sandbox_uid());
  return dir;
}

SandboxLimits compile_limits() {
  SandboxLimits limits;
  limits.wall_seconds = kCompileSeconds;
  limits.cpu_seconds = static_cast<long>(kCompileSeconds);
  limits.address_space_bytes = std::size_t{4} << 30;  // cc1plus on xtensor needs ~0.3 GiB
  limits.file_size_bytes = std::size_t{256} << 20;
  // /build holds the source, part.o and the probe (a few MB each); a TU that makes a
  // huge object file is stopped by the file-size limit first.
  limits.writable_bind_bytes = std::size_t{512} << 20;
  return limits;
}

/// Hands a finished build folder back to the grader: the sandbox's uid made its files
/// (it differs per grading process), and the probe binary becomes execute-only — no
/// sandbox can open it for reading, /probe/probe and /proc/self/exe alike, as it is owned
/// by another uid (root) or bound read-only where its owner cannot chmod it; the kernel
/// also makes a process whose binary it cannot read non-dumpable.
void hand_back(const fs::path& dir) {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  std::error_code ec;
  if (uid == 0) {
    lchown(dir.c_str(), uid, gid);
    for (const auto& entry : fs::directory_iterator(dir, ec)) lchown(entry.path().c_str(), uid, gid);
  }
  const fs::path probe = dir / "probe";
  struct stat st {};
  if (lstat(probe.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0111) {
    if (chmod(probe.c_str(), 0111) != 0) {
      throw Error(fmt::format("cannot make {} execute-only (chmod 0111): {}", probe.string(),
                              std::strerror(errno)));
    }
  }
}

std::string output_of(const SandboxResult& r) {
  std::string text = r.stdout_text + r.stderr_text;
  if (r.stdout_bytes + r.stderr_bytes > text.size()) {
    text += fmt::format("\n[... output cut at {} bytes]", text.size());
  }
  return text;
}

/// Runs g++ with `argv` in the sandbox with `binds`; returns the failure sentence or "".
/// `scratch` holds /tmp and /dev/shm where bubblewrap cannot size a tmpfs.
std::string run_tool(const Kit& kit, std::vector<std::string> argv, std::vector<Bind> binds,
                     const fs::path& scratch, std::string& output) {
  SandboxCommand command;
  command.argv = std::move(argv);
  command.binds = std::move(binds);
  command.cwd = "/build";
  command.limits = compile_limits();
  command.env = kit.sandbox_env;
  command.scratch_dir = scratch;
  const SandboxResult r = run_sandboxed(command);
  output += output_of(r);
  if (r.sandbox_failed) throw Error(r.describe());
  return r.ok() ? "" : r.describe();
}

}  // namespace

PartBuild build_part(const Kit& kit, const std::string& part, const fs::path& source,
                     const fs::path& cache_dir) {
  const auto start = std::chrono::steady_clock::now();
  const std::string bytes = read_file(source);
  const fs::path entry = cache_dir / "builds" / fmt::format("{}-{}", part,
                                                             digest(kit.fingerprint + bytes));
  PartBuild build;
  const fs::path file_name = source.filename();
  if (fs::exists(entry / "done") && read_file(entry / file_name) == bytes) {
    hand_back(entry);  // a cache written before probes were execute-only
    build.cached = true;
    build.ok = fs::exists(entry / "probe");
    build.probe_binary = entry / "probe";
    build.compiler_output = read_file(entry / "output.txt");
    build.failure = read_file(entry / "failure.txt");
    return build;
  }

  // Build in a fresh folder, then publish it under the cache name in one rename.
  const fs::path work = make_writable_dir(entry.string() + fmt::format(".tmp{}", getpid()));
  fs::copy_file(source, work / file_name, fs::copy_options::overwrite_existing);
  const std::string inside_source = "/build/" + file_name.string();
  std::vector<std::string> compile = {kit.compiler};
  compile.insert(compile.end(), kit.compile_flags.begin(), kit.compile_flags.end());
  compile.insert(compile.end(), {"-I/kit/include", "-c", inside_source, "-o", "/build/part.o"});
  std::string output;
  const fs::path scratch = work.string() + ".scratch";
  std::string failure = run_tool(kit, compile,
                                 {{kit.include_dir, "/kit/include"}, {work, "/build", true}},
                                 scratch, output);
  if (!failure.empty()) {
    failure = "does not compile: the compiler " + failure;
  } else {
    std::vector<std::string> link = {kit.compiler, "-o", "/build/probe", "/build/part.o",
                                     "-Wl,--start-group",
                                     fmt::format("/kit/lib/libprobe_{}.a", part)};
    for (const auto& lib : kit.kit_libraries) link.push_back("/kit/lib/" + lib);
    link.push_back("-Wl,--end-group");
    link.insert(link.end(), kit.system_libraries.begin(), kit.system_libraries.end());
    failure = run_tool(kit, link, {{kit.lib_dir, "/kit/lib"}, {work, "/build", true}}, scratch,
                       output);
    if (!failure.empty()) failure = "does not link with the kit: the linker " + failure;
  }
  fs::remove(work / "part.o");
  if (!failure.empty()) fs::remove(work / "probe");
  hand_back(work);
  write_file_atomically(work / "output.txt", output);
  write_file_atomically(work / "failure.txt", failure);
  write_file_atomically(work / "done", "");
  std::error_code ec;
  fs::remove_all(entry, ec);
  fs::rename(work, entry, ec);
  const fs::path where = ec ? work : entry;  // another grader may have published it first
  build.ok = failure.empty();
  build.probe_binary = where / "probe";
  build.compiler_output = output;
  build.failure = failure;
  build.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return build;
}

}  // namespace grader

// Which sandbox runs commands, bubblewrap or the fallback: see sandbox.hpp.
#include "sandbox.hpp"

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "error.hpp"
#include "sandbox_detail.hpp"

namespace grader {
using namespace sandbox_detail;

namespace {

// ---- which sandbox ---------------------------------------------------------------------------

std::mutex& kind_mutex() {
  static std::mutex m;
  return m;
}
SandboxKind& chosen_kind() {
  static SandboxKind kind = SandboxKind::Auto;
  return kind;
}
std::optional<SandboxKind>& resolved_kind() {
  static std::optional<SandboxKind> kind;
  return kind;
}

/// "" when bubblewrap runs /usr/bin/true here as it would run a command; else what it said.
std::string bubblewrap_problem() {
  SandboxCommand probe;
  probe.argv = {"/usr/bin/true"};
  probe.limits.wall_seconds = 20;
  const SandboxResult r = run_in(probe, SandboxKind::Bubblewrap);
  if (r.ok()) return "";
  std::string why = r.describe();
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return why;
}

}  // namespace

std::string sandbox_kind_problem(const std::string& value) {
  if (value == "auto" || value == "bubblewrap" || value == "fallback") return "";
  return fmt::format("{} is not a sandbox: choose auto (bubblewrap when it can start here, "
                     "else the fallback), bubblewrap or fallback (no namespaces: a uid of its "
                     "own, rlimits and a seccomp filter)",
                     value.empty() ? "\"\"" : value);
}

SandboxKind sandbox_kind_named(const std::string& value) {
  if (const std::string problem = sandbox_kind_problem(value); !problem.empty()) throw Error(problem);
  return value == "bubblewrap" ? SandboxKind::Bubblewrap
         : value == "fallback" ? SandboxKind::Fallback
                               : SandboxKind::Auto;
}

void choose_sandbox(SandboxKind kind) {
  std::lock_guard<std::mutex> lock(kind_mutex());
  chosen_kind() = kind;
  resolved_kind().reset();
}

SandboxKind active_sandbox() {
  std::lock_guard<std::mutex> lock(kind_mutex());
  if (!resolved_kind()) {
    if (chosen_kind() != SandboxKind::Auto) {
      resolved_kind() = chosen_kind();
    } else if (const std::string problem = bubblewrap_problem(); problem.empty()) {
      resolved_kind() = SandboxKind::Bubblewrap;
    } else {
      resolved_kind() = SandboxKind::Fallback;
      std::fprintf(stderr,
                   "nnkit-grade: bubblewrap cannot start here (%s); grading in the fallback "
                   "sandbox (no namespaces: a uid of its own, rlimits, seccomp)\n",
                   problem.c_str());
    }
  }
  return *resolved_kind();
}

std::string sandbox_description() {
  if (active_sandbox() == SandboxKind::Fallback) {
    return "fallback (no namespaces): uid, rlimits, seccomp";
  }
  return "bubblewrap " + bwrap_features().version;
}

}  // namespace grader

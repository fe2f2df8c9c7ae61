// The container's CPU quota, memory limit and OOM kills: see cgroup_limits.hpp.
#include "cgroup_limits.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace grader {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

/// The value after `key ` on a line of a "key value" file (memory.events, vmstat ...).
std::optional<long double> keyed_value(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + " ", 0) == 0) {
      try {
        return std::stold(line.substr(key.size() + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

/// The folders of this process's cgroup for `controller` ("" for cgroup v2's unified
/// tree), its own first and then each parent up to the hierarchy's mount point: a limit
/// set on any of them applies.
std::vector<fs::path> cgroup_folders(const std::string& controller) {
  // Where this process sits in the hierarchy: "0::/path" (v2), "4:memory:/path" (v1).
  std::string path;
  bool found = false;
  {
    std::ifstream in("/proc/self/cgroup");
    for (std::string line; std::getline(in, line);) {
      const auto first = line.find(':'), second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      const std::string controllers = line.substr(first + 1, second - first - 1);
      const auto names = split(controllers, ',');
      const bool match = controller.empty()
                             ? line.rfind("0::", 0) == 0
                             : std::find(names.begin(), names.end(), controller) != names.end();
      if (match) {
        path = line.substr(second + 1);
        found = true;
        break;
      }
    }
  }
  if (!found) return {};
  // Where that hierarchy is mounted, and which of its folders the mount shows as its root.
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    const auto fields = split(line, ' ');
    const auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || dash + 3 > fields.end()) continue;
    const std::string& type = *(dash + 1);
    const auto options = split(*(dash + 3), ',');
    const bool match = controller.empty()
                           ? type == "cgroup2"
                           : type == "cgroup" && std::find(options.begin(), options.end(),
                                                           controller) != options.end();
    if (!match) continue;
    const fs::path mount_point = fields[4];
    const std::string& mount_root = fields[3];
    fs::path own = mount_point;
    if (path.rfind(mount_root, 0) == 0) {
      const fs::path below =
          fs::path(path.substr(mount_root == "/" ? 0 : mount_root.size())).relative_path();
      if (!below.empty()) own = mount_point / below;
    }
    std::vector<fs::path> folders;
    for (fs::path p = own;; p = p.parent_path()) {
      folders.push_back(p);
      if (p == mount_point || !p.has_relative_path() || p.parent_path() == p) break;
    }
    return folders;
  }
  return {};
}

/// The CPU quota in CPUs (quota / period), the tightest among the cgroup's folders of both
/// versions; nullopt when none is set.
std::optional<double> cpu_quota() {
  std::optional<double> tightest;
  auto consider = [&](double quota, double period) {
    if (quota > 0 && period > 0) tightest = std::min(tightest.value_or(quota / period), quota / period);
  };
  for (const auto& folder : cgroup_folders("")) {
    // "max 100000" or "150000 100000"
    const auto fields = split(first_line(folder / "cpu.max"), ' ');
    if (fields.size() == 2 && fields[0] != "max") {
      try {
        consider(std::stod(fields[0]), std::stod(fields[1]));
      } catch (const std::exception&) {
      }
    }
  }
  for (const auto& folder : cgroup_folders("cpu")) {
    try {
      const std::string quota = first_line(folder / "cpu.cfs_quota_us");
      const std::string period = first_line(folder / "cpu.cfs_period_us");
      if (!quota.empty() && !period.empty()) consider(std::stod(quota), std::stod(period));
    } catch (const std::exception&) {
    }
  }
  return tightest;
}

long count_or_unknown(const std::optional<long double>& value) {
  return value ? static_cast<long>(*value) : -1;
}

}  // namespace

int usable_cpus() {
  int cpus = 1;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
  if (const auto quota = cpu_quota()) {
    cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(*quota - 1e-9))));
  }
  return cpus;
}

std::optional<std::size_t> container_memory_limit() {
  // Above this a "limit" is the kernel's way of saying none (v1 writes 2^63 rounded down).
  constexpr long double kNone = static_cast<long double>(std::size_t{1} << 62);
  std::optional<long double> tightest;
  for (const auto& folder : cgroup_folders("")) {
    const std::string text = first_line(folder / "memory.max");
    if (text.empty() || text == "max") continue;
    try {
      const long double limit = std::stold(text);
      tightest = std::min(tightest.value_or(limit), limit);
    } catch (const std::exception&) {
    }
  }
  const auto v1 = cgroup_folders("memory");
  if (!v1.empty()) {
    // v1 states the tightest limit of the cgroup and its parents itself.
    if (const auto limit = keyed_value(v1.front() / "memory.stat", "hierarchical_memory_limit")) {
      tightest = std::min(tightest.value_or(*limit), *limit);
    }
  }
  if (!tightest || *tightest >= kNone) return std::nullopt;
  return static_cast<std::size_t>(*tightest);
}

OomKills oom_kills() {
  OomKills kills;
  kills.machine = count_or_unknown(keyed_value("/proc/vmstat", "oom_kill"));
  const auto v2 = cgroup_folders("");
  if (!v2.empty() && fs::exists(v2.front() / "memory.events")) {
    kills.cgroup = count_or_unknown(keyed_value(v2.front() / "memory.events", "oom_kill"));
  } else if (const auto v1 = cgroup_folders("memory"); !v1.empty()) {
    kills.cgroup = count_or_unknown(keyed_value(v1.front() / "memory.oom_control", "oom_kill"));
  }
  return kills;
}

}  // namespace grader

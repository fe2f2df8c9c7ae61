#pragma once
/// What the machine and the grader's container allow, as Linux states it: the CPU quota
/// (cgroup v2 cpu.max; v1 cpu.cfs_quota_us / cpu.cfs_period_us) and the CPUs this process
/// may run on (sched_getaffinity); the memory limit (v2 memory.max; v1
/// memory.stat's hierarchical_memory_limit); how many processes the kernel's OOM killer
/// has ended (the cgroup's memory.events or memory.oom_control, the machine's
/// /proc/vmstat). The grader sizes its probes' threads by the first (probe_run.hpp) and
/// names the limit that killed a probe by the others (sandbox.hpp).
///
/// A cgroup's files are found through /proc/self/cgroup and /proc/self/mountinfo, so that
/// both a container that shows only its own cgroup at /sys/fs/cgroup and a host that shows
/// the whole tree are read right; a quota or limit set on a parent cgroup counts too.
#include <cstddef>
#include <optional>

namespace grader {

/// CPUs this process may keep busy: its CPU quota rounded up (the tightest of its cgroup's
/// and its parents'), no more than the CPUs of its affinity mask, and at least 1.
int usable_cpus();

/// The memory limit of the grader's cgroup (or of a parent, the tightest), in bytes;
/// nullopt when there is none or it cannot be read.
std::optional<std::size_t> container_memory_limit();

/// Kills by the kernel's OOM killer so far; -1 where the count cannot be read.
struct OomKills {
  long cgroup = -1;    ///< in the grader's memory cgroup and those below it
  long machine = -1;   ///< on the whole machine (/proc/vmstat oom_kill)
};
OomKills oom_kills();

}  // namespace grader

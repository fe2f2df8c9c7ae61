#pragma once
/// A helper process of the grader (a batch's `nnkit-grade grade` children, gnuplot) that
/// can never outlive it: started with fork + prctl(PR_SET_PDEATHSIG, SIGKILL) + setpgid +
/// exec, so that a batch killed with SIGKILL leaves no grading behind to race with the
/// next run (docs/architecture.md, invariant I6). posix_spawn cannot set a parent-death
/// signal. Each child leads its own process group: Ctrl-C at the terminal reaches only the
/// batch, which decides what its children get.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace grader {

/// Starts `argv` (argv[0] an absolute path) with standard input from /dev/null and
/// standard output and error into `log` (truncated). The child is SIGKILLed by the kernel
/// when this process dies. Throws grader::Error when `log` cannot be opened or fork fails;
/// a program that cannot be executed exits with status 127, its reason in `log`.
pid_t start_child(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// Sends `signal` to the process group `start_child` made for `pid` (the child and
/// anything it started in its group).
void signal_child_group(pid_t pid, int signal);

/// "exited with status 3", "killed by SIGSEGV (Segmentation fault)": a wait status in words.
std::string describe_wait_status(int status);

}  // namespace grader

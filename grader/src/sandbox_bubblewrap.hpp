#pragma once
/// The sandbox with namespaces (sandbox.hpp): bubblewrap's command line for a command,
/// with the masks over the folders a sandbox never shows, and the forked child that starts
/// it; bwrap_features() (sandbox.hpp) is defined beside them. Internal to the sandbox's
/// files (sandbox_detail.hpp).
#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox_detail.hpp"
#include "sandbox_storage.hpp"

namespace grader::sandbox_detail {

/// The whole command line, from /usr/bin/bwrap to `command`'s own argv: namespaces,
/// identity, environment, the read-only system, /tmp and /dev/shm (a sized tmpfs, or the
/// host folders of `scratch`), `command`'s binds, the masks, its folder.
std::vector<std::string> bwrap_arguments(const SandboxCommand& command, const Scratch& scratch);

/// In the forked child: limits, identity, descriptors, then bubblewrap. Never returns.
[[noreturn]] void exec_child(const SandboxCommand& command, const std::vector<std::string>& args,
                             int out_fd, int err_fd, int channel_fd, int info_fd,
                             long process_limit, unsigned uid, pid_t parent);

/// The "child-pid" bubblewrap's --json-status-fd reports, or 0 while it has not.
long child_pid_in(const std::string& info);

}  // namespace grader::sandbox_detail

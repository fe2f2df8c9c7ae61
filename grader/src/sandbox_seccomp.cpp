// The fallback sandbox's system-call filter (libseccomp): see sandbox_seccomp.hpp.
#include "sandbox_seccomp.hpp"

#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace grader {
namespace {

/// clone/unshare flags that make a namespace.
constexpr std::uint64_t kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,
                                             CLONE_NEWNET, CLONE_NEWIPC,  CLONE_NEWUTS,
                                             CLONE_NEWCGROUP, 0x00000080 /* CLONE_NEWTIME */};

/// Refused whatever their arguments, by name: a name this libseccomp or this architecture
/// does not know is skipped (it cannot be called here either).
constexpr const char* kRefused[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "setns",
    "mount", "umount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount",
    "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    // io_uring runs socket(), connect() ... in the kernel, where no filter sees them
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "acct", "quotactl", "swapon", "swapoff", "reboot", "syslog", "lookup_dcookie",
    "name_to_handle_at", "open_by_handle_at"};

int add(scmp_filter_ctx ctx, int errno_value, const char* name, unsigned count = 0,
        scmp_arg_cmp first = {}) {
  const int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return 0;
  return count == 0 ? seccomp_rule_add(ctx, SCMP_ACT_ERRNO(errno_value), nr, 0)
                    : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(errno_value), nr, 1, first);
}

}  // namespace

int install_fallback_seccomp_filter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return -ENOMEM;
  int rc = 0;
  auto step = [&](int r) { if (rc == 0 && r < 0) rc = r; };
  for (const char* name : kRefused) step(add(ctx, EPERM, name));
  // No network: socket() of every family but AF_UNIX.
  step(add(ctx, EPERM, "socket", 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)));
  // No namespaces: clone and unshare with any namespace flag (several rules on one call
  // are alternatives); clone3's flags sit in memory a filter cannot read, so it is
  // "not implemented" and glibc falls back to clone.
  for (const std::uint64_t flag : kNamespaceFlags) {
    step(add(ctx, EPERM, "clone", 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)));
    step(add(ctx, EPERM, "unshare", 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)));
  }
  step(add(ctx, ENOSYS, "clone3"));
  // personality: the query (0xffffffff) and PER_LINUX (0) only. The kernel reads the low
  // 32 bits; they are neither all 0 nor all 1 exactly when two neighbouring bits differ,
  // and one comparison per pair says so (libseccomp takes one comparison per argument).
  for (unsigned bit = 0; bit < 32; ++bit) {
    const std::uint64_t low = std::uint64_t{1} << bit;
    const std::uint64_t high = std::uint64_t{1} << ((bit + 1) % 32);
    step(add(ctx, EPERM, "personality", 1, SCMP_A0(SCMP_CMP_MASKED_EQ, low | high, low)));
    step(add(ctx, EPERM, "personality", 1, SCMP_A0(SCMP_CMP_MASKED_EQ, low | high, high)));
  }
  // Other architectures' system calls (int 0x80 on x86-64) are not filtered: they kill
  // (libseccomp's default for a foreign architecture).
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  return rc;
}

}  // namespace grader

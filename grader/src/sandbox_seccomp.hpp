#pragma once
/// The system-call filter of the fallback sandbox (sandbox.hpp), built with libseccomp.
/// Everything is allowed (a compiler, an assembler, a linker and a threaded probe run as
/// usual) except, refused with EPERM: socket() of any family but AF_UNIX (no network);
/// ptrace, process_vm_readv/writev; setns, and clone/unshare with a namespace flag;
/// mount, umount2, pivot_root, chroot and the new mount API; keyctl, add_key,
/// request_key; bpf, perf_event_open, userfaultfd; kexec_*, init_module, finit_module,
/// delete_module; io_uring (it would run socket() where no filter sees it); personality
/// other than the query and PER_LINUX; a few calls only root could make anyway (acct,
/// swapon, reboot ...). clone3 fails with ENOSYS, so that glibc falls back to clone (a
/// filter cannot read clone3's flags). System calls of another architecture (int 0x80 on
/// x86-64) kill the process.

namespace grader {

/// Loads the filter into the calling thread (and whatever it execs); needs
/// PR_SET_NO_NEW_PRIVS (or CAP_SYS_ADMIN). Returns 0, or a negative errno.
int install_fallback_seccomp_filter();

}  // namespace grader

#include "Isolate.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

namespace kiln::cli {
namespace {
// PAGEMAP_SCAN = _IOWR('f', 16, struct pm_scan_arg) (96 bytes), Linux 6.7.
constexpr unsigned long kPagemapScanRequest = (3ul << 30) | (96ul << 16) | ('f' << 8) | 16;
}  // namespace
namespace {

// How the child gets its standard input. A terminal (which a descriptor could also write
// to, raw) or a socket is relayed by the parent; a pipe is handed over as it is (its read
// end can only be read); a file or a device such as /dev/null is opened again read-only at
// the same offset. Apart from terminals and sockets the guest thus sees exactly what it
// would without --isolate, end of input included.
enum class StdinMode { kRelay, kPass, kReopen };
StdinMode g_stdin_mode = StdinMode::kRelay;

// The child's ends of the relay pipes, and where it reports a forbidden system call.
int g_child_stdin = -1, g_child_stdout = -1, g_child_stderr = -1, g_report = -1;
pid_t g_child = -1;

struct SyscallReport {
  uint32_t magic;
  int32_t nr;
  uint32_t arch;
};
constexpr uint32_t kReportMagic = 0x6b696c6e;  // "kiln"

// SIGSYS from the seccomp filter (SCMP_ACT_TRAP): the call did not happen. Tell the parent
// which it was and end the child; only write and exit_group are used, both allowed.
void OnForbiddenSyscall(int, siginfo_t* info, void*) {
  const SyscallReport r{kReportMagic, info->si_syscall, info->si_arch};
  (void)!write(g_report, &r, sizeof r);
  syscall(SYS_exit_group, kExitForbiddenSyscall);
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void ForwardSignal(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

// The parent: copies its stdin to the child and the child's stdout and stderr to its own
// until the child has closed them, then reaps it.
int Relay(int in_w, int out_r, int err_r, int report_r) {
  if (in_w >= 0) std::thread([in_w] {
    char buf[65536];
    for (;;) {
      const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !WriteAll(in_w, buf, static_cast<size_t>(n))) break;
    }
    close(in_w);
  }).detach();

  pollfd fds[2] = {{out_r, POLLIN, 0}, {err_r, POLLIN, 0}};
  const int targets[2] = {STDOUT_FILENO, STDERR_FILENO};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0 && WriteAll(targets[i], buf, static_cast<size_t>(n))) continue;
      // End of the child's output (or ours is gone: the child then gets EPIPE).
      close(fds[i].fd);
      fds[i].fd = -1;
      --open;
    }
  }
  int status = 0;
  while (waitpid(g_child, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "kiln: isolate: lost the child process: %s\n", std::strerror(errno));
      return 1;
    }
  }
  SyscallReport report{};
  const bool reported = read(report_r, &report, sizeof report) == sizeof report &&
                        report.magic == kReportMagic;
  close(report_r);
  std::fflush(stdout);
  if (reported || (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)) {
    std::string name = "unknown";
    if (reported) {
      char* resolved = seccomp_syscall_resolve_num_arch(report.arch, report.nr);
      name = absl::StrCat(resolved != nullptr ? resolved : "?", " (", report.nr, ")");
      std::free(resolved);
    }
    std::fprintf(stderr,
                 "kiln: isolate: the instance was stopped: it made the system call %s, which "
                 "--isolate does not allow\n",
                 name.c_str());
    return kExitForbiddenSyscall;
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* why = sig == SIGXCPU ? " (CPU time limit)" : sig == SIGKILL ? " (killed)" : "";
    std::fprintf(stderr, "kiln: isolate: the instance's process ended by signal %s%s\n",
                 sigabbrev_np(sig) != nullptr ? sigabbrev_np(sig) : std::to_string(sig).c_str(),
                 why);
    return 128 + sig;
  }
  return WEXITSTATUS(status);
}

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat("isolate: ", what, ": ", std::strerror(errno)));
}

// Closes every descriptor except stdio and `keep`.
void CloseOthers(std::vector<int> keep) {
  keep.push_back(-1);
  std::sort(keep.begin(), keep.end());
  int from = 3;
  for (int k : keep) {
    if (k < from) continue;
    if (k > from) syscall(SYS_close_range, from, k - 1, 0);
    from = k + 1;
  }
  syscall(SYS_close_range, from, ~0u, 0);
}

absl::Status SetLimits(const IsolationGrants& g) {
  auto set = [](int resource, rlim_t soft, rlim_t hard) -> absl::Status {
    rlimit current{};
    getrlimit(resource, &current);
    rlimit l{std::min(soft, current.rlim_max), std::min(hard, current.rlim_max)};
    if (setrlimit(resource, &l) != 0) return Errno(absl::StrCat("setrlimit ", resource));
    return absl::OkStatus();
  };
  if (absl::Status s = set(RLIMIT_CORE, 0, 0); !s.ok()) return s;
  const rlim_t files = g.max_open_files + 64;  // loader's own descriptors besides the guest's
  if (absl::Status s = set(RLIMIT_NOFILE, files, files); !s.ok()) return s;
  if (g.timeout.has_value()) {
    // A backstop for the watchdog: CPU time a little past the deadline.
    const rlim_t secs = static_cast<rlim_t>(
        std::chrono::duration_cast<std::chrono::seconds>(*g.timeout).count() + 2);
    if (absl::Status s = set(RLIMIT_CPU, secs, secs + 1); !s.ok()) return s;
  }
  if (g.max_memory_bytes.has_value()) {
    // Private writable memory: the linear memories plus headroom for the loader.
    const rlim_t bytes = *g.max_memory_bytes + (rlim_t{1} << 30);
    if (absl::Status s = set(RLIMIT_DATA, bytes, bytes); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status DropPrivileges() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Errno("no_new_privs");
  const bool root = geteuid() == 0;
  if (root && prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
                                           SECBIT_NO_SETUID_FIXUP |
                                           SECBIT_NO_SETUID_FIXUP_LOCKED |
                                           SECBIT_KEEP_CAPS_LOCKED,
                    0, 0, 0) != 0) {
    return Errno("securebits");
  }
  for (int cap = 0; cap < 64; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM) {
      return Errno("dropping the capability bounding set");
    }
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) return Errno("capset");
  if (syscall(SYS_capget, &header, data) != 0) return Errno("capget");
  if (data[0].effective | data[0].permitted | data[1].effective | data[1].permitted) {
    return absl::InternalError("isolate: capabilities remain after dropping them");
  }
  return absl::OkStatus();
}

// Landlock (uapi values; Debian's headers predate most of them).
struct LandlockRulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) LandlockPathBeneath {
  uint64_t allowed_access;
  int32_t parent_fd;
};
constexpr uint64_t kFsExecute = 1ull << 0, kFsReadFile = 1ull << 2,
                   kFsReadDir = 1ull << 3, kFsMakeChar = 1ull << 6, kFsMakeSock = 1ull << 9,
                   kFsMakeFifo = 1ull << 10, kFsMakeBlock = 1ull << 11, kFsRefer = 1ull << 13,
                   kFsTruncate = 1ull << 14, kFsIoctlDev = 1ull << 15;
constexpr uint64_t kNetBindTcp = 1, kNetConnectTcp = 2;
constexpr uint64_t kScopeAbstractUnixSocket = 1, kScopeSignal = 2;

absl::Status ApplyLandlock(const IsolationGrants& g) {
  const int abi = LandlockAbi();
  if (abi <= 0) return absl::OkStatus();  // not offered by this kernel: seccomp still holds
  uint64_t fs = (1ull << 13) - 1;
  if (abi >= 2) fs |= kFsRefer;
  if (abi >= 3) fs |= kFsTruncate;
  if (abi >= 5) fs |= kFsIoctlDev;
  LandlockRulesetAttr attr{fs, 0, 0};
  size_t size = sizeof(uint64_t);
  if (abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;  // no rule: no TCP bind/connect
    size = 2 * sizeof(uint64_t);
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size = sizeof attr;
  }
  const int ruleset = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0) return Errno("landlock_create_ruleset");
  for (const auto& [fd, read_only] : g.directories) {
    LandlockPathBeneath rule{};
    rule.parent_fd = fd;
    rule.allowed_access =
        read_only ? (kFsReadFile | kFsReadDir)
                  : fs & ~(kFsExecute | kFsMakeChar | kFsMakeBlock | kFsMakeSock | kFsMakeFifo |
                           kFsIoctlDev);
    if (syscall(SYS_landlock_add_rule, ruleset, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, 0) !=
        0) {
      close(ruleset);
      return Errno("landlock_add_rule");
    }
  }
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    close(ruleset);
    return Errno("landlock_restrict_self");
  }
  close(ruleset);
  return absl::OkStatus();
}

absl::Status ApplySeccomp(const IsolationGrants& g) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
  if (ctx == nullptr) return absl::InternalError("isolate: seccomp_init failed");
  int rc = 0;
  auto allow = [&](int nr) {
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  };
  auto allow_if = [&](int nr, scmp_arg_cmp cmp) {
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
  };
  // Always: I/O on descriptors already open, memory, signals for traps, time, randomness,
  // waiting, ending. Calls that take only a descriptor are harmless on the relay pipes.
  for (int nr : {SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
                 SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
                 SCMP_SYS(preadv2), SCMP_SYS(pwritev2), SCMP_SYS(close), SCMP_SYS(fstat),
                 SCMP_SYS(lseek), SCMP_SYS(fcntl), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
                 SCMP_SYS(fadvise64), SCMP_SYS(fallocate), SCMP_SYS(ftruncate),
                 SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(brk),
                 SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
                 SCMP_SYS(sigaltstack), SCMP_SYS(futex), SCMP_SYS(clock_gettime),
                 SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
                 SCMP_SYS(gettimeofday), SCMP_SYS(getrandom), SCMP_SYS(sched_yield),
                 SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(getpid), SCMP_SYS(gettid),
                 SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
                 // A thread (the watchdog) that starts running only after the filter is
                 // in place registers its robust futex list and restartable sequences
                 // with every signal blocked: a trap there would be a silent kill.
                 SCMP_SYS(set_robust_list), SCMP_SYS(rseq)}) {
    allow(nr);
  }
  // Memory, but never a new executable mapping: the only code is the artifact's, mapped
  // before isolation.
  allow_if(SCMP_SYS(mmap), SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  allow_if(SCMP_SYS(mprotect), SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  // isatty (terminal checks) and FIONREAD (poll_oneoff's byte counts); no other ioctl.
  allow_if(SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, TCGETS));
  allow_if(SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, FIONREAD));
  // PAGEMAP_SCAN on /proc/self/pagemap (opened before): which pages of a released memory
  // were written (GuardedMemory's reset in place). It reads this process's page tables.
  allow_if(SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, kPagemapScanRequest));
  // Signals to itself only (abort()).
  allow_if(SCMP_SYS(tgkill), SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(getpid())));
  if (g.server) {
    // Threads for connections: clone with CLONE_THREAD only (never a process); clone3's
    // arguments are out of the filter's reach, so it reports ENOSYS and glibc uses clone.
    allow_if(SCMP_SYS(clone), SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    for (int nr : {SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
                   SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(shutdown),
                   SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
                   SCMP_SYS(getpeername), SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl),
                   SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(eventfd2),
                   SCMP_SYS(pipe2), SCMP_SYS(sched_setscheduler), SCMP_SYS(sched_getscheduler),
                   SCMP_SYS(sched_getparam), SCMP_SYS(sched_getaffinity), SCMP_SYS(getrlimit),
                   SCMP_SYS(uname), SCMP_SYS(select), SCMP_SYS(pselect6), SCMP_SYS(sendfile),
                   SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getppid),
                   SCMP_SYS(rt_sigtimedwait), SCMP_SYS(membarrier)}) {
      allow(nr);
    }
    // prlimit64 reading a limit only; thread names (PR_SET_NAME) and nothing else of prctl.
    allow_if(SCMP_SYS(prlimit64), SCMP_A2(SCMP_CMP_EQ, 0));
    allow_if(SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
    if (g.directories.empty()) {
      // glibc may look at files (thread names, CPU counts): refused, not fatal.
      for (int nr : {SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(openat2)})
        if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 0);
    }
  }
  // futimens(fd) is utimensat(fd, NULL, ...).
  if (g.directories.empty()) {
    allow_if(SCMP_SYS(utimensat), SCMP_A1(SCMP_CMP_EQ, 0));
    // fstat(fd) is newfstatat(fd, "", AT_EMPTY_PATH) in glibc.
    allow_if(SCMP_SYS(newfstatat), SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
  } else {
    // Path operations beneath the pre-opened directories (PathResolver: openat2 with
    // RESOLVE_BENEATH, or the component walk with openat).
    for (int nr : {SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(newfstatat),
                   SCMP_SYS(mkdirat), SCMP_SYS(unlinkat), SCMP_SYS(renameat),
                   SCMP_SYS(renameat2), SCMP_SYS(linkat), SCMP_SYS(symlinkat),
                   SCMP_SYS(readlinkat), SCMP_SYS(utimensat), SCMP_SYS(getdents64)}) {
      allow(nr);
    }
  }
  if (g.sockets) {
    for (int nr : {SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(recvfrom),
                   SCMP_SYS(recvmsg), SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(shutdown)}) {
      allow(nr);
    }
  }
  // Every thread (the --timeout watchdog too) gets the filter.
  if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("isolate: cannot load the seccomp filter: ", std::strerror(-rc)));
  }
  return absl::OkStatus();
}

}  // namespace

void OnForbiddenServerSyscall(int, siginfo_t* info, void*) {
  char msg[160];
  const int n = std::snprintf(msg, sizeof msg,
                              "kiln serve: isolate: stopped: system call %d is not allowed under "
                              "--isolate\n",
                              info->si_syscall);
  (void)!write(STDERR_FILENO, msg, static_cast<size_t>(n));
  syscall(SYS_exit_group, kExitForbiddenSyscall);
}

absl::Status RestrictServer(const std::vector<std::pair<std::string, bool>>& directories,
                            uint32_t max_connections) {
  IsolationGrants grants;
  grants.server = true;
  grants.sockets = true;
  grants.max_open_files = max_connections * 2 + 256;
  std::vector<int> opened;
  for (const auto& [path, read_only] : directories) {
    const int fd = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      for (int f : opened) close(f);
      return absl::InvalidArgumentError(
          absl::StrCat("isolate: pre-open ", path, ": ", std::strerror(errno)));
    }
    opened.push_back(fd);
    grants.directories.emplace_back(fd, read_only);
  }
  struct sigaction action{};
  action.sa_sigaction = OnForbiddenServerSyscall;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  absl::Status s = sigaction(SIGSYS, &action, nullptr) == 0 ? absl::OkStatus()
                                                            : Errno("sigaction SIGSYS");
  if (s.ok()) s = SetLimits(grants);
  if (s.ok()) s = DropPrivileges();
  if (s.ok()) s = ApplyLandlock(grants);
  if (s.ok()) s = ApplySeccomp(grants);
  for (int f : opened) close(f);  // Landlock keeps what it needs of them
  return s;
}

int LandlockAbi() {
  const long v = syscall(SYS_landlock_create_ruleset, nullptr, 0, 1u /* VERSION */);
  return v > 0 ? static_cast<int>(v) : 0;
}

std::optional<int> ForkIsolated() {
  int in[2], out[2], err[2], report[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(report, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "kiln: error: isolate: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  struct stat st{};
  if (fstat(STDIN_FILENO, &st) != 0) {
    g_stdin_mode = StdinMode::kPass;  // no standard input: the child has none either
  } else if (isatty(STDIN_FILENO) || S_ISSOCK(st.st_mode)) {
    g_stdin_mode = StdinMode::kRelay;
  } else if (S_ISFIFO(st.st_mode)) {
    g_stdin_mode = StdinMode::kPass;
  } else {
    g_stdin_mode = StdinMode::kReopen;
  }
  const pid_t parent = getpid();
  g_child = fork();
  if (g_child < 0) {
    std::fprintf(stderr, "kiln: error: isolate: fork: %s\n", std::strerror(errno));
    return 1;
  }
  if (g_child == 0) {
    // Ends with the parent, whatever happens to it.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent) _exit(1);
    close(in[1]);
    close(out[0]);
    close(err[0]);
    close(report[0]);
    g_child_stdin = in[0];
    g_child_stdout = out[1];
    g_child_stderr = err[1];
    g_report = report[1];
    return std::nullopt;
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  close(report[1]);
  if (g_stdin_mode != StdinMode::kRelay) {
    close(in[1]);
    in[1] = -1;
  }
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction action{};
    action.sa_handler = ForwardSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(sig, &action, nullptr);
  }
  return Relay(in[1], out[0], err[0], report[0]);
}

absl::Status EnterIsolation(const IsolationGrants& grants) {
  // Standard I/O through the parent from here on.
  std::fflush(stdout);
  std::fflush(stderr);
  if (dup2(g_child_stdout, STDOUT_FILENO) < 0 || dup2(g_child_stderr, STDERR_FILENO) < 0) {
    return Errno("dup2");
  }
  switch (g_stdin_mode) {
    case StdinMode::kRelay:
      if (dup2(g_child_stdin, STDIN_FILENO) < 0) return Errno("dup2");
      break;
    case StdinMode::kPass:
      break;
    case StdinMode::kReopen: {
      const off_t offset = lseek(STDIN_FILENO, 0, SEEK_CUR);
      const int fd = open("/proc/self/fd/0", O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0) return Errno("reopening standard input read-only");
      if (offset > 0) lseek(fd, offset, SEEK_SET);
      if (dup2(fd, STDIN_FILENO) < 0) return Errno("dup2");
      close(fd);
      break;
    }
  }
  std::vector<int> keep = {g_report};
  for (const auto& [fd, read_only] : grants.directories) keep.push_back(fd);
  keep.insert(keep.end(), grants.keep_fds.begin(), grants.keep_fds.end());
  CloseOthers(keep);

  struct sigaction action{};
  action.sa_sigaction = OnForbiddenSyscall;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSYS, &action, nullptr) != 0) return Errno("sigaction SIGSYS");

  if (absl::Status s = SetLimits(grants); !s.ok()) return s;
  if (absl::Status s = DropPrivileges(); !s.ok()) return s;
  if (absl::Status s = ApplyLandlock(grants); !s.ok()) return s;
  return ApplySeccomp(grants);
}

}  // namespace kiln::cli

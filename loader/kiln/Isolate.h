// kiln run --isolate: the instance runs in a child process that holds only what the
// operator granted. Defence in depth under the Wasm sandbox: should a bug in the loader,
// the WASI shim or the generated code ever let a guest run host code of its choosing, that
// code still cannot make a system call outside a short allow-list, reach a file outside
// the pre-opened directories, or use a privilege.
//
//   if (std::optional<int> status = ForkIsolated()) return *status;   // the parent
//   ...child: load the artifact, pre-open, start the watchdog...
//   if (absl::Status s = EnterIsolation(grants); !s.ok()) ...
//   ...instantiate and run
//
// The child, before any guest code runs:
//  - has its stdio replaced by pipes to the parent, which relays them (the child never
//    holds the terminal or the files the operator redirected to);
//  - gets resource limits (setrlimit): no core dumps, at most max_open_files descriptors,
//    CPU time near --timeout, data memory near --max-memory;
//  - drops every privilege: no_new_privs, all capabilities (also as root), the bounding
//    and ambient sets emptied;
//  - with Landlock (Linux 5.13+, when enabled): may reach only the pre-opened directories
//    (read-only ones for reading), bind or connect no TCP port, signal no process outside;
//  - carries a seccomp-BPF filter (libseccomp) allowing only the system calls the loader
//    and the WASI shim need for what was granted (file-system calls only with pre-opened
//    directories, socket calls only with --tcplisten), never a new executable mapping,
//    exec, fork, or a socket of its own.
// A forbidden system call stops the child; the parent reports which call it was.
#ifndef KILN_CLI_ISOLATE_H
#define KILN_CLI_ISOLATE_H

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace kiln::cli {

// The exit status of kiln when the isolated instance made a forbidden system call
// (128 + SIGSYS, as a shell reports a process SIGSYS ended).
inline constexpr int kExitForbiddenSyscall = 159;

struct IsolationGrants {
  // Pre-opened directories: host descriptor, read-only.
  std::vector<std::pair<int, bool>> directories;
  bool sockets = false;  // --tcplisten
  // Other descriptors the instance holds (listening sockets); every descriptor not named
  // here, in `directories` or stdio is closed in the child.
  std::vector<int> keep_fds;
  std::optional<std::chrono::nanoseconds> timeout;
  std::optional<uint64_t> max_memory_bytes;  // all linear memories together
  uint32_t max_open_files = 1024;
  // kiln serve: a server that accepts connections on its listeners, starts threads, moves
  // busy handlers to idle priority, and reads /proc/self/pagemap (already open) to reset
  // memories. Path calls without pre-opens fail with EACCES instead of stopping it.
  bool server = false;
};

// Forks the isolated child. In the child: returns nullopt (go on setting up, then call
// EnterIsolation). In the parent: relays stdio until the child ends, and returns the exit
// status kiln should end with (the child's; for a child a signal ended, after a report).
std::optional<int> ForkIsolated();

// In the child, once everything the instance needs is open and before any guest code
// runs: applies all of the above. The error says what could not be set up.
absl::Status EnterIsolation(const IsolationGrants& grants);

// kiln serve --isolate, in the server process itself (no child), before its first thread:
// privileges dropped, Landlock on the pre-opened directories (host paths; read-only ones
// for reading), no TCP bind or connect, and the seccomp filter's server profile. A
// forbidden system call ends the server with a report of which call it was (exit 159).
absl::Status RestrictServer(const std::vector<std::pair<std::string, bool>>& directories,
                            uint32_t max_connections);

// Whether the running kernel offers Landlock (its ABI version, 0 if not).
int LandlockAbi();

}  // namespace kiln::cli

#endif  // KILN_CLI_ISOLATE_H

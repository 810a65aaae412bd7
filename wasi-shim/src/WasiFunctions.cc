#include "WasiFunctions.h"

#include <sched.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "Errno.h"
#include "WasiAbi.h"

namespace kiln::wasi {

// ---------------------------------------------------------------- shared helpers

uint8_t FiletypeOfMode(mode_t mode) {
  if (S_ISREG(mode)) return abi::kFiletypeRegularFile;
  if (S_ISDIR(mode)) return abi::kFiletypeDirectory;
  if (S_ISCHR(mode)) return abi::kFiletypeCharacterDevice;
  if (S_ISBLK(mode)) return abi::kFiletypeBlockDevice;
  if (S_ISSOCK(mode)) return abi::kFiletypeSocketStream;
  if (S_ISLNK(mode)) return abi::kFiletypeSymbolicLink;
  return abi::kFiletypeUnknown;  // pipes: preview 1 has no file type for them
}

uint32_t ReadIovecs(const WasiCall& c, uint32_t iovs, uint32_t count, IovecList* out) {
  if (count > 1024) return kInval;  // IOV_MAX
  if (c.memory.At(iovs, uint64_t{abi::kIovecSize} * count) == nullptr) return kFault;
  out->clear();
  if (count > out->capacity()) out->reserve(count);
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = 0, len = 0;
    c.memory.Load(iovs + uint64_t{abi::kIovecSize} * i, &buf);
    c.memory.Load(iovs + uint64_t{abi::kIovecSize} * i + 4, &len);
    uint8_t* p = c.memory.At(buf, len);
    if (p == nullptr) return kFault;
    total += len;
    if (total > UINT32_MAX) return kInval;  // the count is reported as a u32
    out->push_back({p, len});
  }
  return kSuccess;
}

uint32_t ReadPath(const WasiCall& c, uint32_t ptr, uint32_t len, std::string* out) {
  if (len > 4096) return kNametoolong;
  const uint8_t* p = c.memory.At(ptr, len);
  if (p == nullptr) return kFault;
  out->assign(reinterpret_cast<const char*>(p), len);
  if (out->find('\0') != std::string::npos) return kIlseq;
  return kSuccess;
}

WasiContext::Descriptor* Lookup(const WasiCall& c, uint32_t fd, uint64_t rights, uint32_t* err) {
  WasiContext::Descriptor* d = c.ctx.Get(fd);
  if (d == nullptr) {
    *err = kBadf;
    return nullptr;
  }
  if ((c.ctx.EffectiveRights(*d) & rights) != rights) {
    *err = kNotcapable;
    return nullptr;
  }
  if (d->read_only && (rights & abi::kRightsMutating) != 0) {
    *err = kRofs;
    return nullptr;
  }
  return d;
}

namespace {

ssize_t WriteAllRaw(int fd, const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

ssize_t WriteToTerminal(WasiContext::Descriptor& d, const IovecList& iovs, uint32_t* err) {
  // A terminal: render the guest's bytes inert, then write all of the rendering. The guest
  // is told its bytes were written once all of them are.
  std::string out;
  size_t consumed = 0;
  for (const iovec& v : iovs) {
    d.terminal->Filter(std::string_view(static_cast<const char*>(v.iov_base), v.iov_len), &out);
    consumed += v.iov_len;
  }
  if (WriteAllRaw(d.host_fd, out.data(), out.size()) < static_cast<ssize_t>(out.size())) {
    *err = FromHostErrno(errno);
    return -1;
  }
  return static_cast<ssize_t>(consumed);
}

namespace {

// ---------------------------------------------------------------- args, environ

// Writes a string table (argv or environ): pointers into `ptrs`, NUL-terminated strings
// back to back into `buf`.
uint32_t WriteStrings(const WasiCall& c, const std::vector<std::string>& strings, uint32_t ptrs,
                      uint32_t buf) {
  uint64_t total = 0;
  for (const std::string& s : strings) total += s.size() + 1;
  if (c.memory.At(ptrs, 4ull * strings.size()) == nullptr || c.memory.At(buf, total) == nullptr) {
    return kFault;
  }
  uint64_t offset = buf;
  for (size_t i = 0; i < strings.size(); ++i) {
    c.memory.Store<uint32_t>(ptrs + 4 * i, static_cast<uint32_t>(offset));
    c.memory.StoreBytes(offset, std::string_view(strings[i].c_str(), strings[i].size() + 1));
    offset += strings[i].size() + 1;
  }
  return kSuccess;
}

// `count` strings of `total` bytes with their NULs.
uint32_t WriteSizes(const WasiCall& c, uint64_t count, uint64_t total, uint32_t count_ptr,
                    uint32_t size_ptr) {
  if (total > UINT32_MAX) return kOverflow;
  if (c.memory.At(count_ptr, 4) == nullptr || c.memory.At(size_ptr, 4) == nullptr) return kFault;
  c.memory.Store<uint32_t>(count_ptr, static_cast<uint32_t>(count));
  c.memory.Store<uint32_t>(size_ptr, static_cast<uint32_t>(total));
  return kSuccess;
}

uint32_t WriteSizes(const WasiCall& c, const std::vector<std::string>& strings, uint32_t count_ptr,
                    uint32_t size_ptr) {
  uint64_t total = 0;
  for (const std::string& s : strings) total += s.size() + 1;
  return WriteSizes(c, strings.size(), total, count_ptr, size_ptr);
}

uint32_t ArgsGet(WasiCall& c) { return WriteStrings(c, c.ctx.args(), Arg32(c, 0), Arg32(c, 1)); }
uint32_t ArgsSizesGet(WasiCall& c) {
  return WriteSizes(c, c.ctx.args(), Arg32(c, 0), Arg32(c, 1));
}
// The environment given as one block (WasiConfig::env_block): copied in one piece.
uint32_t WriteBlock(const WasiCall& c, const std::string& block, uint32_t count, uint32_t ptrs,
                    uint32_t buf) {
  if (c.memory.At(ptrs, 4ull * count) == nullptr || c.memory.At(buf, block.size()) == nullptr)
    return kFault;
  c.memory.StoreBytes(buf, block);
  uint64_t offset = 0;
  for (uint32_t i = 0; i < count && offset < block.size(); ++i) {
    c.memory.Store<uint32_t>(ptrs + 4 * i, static_cast<uint32_t>(buf + offset));
    const size_t nul = block.find('\0', offset);
    offset = nul == std::string::npos ? block.size() : nul + 1;
  }
  return kSuccess;
}

uint32_t EnvironGet(WasiCall& c) {
  if (!c.ctx.Has(kCapEnv)) return kNotcapable;
  if (c.ctx.env_count() > 0)
    return WriteBlock(c, c.ctx.env_block(), c.ctx.env_count(), Arg32(c, 0), Arg32(c, 1));
  return WriteStrings(c, c.ctx.env(), Arg32(c, 0), Arg32(c, 1));
}
uint32_t EnvironSizesGet(WasiCall& c) {
  if (!c.ctx.Has(kCapEnv)) return kNotcapable;
  if (c.ctx.env_count() > 0)
    return WriteSizes(c, c.ctx.env_count(), c.ctx.env_block().size(), Arg32(c, 0), Arg32(c, 1));
  return WriteSizes(c, c.ctx.env(), Arg32(c, 0), Arg32(c, 1));
}

// ---------------------------------------------------------------- clocks, random, sched

bool HostClock(uint32_t id, clockid_t* out) {
  switch (id) {
    case abi::kClockRealtime: *out = CLOCK_REALTIME; return true;
    case abi::kClockMonotonic: *out = CLOCK_MONOTONIC; return true;
    case abi::kClockProcessCputime: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case abi::kClockThreadCputime: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

uint64_t Nanos(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint32_t ClockTimeGet(WasiCall& c) {
  if (!c.ctx.Has(kCapClocks)) return kNotcapable;
  clockid_t clock;
  if (!HostClock(Arg32(c, 0), &clock)) return kInval;
  if (c.memory.At(Arg32(c, 2), 8) == nullptr) return kFault;
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return FromHostErrno(errno);
  c.memory.Store<uint64_t>(Arg32(c, 2), Nanos(ts));
  return kSuccess;
}

uint32_t ClockResGet(WasiCall& c) {
  if (!c.ctx.Has(kCapClocks)) return kNotcapable;
  clockid_t clock;
  if (!HostClock(Arg32(c, 0), &clock)) return kInval;
  if (c.memory.At(Arg32(c, 1), 8) == nullptr) return kFault;
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return FromHostErrno(errno);
  c.memory.Store<uint64_t>(Arg32(c, 1), Nanos(ts));
  return kSuccess;
}

uint32_t RandomGet(WasiCall& c) {
  if (!c.ctx.Has(kCapRandom)) return kNotcapable;
  const uint32_t len = Arg32(c, 1);
  uint8_t* p = c.memory.At(Arg32(c, 0), len);
  if (p == nullptr) return kFault;
  uint32_t done = 0;
  while (done < len) {
    const ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromHostErrno(errno);
    done += static_cast<uint32_t>(n);
  }
  return kSuccess;
}

uint32_t SchedYield(WasiCall&) {
  sched_yield();
  return kSuccess;
}

// ---------------------------------------------------------------- proc

uint32_t ProcExit(WasiCall& c) {
  c.host.Exit(static_cast<int32_t>(Arg32(c, 0)));
  return kSuccess;
}

// proc_raise: the guest cannot signal the host process. A signal whose default action
// ends a process ends the instance the way the shell reports such a death (exit status
// 128 + the signal's number, numbered as WASI numbers them); signals ignored by default
// are ignored; stop/continue signals are not supported.
uint32_t ProcRaise(WasiCall& c) {
  const uint32_t sig = Arg32(c, 0) & 0xFF;
  // WASI signal numbers: 0 none, 1 HUP, 2 INT, 3 QUIT, 4 ILL, 5 TRAP, 6 ABRT, 7 BUS, 8 FPE,
  // 9 KILL, 10 USR1, 11 SEGV, 12 USR2, 13 PIPE, 14 ALRM, 15 TERM, 16 CHLD, 17 CONT, 18 STOP,
  // 19 TSTP, 20 TTIN, 21 TTOU, 22 URG, 23 XCPU, 24 XFSZ, 25 VTALRM, 26 PROF, 27 WINCH,
  // 28 POLL, 29 PWR, 30 SYS.
  static constexpr int kHost[31] = {0,       SIGHUP,  SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP,
                                    SIGABRT, SIGBUS,  SIGFPE,  SIGKILL,   SIGUSR1, SIGSEGV,
                                    SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,   SIGCHLD, SIGCONT,
                                    SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,   SIGURG,  SIGXCPU,
                                    SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGPOLL, SIGPWR,
                                    SIGSYS};
  if (sig == 0) return kSuccess;
  if (sig > 30) return kInval;
  const int host = kHost[sig];
  if (host == SIGCHLD || host == SIGURG || host == SIGWINCH || host == SIGCONT) return kSuccess;
  if (host == SIGSTOP || host == SIGTSTP || host == SIGTTIN || host == SIGTTOU) return kNotsup;
  c.host.Exit(128 + host);
  return kSuccess;
}

constexpr uint8_t I32 = KILN_I32;
constexpr uint8_t I64 = KILN_I64;

const std::vector<WasiFunctionSpec>& Table() {
  static const std::vector<WasiFunctionSpec>* table = new std::vector<WasiFunctionSpec>{
      {"args_get", {{I32, I32}, {I32}}, ArgsGet},
      {"args_sizes_get", {{I32, I32}, {I32}}, ArgsSizesGet},
      {"environ_get", {{I32, I32}, {I32}}, EnvironGet},
      {"environ_sizes_get", {{I32, I32}, {I32}}, EnvironSizesGet},
      {"clock_res_get", {{I32, I32}, {I32}}, ClockResGet},
      {"clock_time_get", {{I32, I64, I32}, {I32}}, ClockTimeGet},
      {"fd_advise", {{I32, I64, I64, I32}, {I32}}, FdAdvise},
      {"fd_allocate", {{I32, I64, I64}, {I32}}, FdAllocate},
      {"fd_close", {{I32}, {I32}}, FdClose},
      {"fd_datasync", {{I32}, {I32}}, FdDatasync},
      {"fd_fdstat_get", {{I32, I32}, {I32}}, FdFdstatGet},
      {"fd_fdstat_set_flags", {{I32, I32}, {I32}}, FdFdstatSetFlags},
      {"fd_fdstat_set_rights", {{I32, I64, I64}, {I32}}, FdFdstatSetRights},
      {"fd_filestat_get", {{I32, I32}, {I32}}, FdFilestatGet},
      {"fd_filestat_set_size", {{I32, I64}, {I32}}, FdFilestatSetSize},
      {"fd_filestat_set_times", {{I32, I64, I64, I32}, {I32}}, FdFilestatSetTimes},
      {"fd_pread", {{I32, I32, I32, I64, I32}, {I32}}, FdPread},
      {"fd_prestat_get", {{I32, I32}, {I32}}, FdPrestatGet},
      {"fd_prestat_dir_name", {{I32, I32, I32}, {I32}}, FdPrestatDirName},
      {"fd_pwrite", {{I32, I32, I32, I64, I32}, {I32}}, FdPwrite},
      {"fd_read", {{I32, I32, I32, I32}, {I32}}, FdRead, FdReadDirect},
      {"fd_readdir", {{I32, I32, I32, I64, I32}, {I32}}, FdReaddir},
      {"fd_renumber", {{I32, I32}, {I32}}, FdRenumber},
      {"fd_seek", {{I32, I64, I32, I32}, {I32}}, FdSeek},
      {"fd_sync", {{I32}, {I32}}, FdSync},
      {"fd_tell", {{I32, I32}, {I32}}, FdTell},
      {"fd_write", {{I32, I32, I32, I32}, {I32}}, FdWrite, FdWriteDirect},
      {"path_create_directory", {{I32, I32, I32}, {I32}}, PathCreateDirectory},
      {"path_filestat_get", {{I32, I32, I32, I32, I32}, {I32}}, PathFilestatGet},
      {"path_filestat_set_times", {{I32, I32, I32, I32, I64, I64, I32}, {I32}},
       PathFilestatSetTimes},
      {"path_link", {{I32, I32, I32, I32, I32, I32, I32}, {I32}}, PathLink},
      {"path_open", {{I32, I32, I32, I32, I32, I64, I64, I32, I32}, {I32}}, PathOpen},
      {"path_readlink", {{I32, I32, I32, I32, I32, I32}, {I32}}, PathReadlink},
      {"path_remove_directory", {{I32, I32, I32}, {I32}}, PathRemoveDirectory},
      {"path_rename", {{I32, I32, I32, I32, I32, I32}, {I32}}, PathRename},
      {"path_symlink", {{I32, I32, I32, I32, I32}, {I32}}, PathSymlink},
      {"path_unlink_file", {{I32, I32, I32}, {I32}}, PathUnlinkFile},
      {"poll_oneoff", {{I32, I32, I32, I32}, {I32}}, PollOneoff},
      {"proc_exit", {{I32}, {}}, ProcExit},
      {"proc_raise", {{I32}, {I32}}, ProcRaise},
      {"random_get", {{I32, I32}, {I32}}, RandomGet},
      {"sched_yield", {{}, {I32}}, SchedYield},
      {"sock_accept", {{I32, I32, I32}, {I32}}, SockAccept},
      {"sock_recv", {{I32, I32, I32, I32, I32, I32}, {I32}}, SockRecv},
      {"sock_send", {{I32, I32, I32, I32, I32}, {I32}}, SockSend},
      {"sock_shutdown", {{I32, I32}, {I32}}, SockShutdown},
  };
  return *table;
}

}  // namespace

std::span<const WasiFunctionSpec> WasiFunctionTable() { return Table(); }

}  // namespace kiln::wasi

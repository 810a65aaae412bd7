#include "WasiFunctions.h"

#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "Errno.h"

namespace kiln::wasi {
namespace {

// WASI preview 1 constants.
enum : uint8_t {
  kFiletypeUnknown = 0,
  kFiletypeBlockDevice = 1,
  kFiletypeCharacterDevice = 2,
  kFiletypeDirectory = 3,
  kFiletypeRegularFile = 4,
  kFiletypeSocketStream = 6,
};
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdSeek = 1ull << 2;
constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
constexpr uint64_t kRightFdTell = 1ull << 5;
constexpr uint64_t kRightFdWrite = 1ull << 6;
constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
constexpr uint32_t kMaxIovecs = 1024;

uint32_t Arg32(const WasiCall& c, int i) { return c.args[i].i32; }
uint64_t Arg64(const WasiCall& c, int i) { return c.args[i].i64; }

uint8_t FiletypeOf(const struct stat& st) {
  if (S_ISREG(st.st_mode)) return kFiletypeRegularFile;
  if (S_ISDIR(st.st_mode)) return kFiletypeDirectory;
  if (S_ISCHR(st.st_mode)) return kFiletypeCharacterDevice;
  if (S_ISBLK(st.st_mode)) return kFiletypeBlockDevice;
  if (S_ISSOCK(st.st_mode)) return kFiletypeSocketStream;
  return kFiletypeUnknown;  // pipes have no WASI preview 1 file type
}

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

uint32_t WriteSizes(const WasiCall& c, const std::vector<std::string>& strings, uint32_t count_ptr,
                    uint32_t size_ptr) {
  uint64_t total = 0;
  for (const std::string& s : strings) total += s.size() + 1;
  if (total > UINT32_MAX) return kOverflow;
  if (c.memory.At(count_ptr, 4) == nullptr || c.memory.At(size_ptr, 4) == nullptr) return kFault;
  c.memory.Store<uint32_t>(count_ptr, static_cast<uint32_t>(strings.size()));
  c.memory.Store<uint32_t>(size_ptr, static_cast<uint32_t>(total));
  return kSuccess;
}

uint32_t ArgsGet(WasiCall& c) { return WriteStrings(c, c.ctx.args(), Arg32(c, 0), Arg32(c, 1)); }
uint32_t ArgsSizesGet(WasiCall& c) {
  return WriteSizes(c, c.ctx.args(), Arg32(c, 0), Arg32(c, 1));
}
uint32_t EnvironGet(WasiCall& c) { return WriteStrings(c, c.ctx.env(), Arg32(c, 0), Arg32(c, 1)); }
uint32_t EnvironSizesGet(WasiCall& c) {
  return WriteSizes(c, c.ctx.env(), Arg32(c, 0), Arg32(c, 1));
}

// Reads the iovec array (buf u32, len u32 each) and checks every buffer.
uint32_t ReadIovecs(const WasiCall& c, uint32_t iovs, uint32_t count,
                    std::vector<std::pair<uint8_t*, uint32_t>>* out) {
  if (count > kMaxIovecs) return kInval;
  if (c.memory.At(iovs, 8ull * count) == nullptr) return kFault;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = 0, len = 0;
    c.memory.Load(iovs + 8ull * i, &buf);
    c.memory.Load(iovs + 8ull * i + 4, &len);
    uint8_t* p = c.memory.At(buf, len);
    if (p == nullptr) return kFault;
    out->emplace_back(p, len);
  }
  return kSuccess;
}

uint32_t FdWrite(WasiCall& c) {
  WasiContext::Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  std::vector<std::pair<uint8_t*, uint32_t>> iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  if (c.memory.At(Arg32(c, 3), 4) == nullptr) return kFault;
  uint64_t written = 0;
  for (auto [p, len] : iovs) {
    uint32_t done = 0;
    while (done < len) {
      const ssize_t n = write(d->host_fd, p + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        if (written > 0) break;
        return FromHostErrno(errno);
      }
      done += static_cast<uint32_t>(n);
    }
    written += done;
    if (done < len) break;
  }
  c.memory.Store<uint32_t>(Arg32(c, 3), static_cast<uint32_t>(written));
  return kSuccess;
}

uint32_t FdRead(WasiCall& c) {
  WasiContext::Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  std::vector<std::pair<uint8_t*, uint32_t>> iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  if (c.memory.At(Arg32(c, 3), 4) == nullptr) return kFault;
  uint64_t total = 0;
  for (auto [p, len] : iovs) {
    if (len == 0) continue;
    ssize_t n;
    do {
      n = read(d->host_fd, p, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (total > 0) break;
      return FromHostErrno(errno);
    }
    total += static_cast<uint64_t>(n);
    if (static_cast<uint32_t>(n) < len) break;  // short read: return what we have
  }
  c.memory.Store<uint32_t>(Arg32(c, 3), static_cast<uint32_t>(total));
  return kSuccess;
}

uint32_t FdClose(WasiCall& c) { return c.ctx.Close(Arg32(c, 0)) ? kSuccess : kBadf; }

uint32_t FdSeek(WasiCall& c) {
  WasiContext::Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  const int64_t offset = static_cast<int64_t>(Arg64(c, 1));
  const uint32_t whence = Arg32(c, 2) & 0xFF;
  if (whence > 2) return kInval;
  if (c.memory.At(Arg32(c, 3), 8) == nullptr) return kFault;
  static constexpr int kWhence[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
  const off_t r = lseek(d->host_fd, offset, kWhence[whence]);
  if (r < 0) return FromHostErrno(errno);
  c.memory.Store<uint64_t>(Arg32(c, 3), static_cast<uint64_t>(r));
  return kSuccess;
}

uint32_t FdFdstatGet(WasiCall& c) {
  WasiContext::Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  const uint32_t ptr = Arg32(c, 1);
  uint8_t* out = c.memory.At(ptr, 24);
  if (out == nullptr) return kFault;
  struct stat st;
  if (fstat(d->host_fd, &st) != 0) return FromHostErrno(errno);
  const uint8_t type = FiletypeOf(st);
  uint64_t rights = kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags | kRightFdFilestatGet |
                    kRightPollFdReadwrite;
  if (type == kFiletypeRegularFile) rights |= kRightFdSeek | kRightFdTell;
  std::memset(out, 0, 24);
  c.memory.Store<uint8_t>(ptr, type);      // fs_filetype
  c.memory.Store<uint16_t>(ptr + 2, 0);    // fs_flags
  c.memory.Store<uint64_t>(ptr + 8, rights);
  c.memory.Store<uint64_t>(ptr + 16, 0);   // rights_inheriting
  return kSuccess;
}

uint32_t FdFdstatSetFlags(WasiCall& c) {
  if (c.ctx.Get(Arg32(c, 0)) == nullptr) return kBadf;
  return (Arg32(c, 1) & 0xFFFF) == 0 ? kSuccess : kNotsup;
}

uint32_t FdPrestatGet(WasiCall& c) { return kBadf; }      // no preopens yet
uint32_t FdPrestatDirName(WasiCall& c) { return kBadf; }  // no preopens yet

uint32_t FdFilestatGet(WasiCall& c) {
  WasiContext::Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  const uint32_t ptr = Arg32(c, 1);
  uint8_t* out = c.memory.At(ptr, 64);
  if (out == nullptr) return kFault;
  struct stat st;
  if (fstat(d->host_fd, &st) != 0) return FromHostErrno(errno);
  auto ns = [](const struct timespec& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
  };
  std::memset(out, 0, 64);
  // dev and ino are not revealed: they identify host objects.
  c.memory.Store<uint8_t>(ptr + 16, FiletypeOf(st));
  c.memory.Store<uint64_t>(ptr + 24, st.st_nlink);
  c.memory.Store<uint64_t>(ptr + 32, static_cast<uint64_t>(st.st_size));
  c.memory.Store<uint64_t>(ptr + 40, ns(st.st_atim));
  c.memory.Store<uint64_t>(ptr + 48, ns(st.st_mtim));
  c.memory.Store<uint64_t>(ptr + 56, ns(st.st_ctim));
  return kSuccess;
}

uint32_t ProcExit(WasiCall& c) {
  c.host.Exit(static_cast<int32_t>(Arg32(c, 0)));
  return kSuccess;
}

bool HostClock(uint32_t id, clockid_t* out) {
  switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

uint32_t ClockTimeGet(WasiCall& c) {
  clockid_t clock;
  if (!HostClock(Arg32(c, 0), &clock)) return kInval;
  if (c.memory.At(Arg32(c, 2), 8) == nullptr) return kFault;
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return FromHostErrno(errno);
  c.memory.Store<uint64_t>(Arg32(c, 2), static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
                                            static_cast<uint64_t>(ts.tv_nsec));
  return kSuccess;
}

uint32_t ClockResGet(WasiCall& c) {
  clockid_t clock;
  if (!HostClock(Arg32(c, 0), &clock)) return kInval;
  if (c.memory.At(Arg32(c, 1), 8) == nullptr) return kFault;
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return FromHostErrno(errno);
  c.memory.Store<uint64_t>(Arg32(c, 1), static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
                                            static_cast<uint64_t>(ts.tv_nsec));
  return kSuccess;
}

uint32_t RandomGet(WasiCall& c) {
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

uint32_t SchedYield(WasiCall& c) {
  sched_yield();
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
      {"fd_write", {{I32, I32, I32, I32}, {I32}}, FdWrite},
      {"fd_read", {{I32, I32, I32, I32}, {I32}}, FdRead},
      {"fd_close", {{I32}, {I32}}, FdClose},
      {"fd_seek", {{I32, I64, I32, I32}, {I32}}, FdSeek},
      {"fd_fdstat_get", {{I32, I32}, {I32}}, FdFdstatGet},
      {"fd_fdstat_set_flags", {{I32, I32}, {I32}}, FdFdstatSetFlags},
      {"fd_prestat_get", {{I32, I32}, {I32}}, FdPrestatGet},
      {"fd_prestat_dir_name", {{I32, I32, I32}, {I32}}, FdPrestatDirName},
      {"fd_filestat_get", {{I32, I32}, {I32}}, FdFilestatGet},
      {"proc_exit", {{I32}, {}}, ProcExit},
      {"clock_time_get", {{I32, I64, I32}, {I32}}, ClockTimeGet},
      {"clock_res_get", {{I32, I32}, {I32}}, ClockResGet},
      {"random_get", {{I32, I32}, {I32}}, RandomGet},
      {"sched_yield", {{}, {I32}}, SchedYield},
  };
  return *table;
}

}  // namespace

std::span<const WasiFunctionSpec> WasiFunctionTable() { return Table(); }

}  // namespace kiln::wasi

// fd_* and path_*: descriptors, files and directories, all confined to the pre-opens.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "Errno.h"
#include "PathResolver.h"
#include "Sandbox.h"
#include "WasiAbi.h"
#include "WasiFunctions.h"

namespace kiln::wasi {
namespace {

using Descriptor = WasiContext::Descriptor;

PathResolver Resolver(const WasiCall& c) { return PathResolver(c.ctx.config().use_openat2); }

uint64_t Nanos(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Writes a filestat for `st` at guest `ptr` (already bounds-checked by the caller).
void StoreFilestat(const WasiCall& c, uint32_t ptr, const struct stat& st) {
  uint8_t* out = c.memory.At(ptr, abi::kFilestatSize);
  std::memset(out, 0, abi::kFilestatSize);
  c.memory.Store<uint64_t>(ptr + 0, static_cast<uint64_t>(st.st_dev));
  c.memory.Store<uint64_t>(ptr + 8, static_cast<uint64_t>(st.st_ino));
  c.memory.Store<uint8_t>(ptr + 16, FiletypeOfMode(st.st_mode));
  c.memory.Store<uint64_t>(ptr + 24, static_cast<uint64_t>(st.st_nlink));
  c.memory.Store<uint64_t>(ptr + 32, static_cast<uint64_t>(st.st_size));
  c.memory.Store<uint64_t>(ptr + 40, Nanos(st.st_atim));
  c.memory.Store<uint64_t>(ptr + 48, Nanos(st.st_mtim));
  c.memory.Store<uint64_t>(ptr + 56, Nanos(st.st_ctim));
}

// The timespec pair for utimensat/futimens from WASI timestamps and fstflags.
uint32_t Times(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]) {
  if ((flags & ~0xFu) != 0) return kInval;
  if ((flags & abi::kFstflagAtim) && (flags & abi::kFstflagAtimNow)) return kInval;
  if ((flags & abi::kFstflagMtim) && (flags & abi::kFstflagMtimNow)) return kInval;
  auto set = [](uint64_t ns, bool value, bool now, struct timespec* t) {
    if (now) {
      t->tv_sec = 0;
      t->tv_nsec = UTIME_NOW;
    } else if (value) {
      t->tv_sec = static_cast<time_t>(ns / 1000000000ull);
      t->tv_nsec = static_cast<long>(ns % 1000000000ull);
    } else {
      t->tv_sec = 0;
      t->tv_nsec = UTIME_OMIT;
    }
  };
  set(atim, flags & abi::kFstflagAtim, flags & abi::kFstflagAtimNow, &ts[0]);
  set(mtim, flags & abi::kFstflagMtim, flags & abi::kFstflagMtimNow, &ts[1]);
  return kSuccess;
}

// The start of a path operation: a directory descriptor the guest named, the host
// directory to resolve beneath (the descriptor's own, or for a narrowed pre-open the view
// the path lies in), the path to resolve there, and the file-system perms that apply.
struct DirPath {
  Descriptor* dir = nullptr;
  int host_fd = -1;
  std::string path;
  uint32_t perms = 0;
  // Rights a descriptor opened here may get.
  uint64_t inheriting = 0;
};

// Looks up directory descriptor `fd` for a path operation needing `rights` on the path in
// guest memory at `path_ptr`/`path_len`. Errors in this order: EBADF, ENOTDIR,
// ENOTCAPABLE (rights the descriptor lacks, dropped or outside every view), then the
// path's own (EFAULT, ENAMETOOLONG, EILSEQ), EROFS under a read-only pre-open.
uint32_t LookupDirPath(const WasiCall& c, uint32_t fd, uint32_t path_ptr, uint32_t path_len,
                       uint64_t rights, DirPath* out) {
  Descriptor* d = c.ctx.Get(fd);
  if (d == nullptr) return kBadf;
  if (d->filetype != abi::kFiletypeDirectory) return kNotdir;
  if ((d->rights_base & rights) != rights) return kNotcapable;
  if (!d->narrowed && (c.ctx.EffectiveRights(*d) & rights) != rights) return kNotcapable;
  if (uint32_t e = ReadPath(c, path_ptr, path_len, &out->path)) return e;
  out->dir = d;
  if (uint32_t e = MapPath(*d, out->path, &out->host_fd, &out->path, &out->perms)) return e;
  if ((c.ctx.FsRights(out->perms) & rights) != rights) return kNotcapable;
  if (d->read_only && (rights & abi::kRightsMutating) != 0) return kRofs;
  out->inheriting = d->rights_inheriting & c.ctx.FsRights(out->perms);
  return kSuccess;
}

uint32_t Fail() { return FromHostErrno(errno); }

// The last component named by a path argument: the directory descriptor in argument
// `fd_arg` (which must hold `right`), the path in arguments `path_arg` (pointer) and
// `path_arg` + 1 (length). With `follow`, a symlink as the last component is followed
// (inside the pre-open).
//
// A path ending in "/" asks for a directory. The name never carries the slash; each
// operation then does what Linux does with one (trailing_slash, see FollowToDirectory and
// CreateThroughSlash), rather than quietly acting on whatever the bare name is.
struct Target {
  FdRef parent;
  std::string name;
  bool trailing_slash = false;
  // Where the path was resolved, and the path: to resolve it again.
  int host_fd = -1;
  std::string path;
};

uint32_t ResolveTarget(const WasiCall& c, int fd_arg, uint64_t right, int path_arg, Target* t,
                       bool follow = false) {
  DirPath dp;
  if (uint32_t e = LookupDirPath(c, Arg32(c, fd_arg), Arg32(c, path_arg), Arg32(c, path_arg + 1),
                                 right, &dp)) {
    return e;
  }
  t->host_fd = dp.host_fd;
  t->path = dp.path;
  const PathResolver r = Resolver(c);
  if (follow) {
    t->trailing_slash = dp.path.size() > 1 && dp.path.back() == '/';
    return r.ParentFollowing(dp.host_fd, dp.path, &t->parent, &t->name);
  }
  return r.Parent(dp.host_fd, dp.path, &t->parent, &t->name, &t->trailing_slash);
}

// For a path ending in "/": the kernel resolves "name/" as a directory, following a symlink
// "name" to it even where the call itself does not follow (lstat, utimensat without
// following, readlink, linkat's source). Re-resolves `t` that way, inside the pre-open.
// kSuccess: t names a directory; else ENOTDIR (a file, or a symlink to one), ENOENT
// (nothing there, or a dangling symlink), ELOOP or ENOTCAPABLE.
uint32_t FollowToDirectory(const WasiCall& c, Target* t) {
  FdRef parent;
  std::string name;
  if (uint32_t e = Resolver(c).ParentFollowing(t->host_fd, t->path, &parent, &name)) return e;
  if (name != ".") {
    struct stat st;
    if (fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Fail();
    if (!S_ISDIR(st.st_mode)) return kNotdir;
  }
  t->parent = std::move(parent);
  t->name = std::move(name);
  return kSuccess;
}

// Creating a symlink or hard link at "name/": Linux creates only directories through a
// trailing slash, so this always fails: EEXIST when something (anything, a dangling
// symlink too) is already there, ENOENT when nothing is.
uint32_t CreateThroughSlash(const Target& t) {
  if (t.name == ".") return kExist;
  struct stat st;
  if (fstatat(t.parent.get(), t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return kExist;
  return Fail();
}

// A directory descriptor never has the rights to read, write or resize (nor any of the
// ones a file has): where the rights check says ENOTCAPABLE for one, this gives what the
// same call on a directory says natively instead (read EISDIR, write EBADF, ftruncate
// EINVAL, fallocate EBADF), which is what programs test for.
uint32_t OnDirectory(const WasiCall& c, uint32_t fd, uint32_t err, uint32_t native) {
  const Descriptor* d = c.ctx.Get(fd);
  return err == kNotcapable && d != nullptr && d->filetype == abi::kFiletypeDirectory ? native
                                                                                       : err;
}

// Pipes, terminals and sockets have no position: seeking them is ESPIPE, as natively (their
// descriptors never carry the seek and tell rights, so the rights check would say
// ENOTCAPABLE instead).
bool Unseekable(const WasiCall& c, uint32_t fd) {
  const Descriptor* d = c.ctx.Get(fd);
  return d != nullptr && !d->seekable;
}

}  // namespace

// ---------------------------------------------------------------- fd_*

uint32_t FdAdvise(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdAdvise, &err);
  if (d == nullptr) return err;
  static constexpr int kAdvice[6] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                     POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                     POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  const uint32_t advice = Arg32(c, 3) & 0xFF;
  if (advice > 5) return kInval;
  const uint64_t offset = Arg64(c, 1), len = Arg64(c, 2);
  if (offset > INT64_MAX || len > INT64_MAX) return kInval;
  if (d->filetype == abi::kFiletypeDirectory) return kBadf;
  const int r = posix_fadvise(d->host_fd, static_cast<off_t>(offset), static_cast<off_t>(len),
                              kAdvice[advice]);
  if (r == ESPIPE) return kSpipe;
  return r == 0 ? kSuccess : FromHostErrno(r);
}

uint32_t FdAllocate(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdAllocate, &err);
  if (d == nullptr) return OnDirectory(c, Arg32(c, 0), err, kBadf);
  const uint64_t offset = Arg64(c, 1), len = Arg64(c, 2);
  if (offset > INT64_MAX || len > INT64_MAX || len == 0) return kInval;
  int r;
  do {
    r = posix_fallocate(d->host_fd, static_cast<off_t>(offset), static_cast<off_t>(len));
  } while (r == EINTR);
  return r == 0 ? kSuccess : FromHostErrno(r);
}

uint32_t FdClose(WasiCall& c) { return c.ctx.Close(Arg32(c, 0)) ? kSuccess : kBadf; }

uint32_t FdDatasync(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdDatasync, &err);
  if (d == nullptr) return err;
  return fdatasync(d->host_fd) == 0 ? kSuccess : Fail();
}

uint32_t FdSync(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdSync, &err);
  if (d == nullptr) return err;
  return fsync(d->host_fd) == 0 ? kSuccess : Fail();
}

uint32_t FdFdstatGet(WasiCall& c) {
  Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  const uint32_t ptr = Arg32(c, 1);
  uint8_t* out = c.memory.At(ptr, abi::kFdstatSize);
  if (out == nullptr) return kFault;
  // In-memory stdio (no host descriptor) has no flags.
  const int fl = d->host_fd < 0 ? 0 : fcntl(d->host_fd, F_GETFL);
  if (fl < 0) return Fail();
  uint16_t flags = 0;
  if (fl & O_APPEND) flags |= abi::kFdflagAppend;
  if (fl & O_NONBLOCK) flags |= abi::kFdflagNonblock;
  if ((fl & O_SYNC) == O_SYNC) {
    flags |= abi::kFdflagSync;
  } else if (fl & O_DSYNC) {
    flags |= abi::kFdflagDsync;
  }
  std::memset(out, 0, abi::kFdstatSize);
  c.memory.Store<uint8_t>(ptr, d->filetype);
  c.memory.Store<uint16_t>(ptr + 2, flags);
  // What can be used now: a guest's libc asks for rights by what it sees here.
  c.memory.Store<uint64_t>(ptr + 8, c.ctx.ReportedRights(*d, d->rights_base));
  c.memory.Store<uint64_t>(ptr + 16, c.ctx.ReportedRights(*d, d->rights_inheriting));
  return kSuccess;
}

uint32_t FdFdstatSetFlags(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdFdstatSetFlags, &err);
  if (d == nullptr) return err;
  const uint32_t flags = Arg32(c, 1) & 0xFFFF;
  if (flags & ~0x1Fu) return kInval;
  const int fl = fcntl(d->host_fd, F_GETFL);
  if (fl < 0) return Fail();
  // Linux cannot change the sync flags of an open file.
  const bool want_sync = flags & (abi::kFdflagDsync | abi::kFdflagRsync | abi::kFdflagSync);
  const bool has_sync = (fl & (O_DSYNC | O_SYNC)) != 0;
  if (want_sync != has_sync) return kNotsup;
  // APPEND needs no fd_write right: on a descriptor that cannot write it changes nothing
  // (fcntl(F_SETFL, O_APPEND) on an O_RDONLY descriptor succeeds too).
  int nfl = fl & ~(O_APPEND | O_NONBLOCK);
  if (flags & abi::kFdflagAppend) nfl |= O_APPEND;
  if (flags & abi::kFdflagNonblock) nfl |= O_NONBLOCK;
  if (!d->owned && ((nfl ^ fl) & O_NONBLOCK)) {
    // stdio is shared with the host process (and maybe its parent): leave its blocking
    // mode alone rather than surprise them.
    return kNotsup;
  }
  return fcntl(d->host_fd, F_SETFL, nfl) == 0 ? kSuccess : Fail();
}

uint32_t FdFdstatSetRights(WasiCall& c) {
  Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr) return kBadf;
  const uint64_t base = Arg64(c, 1), inheriting = Arg64(c, 2);
  // Rights only ever shrink.
  if ((base & ~d->rights_base) != 0 || (inheriting & ~d->rights_inheriting) != 0) {
    return kNotcapable;
  }
  d->rights_base = base;
  d->rights_inheriting = inheriting;
  return kSuccess;
}

uint32_t FdFilestatGet(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdFilestatGet, &err);
  if (d == nullptr) return err;
  const uint32_t ptr = Arg32(c, 1);
  if (c.memory.At(ptr, abi::kFilestatSize) == nullptr) return kFault;
  struct stat st;
  if (fstat(d->host_fd, &st) != 0) return Fail();
  StoreFilestat(c, ptr, st);
  return kSuccess;
}

uint32_t FdFilestatSetSize(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdFilestatSetSize, &err);
  if (d == nullptr) return OnDirectory(c, Arg32(c, 0), err, kInval);
  const uint64_t size = Arg64(c, 1);
  if (size > INT64_MAX) return kInval;
  int r;
  do {
    r = ftruncate(d->host_fd, static_cast<off_t>(size));
  } while (r != 0 && errno == EINTR);
  return r == 0 ? kSuccess : Fail();
}

uint32_t FdFilestatSetTimes(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdFilestatSetTimes, &err);
  if (d == nullptr) return err;
  struct timespec ts[2];
  if (uint32_t e = Times(Arg64(c, 1), Arg64(c, 2), Arg32(c, 3) & 0xFFFF, ts)) return e;
  return futimens(d->host_fd, ts) == 0 ? kSuccess : Fail();
}

uint32_t FdPread(WasiCall& c) {
  if (Unseekable(c, Arg32(c, 0))) return kSpipe;
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdRead | abi::kRightFdSeek, &err);
  if (d == nullptr) return OnDirectory(c, Arg32(c, 0), err, kIsdir);
  IovecList iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  const uint64_t offset = Arg64(c, 3);
  if (offset > INT64_MAX) return kInval;
  if (c.memory.At(Arg32(c, 4), 4) == nullptr) return kFault;
  ssize_t n;
  do {
    n = preadv(d->host_fd, iovs.data(), static_cast<int>(iovs.size()), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Fail();
  c.memory.Store<uint32_t>(Arg32(c, 4), static_cast<uint32_t>(n));
  return kSuccess;
}

uint32_t FdPwrite(WasiCall& c) {
  if (Unseekable(c, Arg32(c, 0))) return kSpipe;
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdWrite | abi::kRightFdSeek, &err);
  if (d == nullptr) return OnDirectory(c, Arg32(c, 0), err, kBadf);
  IovecList iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  const uint64_t offset = Arg64(c, 3);
  if (offset > INT64_MAX) return kInval;
  if (c.memory.At(Arg32(c, 4), 4) == nullptr) return kFault;
  // fd_pwrite writes at `offset` even on an append-mode descriptor (as POSIX pwrite does;
  // Linux's pwrite would append). RWF_NOAPPEND does that per call (Linux 6.9+); on older
  // kernels append mode is lifted for the call (the guest is single-threaded).
  const int fl = fcntl(d->host_fd, F_GETFL);
  const bool append = fl >= 0 && (fl & O_APPEND);
  ssize_t n;
  do {
    n = pwritev2(d->host_fd, iovs.data(), static_cast<int>(iovs.size()),
                 static_cast<off_t>(offset), append ? RWF_NOAPPEND : 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && append && (errno == EINVAL || errno == EOPNOTSUPP)) {
    if (fcntl(d->host_fd, F_SETFL, fl & ~O_APPEND) != 0) return Fail();
    do {
      n = pwritev(d->host_fd, iovs.data(), static_cast<int>(iovs.size()),
                  static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    const int saved = errno;
    fcntl(d->host_fd, F_SETFL, fl);
    errno = saved;
  }
  if (n < 0) return Fail();
  c.memory.Store<uint32_t>(Arg32(c, 4), static_cast<uint32_t>(n));
  return kSuccess;
}

uint32_t FdPrestatGet(WasiCall& c) {
  Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr || !d->is_preopen) return kBadf;
  const uint32_t ptr = Arg32(c, 1);
  if (c.memory.At(ptr, abi::kPrestatSize) == nullptr) return kFault;
  c.memory.Store<uint32_t>(ptr, 0);  // tag dir + padding
  c.memory.Store<uint32_t>(ptr + 4, static_cast<uint32_t>(d->preopen_name.size()));
  return kSuccess;
}

uint32_t FdPrestatDirName(WasiCall& c) {
  Descriptor* d = c.ctx.Get(Arg32(c, 0));
  if (d == nullptr || !d->is_preopen) return kBadf;
  const uint32_t len = Arg32(c, 2);
  if (len < d->preopen_name.size()) return kNametoolong;
  if (!c.memory.StoreBytes(Arg32(c, 1), d->preopen_name)) return kFault;
  return kSuccess;
}

namespace {

// A three-argument system call without libc's wrapper frame (see DirectHostCallback):
// returns the result, or -errno.
inline long Syscall3(long nr, long a, long b, long c) {
  long ret;
  asm volatile("syscall"
               : "=a"(ret)
               : "0"(nr), "D"(a), "S"(b), "d"(c)
               : "rcx", "r11", "memory");
  return ret;
}

// read(2)/write(2) of one buffer, or readv(2)/writev(2) of several, retried on EINTR.
// One buffer (what read() and write() in a guest become) does not go through readv/writev:
// the kernel copies and frees an iovec array on every such call.
inline ssize_t Transfer(bool write, int fd, const IovecList& iovs, uint32_t* err) {
  long n;
  do {
    n = iovs.size() == 1
            ? Syscall3(write ? SYS_write : SYS_read, fd,
                       reinterpret_cast<long>(iovs[0].iov_base), static_cast<long>(iovs[0].iov_len))
            : Syscall3(write ? SYS_writev : SYS_readv, fd, reinterpret_cast<long>(iovs.data()),
                       static_cast<long>(iovs.size()));
  } while (n == -EINTR);
  if (n < 0) *err = FromHostErrno(static_cast<int>(-n));
  return n;
}

// In-memory stdin: copies what is left into the buffers.
size_t ReadMemory(Descriptor& d, const IovecList& iovs) {
  size_t done = 0;
  for (const iovec& v : iovs) {
    const uint64_t left = d.memory_in->size() - d.memory_in_pos;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, v.iov_len));
    std::memcpy(v.iov_base, d.memory_in->data() + d.memory_in_pos, n);
    d.memory_in_pos += n;
    done += n;
    if (n < v.iov_len) break;
  }
  return done;
}

// In-memory output: all of it or, past the cap, none (-1).
ssize_t WriteMemory(MemoryOutput& out, const IovecList& iovs) {
  uint64_t total = 0;
  for (const iovec& v : iovs) total += v.iov_len;
  if (total > out.cap - std::min<uint64_t>(out.cap, out.data.size())) {
    out.overflowed = true;
    return -1;
  }
  for (const iovec& v : iovs) out.data.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return static_cast<ssize_t>(total);
}

[[gnu::always_inline]] inline uint32_t FdReadBody(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdRead, &err);
  if (d == nullptr) return OnDirectory(c, Arg32(c, 0), err, kIsdir);
  IovecList iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  if (c.memory.At(Arg32(c, 3), 4) == nullptr) return kFault;
  if (d->memory_in != nullptr) {
    c.memory.Store<uint32_t>(Arg32(c, 3), static_cast<uint32_t>(ReadMemory(*d, iovs)));
    return kSuccess;
  }
  const ssize_t n = Transfer(false, d->host_fd, iovs, &err);
  if (n < 0) return err;
  c.memory.Store<uint32_t>(Arg32(c, 3), static_cast<uint32_t>(n));
  return kSuccess;
}

[[gnu::always_inline]] inline uint32_t FdWriteBody(WasiCall& c) {
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdWrite, &err);
  if (d == nullptr) return OnDirectory(c, Arg32(c, 0), err, kBadf);
  IovecList iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  if (c.memory.At(Arg32(c, 3), 4) == nullptr) return kFault;
  if (d->memory_out != nullptr) {
    const ssize_t n = WriteMemory(*d->memory_out, iovs);
    if (n < 0) return kFbig;
    c.memory.Store<uint32_t>(Arg32(c, 3), static_cast<uint32_t>(n));
    return kSuccess;
  }
  // A terminal's output goes through its filter; anything else straight out.
  const ssize_t n = d->terminal == nullptr ? Transfer(true, d->host_fd, iovs, &err)
                                           : WriteToTerminal(*d, iovs, &err);
  if (n < 0) return err;
  c.memory.Store<uint32_t>(Arg32(c, 3), static_cast<uint32_t>(n));
  return kSuccess;
}

}  // namespace

uint32_t FdRead(WasiCall& c) { return FdReadBody(c); }
uint32_t FdWrite(WasiCall& c) { return FdWriteBody(c); }

void FdReadDirect(const void* bound, HostCall& host) {
  RunWasi(*static_cast<const BoundWasi*>(bound), host, FdReadBody);
}
void FdWriteDirect(const void* bound, HostCall& host) {
  RunWasi(*static_cast<const BoundWasi*>(bound), host, FdWriteBody);
}

uint32_t FdReaddir(WasiCall& c) {
  // Listing a file is ENOTDIR (as getdents), not ENOTCAPABLE for lack of a right only
  // directories have.
  const Descriptor* any = c.ctx.Get(Arg32(c, 0));
  if (any != nullptr && any->filetype != abi::kFiletypeDirectory) return kNotdir;
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdReaddir, &err);
  if (d == nullptr) return err;
  const uint32_t buf = Arg32(c, 1), buf_len = Arg32(c, 2), used_ptr = Arg32(c, 4);
  const uint64_t cookie = Arg64(c, 3);
  if (c.memory.At(buf, buf_len) == nullptr || c.memory.At(used_ptr, 4) == nullptr) return kFault;
  // Cookies are entry indexes: entry i's d_next is i + 1. (The kernel's own positions are
  // 64-bit hashes on ext4, and wasi-libc's telldir keeps a cookie in a 32-bit long.) Where
  // entry i starts is remembered in d->dir_offsets while listing; a cookie past what is
  // known is reached by reading forward.
  if (cookie >= INT32_MAX) return kInval;
  std::vector<int64_t>& offsets = d->dir_offsets;
  if (cookie == 0 || offsets.empty()) offsets.assign(1, 0);
  uint64_t index = std::min<uint64_t>(cookie, offsets.size() - 1);
  if (lseek(d->host_fd, static_cast<off_t>(offsets[index]), SEEK_SET) < 0) return Fail();
  uint32_t used = 0;
  alignas(8) char host[16384];
  while (used < buf_len) {
    const long n = syscall(SYS_getdents64, d->host_fd, host, sizeof host);
    if (n < 0) return Fail();
    if (n == 0) break;
    long pos = 0;
    while (pos < n && used < buf_len) {
      struct Dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        uint16_t d_reclen;
        uint8_t d_type;
        char d_name[];
      };
      const auto* e = reinterpret_cast<const Dirent64*>(host + pos);
      pos += e->d_reclen;
      // This is entry `index`; the next one starts at e->d_off.
      if (index + 1 < offsets.size()) {
        offsets[index + 1] = e->d_off;
      } else {
        offsets.push_back(e->d_off);
      }
      if (index++ < cookie) continue;  // before the cookie: only learning positions
      const size_t namlen = std::strlen(e->d_name);
      uint8_t type;
      switch (e->d_type) {
        case DT_REG: type = abi::kFiletypeRegularFile; break;
        case DT_DIR: type = abi::kFiletypeDirectory; break;
        case DT_LNK: type = abi::kFiletypeSymbolicLink; break;
        case DT_CHR: type = abi::kFiletypeCharacterDevice; break;
        case DT_BLK: type = abi::kFiletypeBlockDevice; break;
        case DT_SOCK: type = abi::kFiletypeSocketStream; break;
        case DT_UNKNOWN: {
          struct stat st;
          type = fstatat(d->host_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                     ? FiletypeOfMode(st.st_mode)
                     : uint8_t{abi::kFiletypeUnknown};
          break;
        }
        default: type = abi::kFiletypeUnknown; break;
      }
      // The entry: header then name, cut off where the buffer ends (the guest sees a full
      // buffer and asks again with a bigger one or from this entry's cookie).
      uint8_t header[abi::kDirentSize] = {};
      const uint64_t next = index;  // the cookie of the entry after this one
      const uint64_t ino = e->d_ino;
      const uint32_t nl = static_cast<uint32_t>(namlen);
      std::memcpy(header + 0, &next, 8);
      std::memcpy(header + 8, &ino, 8);
      std::memcpy(header + 16, &nl, 4);
      header[20] = type;
      const uint32_t h = std::min<uint32_t>(abi::kDirentSize, buf_len - used);
      c.memory.StoreBytes(buf + used, std::string_view(reinterpret_cast<char*>(header), h));
      used += h;
      const uint32_t nbytes = std::min<uint32_t>(nl, buf_len - used);
      c.memory.StoreBytes(buf + used, std::string_view(e->d_name, nbytes));
      used += nbytes;
    }
  }
  c.memory.Store<uint32_t>(used_ptr, used);
  return kSuccess;
}

uint32_t FdRenumber(WasiCall& c) {
  return c.ctx.Renumber(Arg32(c, 0), Arg32(c, 1)) ? kSuccess : kBadf;
}

uint32_t FdSeek(WasiCall& c) {
  const int64_t offset = static_cast<int64_t>(Arg64(c, 1));
  const uint32_t whence = Arg32(c, 2) & 0xFF;
  // Asking where we are needs only the tell right.
  const uint64_t right = (offset == 0 && whence == abi::kWhenceCur) ? abi::kRightFdTell
                                                                     : abi::kRightFdSeek;
  if (whence > abi::kWhenceEnd) return c.ctx.Get(Arg32(c, 0)) == nullptr ? kBadf : kInval;
  if (Unseekable(c, Arg32(c, 0))) return kSpipe;
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), right, &err);
  if (d == nullptr) return err;
  if (c.memory.At(Arg32(c, 3), 8) == nullptr) return kFault;
  static constexpr int kWhence[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
  const off_t r = lseek(d->host_fd, offset, kWhence[whence]);
  if (r < 0) return Fail();
  c.memory.Store<uint64_t>(Arg32(c, 3), static_cast<uint64_t>(r));
  return kSuccess;
}

uint32_t FdTell(WasiCall& c) {
  if (Unseekable(c, Arg32(c, 0))) return kSpipe;
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightFdTell, &err);
  if (d == nullptr) return err;
  if (c.memory.At(Arg32(c, 1), 8) == nullptr) return kFault;
  const off_t r = lseek(d->host_fd, 0, SEEK_CUR);
  if (r < 0) return Fail();
  c.memory.Store<uint64_t>(Arg32(c, 1), static_cast<uint64_t>(r));
  return kSuccess;
}

// ---------------------------------------------------------------- path_*

uint32_t PathCreateDirectory(WasiCall& c) {
  Target t;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathCreateDirectory, 1, &t)) return e;
  return mkdirat(t.parent.get(), t.name.c_str(), 0777) == 0 ? kSuccess : Fail();
}

uint32_t PathFilestatGet(WasiCall& c) {
  DirPath dp;
  if (uint32_t e = LookupDirPath(c, Arg32(c, 0), Arg32(c, 2), Arg32(c, 3),
                                 abi::kRightPathFilestatGet, &dp)) {
    return e;
  }
  const bool follow = Arg32(c, 1) & abi::kLookupSymlinkFollow;
  const uint32_t ptr = Arg32(c, 4);
  if (c.memory.At(ptr, abi::kFilestatSize) == nullptr) return kFault;
  uint32_t err;
  const int fd = Resolver(c).Open(dp.host_fd, dp.path, O_PATH, 0, follow, &err);
  if (fd < 0) return err;
  FdRef target(fd, true);
  struct stat st;
  if (fstat(target.get(), &st) != 0) return Fail();
  StoreFilestat(c, ptr, st);
  return kSuccess;
}

uint32_t PathFilestatSetTimes(WasiCall& c) {
  struct timespec ts[2];
  if (uint32_t e = Times(Arg64(c, 4), Arg64(c, 5), Arg32(c, 6) & 0xFFFF, ts)) return e;
  const bool follow = Arg32(c, 1) & abi::kLookupSymlinkFollow;
  Target t;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathFilestatSetTimes, 2, &t, follow)) return e;
  // "dir/" (or "link-to-dir/") sets the directory's times; "file/" is ENOTDIR.
  if (t.trailing_slash) {
    if (uint32_t e = FollowToDirectory(c, &t)) return e;
  }
  return utimensat(t.parent.get(), t.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? kSuccess
                                                                                 : Fail();
}

uint32_t PathLink(WasiCall& c) {
  const bool follow = Arg32(c, 1) & abi::kLookupSymlinkFollow;
  Target from, to;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathLinkSource, 2, &from, follow)) return e;
  // A source "file/" is ENOTDIR; "dir/" resolves, and linkat refuses the directory (EPERM).
  if (from.trailing_slash) {
    if (uint32_t e = FollowToDirectory(c, &from)) return e;
  }
  if (uint32_t e = ResolveTarget(c, 4, abi::kRightPathLinkTarget, 5, &to)) return e;
  if (to.trailing_slash) return CreateThroughSlash(to);
  return linkat(from.parent.get(), from.name.c_str(), to.parent.get(), to.name.c_str(), 0) == 0
             ? kSuccess
             : Fail();
}

uint32_t PathOpen(WasiCall& c) {
  const uint32_t oflags = Arg32(c, 4) & 0xFFFF;
  const uint64_t base = Arg64(c, 5), inheriting = Arg64(c, 6);
  const uint32_t fdflags = Arg32(c, 7) & 0xFFFF;
  const uint32_t out_ptr = Arg32(c, 8);
  uint64_t needed = abi::kRightPathOpen;
  if (oflags & abi::kOflagCreat) needed |= abi::kRightPathCreateFile;
  if (oflags & abi::kOflagTrunc) needed |= abi::kRightPathFilestatSetSize;
  DirPath dp;
  if (uint32_t e = LookupDirPath(c, Arg32(c, 0), Arg32(c, 2), Arg32(c, 3), needed, &dp)) return e;
  const Descriptor* dir = dp.dir;
  if ((oflags & ~0xFu) != 0 || (fdflags & ~0x1Fu) != 0) return kInval;
  const bool want_dir = oflags & abi::kOflagDirectory;
  // Creating a directory is path_create_directory's job: O_CREAT | O_DIRECTORY is EINVAL,
  // as on Linux 6.4+ and in wasmtime (older kernels would create a regular file).
  if (want_dir && (oflags & abi::kOflagCreat)) return kInval;
  const uint64_t write_rights =
      abi::kRightFdWrite | abi::kRightFdAllocate | abi::kRightFdFilestatSetSize;
  const bool want_read = base & (abi::kRightFdRead | abi::kRightFdReaddir);
  // Asking to write is asking for a right to write. The fdflags only say how: APPEND, like
  // O_RDONLY | O_APPEND, is allowed on a descriptor that only reads, and the sync flags
  // need no fd_sync / fd_datasync right (open(2) with O_SYNC needs none either).
  const bool asks_write = (base & write_rights) != 0;
  // What the open is for, whatever rights the guest's libc thought it could ask for (it
  // masks them with what the directory hands down): reading unless it asks to write,
  // creating with O_CREAT, writing with O_TRUNC. Each needs its file-system capability. A
  // directory is never opened for writing (asking to is EISDIR below).
  uint32_t intent = (want_read || !asks_write || want_dir) ? uint32_t{kCapFsRead} : 0u;
  if ((asks_write && !want_dir) || (oflags & abi::kOflagTrunc)) intent |= kCapFsWrite;
  if (oflags & abi::kOflagCreat) intent |= kCapFsCreate;
  if ((intent & c.ctx.capabilities() & dp.perms) != intent) return kNotcapable;
  // A new descriptor gets at most what its directory hands down. Asking for a right to
  // change something that the directory does not hand down, as fd_fdstat_get reports it,
  // is refused; other rights are just not granted (wasi-libc and Rust's std ask for broad
  // sets, masked by what fd_fdstat_get reported: for a narrowed pre-open that is what all
  // its views allow, so the view's own limit is applied here quietly).
  const uint64_t handed_down = c.ctx.ReportedRights(*dir, dir->rights_inheriting);
  if ((base & abi::kRightsMutating & ~handed_down) != 0) return kNotcapable;
  if (c.memory.At(out_ptr, 4) == nullptr) return kFault;

  // The host descriptor is writable only when the guest may write through it: never under
  // a read-only pre-open, whatever flags it passes.
  if (dir->read_only && asks_write && !want_dir) return kRofs;
  const bool may_write = !dir->read_only && (dp.inheriting & abi::kRightFdWrite) != 0;
  const bool want_write = may_write && asks_write;
  int flags = O_NOCTTY;
  if (want_dir) {
    // Read-only whatever was asked: a directory asked for with write rights is EISDIR
    // once it is known to be one (a missing path stays ENOENT, a file ENOTDIR).
    flags |= O_RDONLY | O_DIRECTORY;
  } else if (want_write) {
    flags |= want_read ? O_RDWR : O_WRONLY;
  } else {
    flags |= O_RDONLY;
  }
  if (oflags & abi::kOflagCreat) flags |= O_CREAT;
  if (oflags & abi::kOflagExcl) flags |= O_EXCL;
  if (oflags & abi::kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & abi::kFdflagAppend) flags |= O_APPEND;
  if (fdflags & abi::kFdflagNonblock) flags |= O_NONBLOCK;
  if (fdflags & abi::kFdflagSync) flags |= O_SYNC;
  if (fdflags & abi::kFdflagRsync) flags |= O_RSYNC;
  if (fdflags & abi::kFdflagDsync) flags |= O_DSYNC;
  const bool follow = Arg32(c, 1) & abi::kLookupSymlinkFollow;
  uint32_t err;
  const int fd = Resolver(c).Open(dp.host_fd, dp.path, flags, 0666, follow, &err);
  if (fd < 0) return err;
  FdRef owned(fd, true);
  if (want_dir && asks_write) return kIsdir;  // as open(2) with O_DIRECTORY | O_RDWR
  struct stat st;
  if (fstat(fd, &st) != 0) return Fail();

  Descriptor nd;
  nd.kind = Descriptor::Kind::kFileSystem;
  nd.fs_perms = dp.perms;
  nd.host_fd = fd;
  nd.owned = true;
  nd.filetype = FiletypeOfMode(st.st_mode);
  uint64_t possible;
  switch (nd.filetype) {
    case abi::kFiletypeDirectory: possible = abi::kRightsDirectory; break;
    case abi::kFiletypeRegularFile: possible = abi::kRightsRegularFile; break;
    default: possible = abi::kRightsStream; break;
  }
  nd.seekable = WasiContext::Seekable(fd, nd.filetype);
  // A directory has a position for the kernel (fd_readdir uses it), but not one the guest
  // moves: its listing goes by cookies. Like a pre-open it gets no seek or tell right, as
  // in wasmtime (fd_seek on it is ENOTCAPABLE, which wasi-libc's lseek makes ESPIPE).
  if (nd.seekable && nd.filetype != abi::kFiletypeDirectory) {
    possible |= abi::kRightFdSeek | abi::kRightFdTell;
  }
  const int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
  if (acc == O_RDONLY) {
    possible &= ~(abi::kRightFdWrite | abi::kRightFdAllocate | abi::kRightFdFilestatSetSize);
  }
  if (acc == O_WRONLY) possible &= ~(abi::kRightFdRead | abi::kRightFdReaddir);
  nd.rights_base = base & possible & dp.inheriting;
  // Only a directory hands rights down; for anything else they would be unusable rights
  // that fd_fdstat_get reports (path_* rights on a file), so it keeps none beyond its own.
  nd.rights_inheriting = inheriting & dp.inheriting;
  if (nd.filetype != abi::kFiletypeDirectory) nd.rights_inheriting &= possible;
  nd.read_only = dir->read_only;
  nd.terminal = c.ctx.FilterFor(fd);
  std::optional<uint32_t> guest_fd = c.ctx.Insert(std::move(nd));
  if (!guest_fd.has_value()) return kMfile;
  owned.Release();
  c.memory.Store<uint32_t>(out_ptr, *guest_fd);
  return kSuccess;
}

uint32_t PathReadlink(WasiCall& c) {
  const uint32_t buf = Arg32(c, 3), buf_len = Arg32(c, 4), used_ptr = Arg32(c, 5);
  Target t;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathReadlink, 1, &t)) return e;
  if (c.memory.At(buf, buf_len) == nullptr || c.memory.At(used_ptr, 4) == nullptr) return kFault;
  // "link/" names what the link points to: a directory is not a symlink (EINVAL), anything
  // else fails to resolve as one (ENOTDIR, ENOENT).
  if (t.trailing_slash) {
    const uint32_t e = FollowToDirectory(c, &t);
    return e != kSuccess ? e : kInval;
  }
  char target[4096];
  const ssize_t n = readlinkat(t.parent.get(), t.name.c_str(), target, sizeof target);
  if (n < 0) return Fail();
  // Truncated to the buffer, as readlink(2) does.
  const uint32_t len = std::min<uint32_t>(static_cast<uint32_t>(n), buf_len);
  c.memory.StoreBytes(buf, std::string_view(target, len));
  c.memory.Store<uint32_t>(used_ptr, len);
  return kSuccess;
}

uint32_t PathRemoveDirectory(WasiCall& c) {
  Target t;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathRemoveDirectory, 1, &t)) return e;
  if (t.name == ".") return kInval;  // the directory itself, or a path ending in ".."
  return unlinkat(t.parent.get(), t.name.c_str(), AT_REMOVEDIR) == 0 ? kSuccess : Fail();
}

uint32_t PathRename(WasiCall& c) {
  Target from, to;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathRenameSource, 1, &from)) return e;
  if (uint32_t e = ResolveTarget(c, 3, abi::kRightPathRenameTarget, 4, &to)) return e;
  if (from.name == "." || to.name == ".") return kBusy;
  if (from.trailing_slash || to.trailing_slash) {
    // "a/" names a directory: a file there is ENOTDIR, as on Linux.
    struct stat st;
    if (fstatat(from.parent.get(), from.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode)) {
      return kNotdir;
    }
  }
  return renameat(from.parent.get(), from.name.c_str(), to.parent.get(), to.name.c_str()) == 0
             ? kSuccess
             : Fail();
}

uint32_t PathSymlink(WasiCall& c) {
  std::string target;
  if (uint32_t e = ReadPath(c, Arg32(c, 0), Arg32(c, 1), &target)) return e;
  Target t;
  if (uint32_t e = ResolveTarget(c, 2, abi::kRightPathSymlink, 3, &t)) return e;
  if (target.empty()) return kNoent;
  // A link naming a host path would point out of the sandbox for anyone on the host who
  // follows it later; kiln never follows one itself.
  if (target.front() == '/') return kNotcapable;
  if (t.name == ".") return kExist;
  if (t.trailing_slash) return CreateThroughSlash(t);
  return symlinkat(target.c_str(), t.parent.get(), t.name.c_str()) == 0 ? kSuccess : Fail();
}

uint32_t PathUnlinkFile(WasiCall& c) {
  Target t;
  if (uint32_t e = ResolveTarget(c, 0, abi::kRightPathUnlinkFile, 1, &t)) return e;
  if (t.name == ".") return kIsdir;
  if (t.trailing_slash) {
    struct stat st;
    if (fstatat(t.parent.get(), t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Fail();
    return S_ISDIR(st.st_mode) ? kIsdir : kNotdir;
  }
  return unlinkat(t.parent.get(), t.name.c_str(), 0) == 0 ? kSuccess : Fail();
}

}  // namespace kiln::wasi

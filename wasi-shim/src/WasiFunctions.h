// The wasi_snapshot_preview1 functions: name, signature and handler, plus the helpers the
// handlers share. Adding a function means adding one handler and one row in the table.
// Handlers live in WasiFunctions.cc (args, environ, clocks, random, proc, sched),
// WasiFiles.cc (fd_*, path_*) and WasiPoll.cc (poll_oneoff, sock_*).
#ifndef KILN_WASI_WASI_FUNCTIONS_H
#define KILN_WASI_WASI_FUNCTIONS_H

#include <sys/types.h>
#include <sys/uio.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "GuestMemory.h"
#include "absl/container/inlined_vector.h"
#include "kiln/HostFunction.h"
#include "kiln/Types.h"
#include "kiln/wasi/WasiContext.h"

namespace kiln::wasi {

struct WasiCall {
  WasiContext& ctx;
  const GuestMemory& memory;
  const kiln_val* args;
  HostCall& host;  // for proc_exit
};

// Returns the errno result (ignored for functions without results).
using WasiHandler = uint32_t (*)(WasiCall& call);

// What a bound WASI function carries (the data of its DirectHostCallback).
struct BoundWasi {
  WasiContext* ctx;
  WasiHandler handler;
  bool has_result;
};

// Runs `handler` as the host function `host`: the guest's memory, the errno result.
// A function of WasiModule::Shared() (no context of its own) uses the calling instance's
// host context.
inline void RunWasi(const BoundWasi& bound, HostCall& host, WasiHandler handler) {
  WasiContext* ctx = bound.ctx;
  if (ctx == nullptr && host.caller != nullptr)
    ctx = static_cast<WasiContext*>(host.caller->host_context());
  if (ctx == nullptr) {
    host.Trap(KILN_TRAP_HOST, "a shared WASI function was called by an instance without a "
                              "WASI context (InstanceOptions::host_context)");
    return;
  }
  GuestMemory memory(host.caller);
  WasiCall call{*ctx, memory, host.values, host};
  const uint32_t err = handler(call);
  if (bound.has_result && host.trap_code == KILN_TRAP_NONE) {
    host.values[0].i64 = 0;
    host.values[0].i32 = err;
  }
}

struct WasiFunctionSpec {
  std::string_view name;
  FuncType type;
  WasiHandler handler;
  // Optional: the whole host function in one frame (see DirectHostCallback), for hot
  // functions that make a system call. Its data is a BoundWasi.
  DirectHostCallback direct = nullptr;
};

std::span<const WasiFunctionSpec> WasiFunctionTable();

// --- helpers shared by the handlers ---
inline uint32_t Arg32(const WasiCall& c, int i) { return c.args[i].i32; }
inline uint64_t Arg64(const WasiCall& c, int i) { return c.args[i].i64; }

uint8_t FiletypeOfMode(mode_t mode);
// Host iovecs for one call; most calls pass one or two, kept without a heap allocation.
using IovecList = absl::InlinedVector<iovec, 8>;
// Reads a guest iovec/ciovec array into host iovecs, checking every buffer against the
// guest's memory. EFAULT for a bad pointer, EINVAL for too many entries or a total length
// over 4 GiB.
uint32_t ReadIovecs(const WasiCall& c, uint32_t iovs, uint32_t count, IovecList* out);
// Reads a guest path (not NUL-terminated). ENAMETOOLONG past 4 KiB, EFAULT out of bounds,
// EILSEQ for an embedded NUL.
uint32_t ReadPath(const WasiCall& c, uint32_t ptr, uint32_t len, std::string* out);
// The descriptor `fd` if it is open and has every right in `rights`; else nullptr with
// *err = EBADF or ENOTCAPABLE.
WasiContext::Descriptor* Lookup(const WasiCall& c, uint32_t fd, uint64_t rights, uint32_t* err);
// Writes `iovs` to `d`, a terminal, through its filter (d.terminal). Returns the guest's
// bytes consumed: all of them once the whole rendering is written.
ssize_t WriteToTerminal(WasiContext::Descriptor& d, const IovecList& iovs, uint32_t* err);

// --- handlers ---
#define KILN_WASI_HANDLERS(X)                                                               \
  X(FdAdvise) X(FdAllocate) X(FdClose) X(FdDatasync) X(FdFdstatGet) X(FdFdstatSetFlags)     \
  X(FdFdstatSetRights) X(FdFilestatGet) X(FdFilestatSetSize) X(FdFilestatSetTimes)          \
  X(FdPread) X(FdPrestatGet) X(FdPrestatDirName) X(FdPwrite) X(FdRead) X(FdReaddir)         \
  X(FdRenumber) X(FdSeek) X(FdSync) X(FdTell) X(FdWrite) X(PathCreateDirectory)             \
  X(PathFilestatGet) X(PathFilestatSetTimes) X(PathLink) X(PathOpen) X(PathReadlink)        \
  X(PathRemoveDirectory) X(PathRename) X(PathSymlink) X(PathUnlinkFile) X(PollOneoff)       \
  X(SockAccept) X(SockRecv) X(SockSend) X(SockShutdown)
#define KILN_WASI_DECLARE(name) uint32_t name(WasiCall& c);
KILN_WASI_HANDLERS(KILN_WASI_DECLARE)
#undef KILN_WASI_DECLARE
// fd_write and fd_read with their common case (one buffer, no terminal filter) and the
// system call inlined into the host function's single frame.
void FdWriteDirect(const void* bound, HostCall& host);
void FdReadDirect(const void* bound, HostCall& host);

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_FUNCTIONS_H

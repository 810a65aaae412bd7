// poll_oneoff (clock and fd subscriptions) and sock_* on pre-opened sockets.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "Errno.h"
#include "WasiAbi.h"
#include "WasiFunctions.h"

namespace kiln::wasi {
namespace {

using Descriptor = WasiContext::Descriptor;

uint64_t Now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct Event {
  uint64_t userdata = 0;
  uint16_t error = 0;
  uint8_t type = 0;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

// The socket descriptor `fd` (a connection, not the listening socket) with `rights`.
Descriptor* LookupSocket(const WasiCall& c, uint32_t fd, uint64_t rights, uint32_t* err) {
  Descriptor* d = c.ctx.Get(fd);
  if (d == nullptr) {
    *err = kBadf;
    return nullptr;
  }
  if (d->filetype != abi::kFiletypeSocketStream && d->filetype != abi::kFiletypeSocketDgram) {
    *err = kNotsock;
    return nullptr;
  }
  if ((c.ctx.EffectiveRights(*d) & rights) != rights) {
    *err = kNotcapable;
    return nullptr;
  }
  return d;
}

}  // namespace

uint32_t PollOneoff(WasiCall& c) {
  const uint32_t in = Arg32(c, 0), out = Arg32(c, 1), nsubs = Arg32(c, 2), nevents_ptr = Arg32(c, 3);
  if (nsubs == 0) return kInval;
  if (c.memory.At(in, uint64_t{abi::kSubscriptionSize} * nsubs) == nullptr ||
      c.memory.At(out, uint64_t{abi::kEventSize} * nsubs) == nullptr ||
      c.memory.At(nevents_ptr, 4) == nullptr) {
    return kFault;
  }
  if (nsubs > 4096) return kInval;

  struct Clock {
    uint64_t userdata;
    uint64_t deadline;  // CLOCK_MONOTONIC nanoseconds
  };
  struct FdSub {
    uint64_t userdata;
    uint8_t type;
    int host_fd;
  };
  std::vector<Event> events;  // ready without waiting (errors)
  std::vector<Clock> clocks;
  std::vector<FdSub> fd_subs;
  const uint64_t mono_now = Now(CLOCK_MONOTONIC);
  for (uint32_t i = 0; i < nsubs; ++i) {
    const uint64_t s = in + uint64_t{abi::kSubscriptionSize} * i;
    uint64_t userdata = 0;
    uint8_t tag = 0;
    c.memory.Load(s, &userdata);
    c.memory.Load(s + 8, &tag);
    if (tag == abi::kEventClock) {
      uint32_t id = 0;
      uint64_t timeout = 0;
      uint16_t flags = 0;
      c.memory.Load(s + 16, &id);
      c.memory.Load(s + 24, &timeout);
      c.memory.Load(s + 40, &flags);
      if (!c.ctx.Has(kCapClocks)) {  // dropped: no waiting on a clock either
        events.push_back({userdata, static_cast<uint16_t>(kNotcapable), abi::kEventClock, 0, 0});
        continue;
      }
      clockid_t host;
      switch (id) {
        case abi::kClockRealtime: host = CLOCK_REALTIME; break;
        case abi::kClockMonotonic: host = CLOCK_MONOTONIC; break;
        case abi::kClockProcessCputime: host = CLOCK_PROCESS_CPUTIME_ID; break;
        case abi::kClockThreadCputime: host = CLOCK_THREAD_CPUTIME_ID; break;
        default:
          events.push_back({userdata, static_cast<uint16_t>(kInval), abi::kEventClock, 0, 0});
          continue;
      }
      uint64_t wait = timeout;
      if (flags & abi::kSubclockAbstime) {
        const uint64_t now = Now(host);
        wait = timeout > now ? timeout - now : 0;
      }
      // CPU-time clocks advance no faster than wall time while we wait: treat their
      // timeouts as wall-clock time.
      const uint64_t deadline = wait > UINT64_MAX - mono_now ? UINT64_MAX : mono_now + wait;
      clocks.push_back({userdata, deadline});
    } else if (tag == abi::kEventFdRead || tag == abi::kEventFdWrite) {
      uint32_t fd = 0;
      c.memory.Load(s + 16, &fd);
      uint32_t err = kSuccess;
      Descriptor* d = Lookup(c, fd, abi::kRightPollFdReadwrite, &err);
      if (d == nullptr) {
        events.push_back({userdata, static_cast<uint16_t>(err), tag, 0, 0});
        continue;
      }
      fd_subs.push_back({userdata, tag, d->host_fd});
    } else {
      return kInval;
    }
  }

  std::vector<pollfd> pfds;
  pfds.reserve(fd_subs.size());
  for (const FdSub& f : fd_subs) {
    pfds.push_back({f.host_fd, static_cast<short>(f.type == abi::kEventFdRead ? POLLIN : POLLOUT), 0});
  }
  for (;;) {
    uint64_t earliest = UINT64_MAX;
    for (const Clock& k : clocks) earliest = std::min(earliest, k.deadline);
    struct timespec ts{};
    struct timespec* timeout = nullptr;
    const uint64_t now = Now(CLOCK_MONOTONIC);
    if (!events.empty()) {
      timeout = &ts;  // something is ready already: only look
    } else if (earliest != UINT64_MAX) {
      const uint64_t wait = earliest > now ? earliest - now : 0;
      ts.tv_sec = static_cast<time_t>(wait / 1000000000ull);
      ts.tv_nsec = static_cast<long>(wait % 1000000000ull);
      timeout = &ts;
    }
    const int r = ppoll(pfds.data(), pfds.size(), timeout, nullptr);
    if (r < 0 && errno != EINTR) return FromHostErrno(errno);
    if (r > 0) {
      for (size_t i = 0; i < pfds.size(); ++i) {
        const short rev = pfds[i].revents;
        if (rev == 0) continue;
        Event e{fd_subs[i].userdata, 0, fd_subs[i].type, 0, 0};
        if (rev & POLLNVAL) {
          e.error = kBadf;
        } else {
          if (rev & POLLHUP) e.flags |= abi::kEventFdReadwriteHangup;
          if (rev & POLLERR && !(rev & (POLLIN | POLLOUT))) e.error = kIo;
          if (fd_subs[i].type == abi::kEventFdRead) {
            int avail = 0;
            if (ioctl(pfds[i].fd, FIONREAD, &avail) == 0 && avail > 0) {
              e.nbytes = static_cast<uint64_t>(avail);
            }
          }
        }
        events.push_back(e);
      }
    }
    const uint64_t after = Now(CLOCK_MONOTONIC);
    for (const Clock& k : clocks) {
      if (k.deadline <= after) events.push_back({k.userdata, 0, abi::kEventClock, 0, 0});
    }
    if (!events.empty()) break;
  }

  const uint32_t n = static_cast<uint32_t>(std::min<size_t>(events.size(), nsubs));
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t e = out + uint64_t{abi::kEventSize} * i;
    const Event& ev = events[i];
    std::memset(c.memory.At(e, abi::kEventSize), 0, abi::kEventSize);
    c.memory.Store<uint64_t>(e, ev.userdata);
    c.memory.Store<uint16_t>(e + 8, ev.error);
    c.memory.Store<uint8_t>(e + 10, ev.type);
    if (ev.type != abi::kEventClock) {
      c.memory.Store<uint64_t>(e + 16, ev.nbytes);
      c.memory.Store<uint16_t>(e + 24, ev.flags);
    }
  }
  c.memory.Store<uint32_t>(nevents_ptr, n);
  return kSuccess;
}

uint32_t SockAccept(WasiCall& c) {
  const Descriptor* any = c.ctx.Get(Arg32(c, 0));
  if (any != nullptr && !any->listening) {
    // accept(2) on a connected socket is EINVAL; on anything else ENOTSOCK.
    return any->filetype == abi::kFiletypeSocketStream ? kInval : kNotsock;
  }
  uint32_t err;
  Descriptor* d = Lookup(c, Arg32(c, 0), abi::kRightSockAccept, &err);
  if (d == nullptr) return err;
  const uint32_t flags = Arg32(c, 1) & 0xFFFF;
  if (flags & ~uint32_t{abi::kFdflagNonblock}) return kInval;
  const uint32_t out_ptr = Arg32(c, 2);
  if (c.memory.At(out_ptr, 4) == nullptr) return kFault;
  int fd;
  do {
    fd = accept4(d->host_fd, nullptr, nullptr,
                 SOCK_CLOEXEC | ((flags & abi::kFdflagNonblock) ? SOCK_NONBLOCK : 0));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return FromHostErrno(errno);
  Descriptor nd;
  nd.kind = Descriptor::Kind::kSocket;
  nd.host_fd = fd;
  nd.owned = true;
  nd.filetype = abi::kFiletypeSocketStream;
  nd.rights_base = abi::kRightsSocket & d->rights_inheriting;
  nd.rights_inheriting = 0;
  std::optional<uint32_t> guest_fd = c.ctx.Insert(std::move(nd));
  if (!guest_fd.has_value()) {
    close(fd);
    return kMfile;
  }
  c.memory.Store<uint32_t>(out_ptr, *guest_fd);
  return kSuccess;
}

uint32_t SockRecv(WasiCall& c) {
  uint32_t err;
  Descriptor* d = LookupSocket(c, Arg32(c, 0), abi::kRightFdRead, &err);
  if (d == nullptr) return err;
  IovecList iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  const uint32_t riflags = Arg32(c, 3) & 0xFFFF;
  if (riflags & ~uint32_t{abi::kRecvPeek | abi::kRecvWaitall}) return kInval;
  const uint32_t len_ptr = Arg32(c, 4), flags_ptr = Arg32(c, 5);
  if (c.memory.At(len_ptr, 4) == nullptr || c.memory.At(flags_ptr, 2) == nullptr) return kFault;
  msghdr msg{};
  msg.msg_iov = iovs.data();
  msg.msg_iovlen = iovs.size();
  int flags = 0;
  if (riflags & abi::kRecvPeek) flags |= MSG_PEEK;
  if (riflags & abi::kRecvWaitall) flags |= MSG_WAITALL;
  ssize_t n;
  do {
    n = recvmsg(d->host_fd, &msg, flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return FromHostErrno(errno);
  c.memory.Store<uint32_t>(len_ptr, static_cast<uint32_t>(n));
  c.memory.Store<uint16_t>(flags_ptr, (msg.msg_flags & MSG_TRUNC) ? abi::kRecvDataTruncated : 0);
  return kSuccess;
}

uint32_t SockSend(WasiCall& c) {
  uint32_t err;
  Descriptor* d = LookupSocket(c, Arg32(c, 0), abi::kRightFdWrite, &err);
  if (d == nullptr) return err;
  IovecList iovs;
  if (uint32_t e = ReadIovecs(c, Arg32(c, 1), Arg32(c, 2), &iovs)) return e;
  if ((Arg32(c, 3) & 0xFFFF) != 0) return kInval;  // no siflags are defined
  const uint32_t len_ptr = Arg32(c, 4);
  if (c.memory.At(len_ptr, 4) == nullptr) return kFault;
  msghdr msg{};
  msg.msg_iov = iovs.data();
  msg.msg_iovlen = iovs.size();
  ssize_t n;
  do {
    n = sendmsg(d->host_fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return FromHostErrno(errno);
  c.memory.Store<uint32_t>(len_ptr, static_cast<uint32_t>(n));
  return kSuccess;
}

uint32_t SockShutdown(WasiCall& c) {
  uint32_t err;
  Descriptor* d = LookupSocket(c, Arg32(c, 0), abi::kRightSockShutdown, &err);
  if (d == nullptr) return err;
  const uint32_t how = Arg32(c, 1) & 0xFF;
  int h;
  switch (how) {
    case abi::kShutRd: h = SHUT_RD; break;
    case abi::kShutWr: h = SHUT_WR; break;
    case abi::kShutRd | abi::kShutWr: h = SHUT_RDWR; break;
    default: return kInval;
  }
  return shutdown(d->host_fd, h) == 0 ? kSuccess : FromHostErrno(errno);
}

}  // namespace kiln::wasi

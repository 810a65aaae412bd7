#include "kiln/wasi/WasiContext.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "WasiAbi.h"
#include "WasiFunctions.h"
#include "absl/strings/str_cat.h"

namespace kiln::wasi {
namespace {


void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

WasiContext::WasiContext(WasiConfig config) : config_(std::move(config)) {
  fds_.reserve(8);  // stdio and a few pre-opens without regrowing (one made per request)
  MemoryOutput* const memory_out[3] = {nullptr, config_.stdout_memory.get(),
                                       config_.stderr_memory.get()};
  int stream = 0;
  for (int host_fd : {config_.stdin_host_fd, config_.stdout_host_fd, config_.stderr_host_fd}) {
    const int i = stream++;
    if ((i == 0 && config_.stdin_bytes) || memory_out[i] != nullptr) {
      Descriptor d;
      d.kind = Descriptor::Kind::kStdio;
      d.filetype = abi::kFiletypeUnknown;
      d.rights_base = abi::kRightsStream;
      d.memory_in = i == 0 ? config_.stdin_bytes.get() : nullptr;
      d.memory_out = memory_out[i];
      fds_.emplace_back(std::move(d));
      ++open_count_;
      continue;
    }
    if (host_fd < 0) {
      fds_.emplace_back(std::nullopt);
      continue;
    }
    Descriptor d;
    d.kind = Descriptor::Kind::kStdio;
    d.host_fd = host_fd;
    d.owned = false;
    struct stat st;
    d.filetype = fstat(host_fd, &st) == 0 ? FiletypeOfMode(st.st_mode) : uint8_t{abi::kFiletypeUnknown};
    d.seekable = Seekable(host_fd, d.filetype);
    d.rights_base = d.filetype == abi::kFiletypeRegularFile ? abi::kRightsRegularFile
                                                            : abi::kRightsStream;
    if (d.seekable) d.rights_base |= abi::kRightFdSeek | abi::kRightFdTell;
    d.rights_inheriting = 0;
    d.terminal = FilterFor(host_fd);
    fds_.emplace_back(std::move(d));
    ++open_count_;
  }
}

WasiContext::~WasiContext() {
  for (uint32_t fd = 0; fd < fds_.size(); ++fd) Close(fd);
}

bool WasiContext::Seekable(int host_fd, uint8_t filetype) {
  switch (filetype) {
    case abi::kFiletypeRegularFile:
    case abi::kFiletypeDirectory:
    case abi::kFiletypeBlockDevice:
      return true;
    case abi::kFiletypeCharacterDevice:  // /dev/null and /dev/zero seek; terminals do not
      return !isatty(host_fd);
    default:
      return false;
  }
}

std::unique_ptr<TerminalFilter> WasiContext::FilterFor(int host_fd) const {
  if (config_.allow_terminal_escapes || !isatty(host_fd)) return nullptr;
  return std::make_unique<TerminalFilter>();
}

absl::Status WasiContext::PreopenDirectory(const std::string& host_path,
                                           const std::string& guest_path, bool read_only) {
  if (guest_path.empty() || guest_path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("pre-open \"", host_path, "\": the guest path must not be empty"));
  }
  const int fd = open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot pre-open directory \"", host_path, "\": ", std::strerror(errno)));
  }
  Descriptor d;
  d.kind = Descriptor::Kind::kFileSystem;
  d.host_fd = fd;
  d.owned = true;
  d.filetype = abi::kFiletypeDirectory;
  d.seekable = true;
  d.rights_base = abi::kRightsDirectory;
  d.rights_inheriting = abi::kRightsDirectory | abi::kRightsRegularFile;
  // Read-only is not a matter of rights (wasi-libc would quietly open for reading what was
  // asked for writing): every change below it is refused with EROFS, as on a read-only
  // mount, and no host descriptor below it is ever opened for writing.
  d.read_only = read_only;
  d.is_preopen = true;
  d.preopen_name = guest_path;
  if (!Insert(std::move(d)).has_value()) {
    close(fd);
    return absl::ResourceExhaustedError("too many pre-opened descriptors");
  }
  return absl::OkStatus();
}

absl::Status WasiContext::PreopenListeningSocket(int host_fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(host_fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
    close(host_fd);
    return absl::InvalidArgumentError("pre-opened socket is not a stream socket");
  }
  Descriptor d;
  d.kind = Descriptor::Kind::kSocket;
  d.host_fd = host_fd;
  d.owned = true;
  d.filetype = abi::kFiletypeSocketStream;
  d.rights_base = abi::kRightsListeningSocket;
  d.rights_inheriting = abi::kRightsSocket;
  d.listening = true;
  if (!Insert(std::move(d)).has_value()) {
    close(host_fd);
    return absl::ResourceExhaustedError("too many pre-opened descriptors");
  }
  return absl::OkStatus();
}

WasiContext::View::~View() {
  if (host_fd_ >= 0) close(host_fd_);
}

uint64_t WasiContext::FsRights(uint32_t perms) const {
  perms &= caps_ & kCapFs;
  if (perms == 0) return 0;
  uint64_t rights = abi::kRightsFsNeutral;
  if (perms & kCapFsRead) rights |= abi::kRightsFsRead;
  if (perms & kCapFsWrite) rights |= abi::kRightsFsWrite;
  if (perms & kCapFsCreate) rights |= abi::kRightsFsCreate;
  return rights;
}

uint64_t WasiContext::ReportedRights(const Descriptor& d, uint64_t rights) const {
  switch (d.kind) {
    case Descriptor::Kind::kStdio:
      return rights;
    case Descriptor::Kind::kSocket:
      return Has(kCapSockets) ? rights : 0;
    case Descriptor::Kind::kFileSystem: {
      uint32_t perms = d.fs_perms;
      if (d.narrowed) {
        perms = 0;
        for (const View& v : d.views) perms |= v.perms();
      }
      return rights & FsRights(perms);
    }
  }
  return 0;
}

WasiContext::Descriptor* WasiContext::Get(uint32_t fd) {
  if (fd >= fds_.size() || !fds_[fd].has_value()) return nullptr;
  return &*fds_[fd];
}

std::optional<uint32_t> WasiContext::Insert(Descriptor d) {
  if (open_count_ >= config_.max_open_files) return std::nullopt;
  size_t slot = 0;
  while (slot < fds_.size() && fds_[slot].has_value()) ++slot;
  if (slot == fds_.size()) fds_.emplace_back();
  fds_[slot] = std::move(d);
  ++open_count_;
  return static_cast<uint32_t>(slot);
}

bool WasiContext::Close(uint32_t fd) {
  Descriptor* d = Get(fd);
  if (d == nullptr) return false;
  if (d->terminal) {
    std::string rest;
    d->terminal->Flush(&rest);
    if (!rest.empty()) WriteAll(d->host_fd, rest);
  }
  if (d->owned) close(d->host_fd);
  fds_[fd].reset();
  --open_count_;
  return true;
}

bool WasiContext::Renumber(uint32_t from, uint32_t to) {
  if (Get(from) == nullptr || Get(to) == nullptr) return false;
  if (from == to) return true;
  Close(to);
  fds_[to] = std::move(fds_[from]);
  fds_[from].reset();
  return true;
}

}  // namespace kiln::wasi

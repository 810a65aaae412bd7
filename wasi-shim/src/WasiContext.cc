#include "kiln/wasi/WasiContext.h"

namespace kiln::wasi {

WasiContext::WasiContext(WasiConfig config) : config_(std::move(config)) {
  fds_.push_back({config_.stdin_host_fd, config_.stdin_host_fd >= 0});
  fds_.push_back({config_.stdout_host_fd, config_.stdout_host_fd >= 0});
  fds_.push_back({config_.stderr_host_fd, config_.stderr_host_fd >= 0});
}

WasiContext::Descriptor* WasiContext::Get(uint32_t fd) {
  if (fd >= fds_.size() || !fds_[fd].open) return nullptr;
  return &fds_[fd];
}

bool WasiContext::Close(uint32_t fd) {
  Descriptor* d = Get(fd);
  if (d == nullptr) return false;
  d->open = false;
  return true;
}

}  // namespace kiln::wasi

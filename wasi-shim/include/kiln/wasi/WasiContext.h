// The state one WASI (preview 1) guest sees: its arguments, its environment and its file
// descriptors. No ambient authority: only what the embedder put here is visible.
//
//   kiln::wasi::WasiConfig config;
//   config.args = {"app", "--verbose"};
//   auto ctx = std::make_shared<kiln::wasi::WasiContext>(config);  // fds 0, 1, 2
//   ctx->PreopenDirectory("/srv/data", "/data", /*read_only=*/true);  // fd 3
//
// Descriptors 0-2 are the host's stdio descriptors as given (never closed by kiln). Every
// other descriptor is opened through a pre-opened directory or socket and owned here.
// Path operations never leave the pre-open they start from (see PathResolver.h).
#ifndef KILN_WASI_WASI_CONTEXT_H
#define KILN_WASI_WASI_CONTEXT_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kiln/wasi/TerminalFilter.h"

namespace kiln::wasi {

struct WasiConfig {
  std::vector<std::string> args;  // argv, including argv[0]
  std::vector<std::string> env;   // "KEY=VALUE" strings, exactly as given
  int stdin_host_fd = 0;          // -1: the guest has no such descriptor
  int stdout_host_fd = 1;
  int stderr_host_fd = 2;
  // Off (the default): bytes the guest writes to a descriptor that is a terminal go
  // through TerminalFilter. On: passed raw.
  bool allow_terminal_escapes = false;
  // Cap on descriptors open at once, stdio and pre-opens included (EMFILE past it).
  uint32_t max_open_files = 1024;
  // Resolve paths with openat2(RESOLVE_BENEATH) when the kernel has it (the default); off:
  // always the component-by-component walk kiln uses on kernels without openat2.
  bool use_openat2 = true;
};

class WasiContext {
 public:
  explicit WasiContext(WasiConfig config);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Pre-opens host directory `host_path` under the name `guest_path` as the next descriptor.
  // Read-only: no descriptor reached through it can write, create, rename, link or remove.
  absl::Status PreopenDirectory(const std::string& host_path, const std::string& guest_path,
                                bool read_only = false);
  // Hands the guest a listening socket (kiln takes ownership of `host_fd`) as the next
  // descriptor; the guest can sock_accept connections on it.
  absl::Status PreopenListeningSocket(int host_fd);

  const std::vector<std::string>& args() const { return config_.args; }
  const std::vector<std::string>& env() const { return config_.env; }
  const WasiConfig& config() const { return config_; }

  struct Descriptor {
    int host_fd = -1;
    bool owned = false;        // closed by kiln with the descriptor (not stdio)
    uint8_t filetype = 0;      // WASI filetype
    uint64_t rights_base = 0;
    uint64_t rights_inheriting = 0;
    bool listening = false;    // a pre-opened listening socket
    bool read_only = false;    // reached through a read-only pre-open: every change is EROFS
    bool seekable = false;     // has a position (files, directories, /dev/null; not pipes,
                               // terminals or sockets: seeking those is ESPIPE)
    std::string preopen_name;  // set for pre-opened directories
    bool is_preopen = false;
    std::unique_ptr<TerminalFilter> terminal;  // set when writes must be made inert
    // fd_readdir cookies are entry indexes (wasi-libc's telldir keeps them in a 32-bit
    // long); dir_offsets[i] is the kernel's position of entry i, learnt while listing.
    std::vector<int64_t> dir_offsets;
  };

  // The open descriptor `fd`, or nullptr (EBADF).
  Descriptor* Get(uint32_t fd);
  // Installs `d` at the lowest free number. nullopt: too many open files (EMFILE).
  std::optional<uint32_t> Insert(Descriptor d);
  // Closes `fd` (the host descriptor too if owned). False: EBADF.
  bool Close(uint32_t fd);
  // fd_renumber: moves `from` onto `to` (closing `to`). False: EBADF.
  bool Renumber(uint32_t from, uint32_t to);
  // A terminal filter for `host_fd` if it is a terminal and escapes are not allowed.
  std::unique_ptr<TerminalFilter> FilterFor(int host_fd) const;
  uint32_t open_count() const { return open_count_; }
  // Whether host descriptor `host_fd` of WASI type `filetype` has a position.
  static bool Seekable(int host_fd, uint8_t filetype);

 private:
  WasiConfig config_;
  std::vector<std::optional<Descriptor>> fds_;
  uint32_t open_count_ = 0;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_CONTEXT_H

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

// What a guest may still do, beyond its descriptors' rights. Every instance starts with all
// of them; the guest (through the kiln_sandbox import module, see kiln_sandbox.h) or the
// embedder can drop them, never add them back. The values are kiln_sandbox's ABI.
enum Capability : uint32_t {
  kCapFsRead = 1u << 0,    // read files, list directories, stat paths, read links
  kCapFsWrite = 1u << 1,   // write, truncate, sync, set times of existing files
  kCapFsCreate = 1u << 2,  // create and remove names: files, directories, links, renames
  kCapSockets = 1u << 3,   // accept, read, write and shut down sockets
  kCapClocks = 1u << 4,    // clock_time_get, clock_res_get, clock waits in poll_oneoff
  kCapRandom = 1u << 5,    // random_get
  kCapEnv = 1u << 6,       // environ_get, environ_sizes_get
};
inline constexpr uint32_t kCapFs = kCapFsRead | kCapFsWrite | kCapFsCreate;
inline constexpr uint32_t kCapAll = (1u << 7) - 1;

// One path a guest keeps when it narrows its pre-opens (WasiContext::NarrowPreopens): a
// directory named as the guest names it (under one of its pre-opens, e.g. "/data/out"),
// and what may be done below it (kCapFs bits).
struct PathGrant {
  std::string path;
  uint32_t perms = 0;
};

// Output a guest writes to memory (kiln serve's stdout and stderr): at most `cap` bytes; a
// write that does not fit writes nothing, fails with EFBIG ("file too large") and sets
// `overflowed`.
struct MemoryOutput {
  std::string data;
  uint64_t cap = UINT64_MAX;
  bool overflowed = false;
};

struct WasiConfig {
  std::vector<std::string> args;  // argv, including argv[0]
  std::vector<std::string> env;   // "KEY=VALUE" strings, exactly as given
  // Or, when env_count > 0, the environment as one block instead of `env`: env_count
  // "KEY=VALUE" strings, each followed by a NUL (one allocation instead of one per
  // variable: a server makes one per request).
  std::string env_block;
  uint32_t env_count = 0;
  int stdin_host_fd = 0;          // -1: the guest has no such descriptor
  int stdout_host_fd = 1;
  int stderr_host_fd = 2;
  // In memory instead of host descriptors (each replaces its *_host_fd when set): stdin
  // reads these bytes, stdout and stderr write to these buffers. Streams, not files: no
  // seeking, no file status; poll_oneoff does not wait on them.
  std::shared_ptr<const std::string> stdin_bytes;
  std::shared_ptr<MemoryOutput> stdout_memory;
  std::shared_ptr<MemoryOutput> stderr_memory;
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
  const std::string& env_block() const { return config_.env_block; }
  uint32_t env_count() const { return config_.env_count; }
  const WasiConfig& config() const { return config_; }

  // A subtree a narrowed pre-open still shows: the directory, opened when the pre-open was
  // narrowed, and what may be done below it. Path operations through the pre-open resolve
  // beneath this directory, so nothing outside it is reachable.
  class View {
   public:
    View(std::vector<std::string> components, int host_fd, uint32_t perms)
        : components_(std::move(components)), host_fd_(host_fd), perms_(perms) {}
    View(View&& o) noexcept
        : components_(std::move(o.components_)), host_fd_(o.host_fd_), perms_(o.perms_) {
      o.host_fd_ = -1;
    }
    View& operator=(View&&) = delete;
    View(const View&) = delete;
    ~View();
    // The path below the pre-open, one component an element ({} is the whole pre-open).
    const std::vector<std::string>& components() const { return components_; }
    int host_fd() const { return host_fd_; }
    uint32_t perms() const { return perms_; }
    void AddPerms(uint32_t perms) { perms_ |= perms; }

   private:
    std::vector<std::string> components_;
    int host_fd_;
    uint32_t perms_;
  };

  struct Descriptor {
    enum class Kind : uint8_t { kStdio, kFileSystem, kSocket };
    Kind kind = Kind::kStdio;  // which capability governs it
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
    // In-memory stdio (WasiConfig::stdin_bytes, stdout_memory, stderr_memory); host_fd is -1.
    const std::string* memory_in = nullptr;
    uint64_t memory_in_pos = 0;
    MemoryOutput* memory_out = nullptr;
    // fd_readdir cookies are entry indexes (wasi-libc's telldir keeps them in a 32-bit
    // long); dir_offsets[i] is the kernel's position of entry i, learnt while listing.
    std::vector<int64_t> dir_offsets;
    // kFileSystem: what may be done through it (kCapFs bits; fewer after narrowing).
    uint32_t fs_perms = kCapFs;
    // A narrowed pre-open: paths through it reach only `views`; the directory itself can
    // no longer be listed or changed.
    bool narrowed = false;
    std::vector<View> views;
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
  // One past the highest descriptor number in use or used before.
  uint32_t table_size() const { return static_cast<uint32_t>(fds_.size()); }

  // --- self-restriction ---
  uint32_t capabilities() const { return caps_; }
  bool Has(uint32_t caps) const { return (caps_ & caps) == caps; }
  // Drops `caps` for the rest of this context's life. Calls they governed fail with
  // ENOTCAPABLE from now on, descriptors already open included.
  void DropCapabilities(uint32_t caps) { caps_ &= ~caps; }
  // Narrows the pre-opened directories to `grants`: afterwards path operations reach only
  // below those directories, each with at most its perms and never more than before (a
  // second call narrows further). Pre-opens no grant names stay listed but can do nothing;
  // directory descriptors opened earlier lose their rights; files already open stay open.
  // All or nothing: on error nothing changes.
  absl::Status NarrowPreopens(const std::vector<PathGrant>& grants);
  // `rights` (d's base or inheriting set) cut by dropped capabilities and narrowing: what
  // fd_fdstat_get reports. A narrowed pre-open reports what its views allow together.
  uint64_t ReportedRights(const Descriptor& d, uint64_t rights) const;
  // The rights usable through `d` itself now. A narrowed pre-open is only a name for its
  // views: nothing is usable through it directly.
  uint64_t EffectiveRights(const Descriptor& d) const {
    return d.narrowed ? 0 : ReportedRights(d, d.rights_base);
  }
  // The file-system rights `perms` (kCapFs bits) allow, cut by dropped capabilities.
  uint64_t FsRights(uint32_t perms) const;
  // Whether host descriptor `host_fd` of WASI type `filetype` has a position.
  static bool Seekable(int host_fd, uint8_t filetype);

 private:
  WasiConfig config_;
  std::vector<std::optional<Descriptor>> fds_;
  uint32_t open_count_ = 0;
  uint32_t caps_ = kCapAll;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_CONTEXT_H

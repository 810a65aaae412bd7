// The state one WASI (preview 1) guest sees: its arguments, its environment and its file
// descriptors. No ambient authority: only what the embedder put here is visible. For now
// the descriptor table holds the three stdio descriptors; preopened directories come with
// the full WASI issue.
#ifndef KILN_WASI_WASI_CONTEXT_H
#define KILN_WASI_WASI_CONTEXT_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::wasi {

struct WasiConfig {
  std::vector<std::string> args;  // argv, including argv[0]
  std::vector<std::string> env;   // "KEY=VALUE" strings, exactly as given
  int stdin_host_fd = 0;
  int stdout_host_fd = 1;
  int stderr_host_fd = 2;
};

class WasiContext {
 public:
  explicit WasiContext(WasiConfig config);

  const std::vector<std::string>& args() const { return config_.args; }
  const std::vector<std::string>& env() const { return config_.env; }

  struct Descriptor {
    int host_fd = -1;
    bool open = false;
  };
  // The open descriptor `fd`, or nullptr (EBADF).
  Descriptor* Get(uint32_t fd);
  // Closes `fd` for the guest (the host descriptor itself stays open). False: EBADF.
  bool Close(uint32_t fd);

 private:
  WasiConfig config_;
  std::vector<Descriptor> fds_;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_CONTEXT_H

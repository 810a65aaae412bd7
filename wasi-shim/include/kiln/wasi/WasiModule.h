// wasi_snapshot_preview1 as a registry of host functions bound to one WasiContext.
//
//   auto wasi = std::make_shared<kiln::wasi::WasiModule>(
//       std::make_shared<kiln::wasi::WasiContext>(config));
//   kiln::ImportMap imports;
//   imports.SetFallback(wasi->AsResolver());
//
// Each function reads and writes the linear memory the importing instance exports as
// "memory"; every guest pointer and length is checked against it (EFAULT otherwise).
// Every wasi_snapshot_preview1 function is implemented; an import of any other name in
// that module is not resolved, so instantiation fails naming it. The module "kiln_sandbox"
// (drop, capabilities, narrow: see kiln_sandbox.h) is resolved too, for guests that
// restrict themselves; like any import it must also be approved.
#ifndef KILN_WASI_WASI_MODULE_H
#define KILN_WASI_WASI_MODULE_H

#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "kiln/Instance.h"
#include "kiln/wasi/WasiContext.h"

namespace kiln::wasi {

struct WasiFunctionSpec;

inline constexpr char kModuleName[] = "wasi_snapshot_preview1";
inline constexpr char kSandboxModuleName[] = "kiln_sandbox";

class WasiModule {
 public:
  explicit WasiModule(std::shared_ptr<WasiContext> context);

  // The extern for a wasi_snapshot_preview1 or kiln_sandbox import, or nullopt for other modules and for
  // names preview 1 does not have.
  std::optional<Extern> Resolve(const ImportRequest& request) const;
  // A resolver that keeps this module alive.
  static ImportResolver AsResolver(std::shared_ptr<WasiModule> module);

  // The process-wide module whose functions belong to no context: each call uses the
  // WasiContext the calling instance was given as InstanceOptions::host_context (a call
  // from an instance without one traps). Its functions can be resolved once and shared by
  // every instance, so a fresh instance per request sets up no host functions (kiln serve
  // resolves each route's imports once). context() must not be used on it.
  static std::shared_ptr<WasiModule> Shared();

  // Names of the functions implemented (all of preview 1).
  std::vector<std::string_view> ImplementedFunctions() const;
  WasiContext& context() const { return *context_; }

 private:
  struct Entry {
    const WasiFunctionSpec* spec;
    std::shared_ptr<HostFunction> function;  // made on first resolution
  };
  std::shared_ptr<HostFunction> Bind(std::string_view module, const WasiFunctionSpec& spec) const;

  std::shared_ptr<WasiContext> context_;
  mutable std::mutex mutex_;
  mutable std::vector<Entry> functions_;
  mutable std::vector<Entry> sandbox_functions_;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_MODULE_H

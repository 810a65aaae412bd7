#include "kiln/wasi/WasiModule.h"

#include "Errno.h"
#include "GuestMemory.h"
#include "Sandbox.h"
#include "WasiFunctions.h"

namespace kiln::wasi {

WasiModule::WasiModule(std::shared_ptr<WasiContext> context) : context_(std::move(context)) {
  auto add = [this](std::string_view module, const WasiFunctionSpec& spec) {
    WasiContext* ctx = context_.get();
    const WasiHandler handler = spec.handler;
    const bool has_result = !spec.type.results.empty();
    auto fn = HostFunction::Create(
        spec.type,
        [ctx, handler, has_result](HostCall& host) {
          GuestMemory memory(host.caller);
          WasiCall call{*ctx, memory, host.values, host};
          const uint32_t err = handler(call);
          if (has_result && host.trap_code == KILN_TRAP_NONE) {
            host.values[0].i64 = 0;
            host.values[0].i32 = err;
          }
        },
        std::string(module) + "." + std::string(spec.name));
    (module == kModuleName ? functions_ : sandbox_functions_).emplace_back(spec.name, std::move(fn));
  };
  for (const WasiFunctionSpec& spec : WasiFunctionTable()) add(kModuleName, spec);
  for (const WasiFunctionSpec& spec : SandboxFunctionTable()) add(kSandboxModuleName, spec);
}

std::optional<Extern> WasiModule::Resolve(const ImportRequest& request) const {
  if (request.kind != ExternKind::kFunc) return std::nullopt;
  const bool wasi = request.module == kModuleName;
  if (!wasi && request.module != kSandboxModuleName) return std::nullopt;
  for (const auto& [name, fn] : wasi ? functions_ : sandbox_functions_) {
    if (name == request.name) return Extern::Func(fn);
  }
  return std::nullopt;  // not a wasi_snapshot_preview1 function
}

ImportResolver WasiModule::AsResolver(std::shared_ptr<WasiModule> module) {
  return [module](const ImportRequest& request) { return module->Resolve(request); };
}

std::vector<std::string_view> WasiModule::ImplementedFunctions() const {
  std::vector<std::string_view> names;
  for (const auto& [name, fn] : functions_) names.push_back(name);
  return names;
}

}  // namespace kiln::wasi

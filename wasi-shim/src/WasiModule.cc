#include "kiln/wasi/WasiModule.h"

#include "Errno.h"
#include "GuestMemory.h"
#include "Sandbox.h"
#include "WasiFunctions.h"

namespace kiln::wasi {

WasiModule::WasiModule(std::shared_ptr<WasiContext> context) : context_(std::move(context)) {
  // The host functions are made when an import first asks for them: a guest imports a
  // handful of the ~50, and a fresh WasiModule per request should not build them all.
  for (const WasiFunctionSpec& spec : WasiFunctionTable()) functions_.push_back({&spec, nullptr});
  for (const WasiFunctionSpec& spec : SandboxFunctionTable())
    sandbox_functions_.push_back({&spec, nullptr});
}

namespace {

void RunBound(const void* data, HostCall& host) {
  const auto& bound = *static_cast<const BoundWasi*>(data);
  RunWasi(bound, host, bound.handler);
}

}  // namespace

std::shared_ptr<HostFunction> WasiModule::Bind(std::string_view module,
                                               const WasiFunctionSpec& spec) const {
  auto bound = std::make_shared<BoundWasi>(
      BoundWasi{context_.get(), spec.handler, !spec.type.results.empty()});
  return HostFunction::CreateDirect(spec.type, spec.direct != nullptr ? spec.direct : RunBound,
                                    std::move(bound),
                                    std::string(module) + "." + std::string(spec.name));
}

std::optional<Extern> WasiModule::Resolve(const ImportRequest& request) const {
  if (request.kind != ExternKind::kFunc) return std::nullopt;
  const bool wasi = request.module == kModuleName;
  if (!wasi && request.module != kSandboxModuleName) return std::nullopt;
  for (Entry& e : wasi ? functions_ : sandbox_functions_) {
    if (e.spec->name != request.name) continue;
    // The same HostFunction every time a name is resolved.
    std::lock_guard<std::mutex> lock(mutex_);
    if (e.function == nullptr) e.function = Bind(wasi ? kModuleName : kSandboxModuleName, *e.spec);
    return Extern::Func(e.function);
  }
  return std::nullopt;  // not a wasi_snapshot_preview1 function
}

std::shared_ptr<WasiModule> WasiModule::Shared() {
  static const std::shared_ptr<WasiModule> shared = std::make_shared<WasiModule>(nullptr);
  return shared;
}

ImportResolver WasiModule::AsResolver(std::shared_ptr<WasiModule> module) {
  return [module](const ImportRequest& request) { return module->Resolve(request); };
}

std::vector<std::string_view> WasiModule::ImplementedFunctions() const {
  std::vector<std::string_view> names;
  for (const Entry& e : functions_) names.push_back(e.spec->name);
  return names;
}

}  // namespace kiln::wasi

// What the C API's core needs from the rest of the library: compiling Wasm bytes (with the
// compiler, or an error in the runtime-only library), the per-thread last error message,
// and the store's kiln.h settings.
#ifndef KILN_CAPI_COMPILE_H
#define KILN_CAPI_COMPILE_H

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/Artifact.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Instance.h"
#include "kiln/Trap.h"
#include "wasm.h"

namespace kiln::capi {

struct CompileSettings {
  int opt_level = 2;
  bool fuel = false;
  bool epoch_checks = false;
};

// Wasm bytes to an artifact's bytes. Defined in CompileLLVM.cc (libkiln) or
// CompileNone.cc (libkiln-runtime, which has no compiler).
absl::StatusOr<std::vector<uint8_t>> CompileModule(const std::vector<uint8_t>& wasm,
                                                   const CompileSettings& settings);

// The message of the last failed call on this thread (kiln_last_error()).
void SetLastError(std::string message);

kiln::LoadOptions LoadOptionsOf(const wasm_store_t* store);
// The store's instance options (limits, import policy) with its kiln::Store.
kiln::InstanceOptions InstanceOptionsOf(const wasm_store_t* store);
// Instantiates with `resolver` under the store's options; NULL with *trap set on failure.
wasm_instance_t* Instantiate(wasm_store_t* store, const wasm_module_t* module,
                             const kiln::ImportResolver& resolver, wasm_trap_t** trap);
// The function, global, table or memory behind a handle (nullptr for other references).
struct ExternObject;
ExternObject* ExternOf(const wasm_ref_t* h);
// Handles for the C API's objects.
wasm_extern_t* ExternHandle(wasm_store_t* store, const kiln::Extern& e);
wasm_trap_t* MessageTrap(wasm_store_t* store, std::string message);
wasm_module_t* ModuleHandle(wasm_store_t* store, std::shared_ptr<const struct ModuleData> data);

}  // namespace kiln::capi

#endif  // KILN_CAPI_COMPILE_H

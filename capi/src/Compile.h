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
const kiln::ImportPolicy* ImportPolicyOf(const wasm_store_t* store);

}  // namespace kiln::capi

#endif  // KILN_CAPI_COMPILE_H

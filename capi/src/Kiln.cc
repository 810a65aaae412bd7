// kiln.h: kiln's extensions to wasm.h.
#include <string>

#include "Compile.h"
#include "Objects.h"

namespace kiln::capi {
namespace {
thread_local std::string t_last_error;
}  // namespace

void SetLastError(std::string message) { t_last_error = std::move(message); }

kiln::LoadOptions LoadOptionsOf(const wasm_store_t*) { return {}; }
const kiln::ImportPolicy* ImportPolicyOf(const wasm_store_t*) { return nullptr; }

}  // namespace kiln::capi

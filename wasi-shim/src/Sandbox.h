// Self-restriction: dropped capabilities and narrowed pre-opens (WasiContext's
// DropCapabilities/NarrowPreopens), and the kiln_sandbox import module that gives them to
// the guest. The guest's side is wasi-shim/include/kiln_sandbox.h.
#ifndef KILN_WASI_SANDBOX_H
#define KILN_WASI_SANDBOX_H

#include <span>
#include <string>
#include <vector>

#include "WasiFunctions.h"
#include "kiln/wasi/WasiContext.h"

namespace kiln::wasi {

// Where a path operation through directory descriptor `d` starts: the host directory to
// resolve beneath, the path to resolve there, and the kCapFs perms that apply. For a
// narrowed pre-open that is the most specific view the path lies in; a path outside every
// view is ENOTCAPABLE. `rest` may alias `path`.
uint32_t MapPath(const WasiContext::Descriptor& d, const std::string& path, int* host_fd,
                 std::string* rest, uint32_t* perms);

// NarrowPreopens with a WASI errno result; `detail` explains a failure.
uint32_t Narrow(WasiContext& ctx, const std::vector<PathGrant>& grants, std::string* detail);

// The kiln_sandbox functions: drop, capabilities, narrow.
std::span<const WasiFunctionSpec> SandboxFunctionTable();

}  // namespace kiln::wasi

#endif  // KILN_WASI_SANDBOX_H

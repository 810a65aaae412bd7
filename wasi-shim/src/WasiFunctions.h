// The table of implemented wasi_snapshot_preview1 functions: name, signature and handler.
// Adding a function means adding one handler and one row.
#ifndef KILN_WASI_WASI_FUNCTIONS_H
#define KILN_WASI_WASI_FUNCTIONS_H

#include <span>
#include <string_view>

#include "GuestMemory.h"
#include "kiln/HostFunction.h"
#include "kiln/Types.h"
#include "kiln/wasi/WasiContext.h"

namespace kiln::wasi {

struct WasiCall {
  WasiContext& ctx;
  const GuestMemory& memory;
  const kiln_val* args;
  HostCall& host;  // for proc_exit
};

// Returns the errno result (ignored for functions without results).
using WasiHandler = uint32_t (*)(WasiCall& call);

struct WasiFunctionSpec {
  std::string_view name;
  FuncType type;
  WasiHandler handler;
};

std::span<const WasiFunctionSpec> WasiFunctionTable();

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_FUNCTIONS_H

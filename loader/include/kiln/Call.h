// Calling functions from the host. A call runs under a per-thread entry frame: traps
// (explicit checks, guard-page faults, stack exhaustion, host-raised traps, WASI
// proc_exit) unwind to it and come back as a Trap; the process, this instance and every
// other instance stay usable. Calls nest: a host function may call back into Wasm.
#ifndef KILN_LOADER_CALL_H
#define KILN_LOADER_CALL_H

#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/Extern.h"
#include "kiln/Trap.h"
#include "kiln/abi.h"

namespace kiln {

struct CallResult {
  std::vector<kiln_val> results;  // valid when !trap
  std::optional<Trap> trap;
  bool ok() const { return !trap.has_value(); }
};

// Errors (not traps): `func` is not a function, wrong number of arguments, or the
// artifact has no entry trampoline for the signature.
absl::StatusOr<CallResult> Call(const Extern& func, std::span<const kiln_val> args);

// Prepares the calling thread for Wasm (signal handlers, alternate signal stack, stack
// limit). Call() does this itself; exposed for embedders that want it done up front.
void PrepareThreadForWasm();

}  // namespace kiln

#endif  // KILN_LOADER_CALL_H

// What a trap reports to the host, and how a trap during instantiation is carried in an
// absl::Status.
#ifndef KILN_LOADER_TRAP_H
#define KILN_LOADER_TRAP_H

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "kiln/abi.h"

namespace kiln {

struct Trap {
  kiln_trap_code code = KILN_TRAP_NONE;
  // The spec text (kiln_trap_message), or the host's message for KILN_TRAP_HOST.
  std::string message;
  // The Wasm function the trap happened in, when the PC could be attributed.
  std::optional<uint32_t> func_index;
  std::string func_name;  // may be empty
  // For KILN_TRAP_EXIT (WASI proc_exit): the exit code.
  int32_t exit_code = 0;
  uintptr_t pc = 0;
  // For KILN_TRAP_UNCAUGHT_EXCEPTION: the exception (valid while the instance that threw
  // it lives). A host function may rethrow it to its Wasm caller (HostCall::Rethrow).
  kiln_exception* exception = nullptr;

  bool is_exit() const { return code == KILN_TRAP_EXIT; }
  // "out of bounds memory access (in function 3 $load)"
  std::string Describe() const;
};

// Instantiation that traps (segment initialisation, start function) fails with an
// absl::Status of code kAborted whose message is "trap: <Describe()>" and that carries the
// trap; these recover it.
absl::Status TrapToStatus(const Trap& trap);
std::optional<Trap> TrapFromStatus(const absl::Status& status);

}  // namespace kiln

#endif  // KILN_LOADER_TRAP_H

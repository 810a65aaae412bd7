// What a trap reports to the host, and how a trap during instantiation is carried in an
// absl::Status.
#ifndef KILN_LOADER_TRAP_H
#define KILN_LOADER_TRAP_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kiln/abi.h"

namespace kiln {

struct Trap {
  kiln_trap_code code = KILN_TRAP_NONE;
  // The spec text (kiln_trap_message), or the host's message for KILN_TRAP_HOST.
  std::string message;
  // The Wasm function the trap happened in, when the PC could be attributed (with a code
  // map, the innermost: the function the optimiser inlined the trapping code from).
  std::optional<uint32_t> func_index;
  std::string func_name;  // may be empty
  // The backtrace, innermost frame first: the trapping instruction, then each call that
  // led to it (inlined calls included), up to the call from the host. Empty when the
  // artifact has no code map (kilnc --no-code-map). At most kMaxTraceFrames machine
  // frames deep.
  struct Frame {
    uint32_t func_index = 0;
    uint32_t module_offset = 0;  // byte offset of the instruction in the binary; 0: unknown
    uint32_t func_offset = 0;    // from the start of the function's code entry
    const class Artifact* artifact = nullptr;  // valid while the artifact is loaded
    std::string func_name;       // may be empty
  };
  std::vector<Frame> frames;
  // For KILN_TRAP_EXIT (WASI proc_exit): the exit code.
  int32_t exit_code = 0;
  uintptr_t pc = 0;
  // For KILN_TRAP_UNCAUGHT_EXCEPTION: the exception (valid while the instance that threw
  // it lives). A host function may rethrow it to its Wasm caller (HostCall::Rethrow).
  kiln_exception* exception = nullptr;

  bool is_exit() const { return code == KILN_TRAP_EXIT; }
  // "out of bounds memory access (in function 3 $load)"
  std::string Describe() const;
  // "function 3 $load at offset 0x67" (the offset when known).
  static std::string DescribeFrame(const Frame& frame);
};

// Instantiation that traps (segment initialisation, start function) fails with an
// absl::Status of code kAborted whose message is "trap: <Describe()>" and that carries the
// trap; these recover it.
absl::Status TrapToStatus(const Trap& trap);

// `name` with control characters and backslashes as \xNN: a function name from a module's
// name section is the module author's text, and must not reach a terminal as escapes.
std::string PrintableName(std::string_view name);
std::optional<Trap> TrapFromStatus(const absl::Status& status);

}  // namespace kiln

#endif  // KILN_LOADER_TRAP_H

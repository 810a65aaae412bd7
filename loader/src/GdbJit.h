// Makes an artifact's functions visible to gdb through the GDB JIT interface: the loader
// maps artifacts itself (never through the dynamic linker), so gdb would otherwise see
// anonymous code. For each artifact a small in-memory ELF object is registered with
// `__jit_debug_register_code`: a .text section at the code's mapped address, one symbol
// per Wasm function ("wasm:NAME", as in the perf map) and a copy of the artifact's
// .eh_frame at its mapped address, so `bt` unwinds through Wasm frames.
#ifndef KILN_LOADER_GDB_JIT_H
#define KILN_LOADER_GDB_JIT_H

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

// The GDB JIT interface (gdb manual, "JIT Compilation Interface"): gdb puts a breakpoint on
// __jit_debug_register_code and, when it is hit, reads __jit_debug_descriptor to find the
// entry that was added or removed. The names, layout and version are fixed by gdb.
extern "C" {
struct jit_code_entry {
  jit_code_entry* next_entry;
  jit_code_entry* prev_entry;
  const char* symfile_addr;
  uint64_t symfile_size;
};
struct jit_descriptor {
  uint32_t version;
  uint32_t action_flag;  // 0 no action, 1 register, 2 unregister
  jit_code_entry* relevant_entry;
  jit_code_entry* first_entry;
};
extern jit_descriptor __jit_debug_descriptor;
void __jit_debug_register_code();
}

namespace kiln {

struct DebugSymbol {
  uintptr_t start = 0;
  uint64_t size = 0;
  std::string name;
};

// The ELF64 relocatable object describing code at [code_start, code_end): `symbols` (which
// must lie inside it) and, if not empty, `eh_frame` as the .eh_frame section at
// `eh_frame_addr`. Exposed for tests.
std::string BuildDebugObject(uintptr_t code_start, uintptr_t code_end,
                             const std::vector<DebugSymbol>& symbols, uintptr_t eh_frame_addr,
                             std::span<const uint8_t> eh_frame);

// One registered object; unregistered when destroyed.
class GdbJitRegistration {
 public:
  explicit GdbJitRegistration(std::string object);
  ~GdbJitRegistration();
  GdbJitRegistration(const GdbJitRegistration&) = delete;
  GdbJitRegistration& operator=(const GdbJitRegistration&) = delete;

 private:
  std::string object_;
  void* entry_ = nullptr;
};

// The number of objects currently registered (tests).
size_t GdbJitRegisteredCount();

}  // namespace kiln

#endif  // KILN_LOADER_GDB_JIT_H

// Host functions: C++ callbacks with a Wasm signature that modules can import.
//
//   auto print = kiln::HostFunction::Create(
//       {{KILN_I32}, {}}, [](kiln::HostCall& call) { printf("%d\n", call.values[0].i32); });
//   imports.Add("spectest", "print_i32", kiln::Extern::Func(print));
//
// When a module imports one with type index t, its instance binds it through the
// artifact's native-to-array stub for t, so Wasm calls it like any function.
#ifndef KILN_LOADER_HOST_FUNCTION_H
#define KILN_LOADER_HOST_FUNCTION_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

class Instance;

// One call of a host function.
struct HostCall {
  // The instance that imported the function (for WASI: whose "memory" to use); nullptr
  // when the host calls the function directly.
  Instance* caller = nullptr;
  const FuncType* type = nullptr;
  // Arguments on entry; the callback writes results to values[0..results) (the same array).
  kiln_val* values = nullptr;

  // Ask to unwind to the host entry point with a trap once the callback returns. The
  // callback must return right after calling one of these.
  void Trap(kiln_trap_code code, std::string message = {}) {
    trap_code = code;
    trap_message = std::move(message);
  }
  // WASI proc_exit: unwinds with KILN_TRAP_EXIT and `code`.
  void Exit(int32_t code) {
    trap_code = KILN_TRAP_EXIT;
    exit_code = code;
  }
  // Throws a Wasm exception (e.g. Trap::exception of a nested Call that ended with
  // "uncaught exception") to the Wasm code that called this function, as if the callee had
  // thrown it: its try_tables can catch it.
  void Rethrow(kiln_exception* exn) { exception = exn; }

  kiln_trap_code trap_code = KILN_TRAP_NONE;
  std::string trap_message;
  int32_t exit_code = 0;
  kiln_exception* exception = nullptr;
};

using HostCallback = std::function<void(HostCall&)>;
// A plain function and its data: one call frame less than a std::function. Worth it where
// a host function makes a system call: the kernel leaves the CPU's return predictions
// stale, so every frame returned through after a system call costs a misprediction.
using DirectHostCallback = void (*)(const void* data, HostCall& call);

class HostFunction {
 public:
  static std::shared_ptr<HostFunction> Create(FuncType type, HostCallback callback,
                                              std::string debug_name = {});
  // `data` is passed to `callback` on every call and kept alive by the function.
  static std::shared_ptr<HostFunction> CreateDirect(FuncType type, DirectHostCallback callback,
                                                    std::shared_ptr<const void> data,
                                                    std::string debug_name = {});
  const FuncType& type() const { return type_; }
  uint32_t type_id() const { return type_id_; }
  const std::string& debug_name() const { return debug_name_; }
  void Invoke(HostCall& call) const {
    if (direct_ != nullptr) {
      direct_(direct_data_.get(), call);
    } else {
      callback_(call);
    }
  }

 private:
  HostFunction() = default;
  FuncType type_;
  uint32_t type_id_ = 0;
  HostCallback callback_;
  DirectHostCallback direct_ = nullptr;
  std::shared_ptr<const void> direct_data_;
  std::string debug_name_;
};

}  // namespace kiln

#endif  // KILN_LOADER_HOST_FUNCTION_H

// Evaluates Wasm constant expressions from the descriptor (bytes ending in 0x0B):
// i32/i64/f32/f64.const, v128.const, global.get, ref.null, ref.func, and the
// extended-const i32/i64 add, sub and mul. Malformed bytes yield an error, never a crash.
#ifndef KILN_LOADER_CONST_EXPR_H
#define KILN_LOADER_CONST_EXPR_H

#include <cstdint>
#include <functional>
#include <span>

#include "absl/status/statusor.h"
#include "kiln/abi.h"

namespace kiln {

struct ConstValue {
  uint8_t type = 0;  // KILN_I32, ...
  kiln_val value{};
};

struct ConstExprEnv {
  // Globals that global.get may read: index < num_readable_globals.
  uint32_t num_readable_globals = 0;
  std::function<ConstValue(uint32_t global_index)> read_global;
  // ref.func: index < num_funcs.
  uint32_t num_funcs = 0;
  std::function<void*(uint32_t func_index)> func_ref;
};

// With `consumed` == nullptr the expression must span all of `bytes`; otherwise it may be
// followed by more bytes and *consumed receives its length (elem segment items).
absl::StatusOr<ConstValue> EvaluateConstExpr(std::span<const uint8_t> bytes,
                                             const ConstExprEnv& env, size_t* consumed = nullptr);

}  // namespace kiln

#endif  // KILN_LOADER_CONST_EXPR_H

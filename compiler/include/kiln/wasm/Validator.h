// The WebAssembly validator: the typing rules of the core spec for a decoded Module.
//
// validateModule checks limits, index spaces, constant expressions, segments, exports,
// the start function, and every function body with the operand-stack / control-frame
// algorithm of the spec's validation appendix. Once it returns OK the lowering may assume
// every index in the module is in range and every body is well typed.
//
// Errors are absl::InvalidArgumentError with the spec interpreter's phrase, e.g.
//   invalid module at byte 0x3c in function 4 ($name): type mismatch: expected i32 but got f32
// naming the byte offset of the offending instruction or declaration, and for function
// bodies the function index (imports included) and its name from the name section.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/wasm/Features.h"
#include "kiln/wasm/Instruction.h"
#include "kiln/wasm/Module.h"

namespace kiln::wasm {

absl::Status validateModule(const Module& m);
absl::Status validateModule(const Module& m, const Features& features);

// The [params] -> [results] type of a block/loop/if type immediate: empty is [] -> [],
// a value type t is [] -> [t], a type index is that function type. Fails with
// "unknown type N" if the index is out of range.
absl::StatusOr<FuncType> blockType(const Module& m, const BlockType& bt);

// The same for the raw s33 immediate as BodyReader::s33() returns it: -64 (byte 0x40) is
// empty, -1 (0x7F) i32, -2 i64, -3 f32, -4 f64, -16 funcref, -17 externref, and values >= 0
// are type indices.
absl::StatusOr<FuncType> blockType(const Module& m, int64_t s33);

}  // namespace kiln::wasm

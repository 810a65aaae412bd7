// The WebAssembly binary decoder: bytes -> Module.
//
// It checks everything the binary format defines (magic and version, section ids, order,
// sizes and counts, LEB128 ranges, UTF-8 names, value-type and flag bytes, reserved zero
// bytes, the instruction encoding of every function body and constant expression, the
// function/code and data-count consistency) and fills the Module IR. It does not check
// types or index ranges: run validateModule() on the result before using it.
//
// Errors are absl::InvalidArgumentError("malformed module at byte 0x1f: <reason>") with the
// spec interpreter's wording for <reason> ("unexpected end of section or function",
// "integer too large", "section size mismatch", ...). Input that uses a feature kiln does
// not support yet (SIMD) gives absl::UnimplementedError("unsupported feature at byte 0x..:
// ..."). A malformed `name` custom section does not fail the module: it is ignored and
// Module::nameSectionProblem says why.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/wasm/Features.h"
#include "kiln/wasm/Module.h"

namespace kiln::wasm {

// Implementation limits. The spec allows up to 2^32-1 of most things; these caps keep
// memory use and validation time proportional to the input (a few bytes of input can
// otherwise ask for gigabytes of expanded locals or quadratic validation work). They are
// far above what compilers emit. Exceeding one is an error naming the limit.
//
// Declared locals per function (params not counted): more is "too many locals".
inline constexpr uint32_t kMaxFunctionLocals = 50000;
// Declared locals of all functions together (Function::locals is stored expanded).
inline constexpr uint64_t kMaxModuleLocals = uint64_t{1} << 25;
// Parameters and results of one function type (also bounds block types).
inline constexpr uint32_t kMaxFunctionParams = 1000;
inline constexpr uint32_t kMaxFunctionResults = 1000;

absl::StatusOr<Module> decodeModule(std::vector<uint8_t> bytes);
absl::StatusOr<Module> decodeModule(std::vector<uint8_t> bytes, const Features& features);

}  // namespace kiln::wasm

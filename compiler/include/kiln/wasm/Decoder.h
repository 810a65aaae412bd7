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

// Function bodies may declare at most this many locals in total (params not counted); more
// is rejected as "too many locals". The spec's own limit is 2^32-1; this cap keeps the
// expanded Function::locals and the lowering's frames reasonable (engines use the same).
inline constexpr uint32_t kMaxFunctionLocals = 50000;

absl::StatusOr<Module> decodeModule(std::vector<uint8_t> bytes);
absl::StatusOr<Module> decodeModule(std::vector<uint8_t> bytes, const Features& features);

}  // namespace kiln::wasm

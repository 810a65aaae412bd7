// The code map of an artifact (kiln_code_map in kiln/abi.h): for each function of the
// linked code, rows saying which Wasm instruction (through which inlined calls) each pc
// is the code of and where its caller's frame is. The loader reads it to report traps
// with Wasm offsets and full backtraces; no LLVM is needed to read it.
//
// How it is made: the lowering gives every instruction its Wasm byte offset as a debug
// location (lower/Lowering.h, TargetInfo::codeMap); the artifact is linked once with the
// debug information, the map is read from that link's line table (with its inlining
// chains) and unwind table, and the artifact is linked again with the map in place of the
// debug information. Rows are offsets from each function's start, so the second link
// needs no addresses of the first.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/abi.h"
#include "kiln/wasm/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln::codegen {

// The map of the artifact linked at `artifactPath` (with debug information), compiled
// from `module`.
absl::StatusOr<std::string> buildCodeMap(const std::string& artifactPath,
                                         const wasm::Module& module);

// The parts of a code map, and the blob they make (kiln_code_map in kiln/abi.h).
struct CodeMapParts {
  std::vector<kiln_code_map_func> funcs;
  std::vector<kiln_code_map_rule> rules;
  std::string locations;
  std::vector<kiln_code_map_inlined> inlined;
  std::vector<uint32_t> bodies;
};
std::string serializeCodeMap(const CodeMapParts& parts);

// An ELF object that defines the map's symbol (lower::kCodeMapSymbol) as `blob`.
absl::StatusOr<std::string> emitCodeMapObject(const std::string& blob, llvm::TargetMachine& tm);

}  // namespace kiln::codegen

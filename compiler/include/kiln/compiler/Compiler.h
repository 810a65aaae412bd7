// The compiler's public entry points: Wasm bytes in, artifact (or IR/asm/object) out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/wasm/Features.h"

namespace kiln {

enum class EmitKind { SharedObject, Object, Assembly, LLVMIR };

struct CompileOptions {
  int optLevel = 2;                       // 0..3
  std::string targetCpu = "x86-64-v2";    // a named portable baseline, never "native" by default
  EmitKind emit = EmitKind::SharedObject;
  std::string inputName = "module.wasm";  // for messages
  wasm::Features features = wasm::Features::defaults();  // accepted proposals
  bool fuel = false;  // instrument for deterministic fuel metering (kiln run --fuel)
  // Poll the interrupt counter at every function entry and loop header. Off by default:
  // the loader interrupts Wasm code by signal, which costs nothing while the code runs and
  // leaves loops free to be vectorised. For embedders that cannot use signals.
  bool epochChecks = false;
  // Put a code map in the artifact (kiln_code_map in kiln/abi.h): traps then report the
  // Wasm byte offset of the instruction, the functions it was inlined through, and every
  // Wasm frame of the trace. Costs compile time and artifact size, not run time.
  bool codeMap = true;
  // Threads for code generation; 0 means one per hardware thread. The module is split into
  // a number of parts that depends only on its size, never on this, so the artifact is
  // byte-identical whatever the thread count.
  unsigned jobs = 0;
  // For tests only: split code generation into exactly this many parts (at most one per
  // function) instead of deciding by size. 0: by size.
  unsigned codegenParts = 0;
  // Called as the compile moves on: a stage name ("validating", "lowering", "optimising",
  // "generating code", "linking") and, while generating code, parts done out of the total
  // (otherwise 0 of 0). Called from the thread that called compileToFile only.
  std::function<void(std::string_view stage, unsigned done, unsigned total)> progress;
};

// The portable baseline CPU used when none is given.
inline constexpr const char* kDefaultTargetCpu = "x86-64-v2";

const char* compilerVersion();

// Passes options to LLVM as its command line would (e.g. "-debug-pass-manager"); for
// experiments only (kilnc --llvm-arg). Process-wide; call before compiling.
void setLlvmOptions(const std::vector<std::string>& args);

// Decodes and validates `wasm`, then lowers, optimises and emits it to `outputPath`.
absl::Status compileToFile(const std::vector<uint8_t>& wasm, const CompileOptions& options,
                           const std::string& outputPath);

// Decode + validate only.
absl::Status validateOnly(const std::vector<uint8_t>& wasm,
                          const wasm::Features& features = wasm::Features::defaults());

}  // namespace kiln

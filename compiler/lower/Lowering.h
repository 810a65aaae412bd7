// Internal interfaces of the Wasm -> LLVM IR lowering.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kiln/abi.h"
#include "kiln/wasm/Module.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"

namespace kiln::lower {

// Calling convention of Wasm functions, n2a stubs and calls between them.
inline constexpr llvm::CallingConv::ID kWasmCC = llvm::CallingConv::Fast;

// Everything the per-function lowering needs to know about the module being built.
struct ModuleContext {
  const wasm::Module& wasm;
  llvm::LLVMContext& ctx;
  llvm::Module& mod;

  llvm::Type* voidTy;
  llvm::IntegerType* i1;
  llvm::IntegerType* i8;
  llvm::IntegerType* i16;
  llvm::IntegerType* i32;
  llvm::IntegerType* i64;
  llvm::Type* f32;
  llvm::Type* f64;
  llvm::PointerType* ptr;
  llvm::PointerType* fsPtr;  // %fs-relative (X86 address space 257): the thread's state

  kiln_vmctx_layout layout;
  std::vector<llvm::FunctionType*> wasmFnTypes;  // per type index
  std::vector<llvm::Function*> funcs;            // per function index; nullptr for imports
  std::vector<std::string> funcNames;            // display names per function index
  // With a code map (TargetInfo::codeMap): each defined function's debug-info subprogram,
  // named by its index; every instruction carries its Wasm byte offset as its line. Empty
  // otherwise.
  std::vector<llvm::DISubprogram*> subprograms;

  // Alias classes: linear memory never aliases runtime structures.
  llvm::MDNode* tbaaMemory;   // linear memory contents
  llvm::MDNode* tbaaRuntime;  // vmctx, kiln_memory/table/funcref objects
  llvm::MDNode* tbaaGlobal;   // global storage
  llvm::MDNode* tbaaTable;    // table element arrays
  llvm::MDNode* tbaaWitness;  // trap witnesses (lower/TrapWitness.h)
  bool fuel = false;          // instrument for fuel metering
  bool epochChecks = true;    // emit interruption checks
  bool avx = false;           // the target has AVX: inline SSE uses the VEX encoding
  int optLevel = 2;           // -O level: at 0, 32-bit memories rely on guard pages alone

  ModuleContext(const wasm::Module& w, llvm::LLVMContext& c, llvm::Module& m);

  llvm::Type* type(wasm::ValType t) const;
  // Return type of a Wasm function with these results: void, the type, or a struct.
  llvm::Type* resultType(const std::vector<wasm::ValType>& results) const;
  llvm::FunctionType* wasmFunctionType(const wasm::FuncType& ft) const;
};

// Lowers the body of defined function `funcIndex` into ctx.funcs[funcIndex].
absl::Status lowerFunction(ModuleContext& ctx, uint32_t funcIndex);

// Emits memcpy/memset/memmove inside the artifact (LLVM may call them on its own).
void emitLibcallBuiltins(ModuleContext& ctx);

struct TargetInfo {
  std::string cpu;
  std::string features;
  uint64_t cpuFeatureMask = 0;
  int optLevel = 2;
  bool fuel = false;  // charge instructions to the thread's fuel (kilnc --fuel)
  bool epochChecks = true;  // check the thread's epoch at entries and loop headers
  // Record each instruction's Wasm byte offset (as debug locations) and give every trap
  // site its own call, so that the artifact's code map (codegen/CodeMap.h) can say which
  // instruction trapped, through inlined calls. The descriptor then refers to the symbol
  // kiln_code_map, which the link defines.
  bool codeMap = false;
};

// The symbol of the code map blob (kiln_code_map in kiln/abi.h) in a linked artifact.
inline constexpr const char* kCodeMapSymbol = "kiln_code_map";

// Builds the whole LLVM module: functions, trampolines, stubs, descriptor.
absl::Status lowerModule(const wasm::Module& module, const TargetInfo& target,
                         const std::vector<uint8_t>& wasmBytes, llvm::Module& out);

}  // namespace kiln::lower

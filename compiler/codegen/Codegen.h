// Target machine set-up, the optimisation pipeline, and object/assembly emission.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include "lower/Lowering.h"

namespace kiln::codegen {

// Registers the x86 target and sets kilnc's LLVM option defaults (once per process).
void initializeTargets();

struct Target {
  std::unique_ptr<llvm::TargetMachine> machine;
  lower::TargetInfo info;
};

// Creates the x86-64 target machine for `cpu` ("native" resolves to the host CPU) and
// records the CPU features the generated code may use.
absl::StatusOr<Target> createTarget(const std::string& cpu, int optLevel);

// Runs the new-pass-manager pipeline at the given level (0..3), then resolves the trap
// witnesses (lower/TrapWitness.h): the module is ready for code generation.
absl::Status optimize(llvm::Module& module, llvm::TargetMachine& tm, int optLevel);

// Emits an ELF object or assembly text.
absl::StatusOr<std::string> emitMachineCode(llvm::Module& module, llvm::TargetMachine& tm,
                                            bool assembly);

// Links object files (in this order) into an artifact `.so` with in-process lld; with
// `stripDebug`, without their debug information.
absl::Status linkSharedObject(const std::vector<std::string>& objectPaths,
                              const std::string& outputPath, bool stripDebug);

// How many parts code generation splits `module` into: a function of the module's size
// alone (1 for small modules), so the output never depends on the thread count.
unsigned partitionCount(const llvm::Module& module);
unsigned definedFunctions(const llvm::Module& module);

// Splits the optimised `module` into `parts` parts and emits each as an ELF object, on up
// to `threads` threads; each part is code-generated in its own LLVMContext with its own
// target machine for `cpu`/`optLevel` (0 threads: one per hardware thread). Objects come back in part order. `partDone` is called
// on the calling thread as parts finish (in part order). `module` is consumed.
absl::StatusOr<std::vector<std::string>> emitObjectsInParallel(
    llvm::Module& module, unsigned parts, unsigned threads, const std::string& cpu,
    int optLevel, const std::function<void(unsigned done)>& partDone);

}  // namespace kiln::codegen

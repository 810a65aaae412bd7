// Target machine set-up, the optimisation pipeline, and object/assembly emission.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include "lower/Lowering.h"

namespace kiln::codegen {

struct Target {
  std::unique_ptr<llvm::TargetMachine> machine;
  lower::TargetInfo info;
};

// Creates the x86-64 target machine for `cpu` ("native" resolves to the host CPU) and
// records the CPU features the generated code may use.
absl::StatusOr<Target> createTarget(const std::string& cpu, int optLevel);

// Runs the new-pass-manager pipeline at the given level (0..3).
void optimize(llvm::Module& module, llvm::TargetMachine& tm, int optLevel);

// Emits an ELF object or assembly text.
absl::StatusOr<std::string> emitMachineCode(llvm::Module& module, llvm::TargetMachine& tm,
                                            bool assembly);

// Links one object file into an artifact `.so` with in-process lld.
absl::Status linkSharedObject(const std::string& objectPath, const std::string& outputPath);

}  // namespace kiln::codegen

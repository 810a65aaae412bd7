// Every trap kept: linear-memory loads that must fault even when their value is unused.
//
// With guard pages a Wasm load's bounds check is the load itself. LLVM may delete a load
// whose value it finds unused (a dropped value, `x * 0`, a shadowed local, a loop whose
// results go nowhere, a call to a read-only function that is dropped), because in LLVM's
// semantics a load has no side effect. So the trap goes with it.
//
// The rule kiln follows: a load may only disappear where another access covers it (GVN
// forwarding from an earlier load or store of the same bytes, a wider vector load). It
// is built in two steps, as a property of the lowering rather than a list of patterns:
//
// 1. During lowering (`witnessLoad`), each guard-page load adds its loaded bits to a
//    *witness*: an external global (one per width) that no code reads. A store to it is
//    observable, so LLVM must keep every load feeding it, and it can still optimise the
//    load freely: forward it, hoist it, vectorise it (the witness becomes one more add
//    reduction, which LICM keeps in a register), merge it with an equal load.
// 2. After optimisation (`resolveTrapWitnesses`, at every -O level), the witness
//    computations are deleted. A load whose value reaches nothing but the witness is
//    dead in the program and is made volatile, so that code generation keeps it (and
//    with it the trap). So is a load of which only some bits or lanes are used: code
//    generation would narrow it to those, and lose the trap of an access that is only
//    partly out of bounds. At -O0, where nothing has simplified the IR that code
//    generation folds, every load is. The rest have real uses of all their bits and stay
//    as they are.
//
// Explicitly checked accesses (memory64) need no witness: their check is a branch to a
// call, which LLVM never deletes.
#pragma once

#include "absl/status/status.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

namespace kiln::lower {

// Adds `load`'s value to the witness of its width, at the builder's insertion point.
// `tbaa` is the access tag of the witness (it aliases nothing else).
void witnessLoad(llvm::IRBuilder<>& b, llvm::LoadInst* load, llvm::MDNode* tbaa);

// Deletes every witness computation in `module`, making volatile the loads that code
// generation could otherwise delete or narrow (`optimized`: the module went through the
// -O1..-O3 pipeline). Fails (an internal error) if a witness use is left over.
absl::Status resolveTrapWitnesses(llvm::Module& module, bool optimized);

}  // namespace kiln::lower

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
//    computations are deleted and every load that fed one becomes volatile. Code
//    generation, too, takes loads for free of effects: it would delete one whose value it
//    finds unused, narrow one whose bits or lanes are partly used (missing the bytes past
//    the end), sink one past the branch to an explicit trap that must come after it, and
//    reorder it with stores (changing what memory holds when it traps). Volatile forbids
//    all four. By then the IR optimiser has done its work, so this costs little: x86 still
//    folds a volatile load into most instructions that use it.
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

// Deletes every witness computation in `module` and makes the loads that fed one volatile.
// Fails (an internal error) if a witness use is left over.
absl::Status resolveTrapWitnesses(llvm::Module& module);

}  // namespace kiln::lower

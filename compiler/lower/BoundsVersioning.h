// Loops without bounds checks, where one check before the loop covers every access.
//
// When the optimiser runs, every access to a 32-bit memory has an explicit bounds check
// (a branch to the `trap` builtin) on top of the guard pages: LLVM takes a load or store
// for unable to fault, so without a branch it may move stores across an access that
// traps, and what memory and globals hold at the trap would not be what Wasm says. The
// branch makes every trap a point the optimiser respects. It costs a compare and a
// branch per access, and a loop with such exits is not vectorised.
//
// This pass (run where LLVM's pipeline starts vectorising, after inlining and scalar
// optimisation) takes them out of loops again, soundly. For each innermost loop whose
// memory-bounds checks all compare an affine function of the iteration with a
// loop-invariant bound, it computes from the loop's maximal trip count the range every
// check's operand takes, and versions the loop: a test in the preheader that no check
// can fire in any iteration selects a copy of the loop without them (which cannot trap
// on memory at all, so nothing in it needs ordering), and otherwise the original loop,
// checks and all, which is left unvectorised and unrolled (it runs at most once, up to
// the trap). A check the pass cannot reason about (an address loaded from memory, a
// bound that changes in the loop) leaves the loop as it is: correct, and slower.
//
// The argument for soundness does not depend on how the checks came about: it only shows
// that a branch's trap condition is false for every value its operands can take in the
// loop, under conditions that the preheader test checks at run time.
#pragma once

#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/PassManager.h"

namespace kiln::lower {

// Whether the edge from `from` to `to` raises the trap "out of bounds memory access" (the
// edge of an explicit bounds check to its trap), seen through the blocks that
// optimisation puts between them. With `onlyTraps`, also whether the trap's block does
// nothing else before it (no store the optimiser moved there).
bool isMemoryTrapEdge(const llvm::BasicBlock* from, const llvm::BasicBlock* to,
                      bool* onlyTraps = nullptr);

// Whether the edge from `from` to `to` raises a trap, of any kind.
bool isTrapEdge(const llvm::BasicBlock* from, const llvm::BasicBlock* to);

// Makes the bounds check `check` an unconditional branch to its other successor (the trap
// loses a predecessor) and deletes its condition if nothing else uses it.
void removeCheck(llvm::BranchInst* check, unsigned trapSuccessor);

class BoundsVersioningPass : public llvm::PassInfoMixin<BoundsVersioningPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

}  // namespace kiln::lower

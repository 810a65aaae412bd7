// Bounds checks folded back into the guard pages, once the optimiser is done.
//
// When the optimiser runs, every access to a 32-bit memory gets an explicit bounds check
// (FunctionLowering::effectiveAddress), so that no pass moves a store across an access
// that may trap (lower/BoundsVersioning.h). Once the IR optimiser is done, what is left is
// code generation, and there a check and the access right behind it say the same thing:
// the access faults in the guard pages exactly when the check would branch to the trap.
// So where the access is the first thing after its check that could change or read state
// in a way that matters (nothing between them writes memory or calls), the check goes and
// the access becomes volatile. Volatile keeps code generation from deleting it, narrowing
// it, or moving it across another memory access, which keeps the fault where the check
// was. The fault then raises the same trap with the same state as the branch would have.
//
// "Right behind" may span blocks: the access may sit after other bounds checks (the first
// of them to fail raises the same trap, with the same state, as the fault will), and in a
// block that other paths reach too (they reach the access as before). It may not be
// round a loop, unless the checked value is the same in every iteration. The length the
// check compares with may be a phi of length loads: GVN merges them where paths join.
//
// Which memories this applies to, and where their length and base live, comes from the
// module's `kiln.guard_memories` named metadata (written by lowering, deleted here).
#pragma once

#include "llvm/IR/Module.h"

namespace kiln::lower {

// Records, for lowering's part, that memory `index` (a 32-bit memory on guard pages) has
// its kiln_memory object pointer at vmctx offset `objectSlot`.
void recordGuardMemory(llvm::Module& module, uint32_t index, uint64_t objectSlot);

// Folds the checks of `module` that an access right behind them covers. Returns how many.
unsigned foldBoundsChecks(llvm::Module& module);

}  // namespace kiln::lower

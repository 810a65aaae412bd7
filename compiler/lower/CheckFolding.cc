// Bounds checks folded back into the guard pages: see CheckFolding.h for the design.
#include "lower/CheckFolding.h"

#include <cstddef>
#include <optional>

#include "kiln/abi.h"
#include "lower/BoundsVersioning.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/PatternMatch.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Local.h"

namespace kiln::lower {
namespace {

constexpr char kGuardMemories[] = "kiln.guard_memories";

constexpr unsigned kMaxMergedValues = 64;  // phis and selects of lengths looked through
constexpr unsigned kMaxBlocksAhead = 4;    // blocks (of other checks) up to the access
constexpr unsigned kMaxMergedChecks = 8;   // checks of one branch looked at

struct GuardMemory {
  uint32_t index;
  int64_t objectSlot;
};

// `p` as a root value plus a constant byte offset.
std::pair<const llvm::Value*, int64_t> split(const llvm::Value* p, const llvm::DataLayout& dl) {
  llvm::APInt offset(64, 0);
  const llvm::Value* root = p->stripAndAccumulateConstantOffsets(dl, offset, true);
  return {root, offset.getSExtValue()};
}

class Folder {
 public:
  Folder(llvm::Function& f, const llvm::SmallVector<GuardMemory, 4>& memories)
      : f_(f), dl_(f.getDataLayout()), memories_(memories),
        tlii_(llvm::Triple(f.getParent()->getTargetTriple())), tli_(tlii_), ac_(f), dt_(f),
        li_(dt_), se_(f, tli_, ac_, dt_, li_) {}

  unsigned run() {
    // SimplifyCFG merges checks that branch to the same trap into one branch on their
    // `or` (or, with the trap on false, the `and` of their negations): each check of such
    // a condition folds into its own access, and the branch keeps the others.
    struct Fold {
      llvm::BranchInst* branch;
      unsigned trapSuccessor;
      llvm::SmallVector<llvm::Instruction*, 2> accesses;
      llvm::SmallVector<llvm::Value*, 2> kept;  // the checks that stay
    };
    llvm::SmallVector<Fold, 32> folds;
    for (llvm::BasicBlock& bb : f_) {
      auto* br = llvm::dyn_cast<llvm::BranchInst>(bb.getTerminator());
      if (!br || br->isUnconditional()) continue;
      for (unsigned s = 0; s < 2; ++s) {
        bool onlyTraps = false;
        if (!isMemoryTrapEdge(&bb, br->getSuccessor(s), &onlyTraps)) continue;
        // A store that the optimiser moved onto the trap's path must happen before the
        // trap: that check stays.
        if (!onlyTraps) break;
        llvm::SmallVector<llvm::Value*, 4> checks;
        if (!splitChecks(br->getCondition(), /*anyOf=*/s == 0, checks)) break;
        Fold fold{br, s, {}, {}};
        for (llvm::Value* check : checks) {
          auto* cmp = llvm::dyn_cast<llvm::ICmpInst>(check);
          llvm::Instruction* access = cmp ? coveringAccess(cmp, s, br) : nullptr;
          if (access)
            fold.accesses.push_back(access);
          else
            fold.kept.push_back(check);
        }
        if (!fold.accesses.empty()) folds.push_back(std::move(fold));
        break;
      }
    }
    if (folds.empty()) return 0;
    for (Fold& fold : folds) {
      if (fold.kept.empty()) {
        removeCheck(fold.branch, fold.trapSuccessor);
      } else {
        llvm::IRBuilder<> b(fold.branch);
        llvm::Value* cond = fold.kept.front();
        for (llvm::Value* check : llvm::drop_begin(fold.kept))
          cond = fold.trapSuccessor == 0 ? b.CreateOr(cond, check) : b.CreateAnd(cond, check);
        llvm::Value* old = fold.branch->getCondition();
        fold.branch->setCondition(cond);
        llvm::RecursivelyDeleteTriviallyDeadInstructions(old);
      }
      for (llvm::Instruction* access : fold.accesses) {
        if (auto* l = llvm::dyn_cast<llvm::LoadInst>(access)) l->setVolatile(true);
        if (auto* st = llvm::dyn_cast<llvm::StoreInst>(access)) st->setVolatile(true);
      }
    }
    // Code generation works a block at a time: give it the blocks the checks split.
    llvm::SmallVector<llvm::BasicBlock*, 64> all;
    for (llvm::BasicBlock& bb : f_) all.push_back(&bb);
    for (llvm::BasicBlock* bb : all) llvm::MergeBlockIntoPredecessor(bb);  // erases only bb
    // Code generation reorders a plain access with a volatile one it can tell apart
    // (DAGCombiner's chains), and deletes a store that a later one overwrites across it:
    // then a store happens after the fault, or not before it, or a load that the folded
    // check also covered (and that faults when it would have trapped) moves above a store.
    // Volatile accesses keep their order, so in a block with a folded access every store,
    // and every load of linear memory, is volatile too.
    llvm::SmallPtrSet<llvm::BasicBlock*, 16> blocks;
    for (const Fold& fold : folds)
      for (llvm::Instruction* access : fold.accesses) blocks.insert(access->getParent());
    for (llvm::BasicBlock* bb : blocks) {
      for (llvm::Instruction& i : *bb) {
        if (auto* st = llvm::dyn_cast<llvm::StoreInst>(&i); st && !st->isAtomic())
          st->setVolatile(true);
        else if (auto* l = llvm::dyn_cast<llvm::LoadInst>(&i); l && !l->isAtomic() &&
                 isLinearMemory(l->getPointerOperand()))
          l->setVolatile(true);
        else if (auto* mem = llvm::dyn_cast<llvm::MemIntrinsic>(&i))
          mem->setVolatile(llvm::ConstantInt::getTrue(f_.getContext()));
      }
    }
    llvm::removeUnreachableBlocks(f_);  // traps no check reaches any more
    return folds.size();
  }

 private:
  // The memory (by index) whose current length `len` is: a load of kiln_memory::length
  // from the memory object that the vmctx points to. GVN merges such loads where paths
  // meet into phis (and selects) of loads of the same memory's length; in loops the phis
  // form cycles.
  std::optional<uint32_t> memoryOfLength(const llvm::Value* len, const llvm::Value** vmctx) {
    llvm::SmallVector<const llvm::Value*, 8> work{len};
    llvm::SmallPtrSet<const llvm::Value*, 16> seen{len};
    std::optional<uint32_t> memory;
    const llvm::Value* root = nullptr;
    while (!work.empty()) {
      const llvm::Value* v = work.pop_back_val();
      auto add = [&](const llvm::Value* in) {
        if (seen.insert(in).second) work.push_back(in);
      };
      if (auto* phi = llvm::dyn_cast<llvm::PHINode>(v)) {
        for (const llvm::Value* in : phi->incoming_values()) add(in);
      } else if (auto* sel = llvm::dyn_cast<llvm::SelectInst>(v)) {
        add(sel->getTrueValue());
        add(sel->getFalseValue());
      } else {
        const llvm::Value* r = nullptr;
        std::optional<uint32_t> m = lengthLoad(v, &r);
        if (!m || (memory && (*m != *memory || r != root))) return std::nullopt;
        memory = m;
        root = r;
      }
      if (seen.size() > kMaxMergedValues) return std::nullopt;
    }
    *vmctx = root;
    return memory;
  }
  std::optional<uint32_t> lengthLoad(const llvm::Value* len, const llvm::Value** vmctx) {
    auto* l = llvm::dyn_cast<llvm::LoadInst>(len);
    if (!l || !l->getType()->isIntegerTy(64)) return std::nullopt;
    auto [object, at] = split(l->getPointerOperand(), dl_);
    if (at != offsetof(kiln_memory, length)) return std::nullopt;
    return memoryOfObject(object, vmctx);
  }
  std::optional<uint32_t> memoryOfObject(const llvm::Value* object, const llvm::Value** vmctx) {
    auto* l = llvm::dyn_cast<llvm::LoadInst>(object);
    if (!l) return std::nullopt;
    auto [root, slot] = split(l->getPointerOperand(), dl_);
    if (!llvm::isa<llvm::Argument>(root)) return std::nullopt;
    *vmctx = root;
    for (const GuardMemory& m : memories_)
      if (m.objectSlot == slot) return m.index;
    return std::nullopt;
  }
  // The memory whose base `base` is: memory 0's base in the vmctx header, or the base
  // field of a memory object.
  std::optional<uint32_t> memoryOfBase(const llvm::Value* base, const llvm::Value* vmctx) {
    auto* l = llvm::dyn_cast<llvm::LoadInst>(base);
    if (!l || !l->getType()->isPointerTy()) return std::nullopt;
    auto [root, at] = split(l->getPointerOperand(), dl_);
    if (root == vmctx && at == KILN_VMCTX_OFFSET_MEMORY0_BASE) return 0u;
    if (at != offsetof(kiln_memory, base)) return std::nullopt;
    const llvm::Value* v = nullptr;
    std::optional<uint32_t> m = memoryOfObject(root, &v);
    if (v != vmctx) return std::nullopt;
    return m;
  }

  // Whether `pointer` points into a guard-page memory (its base is one's base).
  bool isLinearMemory(const llvm::Value* pointer) {
    auto* base = llvm::dyn_cast<llvm::LoadInst>(llvm::getUnderlyingObject(pointer));
    if (!base) return false;
    auto [root, at] = split(base->getPointerOperand(), dl_);
    if (llvm::isa<llvm::Argument>(root)) return at == KILN_VMCTX_OFFSET_MEMORY0_BASE;
    const llvm::Value* vmctx = nullptr;
    return at == offsetof(kiln_memory, base) && memoryOfObject(root, &vmctx).has_value();
  }

  // The checks that `cond` is the `or` of (with `anyOf`; else the `and`), at most a few.
  static bool splitChecks(llvm::Value* cond, bool anyOf,
                          llvm::SmallVectorImpl<llvm::Value*>& checks) {
    using namespace llvm::PatternMatch;
    llvm::Value *a, *b;
    if (anyOf ? match(cond, m_LogicalOr(m_Value(a), m_Value(b)))
              : match(cond, m_LogicalAnd(m_Value(a), m_Value(b))))
      return splitChecks(a, anyOf, checks) && splitChecks(b, anyOf, checks);
    checks.push_back(cond);
    return checks.size() <= kMaxMergedChecks;
  }

  // The access after the branch `br` (which traps on successor `trap`, among other
  // things when `cmp` holds, or with `trap` 1 when it does not) that faults in the guard
  // pages exactly when `cmp` says to trap, or null.
  llvm::Instruction* coveringAccess(llvm::ICmpInst* cmp, unsigned trap, llvm::BranchInst* br) {
    llvm::BasicBlock* check = br->getParent();
    llvm::BasicBlock* next = br->getSuccessor(1 - trap);
    // The check as "trap if end > len".
    llvm::ICmpInst::Predicate pred = trap == 0 ? cmp->getPredicate() : cmp->getInversePredicate();
    // InstCombine turns `x + 1 > len` into `x >= len`: then the end is x + 1.
    llvm::Value *end, *len;
    uint64_t plus = 0;
    switch (pred) {
      case llvm::ICmpInst::ICMP_UGT: end = cmp->getOperand(0); len = cmp->getOperand(1); break;
      case llvm::ICmpInst::ICMP_ULT: end = cmp->getOperand(1); len = cmp->getOperand(0); break;
      case llvm::ICmpInst::ICMP_UGE:
        end = cmp->getOperand(0); len = cmp->getOperand(1); plus = 1; break;
      case llvm::ICmpInst::ICMP_ULE:
        end = cmp->getOperand(1); len = cmp->getOperand(0); plus = 1; break;
      default: return nullptr;
    }
    const llvm::Value* vmctx = nullptr;
    std::optional<uint32_t> memory = memoryOfLength(len, &vmctx);
    if (!memory || !end->getType()->isIntegerTy(64)) return nullptr;
    const llvm::SCEV* endScev =
        se_.getAddExpr(se_.getSCEV(end), se_.getConstant(end->getType(), plus));
    for (unsigned blocks = 0; blocks < kMaxBlocksAhead; ++blocks) {
      // Other paths may join on the way (they reach the access as before), but the way
      // must not go round a loop: a value that one iteration checks and the next
      // accesses is the same SCEV, not the same number. Only values that no iteration
      // of the loop changes may be carried across its header.
      if (next == check || dt_.dominates(next, check)) {
        llvm::Loop* loop = li_.getLoopFor(next);
        if (!loop || loop->getHeader() != next || !se_.isLoopInvariant(endScev, loop))
          return nullptr;
      }
      for (llvm::Instruction& i : *next) {
        if (i.isTerminator()) break;
        if (llvm::Instruction* access = covers(i, *memory, vmctx, endScev)) return access;
        // Up to the access, nothing may change state: no store, no call (arithmetic
        // intrinsics aside). A load may come first: it changes nothing, and one that
        // faults raises the same trap.
        if (i.mayWriteToMemory() || i.mayHaveSideEffects() ||
            (llvm::isa<llvm::CallBase>(i) && !llvm::isa<llvm::IntrinsicInst>(i)))
          return nullptr;
      }
      // Another check may come between: the first of them to fail raised the same trap,
      // with the same state, as the fault will.
      auto* check = llvm::dyn_cast<llvm::BranchInst>(next->getTerminator());
      if (!check || check->isUnconditional()) return nullptr;
      llvm::BasicBlock* after = nullptr;
      for (unsigned s = 0; s < 2; ++s) {
        bool onlyTraps = false;
        if (isMemoryTrapEdge(next, check->getSuccessor(s), &onlyTraps) && onlyTraps)
          after = check->getSuccessor(1 - s);
      }
      if (!after) return nullptr;
      next = after;
    }
    return nullptr;
  }

  // `i` if it is an access of `memory` that ends at `end` (a byte offset).
  llvm::Instruction* covers(llvm::Instruction& i, uint32_t memory, const llvm::Value* vmctx,
                            const llvm::SCEV* endScev) {
    {
      llvm::Value* pointer = nullptr;
      llvm::Type* type = nullptr;
      if (auto* l = llvm::dyn_cast<llvm::LoadInst>(&i); l && !l->isAtomic()) {
        pointer = l->getPointerOperand();
        type = l->getType();
      } else if (auto* s = llvm::dyn_cast<llvm::StoreInst>(&i); s && !s->isAtomic()) {
        pointer = s->getPointerOperand();
        type = s->getValueOperand()->getType();
      }
      if (pointer) {
        const llvm::Value* base = llvm::getUnderlyingObject(pointer);
        if (memoryOfBase(base, vmctx) == memory) {
          const llvm::SCEV* offset =
              se_.getMinusSCEV(se_.getSCEV(pointer), se_.getSCEV(const_cast<llvm::Value*>(base)));
          if (!llvm::isa<llvm::SCEVCouldNotCompute>(offset) && offset->getType()->isIntegerTy(64)) {
            const llvm::SCEV* accessEnd = se_.getAddExpr(
                offset, se_.getConstant(offset->getType(), dl_.getTypeStoreSize(type)));
            if (accessEnd == endScev) return &i;
          }
        }
      }
    }
    return nullptr;
  }

  llvm::Function& f_;
  const llvm::DataLayout& dl_;
  const llvm::SmallVector<GuardMemory, 4>& memories_;
  llvm::TargetLibraryInfoImpl tlii_;
  llvm::TargetLibraryInfo tli_;
  llvm::AssumptionCache ac_;
  llvm::DominatorTree dt_;
  llvm::LoopInfo li_;
  llvm::ScalarEvolution se_;
};

}  // namespace

void recordGuardMemory(llvm::Module& module, uint32_t index, uint64_t objectSlot) {
  llvm::LLVMContext& ctx = module.getContext();
  auto* i64 = llvm::Type::getInt64Ty(ctx);
  module.getOrInsertNamedMetadata(kGuardMemories)
      ->addOperand(llvm::MDNode::get(
          ctx, {llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i64, index)),
                llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i64, objectSlot))}));
}

unsigned foldBoundsChecks(llvm::Module& module) {
  llvm::NamedMDNode* md = module.getNamedMetadata(kGuardMemories);
  if (!md) return 0;
  llvm::SmallVector<GuardMemory, 4> memories;
  for (const llvm::MDNode* n : md->operands()) {
    auto field = [&](unsigned i) {
      return llvm::mdconst::extract<llvm::ConstantInt>(n->getOperand(i))->getZExtValue();
    };
    memories.push_back({static_cast<uint32_t>(field(0)), static_cast<int64_t>(field(1))});
  }
  md->eraseFromParent();
  unsigned folded = 0;
  // The analyses cost: only for functions with a bounds check left.
  auto hasCheck = [](llvm::Function& f) {
    for (llvm::BasicBlock& bb : f)
      if (auto* br = llvm::dyn_cast<llvm::BranchInst>(bb.getTerminator());
          br && br->isConditional() && (isMemoryTrapEdge(&bb, br->getSuccessor(0)) ||
                                        isMemoryTrapEdge(&bb, br->getSuccessor(1))))
        return true;
    return false;
  };
  for (llvm::Function& f : module)
    if (!f.isDeclaration() && hasCheck(f)) folded += Folder(f, memories).run();
  return folded;
}

}  // namespace kiln::lower

// Loops without bounds checks: see BoundsVersioning.h for the design.
#include "lower/BoundsVersioning.h"

#include <cstdint>
#include <utility>

#include "kiln/abi.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/PatternMatch.h"
#include "llvm/IR/ValueHandle.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

namespace kiln::lower {
namespace {

using llvm::ICmpInst;
using llvm::SCEV;

// Limits that keep compile time and code size bounded on huge functions.
constexpr unsigned kMaxLoopInstructions = 2000;  // a larger loop body is not duplicated
constexpr unsigned kMaxVersionedLoops = 64;      // per function
constexpr unsigned kMaxConditionDepth = 8;       // and/or trees of trap conditions
constexpr unsigned kMaxExpressionDepth = 6;      // nested zext/add/addrec of an operand
constexpr int64_t kMaxStep = int64_t{1} << 16;   // bytes an operand moves per iteration
constexpr uint64_t kMaxFactor = uint64_t{1} << 12;  // a constant an operand is scaled by
constexpr uint64_t kMaxSplitConstant = uint64_t{1} << 16;  // a constant offset taken apart
constexpr unsigned kMaxWidenings = 32;           // address recurrences widened per loop
constexpr int64_t kMaxDelta = int64_t{1} << 16;  // between the starts of one group's members
// The loop copy that keeps its checks: it runs only when some access may trap, at most
// up to the trap, so it is neither versioned again nor vectorised nor unrolled.
constexpr char kSlowCopy[] = "kiln.bounds.checked";

// `lhs pred rhs` (unsigned, on i64) must hold in the preheader for the fast copy to run.
struct Requirement {
  const SCEV* lhs;
  ICmpInst::Predicate pred;
  const SCEV* rhs;
};

// A bounds check inside the loop: the branch and which of its edges is the trap.
struct Check {
  llvm::BranchInst* branch;
  unsigned trapSuccessor;
};

// An address `zext i32 {start,+,step} to i64` of the loop, which the fast copy computes as
// an i64 recurrence instead. Wasm addresses are i32 sums that may wrap, so LLVM cannot see
// zext({s,+,t}) as {zext(s),+,t}, nor zext(x + 8) as zext(x) + 8: to its dependence and
// vectoriser analyses, C[i][j] and C[i][j+1] of a row-major array are unrelated pointers,
// and a loop over them is not vectorised. The preheader test proves that none of these
// sums wraps in any iteration, so in the fast copy each is its exact i64 value: one
// recurrence per group of addresses whose starts differ by a constant, and the members
// as that recurrence plus their difference.
struct Widening {
  llvm::WeakVH zext;  // (null once deleted: a zext that only a removed check used)
  const llvm::SCEVAddRecExpr* rec;  // the i32 recurrence it extends
  size_t group;                     // the index of its group's first member (itself: 0)
  int64_t delta;                    // its start minus the first member's, exactly
  const SCEV* start64 = nullptr;    // for a group's first member: zext(start), as i64
};

// Whether and how one loop can be versioned.
class LoopPlan {
 public:
  LoopPlan(llvm::ScalarEvolution& se, llvm::Loop& loop)
      : se_(se), loop_(loop), i64_(llvm::Type::getInt64Ty(loop.getHeader()->getContext())) {}

  // Finds the loop's bounds checks and the preheader test under which none of them can
  // fire. False if the loop has none, or one that cannot be reasoned about.
  bool analyze() {
    for (llvm::BasicBlock* bb : loop_.blocks()) {
      llvm::Instruction* term = bb->getTerminator();
      for (unsigned s = 0; s < term->getNumSuccessors(); ++s) {
        llvm::BasicBlock* to = term->getSuccessor(s);
        if (loop_.contains(to) || !isMemoryTrapEdge(bb, to)) continue;
        auto* br = llvm::dyn_cast<llvm::BranchInst>(term);
        // An unconditional branch to the trap is a trap that happens, not a check: it
        // stays in both copies. Anything else (a switch to it) is not understood.
        if (br && br->isUnconditional()) continue;
        if (!br || br->getSuccessor(0) == br->getSuccessor(1)) return false;
        checks_.push_back({br, s});
      }
    }
    if (checks_.empty()) return false;
    const SCEV* btc = se_.getSymbolicMaxBackedgeTakenCount(&loop_);
    if (llvm::isa<llvm::SCEVCouldNotCompute>(btc) || !btc->getType()->isIntegerTy() ||
        btc->getType()->getIntegerBitWidth() > 64)
      return false;
    iterations_ = se_.getNoopOrZeroExtend(btc, i64_);
    // A trip count below 2^32 keeps every product below with no i64 overflow.
    if (btc->getType()->getIntegerBitWidth() > 32)
      require(iterations_, ICmpInst::ICMP_ULE, constant(UINT32_MAX));
    for (const Check& c : checks_)
      if (!mustBe(c.branch->getCondition(), /*value=*/c.trapSuccessor == 1, 0)) return false;
    planWidenings();
    dedupe();
    return true;
  }

  const llvm::SmallVector<Check, 8>& checks() const { return checks_; }
  const llvm::SmallVector<Widening, 8>& widenings() const { return widenings_; }
  llvm::SmallVector<Widening, 8>& widenings() { return widenings_; }
  const llvm::SmallVector<Requirement, 16>& requirements() const { return requirements_; }
  llvm::SmallVector<Requirement, 16>& requirements() { return requirements_; }

 private:
  const SCEV* constant(uint64_t v) { return se_.getConstant(i64_, v); }

  // `s` as (rest, c) with s = rest + c for a small leading constant c; (s, 0) if it has
  // none.
  std::pair<const SCEV*, uint64_t> splitConstant(const SCEV* s) {
    auto* add = llvm::dyn_cast<llvm::SCEVAddExpr>(s);
    auto* k = add ? llvm::dyn_cast<llvm::SCEVConstant>(add->getOperand(0)) : nullptr;
    if (!k || k->isZero() || !k->getAPInt().ult(kMaxSplitConstant)) return {s, 0};
    return {se_.getMinusSCEV(s, k), k->getAPInt().getZExtValue()};
  }
  void require(const SCEV* lhs, ICmpInst::Predicate pred, const SCEV* rhs) {
    requirements_.push_back({lhs, pred, rhs});
  }

  // Of the requirements `x + c <= y` (`x + c - 1 < y`) that differ only in a constant c,
  // the one with the largest c implies the others: the bounds here are sums of
  // zero-extended narrow values and products of small ones, far from wrapping in i64.
  void dedupe() {
    llvm::SmallVector<Requirement, 16> kept;
    for (Requirement r : requirements_) {
      // a < b as a + 1 <= b.
      if (r.pred == ICmpInst::ICMP_ULT) {
        r.lhs = se_.getAddExpr(r.lhs, constant(1));
        r.pred = ICmpInst::ICMP_ULE;
      }
      // Against the same bound, of two sides that differ by a constant the larger one
      // implies the other (x, x + 8 and x + 16 of an unrolled loop; the rows of a stencil).
      bool merged = false;
      for (Requirement& k : kept) {
        if (k.pred != r.pred || k.rhs != r.rhs) continue;
        auto* d = llvm::dyn_cast<llvm::SCEVConstant>(se_.getMinusSCEV(r.lhs, k.lhs));
        if (!d || d->getAPInt().sge(int64_t{1} << 40) || d->getAPInt().sle(-(int64_t{1} << 40)))
          continue;
        if (d->getAPInt().isStrictlyPositive()) k = r;
        merged = true;
        break;
      }
      if (!merged) kept.push_back(r);
    }
    requirements_ = std::move(kept);
  }

  // The loop's zero-extended i32 recurrences (addresses, see Widening), each with the
  // requirements under which its i32 arithmetic is exact in every iteration (maxOf) and,
  // for a member of a group, its start is the first member's plus a small constant
  // without wrapping. Requirements are only ever added: a test that asks more is still
  // sound, and one whose recurrence cannot be bounded is not widened.
  void planWidenings() {
    for (llvm::BasicBlock* bb : loop_.blocks()) {
      for (llvm::Instruction& i : *bb) {
        auto* zext = llvm::dyn_cast<llvm::ZExtInst>(&i);
        if (!zext || !zext->getSrcTy()->isIntegerTy(32) ||
            !zext->getDestTy()->isIntegerTy(64) || !isAddress(zext))
          continue;
        if (widenings_.size() >= kMaxWidenings) return;
        auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(se_.getSCEV(zext->getOperand(0)));
        if (!rec || rec->getLoop() != &loop_ || !rec->isAffine()) continue;
        auto* step = llvm::dyn_cast<llvm::SCEVConstant>(rec->getStepRecurrence(se_));
        if (!step) continue;
        const int64_t t = step->getAPInt().getSExtValue();
        if (t == 0 || t > kMaxStep || t < -kMaxStep) continue;
        const size_t mark = requirements_.size();
        if (!maxOf(rec, 32, 0)) {
          requirements_.resize(mark);
          continue;
        }
        Widening w{llvm::WeakVH(zext), rec, widenings_.size(), 0};
        for (const Widening& first : widenings_) {
          if (first.group != static_cast<size_t>(&first - widenings_.data()) ||
              first.rec->getStepRecurrence(se_) != rec->getStepRecurrence(se_))
            continue;
          auto* d = llvm::dyn_cast<llvm::SCEVConstant>(
              se_.getMinusSCEV(rec->getStart(), first.rec->getStart()));
          if (!d) continue;
          const int64_t delta = d->getAPInt().getSExtValue();
          if (delta <= -kMaxDelta || delta >= kMaxDelta) continue;
          // start = first start + delta modulo 2^32; exactly, if the sum stays in range.
          const SCEV* from = se_.getZeroExtendExpr(first.rec->getStart(), i64_);
          if (delta > 0) {
            require(se_.getAddExpr(from, constant(static_cast<uint64_t>(delta))),
                    ICmpInst::ICMP_ULE, constant(UINT32_MAX));
          } else if (delta < 0) {
            require(constant(static_cast<uint64_t>(-delta)), ICmpInst::ICMP_ULE, from);
          }
          w.group = first.group;
          w.delta = delta;
          break;
        }
        if (w.group == widenings_.size()) w.start64 = se_.getZeroExtendExpr(rec->getStart(), i64_);
        widenings_.push_back(w);
      }
    }
  }

  // Whether `v` indexes a pointer: a GEP's index, directly or plus a constant offset (the
  // lowering's memory addresses). Other extended values are left alone: widening them
  // would only add tests before the loop.
  static bool isAddress(const llvm::Value* v, unsigned depth = 0) {
    for (const llvm::User* u : v->users()) {
      if (auto* gep = llvm::dyn_cast<llvm::GetElementPtrInst>(u)) {
        if (gep->getPointerOperand() != v) return true;
      } else if (depth == 0 && llvm::isa<llvm::BinaryOperator>(u) &&
                 llvm::cast<llvm::BinaryOperator>(u)->getOpcode() == llvm::Instruction::Add &&
                 llvm::isa<llvm::ConstantInt>(u->getOperand(1)) && isAddress(u, depth + 1)) {
        return true;
      }
    }
    return false;
  }

  // `cond` must evaluate to `value` in every iteration in which it is evaluated.
  bool mustBe(llvm::Value* cond, bool value, unsigned depth) {
    using namespace llvm::PatternMatch;
    if (depth > kMaxConditionDepth) return false;
    if (auto* k = llvm::dyn_cast<llvm::ConstantInt>(cond)) return k->isOne() == value;
    llvm::Value *a, *b;
    if (match(cond, m_Not(m_Value(a)))) return mustBe(a, !value, depth + 1);
    // Both sides of an `or` false; both sides of an `and` true.
    if (!value && match(cond, m_LogicalOr(m_Value(a), m_Value(b))))
      return mustBe(a, false, depth + 1) && mustBe(b, false, depth + 1);
    if (value && match(cond, m_LogicalAnd(m_Value(a), m_Value(b))))
      return mustBe(a, true, depth + 1) && mustBe(b, true, depth + 1);
    auto* cmp = llvm::dyn_cast<ICmpInst>(cond);
    if (!cmp) return false;
    ICmpInst::Predicate pred = value ? cmp->getPredicate() : cmp->getInversePredicate();
    return relation(pred, cmp->getOperand(0), cmp->getOperand(1));
  }

  // `x pred y` (an unsigned order) must hold in every iteration.
  bool relation(ICmpInst::Predicate pred, llvm::Value* x, llvm::Value* y) {
    if (!x->getType()->isIntegerTy() || x->getType()->getIntegerBitWidth() > 64) return false;
    switch (pred) {
      case ICmpInst::ICMP_UGT: pred = ICmpInst::ICMP_ULT; std::swap(x, y); break;
      case ICmpInst::ICMP_UGE: pred = ICmpInst::ICMP_ULE; std::swap(x, y); break;
      case ICmpInst::ICMP_ULT: case ICmpInst::ICMP_ULE: break;
      default: return false;
    }
    // Unsigned orders are the same on the zero-extended values.
    const SCEV* sx = se_.getNoopOrZeroExtend(se_.getSCEV(x), i64_);
    const SCEV* sy = se_.getNoopOrZeroExtend(se_.getSCEV(y), i64_);
    // x <= y with y the same in every iteration: the largest x must be below it.
    if (!se_.isLoopInvariant(sy, &loop_)) return false;
    const SCEV* mx = maxOf(sx, 64, 0);
    if (!mx) return false;
    require(mx, pred, sy);
    return true;
  }

  // An i64 value, at least as large as the unsigned value of `s` (an expression `width`
  // bits wide, zero-extended) in every iteration, given the requirements it adds: they
  // make the expression's arithmetic exact, with no wrap in `width` bits or in i64. Null
  // if `s` is not an affine function of the iteration.
  const SCEV* maxOf(const SCEV* s, unsigned width, unsigned depth) {
    if (depth > kMaxExpressionDepth) return nullptr;
    const SCEV* bound = nullptr;
    if (se_.isLoopInvariant(s, &loop_)) {
      // Its own value; an i64 one is at most 2^40 (below, sums of these cannot wrap).
      bound = se_.getNoopOrZeroExtend(s, i64_);
      if (width == 64) require(bound, ICmpInst::ICMP_ULE, constant(uint64_t{1} << 40));
      // A narrow `x + c` (a small constant c) as the i64 `zext(x) + c`, exact under the
      // no-wrap requirement below: the accesses at x, x+1, x+2 of an unrolled loop or a
      // stencil then differ only in c, and one test covers them all (dedupe()).
      if (auto [rest, c] = splitConstant(s); width < 64 && c != 0)
        bound = se_.getAddExpr(se_.getNoopOrZeroExtend(rest, i64_), constant(c));
    } else if (auto* zext = llvm::dyn_cast<llvm::SCEVZeroExtendExpr>(s)) {
      const SCEV* inner = zext->getOperand();
      return maxOf(inner, inner->getType()->getIntegerBitWidth(), depth + 1);
    } else if (auto* add = llvm::dyn_cast<llvm::SCEVAddExpr>(s)) {
      // invariant + one varying term.
      const SCEV* invariant = nullptr;
      const SCEV* varying = nullptr;
      for (const SCEV* op : add->operands()) {
        if (se_.isLoopInvariant(op, &loop_)) {
          invariant = invariant ? se_.getAddExpr(invariant, op) : op;
        } else if (varying) {
          return nullptr;
        } else {
          varying = op;
        }
      }
      if (!invariant || !varying) return nullptr;
      const SCEV* inv = maxOf(invariant, width, depth + 1);
      const SCEV* var = inv ? maxOf(varying, width, depth + 1) : nullptr;
      if (!var) return nullptr;
      bound = se_.getAddExpr(inv, var);
    } else if (auto* mul = llvm::dyn_cast<llvm::SCEVMulExpr>(s)) {
      // c * x, with a small positive constant c: increasing in x.
      auto* c = llvm::dyn_cast<llvm::SCEVConstant>(mul->getOperand(0));
      if (mul->getNumOperands() != 2 || !c || c->getAPInt().ugt(kMaxFactor) || c->isZero())
        return nullptr;
      const SCEV* x = maxOf(mul->getOperand(1), width, depth + 1);
      if (!x) return nullptr;
      bound = se_.getMulExpr(constant(c->getAPInt().getZExtValue()), x);
    } else if (auto* div = llvm::dyn_cast<llvm::SCEVUDivExpr>(s)) {
      // x /u d, with a constant d: increasing in x.
      auto* d = llvm::dyn_cast<llvm::SCEVConstant>(div->getRHS());
      if (!d || d->isZero()) return nullptr;
      const SCEV* x = maxOf(div->getLHS(), width, depth + 1);
      if (!x) return nullptr;
      bound = se_.getUDivExpr(x, constant(d->getAPInt().getZExtValue()));
    } else if (auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(s)) {
      if (rec->getLoop() != &loop_ || !rec->isAffine()) return nullptr;
      const SCEV* step = rec->getStepRecurrence(se_);
      const SCEV* start = maxOf(rec->getStart(), width, depth + 1);
      if (!start) return nullptr;
      // start + i*t for i in [0, iterations]: increasing, the last value is the largest;
      // decreasing, the first, and the last must not go below zero.
      if (auto* k = llvm::dyn_cast<llvm::SCEVConstant>(step)) {
        int64_t t = k->getAPInt().getSExtValue();
        if (t == 0 || t > kMaxStep || t < -kMaxStep) return nullptr;
        if (t > 0) {
          bound = se_.getAddExpr(start, se_.getMulExpr(iterations_, constant(t)));
        } else {
          require(se_.getMulExpr(iterations_, constant(static_cast<uint64_t>(-t))),
                  ICmpInst::ICMP_ULE, start);
          bound = start;
        }
      } else if (se_.isLoopInvariant(step, &loop_)) {
        // A step that only the run time knows (an outer loop's variable): taken as
        // increasing, and checked to be a small unsigned number.
        const SCEV* t = se_.getNoopOrZeroExtend(step, i64_);
        require(t, ICmpInst::ICMP_ULE, constant(kMaxStep));
        bound = se_.getAddExpr(start, se_.getMulExpr(iterations_, t));
      } else {
        return nullptr;
      }
    } else {
      return nullptr;
    }
    // Exact in `width` bits: no value of the expression wraps.
    if (width < 64) require(bound, ICmpInst::ICMP_ULE, constant((uint64_t{1} << width) - 1));
    return bound;
  }

  llvm::ScalarEvolution& se_;
  llvm::Loop& loop_;
  llvm::Type* i64_;
  const SCEV* iterations_ = nullptr;  // an upper bound on the backedges taken, as i64
  llvm::SmallVector<Check, 8> checks_;
  llvm::SmallVector<Requirement, 16> requirements_;
  llvm::SmallVector<Widening, 8> widenings_;
};

// The test sits in the loop's preheader, and an outer loop's recurrence in it would
// become a new induction variable of that loop, stepped on every iteration of it whether
// or not the inner loop runs (sieve: `for j = i*i; ...; j += i` inside `for i`, whose
// test needs i*i). So the recurrences of loops around the versioned one are written in
// terms of values the outer loop computes anyway, down to invariants.
class OuterRecurrences : public llvm::SCEVRewriteVisitor<OuterRecurrences> {
 public:
  OuterRecurrences(llvm::ScalarEvolution& se, llvm::DominatorTree& dt, llvm::BasicBlock* at)
      : SCEVRewriteVisitor(se), dt_(dt), at_(at) {}

  const SCEV* visitAddRecExpr(const llvm::SCEVAddRecExpr* rec) {
    const llvm::Loop* outer = rec->getLoop();
    if (!outer->contains(at_)) return SCEVRewriteVisitor::visitAddRecExpr(rec);
    // R = c*V + (R - c*V) for a value V of the same degree whose last coefficient times
    // the constant c is R's: R - c*V has a lower degree (exact in modular arithmetic).
    // -(i*i + i) = -1 * (the value i*i) + {-2,+,-1}, itself -1 * (the value i) + 0.
    auto* lead = llvm::dyn_cast<llvm::SCEVConstant>(rec->getOperand(rec->getNumOperands() - 1));
    for (const auto& [value, known] : valuesOf(outer)) {
      auto* kl = llvm::dyn_cast<llvm::SCEVConstant>(known->getOperand(known->getNumOperands() - 1));
      if (!lead || !kl || kl->isZero() || known->getType() != rec->getType() ||
          known->getNumOperands() != rec->getNumOperands() ||
          lead->getAPInt().srem(kl->getAPInt()) != 0)
        continue;
      const SCEV* c = SE.getConstant(lead->getAPInt().sdiv(kl->getAPInt()));
      const SCEV* diff = SE.getMinusSCEV(rec, SE.getMulExpr(c, known));
      auto* left = llvm::dyn_cast<llvm::SCEVAddRecExpr>(diff);
      if (left && left->getLoop() == outer && left->getNumOperands() >= rec->getNumOperands())
        continue;
      return SE.getAddExpr(SE.getMulExpr(c, SE.getUnknown(value)), visit(diff));
    }
    return SCEVRewriteVisitor::visitAddRecExpr(rec);
  }

 private:
  using Known = std::pair<llvm::Value*, const llvm::SCEVAddRecExpr*>;
  // The values of `outer`'s recurrences computed before `at_` in the same iteration: in
  // the blocks from `at_` up the dominator tree to the header.
  const llvm::SmallVector<Known, 16>& valuesOf(const llvm::Loop* outer) {
    auto [it, fresh] = known_.try_emplace(outer);
    if (!fresh) return it->second;
    unsigned budget = kMaxScannedInstructions;
    for (llvm::DomTreeNode* n = dt_.getNode(at_); n && outer->contains(n->getBlock());
         n = n->getIDom()) {
      for (llvm::Instruction& i : *n->getBlock()) {
        if (budget-- == 0) return it->second;
        if (!SE.isSCEVable(i.getType()) || !i.getType()->isIntegerTy()) continue;
        auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(SE.getSCEV(&i));
        if (rec && rec->getLoop() == outer) it->second.push_back({&i, rec});
      }
    }
    return it->second;
  }

  static constexpr unsigned kMaxScannedInstructions = 512;
  llvm::DominatorTree& dt_;
  llvm::BasicBlock* at_;
  llvm::DenseMap<const llvm::Loop*, llvm::SmallVector<Known, 16>> known_;
};

// Whether the loop's body may be duplicated at all, and is small enough to be.
bool mayDuplicate(const llvm::Loop& loop) {
  unsigned n = 0;
  for (const llvm::BasicBlock* bb : loop.blocks()) {
    if (!llvm::isa<llvm::BranchInst>(bb->getTerminator()) &&
        !llvm::isa<llvm::SwitchInst>(bb->getTerminator()))
      return false;
    for (const llvm::Instruction& i : *bb) {
      if (++n > kMaxLoopInstructions) return false;
      if (auto* call = llvm::dyn_cast<llvm::CallBase>(&i)) {
        // setjmp for exceptions (returns_twice), and what LLVM itself will not copy.
        if (call->cannotDuplicate() || call->isConvergent() ||
            call->hasFnAttr(llvm::Attribute::ReturnsTwice))
          return false;
      }
    }
  }
  return true;
}

// Whether the loop leaves by one edge only, traps aside. A loop with another way out (a
// search's early exit) is not vectorised even without its checks, and its checks fold
// into its accesses after optimisation (lower/CheckFolding.h): a test before it would
// cost more than it saves, most of all when it runs a few iterations per entry, as
// searches do.
bool singleExit(const llvm::Loop& loop) {
  unsigned exits = 0;
  for (llvm::BasicBlock* bb : loop.blocks()) {
    const llvm::Instruction* term = bb->getTerminator();
    for (unsigned s = 0; s < term->getNumSuccessors(); ++s) {
      const llvm::BasicBlock* to = term->getSuccessor(s);
      if (!loop.contains(to) && !isTrapEdge(bb, to) && ++exits > 1) return false;
    }
  }
  return true;
}

// Versions `loop`: the preheader tests the plan's requirements and runs either the loop
// without its checks or a copy that keeps them.
void version(llvm::Function& f, llvm::Loop& loop, const LoopPlan& plan, llvm::DominatorTree& dt,
             llvm::LoopInfo& li, llvm::ScalarEvolution& se) {
  llvm::formLCSSA(loop, dt, &li, &se);
  llvm::SmallVector<llvm::BasicBlock*, 8> exits;
  loop.getUniqueExitBlocks(exits);

  // The test, in the old preheader.
  llvm::BasicBlock* test = loop.getLoopPreheader();
  llvm::Type* i64 = llvm::Type::getInt64Ty(f.getContext());
  llvm::SCEVExpander expander(se, f.getDataLayout(), "kiln.bounds");
  llvm::IRBuilder<> b(test->getTerminator());
  llvm::Value* inBounds = b.getTrue();
  for (const Requirement& r : plan.requirements()) {
    llvm::Value* lhs = expander.expandCodeFor(r.lhs, i64, test->getTerminator());
    llvm::Value* rhs = expander.expandCodeFor(r.rhs, i64, test->getTerminator());
    b.SetInsertPoint(test->getTerminator());
    inBounds = b.CreateAnd(inBounds, b.CreateICmp(r.pred, lhs, rhs));
  }
  // The start of each widened recurrence (used by the fast copy only).
  llvm::SmallVector<llvm::Value*, 8> starts(plan.widenings().size(), nullptr);
  for (size_t k = 0; k < plan.widenings().size(); ++k) {
    const Widening& w = plan.widenings()[k];
    if (w.group == k) starts[k] = expander.expandCodeFor(w.start64, i64, test->getTerminator());
  }
  // The expander puts what it can as high as it can: in an outer loop's header, computed
  // on every outer iteration although only this test uses it. Back down it goes.
  llvm::SmallVector<llvm::Instruction*, 32> inserted = expander.getAllInsertedInstructions();
  for (bool moved = true; moved;) {
    moved = false;
    for (llvm::Instruction* i : llvm::reverse(inserted)) {
      if (i->getParent() == test || llvm::isa<llvm::PHINode>(i) || i->use_empty() ||
          i->mayHaveSideEffects() || i->mayReadFromMemory())
        continue;
      llvm::Instruction* first = nullptr;
      for (llvm::User* u : i->users()) {
        auto* ui = llvm::cast<llvm::Instruction>(u);
        if (ui->getParent() != test || llvm::isa<llvm::PHINode>(ui)) {
          first = nullptr;
          break;
        }
        if (!first || ui->comesBefore(first)) first = ui;
      }
      if (!first) continue;
      i->moveBefore(first);
      moved = true;
    }
  }
  llvm::BasicBlock* preheader = llvm::SplitBlock(test, test->getTerminator(), &dt, &li, nullptr,
                                                 loop.getHeader()->getName() + ".inbounds");

  // The copy that keeps its checks.
  llvm::ValueToValueMapTy vmap;
  llvm::SmallVector<llvm::BasicBlock*, 16> copyBlocks;
  llvm::Loop* checked = llvm::cloneLoopWithPreheader(preheader, test, &loop, vmap, ".checked",
                                                     &li, &dt, copyBlocks);
  llvm::remapInstructionsInBlocks(copyBlocks, vmap);
  for (llvm::BasicBlock* exit : exits) {
    for (llvm::PHINode& phi : exit->phis()) {
      for (unsigned i = 0, n = phi.getNumIncomingValues(); i < n; ++i) {
        llvm::BasicBlock* from = phi.getIncomingBlock(i);
        if (!loop.contains(from)) continue;
        llvm::Value* v = phi.getIncomingValue(i);
        if (llvm::Value* mapped = vmap.lookup(v)) v = mapped;
        phi.addIncoming(v, llvm::cast<llvm::BasicBlock>(vmap[from]));
      }
    }
  }
  llvm::Instruction* old = test->getTerminator();
  llvm::MDBuilder md(f.getContext());
  llvm::BranchInst::Create(preheader, llvm::cast<llvm::BasicBlock>(vmap[preheader]), inBounds,
                           old)
      ->setMetadata(llvm::LLVMContext::MD_prof, md.createBranchWeights(1u << 20, 1));
  old->eraseFromParent();
  llvm::addStringMetadataToLoop(checked, kSlowCopy, 1);
  llvm::addStringMetadataToLoop(checked, "llvm.loop.isvectorized", 1);
  llvm::addStringMetadataToLoop(checked, "llvm.loop.unroll.disable");

  // The fast loop loses its checks.
  for (const Check& c : plan.checks()) removeCheck(c.branch, c.trapSuccessor);
  // The chain of blocks the checks split the body into becomes one again.
  llvm::SmallVector<llvm::BasicBlock*, 16> blocks(loop.blocks());
  for (llvm::BasicBlock* bb : blocks)
    if (bb != loop.getHeader()) llvm::MergeBlockIntoPredecessor(bb, nullptr, &li);

  // Its addresses as exact i64 recurrences (see Widening): valid because the test above
  // holds whenever this copy runs.
  llvm::BasicBlock* header = loop.getHeader();
  llvm::BasicBlock* latch = loop.getLoopLatch();
  if (plan.widenings().empty() || latch == nullptr || loop.getLoopPreheader() != preheader)
    return;
  // One counter of iterations, and each group's address start + step * counter: the
  // vectoriser takes accesses based on another recurrence of its own for scalars (it
  // gathers them element by element instead of forming interleaved groups).
  llvm::IRBuilder<> at(header, header->begin());
  llvm::PHINode* counter = at.CreatePHI(i64, 2, "kiln.iter");
  counter->addIncoming(llvm::ConstantInt::get(i64, 0), preheader);
  b.SetInsertPoint(latch->getTerminator());
  counter->addIncoming(b.CreateAdd(counter, llvm::ConstantInt::get(i64, 1), "kiln.iter.next",
                                   /*HasNUW=*/true, /*HasNSW=*/true),
                       latch);
  llvm::SmallVector<llvm::Value*, 8> values(plan.widenings().size(), nullptr);
  b.SetInsertPoint(header, header->getFirstInsertionPt());
  for (size_t k = 0; k < plan.widenings().size(); ++k) {
    const Widening& w = plan.widenings()[k];
    if (w.group != k) continue;
    const int64_t t =
        llvm::cast<llvm::SCEVConstant>(w.rec->getStepRecurrence(se))->getAPInt().getSExtValue();
    // Exact: start + i*t stays in [0, 2^32) for every iteration i that runs (the test).
    const uint64_t size = static_cast<uint64_t>(t < 0 ? -t : t);
    llvm::Value* moved = b.CreateMul(counter, llvm::ConstantInt::get(i64, size), "",
                                     /*HasNUW=*/true, /*HasNSW=*/true);
    values[k] = t > 0 ? b.CreateAdd(starts[k], moved, "kiln.addr", true, true)
                      : b.CreateSub(starts[k], moved, "kiln.addr", true, true);
  }
  for (const Widening& w : plan.widenings()) {
    auto* zext = llvm::dyn_cast_or_null<llvm::ZExtInst>(static_cast<llvm::Value*>(w.zext));
    if (zext == nullptr) continue;
    llvm::Value* v = values[w.group];
    // Exact, so without unsigned wrap either way (the vectoriser needs the flags to take
    // the member for a recurrence that does not wrap).
    b.SetInsertPoint(zext);
    if (w.delta > 0) {
      v = b.CreateAdd(v, llvm::ConstantInt::get(i64, static_cast<uint64_t>(w.delta)),
                      "kiln.addr.at", /*HasNUW=*/true, /*HasNSW=*/true);
    } else if (w.delta < 0) {
      v = b.CreateSub(v, llvm::ConstantInt::get(i64, static_cast<uint64_t>(-w.delta)),
                      "kiln.addr.at", /*HasNUW=*/true, /*HasNSW=*/true);
    }
    zext->replaceAllUsesWith(v);
    zext->eraseFromParent();
  }
}

}  // namespace

namespace {
// Whether the edge from `from` to `to` raises a trap (with `anyCode` false, the trap "out
// of bounds memory access"): it leads, through at most a few blocks that only branch on
// (the dedicated exits that loop simplification adds), to a block that calls the
// noreturn `trap` builtin with that code (a constant) and is then `unreachable`
// (FunctionLowering::trapBlock). SimplifyCFG merges the trap blocks of a function into
// one whose code is a phi of the callers' codes.
bool trapEdge(const llvm::BasicBlock* from, const llvm::BasicBlock* to, bool anyCode,
              bool* onlyTraps) {
  llvm::SmallVector<const llvm::BasicBlock*, 4> path{from};
  while (path.size() < 4) {
    auto* br = llvm::dyn_cast<llvm::BranchInst>(to->getTerminator());
    if (!br || br->isConditional() || to->getFirstNonPHIOrDbg() != br) break;
    path.push_back(to);
    to = br->getSuccessor(0);
  }
  if (!llvm::isa<llvm::UnreachableInst>(to->getTerminator())) return false;
  auto* call = llvm::dyn_cast_or_null<llvm::CallInst>(
      to->getTerminator()->getPrevNonDebugInstruction());
  if (!call || !call->doesNotReturn() || call->arg_size() != 2) return false;
  const llvm::Value* code = call->getArgOperand(1);
  const llvm::BasicBlock* at = to;
  while (auto* phi = llvm::dyn_cast<llvm::PHINode>(code)) {
    if (phi->getParent() != at || path.empty()) return false;
    code = phi->getIncomingValueForBlock(path.back());
    at = path.pop_back_val();
  }
  auto* k = llvm::dyn_cast<llvm::ConstantInt>(code);
  if (!k || (!anyCode && k->getZExtValue() != KILN_TRAP_MEMORY_OOB)) return false;
  if (onlyTraps) {
    // Nothing but the call: the optimiser may have moved work to the trap's path (LICM
    // stores a global it kept in a register there).
    *onlyTraps = true;
    for (const llvm::Instruction& i : *to)
      if (&i != call && (i.mayWriteToMemory() || i.mayHaveSideEffects()) && !i.isTerminator())
        *onlyTraps = false;
  }
  return true;
}

}  // namespace

// See BoundsVersioning.h.
bool isMemoryTrapEdge(const llvm::BasicBlock* from, const llvm::BasicBlock* to,
                      bool* onlyTraps) {
  return trapEdge(from, to, /*anyCode=*/false, onlyTraps);
}

bool isTrapEdge(const llvm::BasicBlock* from, const llvm::BasicBlock* to) {
  return trapEdge(from, to, /*anyCode=*/true, nullptr);
}

void removeCheck(llvm::BranchInst* check, unsigned trapSuccessor) {
  llvm::BasicBlock* next = check->getSuccessor(1 - trapSuccessor);
  check->getSuccessor(trapSuccessor)->removePredecessor(check->getParent());
  llvm::Value* cond = check->getCondition();
  llvm::BranchInst::Create(next, check);
  check->eraseFromParent();
  llvm::RecursivelyDeleteTriviallyDeadInstructions(cond);
}

llvm::PreservedAnalyses BoundsVersioningPass::run(llvm::Function& f,
                                                  llvm::FunctionAnalysisManager& fam) {
  auto& tli = fam.getResult<llvm::TargetLibraryAnalysis>(f);
  bool changed = false;
  // One loop at a time, with fresh analyses: versioning changes the CFG around it.
  for (unsigned n = 0; n < kMaxVersionedLoops; ++n) {
    llvm::DominatorTree dt(f);
    llvm::LoopInfo li(dt);
    llvm::AssumptionCache ac(f);
    llvm::ScalarEvolution se(f, tli, ac, dt, li);
    bool versioned = false;
    for (llvm::Loop* loop : li.getLoopsInPreorder()) {
      if (!loop->isInnermost() || llvm::getBooleanLoopAttribute(loop, kSlowCopy) ||
          !mayDuplicate(*loop) || !singleExit(*loop))
        continue;
      // A preheader, one latch, exits reached only from the loop.
      if (!loop->isLoopSimplifyForm()) {
        changed |= llvm::simplifyLoop(loop, &dt, &li, &se, &ac, nullptr, /*PreserveLCSSA=*/false);
        if (!loop->isLoopSimplifyForm()) continue;
      }
      LoopPlan plan(se, *loop);
      if (!plan.analyze()) continue;
      OuterRecurrences outer(se, dt, loop->getLoopPreheader());
      for (Requirement& r : plan.requirements()) {
        r.lhs = outer.visit(r.lhs);
        r.rhs = outer.visit(r.rhs);
      }
      for (Widening& w : plan.widenings())
        if (w.start64 != nullptr) w.start64 = outer.visit(w.start64);
      bool expandable = true;
      llvm::Instruction* at = loop->getLoopPreheader()->getTerminator();
      llvm::SCEVExpander expander(se, f.getDataLayout(), "kiln.bounds");
      for (const Requirement& r : plan.requirements())
        expandable = expandable && expander.isSafeToExpandAt(r.lhs, at) &&
                     expander.isSafeToExpandAt(r.rhs, at);
      for (const Widening& w : plan.widenings())
        expandable = expandable && (w.start64 == nullptr || expander.isSafeToExpandAt(w.start64, at));
      if (!expandable) continue;
      version(f, *loop, plan, dt, li, se);
      versioned = changed = true;
      break;
    }
    if (!versioned) break;
  }
  return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
}

}  // namespace kiln::lower

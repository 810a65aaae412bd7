// Trap witnesses: see TrapWitness.h for the design.
#include "lower/TrapWitness.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::lower {
namespace {

constexpr llvm::StringLiteral kWitnessPrefix = "kiln.trap_witness.";
// The alignment of every witness access, which no other access in kiln's IR has. LLVM
// merges only instructions of the same operation, alignment included: without it
// SimplifyCFG sank a witness store and a store to linear memory in the two arms of a
// branch into one store through a phi of the two pointers (found by fuzz/run).
const llvm::Align kWitnessAlign(32);

llvm::GlobalVariable* witnessGlobal(llvm::Module& m, llvm::Type* t, llvm::StringRef width) {
  std::string name = absl::StrCat(kWitnessPrefix.str(), width.str());
  if (llvm::GlobalVariable* g = m.getNamedGlobal(name)) return g;
  // A declaration: should one ever survive to code generation, the artifact gets an
  // undefined symbol, which the link and the loader both refuse.
  auto* g = new llvm::GlobalVariable(m, t, /*isConstant=*/false,
                                     llvm::GlobalValue::ExternalLinkage, nullptr, name);
  g->setAlignment(kWitnessAlign);
  return g;
}

bool isWitness(const llvm::Value* pointer) {
  auto* g = llvm::dyn_cast<llvm::GlobalVariable>(llvm::getUnderlyingObject(pointer));
  return g && g->getName().starts_with(kWitnessPrefix);
}

// The value operand of a store to a witness.
bool isWitnessStoreOf(const llvm::User* u, const llvm::Value* v) {
  auto* s = llvm::dyn_cast<llvm::StoreInst>(u);
  return s && s->getValueOperand() == v && isWitness(s->getPointerOperand());
}

// An instruction that only computes a value: deleting it, when nothing needs the value,
// changes nothing else.
bool computesOnly(const llvm::Instruction& i) {
  return !i.isTerminator() && !i.isEHPad() && !llvm::isa<llvm::AllocaInst>(i) &&
         !i.mayHaveSideEffects() && !i.mayReadFromMemory();
}

void resolveFunction(llvm::Function& f) {
  // witnessOnly: instructions whose value, as far as it goes anywhere, goes only into
  // witness stores. The greatest such set, found by removing from all candidates those
  // with another use (a reduction phi and its add use each other; both stay in).
  llvm::SmallVector<llvm::StoreInst*, 16> witnessStores;
  llvm::SmallPtrSet<llvm::Instruction*, 32> witnessOnly;
  for (llvm::Instruction& i : llvm::instructions(f)) {
    if (auto* s = llvm::dyn_cast<llvm::StoreInst>(&i)) {
      if (isWitness(s->getPointerOperand())) witnessStores.push_back(s);
    } else if (auto* l = llvm::dyn_cast<llvm::LoadInst>(&i)) {
      if (isWitness(l->getPointerOperand())) witnessOnly.insert(l);
    } else if (computesOnly(i)) {
      witnessOnly.insert(&i);
    }
  }
  if (witnessStores.empty() && witnessOnly.empty()) return;
  auto usedElsewhere = [&](llvm::Instruction* i) {
    for (llvm::User* u : i->users()) {
      auto* ui = llvm::cast<llvm::Instruction>(u);
      if (!witnessOnly.contains(ui) && !isWitnessStoreOf(ui, i)) return true;
    }
    return false;
  };
  llvm::SmallVector<llvm::Instruction*, 64> work(witnessOnly.begin(), witnessOnly.end());
  while (!work.empty()) {
    llvm::Instruction* i = work.pop_back_val();
    if (!witnessOnly.contains(i) || !usedElsewhere(i)) continue;
    witnessOnly.erase(i);
    for (llvm::Value* op : i->operands())
      if (auto* oi = llvm::dyn_cast<llvm::Instruction>(op); oi && witnessOnly.contains(oi))
        work.push_back(oi);
  }

  // The program loads that feed a witness: the Wasm loads that are left, and the loads
  // the optimiser made of them (vectorised, merged). Found backwards from the witness
  // stores through every computation, shared or not: a load whose extended value is both
  // added to the witness and used as the next address feeds the witness through an
  // instruction that is not witness-only (found by fuzz/run).
  llvm::SmallVector<llvm::LoadInst*, 32> witnessed;
  {
    llvm::SmallPtrSet<llvm::Instruction*, 32> seen;
    llvm::SmallVector<llvm::Instruction*, 32> todo;
    for (llvm::StoreInst* s : witnessStores)
      if (auto* v = llvm::dyn_cast<llvm::Instruction>(s->getValueOperand())) todo.push_back(v);
    while (!todo.empty()) {
      llvm::Instruction* i = todo.pop_back_val();
      if (!seen.insert(i).second) continue;
      if (auto* l = llvm::dyn_cast<llvm::LoadInst>(i)) {
        if (!isWitness(l->getPointerOperand()) && !l->isVolatile()) witnessed.push_back(l);
        continue;
      }
      if (!computesOnly(*i)) continue;
      for (llvm::Value* op : i->operands())
        if (auto* oi = llvm::dyn_cast<llvm::Instruction>(op)) todo.push_back(oi);
    }
  }

  for (llvm::StoreInst* s : witnessStores) s->eraseFromParent();
  for (llvm::Instruction* i : witnessOnly) i->dropAllReferences();
  for (llvm::Instruction* i : witnessOnly) {
    // Droppable users (assumptions about a deleted value) go with it.
    i->replaceAllUsesWith(llvm::PoisonValue::get(i->getType()));
    i->eraseFromParent();
  }

  // From here on only code generation runs, and it treats loads as free of effects too: it
  // deletes one whose value it finds unused (x * 0 at -O0), narrows one whose bits or lanes
  // are only partly used (a 4-byte load for `trunc (load i64)`, a scalar load for an
  // extracted lane), sinks one into the successor that uses it (past the branch to a trap
  // that must come after it) and reorders it with stores (changing what memory holds when
  // it traps). Each loses or moves a trap. Volatile forbids all four, and nothing else is
  // left to optimise: the loads stay where the IR has them, whole.
  for (llvm::LoadInst* l : witnessed) l->setVolatile(true);
}

}  // namespace

void witnessLoad(llvm::IRBuilder<>& b, llvm::LoadInst* load, llvm::MDNode* tbaa) {
  llvm::Module& m = *b.GetInsertBlock()->getModule();
  llvm::LLVMContext& ctx = m.getContext();
  const uint64_t bits = m.getDataLayout().getTypeSizeInBits(load->getType());
  llvm::Value* v = load;
  llvm::Type* t;
  llvm::StringRef width;
  if (bits <= 32) {
    llvm::Type* asInt = llvm::IntegerType::get(ctx, static_cast<unsigned>(bits));
    if (v->getType() != asInt) v = b.CreateBitCast(v, asInt);
    t = b.getInt32Ty();
    if (bits < 32) v = b.CreateZExt(v, t);
    width = "i32";
  } else if (bits == 64) {
    t = b.getInt64Ty();
    if (v->getType() != t) v = b.CreateBitCast(v, t);
    width = "i64";
  } else {
    t = llvm::FixedVectorType::get(b.getInt64Ty(), static_cast<unsigned>(bits / 64));
    if (v->getType() != t) v = b.CreateBitCast(v, t);
    width = bits == 128 ? "v128" : "wide";
  }
  llvm::GlobalVariable* g = witnessGlobal(m, t, width);
  llvm::LoadInst* old = b.CreateAlignedLoad(t, g, kWitnessAlign);
  old->setMetadata(llvm::LLVMContext::MD_tbaa, tbaa);
  llvm::StoreInst* s = b.CreateAlignedStore(b.CreateAdd(old, v), g, kWitnessAlign);
  s->setMetadata(llvm::LLVMContext::MD_tbaa, tbaa);
}

absl::Status resolveTrapWitnesses(llvm::Module& module) {
  llvm::SmallVector<llvm::GlobalVariable*, 4> witnesses;
  for (llvm::GlobalVariable& g : module.globals())
    if (g.getName().starts_with(kWitnessPrefix)) witnesses.push_back(&g);
  if (witnesses.empty()) return absl::OkStatus();
  for (llvm::Function& f : module)
    if (!f.isDeclaration()) resolveFunction(f);
  for (llvm::GlobalVariable* g : witnesses) {
    g->removeDeadConstantUsers();
    if (!g->use_empty()) {
      std::string user;
      llvm::raw_string_ostream os(user);
      g->user_back()->print(os);
      if (auto* i = llvm::dyn_cast<llvm::Instruction>(g->user_back()))
        os << " (in " << i->getFunction()->getName() << ")";
      return absl::InternalError(absl::StrCat(
          "a trap witness is still in use after optimisation: ", g->getName().str(), ": ", user));
    }
    g->eraseFromParent();
  }
  return absl::OkStatus();
}

}  // namespace kiln::lower

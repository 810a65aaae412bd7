// The per-function lowering (internal to the compiler). FunctionLowering.cc has the
// control flow, scalar instructions and calls; SimdLowering.cc the 0xFD instructions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "Lowering.h"
#include "absl/status/status.h"
#include "kiln/wasm/BodyReader.h"
#include "kiln/wasm/Instruction.h"
#include "kiln/wasm/Opcodes.h"
#include "llvm/IR/Intrinsics.h"

namespace kiln::lower {

using wasm::BodyReader;
using wasm::FuncType;
using wasm::ValType;
namespace op = wasm::op;

struct Frame {
  enum Kind { Block, Loop, If, Func, TryTable } kind;
  std::vector<ValType> params;
  std::vector<ValType> results;
  size_t height = 0;                      // operand stack height below the params
  llvm::BasicBlock* cont = nullptr;       // after `end` (for Func: the return block)
  llvm::BasicBlock* header = nullptr;     // Loop: branch target
  llvm::BasicBlock* elseBlock = nullptr;  // If: start of the else arm (until seen)
  llvm::Value* handler = nullptr;         // TryTable: its kiln_handler record
  std::vector<llvm::PHINode*> resultPhis;  // in cont
  std::vector<llvm::PHINode*> loopPhis;    // in header
  std::vector<llvm::Value*> ifParams;      // If: params for the else arm
  bool sawElse = false;
  bool unreachable = false;  // the rest of the current arm is dead

  const std::vector<ValType>& labelTypes() const { return kind == Loop ? params : results; }
};

class FunctionLowering {
 public:
  FunctionLowering(ModuleContext& c, uint32_t funcIndex)
      : c_(c),
        m_(c.wasm),
        funcIndex_(funcIndex),
        def_(m_.functions[funcIndex - m_.numImportedFuncs]),
        type_(m_.funcType(funcIndex)),
        fn_(c.funcs[funcIndex]),
        b_(c.ctx),
        r_(m_.bytes.data(), def_.bodyStart, def_.bodyEnd) {}

  absl::Status run();

 private:
  // ---- helpers: types, constants ----
  llvm::Type* ty(ValType t) { return c_.type(t); }
  llvm::Constant* zero(ValType t) { return llvm::Constant::getNullValue(ty(t)); }
  llvm::ConstantInt* i32c(uint64_t v) { return llvm::ConstantInt::get(c_.i32, v); }
  llvm::ConstantInt* i64c(uint64_t v) { return llvm::ConstantInt::get(c_.i64, v); }

  // ---- stack ----
  void push(llvm::Value* v) { stack_.push_back(v); }
  llvm::Value* pop() {
    llvm::Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<llvm::Value*> popN(size_t n) {
    std::vector<llvm::Value*> out(stack_.end() - n, stack_.end());
    stack_.resize(stack_.size() - n);
    return out;
  }

  // ---- vmctx access ----
  llvm::Value* vmctxField(uint32_t offset) {
    return b_.CreateConstInBoundsGEP1_64(c_.i8, vmctx_, offset);
  }
  // The field at `offset` (KILN_THREAD_OFFSET_*) of the running thread's kiln_thread_state:
  // %fs-relative, at the offset the loader put in the vmctx (the same on every thread).
  llvm::Value* threadField(uint32_t offset) {
    llvm::Value* state = b_.CreateIntToPtr(
        loadRuntime(c_.i64, vmctxField(KILN_VMCTX_OFFSET_THREAD_STATE), true), c_.fsPtr);
    return offset == 0 ? state : b_.CreateConstInBoundsGEP1_64(c_.i8, state, offset);
  }
  // The field at `offset` (an offsetof of an abi.h struct) of the runtime object at `obj`.
  llvm::Value* fieldOf(llvm::Value* obj, size_t offset) {
    return b_.CreateConstInBoundsGEP1_64(c_.i8, obj, offset);
  }
  // Epoch interruption and fuel: a check at function entry and at every loop header.
  void interruptCheck();
  // Fuel: charges the instructions lowered since the last charge (a basic block's worth).
  void flushFuel();
  static bool isControl(uint8_t opcode);
  uint64_t pendingFuel_ = 0;

  llvm::LoadInst* loadRuntime(llvm::Type* t, llvm::Value* p, bool invariant) {
    llvm::LoadInst* l =
        b_.CreateAlignedLoad(t, p, llvm::Align(t->isPointerTy() || t == c_.i64 ? 8 : 4));
    l->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaRuntime);
    if (invariant)
      l->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(c_.ctx, {}));
    return l;
  }
  llvm::Value* memoryObject(uint32_t mem) {
    return loadRuntime(c_.ptr, vmctxField(c_.layout.memories + 8 * mem), true);
  }
  llvm::Value* memoryBase(uint32_t mem);
  // Whether an access to `mem` relies on the guard pages alone, with no explicit check:
  // a 32-bit memory at -O0, where nothing reorders memory accesses. Its loads feed a trap
  // witness (TrapWitness.h) so that code generation keeps them.
  bool guardPagesOnly(uint32_t mem) const {
    return !m_.memories[mem].limits.is64 && c_.optLevel == 0;
  }
  llvm::Value* tableObject(uint32_t t) {
    return loadRuntime(c_.ptr, vmctxField(c_.layout.tables + 8 * t), true);
  }
  llvm::Value* globalPtr(uint32_t g) {
    return loadRuntime(c_.ptr, vmctxField(c_.layout.globals + 8 * g), true);
  }
  llvm::Value* funcRef(uint32_t f) {
    return loadRuntime(c_.ptr, vmctxField(c_.layout.funcs + 8 * f), true);
  }
  llvm::Value* typeId(uint32_t t) {
    return loadRuntime(c_.i32, vmctxField(c_.layout.type_ids + 4 * t), true);
  }
  llvm::FunctionCallee builtin(unsigned slot, llvm::FunctionType* ft) {
    llvm::Value* table = loadRuntime(c_.ptr, vmctxField(KILN_VMCTX_OFFSET_BUILTINS), true);
    llvm::Value* fp =
        loadRuntime(c_.ptr, b_.CreateConstInBoundsGEP1_64(c_.i8, table, sizeof(void*) * slot), true);
    return llvm::FunctionCallee(ft, fp);
  }

  // Calls builtin `slot` (C ABI) with `args`; the signature follows from the argument types.
  llvm::CallInst* callBuiltin(unsigned slot, llvm::Type* ret, std::vector<llvm::Value*> args) {
    std::vector<llvm::Type*> types;
    for (llvm::Value* a : args) types.push_back(a->getType());
    auto* ft = llvm::FunctionType::get(ret, types, false);
    return b_.CreateCall(builtin(slot, ft), args);
  }
  llvm::Value* zext64(llvm::Value* v) { return b_.CreateZExt(v, c_.i64); }
  void smallBulkOrBuiltin(uint32_t mem, llvm::Value* dst, llvm::Value* src_or_value,
                          llvm::Value* n, bool fill);

  // ---- traps ----
  llvm::BasicBlock* trapBlock(kiln_trap_code code);
  void trapIf(llvm::Value* cond, kiln_trap_code code);
  void trapNow(kiln_trap_code code);

  // ---- control ----
  llvm::BasicBlock* newBlock(const char* name) {
    return llvm::BasicBlock::Create(c_.ctx, name, fn_);
  }
  void pushFrame(Frame::Kind kind, std::vector<ValType> params, std::vector<ValType> results);
  void branchTo(Frame& target);  // from the current position, with the top values
  void condBranch(Frame& target, llvm::Value* cond);
  FuncType readBlockSig();  // the block type of the block/loop/if at instrOffset_
  // Leaving frames down to `target` (a br/return to it) leaves the try_tables among them:
  // their handlers must come off the thread's handler chain. Returns the handler of the
  // outermost such try_table, or nullptr.
  llvm::Value* exitedTryHandler(const Frame& target);
  void leaveTries(const Frame& target);
  void lowerTryTable();
  void lowerThrow(uint32_t tag);
  llvm::Value* entryAlloca(llvm::Type* t, unsigned align);
  llvm::LoadInst* loadLocal(uint32_t i);
  void storeLocal(uint32_t i, llvm::Value* v);
  void fallthrough(Frame& f);
  void addIncoming(Frame& target, const std::vector<llvm::Value*>& vals);
  void markUnreachable();
  void terminateDead();
  void skipDeadCode();
  void endFrame();
  void elseFrame();
  Frame& label(uint32_t depth) { return frames_[frames_.size() - 1 - depth]; }

  // ---- instructions ----
  absl::Status lowerInstruction(uint8_t opcode);
  absl::Status lowerPrefixFC(uint32_t sub);
  absl::Status lowerSimd(const wasm::Instruction& ins);
  void lowerLoad(uint8_t opcode);
  void lowerStore(uint8_t opcode);
  // The address of an access of `size` bytes at addr + offset; traps when out of bounds
  // on a memory with explicit bounds checks (memory64).
  llvm::Value* effectiveAddress(uint32_t mem, llvm::Value* addr, uint64_t offset,
                                unsigned size);
  unsigned storeSize(llvm::Type* t) const {
    return static_cast<unsigned>(c_.mod.getDataLayout().getTypeStoreSize(t));
  }
  llvm::IntegerType* memAddrType(uint32_t mem) const {
    return m_.memories[mem].limits.is64 ? c_.i64 : c_.i32;
  }
  llvm::IntegerType* tableAddrType(uint32_t table) const {
    return m_.tables[table].limits.is64 ? c_.i64 : c_.i32;
  }
  void memarg(uint32_t* mem, uint64_t* offset);
  void lowerCall(uint32_t funcIndex, bool tail = false);
  void lowerCallIndirect(uint32_t typeIndex, uint32_t table, bool tail = false);
  // A call with the top values as arguments. `tail`: a guaranteed tail call (return_call*)
  // that returns the callee's results directly. `fromRef`: the callee and its vmctx come
  // from a funcref (call_indirect, call_ref); see the same-instance fast path.
  void emitCall(llvm::FunctionType* ft, llvm::Value* callee, llvm::Value* calleeVmctx,
                const FuncType& sig, bool tail, bool fromRef = false);
  // One call instruction (and the `ret` after a tail call); returns the call's value.
  llvm::Value* makeCall(llvm::FunctionType* ft, llvm::Value* callee, llvm::Value* calleeVmctx,
                        const std::vector<llvm::Value*>& wasmArgs, bool tail,
                        bool sameInstance);
  void pushResults(llvm::Value* result, const FuncType& sig);
  void intBinary(uint8_t opcode);
  void floatOp(uint8_t opcode);
  static bool isIdentityConstant(llvm::Value* v);
  llvm::Value* hardwareFloatOp(const std::string& mnemonic, llvm::Value* lhs, llvm::Value* rhs);
  void convert(uint8_t opcode);
  llvm::Value* truncChecked(llvm::Value* x, bool isSigned, llvm::IntegerType* to);
  llvm::Value* unaryIntrinsic(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateUnaryIntrinsic(id, x);
  }
  llvm::Value* boolToI32(llvm::Value* b) { return b_.CreateZExt(b, c_.i32); }
  void tableBoundsCheck(llvm::Value* table, llvm::Value* index, kiln_trap_code code);

  ModuleContext& c_;
  const wasm::Module& m_;
  uint32_t funcIndex_;
  const wasm::Function& def_;
  const FuncType& type_;
  llvm::Function* fn_;
  llvm::IRBuilder<> b_;
  BodyReader r_;

  llvm::Value* vmctx_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<ValType> localTypes_;
  std::vector<llvm::Value*> stack_;
  std::vector<Frame> frames_;
  std::vector<llvm::Value*> memBases_;
  llvm::BasicBlock* trapBlocks_[KILN_TRAP_COUNT] = {};
  llvm::DISubprogram* sp_ = nullptr;  // with a code map: this function's (debug locations)
  size_t instrOffset_ = 0;
  wasm::Instruction scratch_;  // decoded instruction (dead code, SIMD)
  // The body has a try_table: locals live in memory across the setjmp of its handler, so
  // they are accessed with volatile loads and stores (a longjmp must see their current
  // values, not register copies from the time of the setjmp).
  bool hasTry_ = false;
  bool hasCalls_ = false;                  // a non-tail call was lowered
  llvm::Instruction* stackCheck_ = nullptr;  // the entry's sp < limit comparison
};

// The reader features for already validated bodies: every encoding kiln knows.
const wasm::Features& anyFeatures();

}  // namespace kiln::lower

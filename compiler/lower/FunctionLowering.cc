// Lowering of one Wasm function body to LLVM IR.
//
// The body is walked once with an operand stack of llvm::Value* and a stack of control
// frames. Locals live in allocas (promoted by mem2reg/SROA). Code after an unconditional
// branch is skipped up to the matching `else`/`end`. Every trap is a branch to a cold block
// calling the noreturn `trap` builtin through the vmctx.
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>

#include "absl/strings/str_format.h"
#include "kiln/wasm/BodyReader.h"
#include "kiln/wasm/Opcodes.h"
#include "kiln/wasm/Validator.h"
#include "FunctionLowering.h"
#include "lower/TrapWitness.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/Transforms/Utils/Local.h"

namespace kiln::lower {

llvm::Value* FunctionLowering::memoryBase(uint32_t mem) {
  if (memBases_.size() <= mem) memBases_.resize(mem + 1, nullptr);
  if (!memBases_[mem]) {
    // Materialise in the entry block: the base never moves, so it is loop invariant.
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    b_.SetInsertPoint(entry_->getTerminator());
    // Memory 0's base sits in the vmctx header itself: one load instead of two.
    memBases_[mem] =
        mem == 0 ? loadRuntime(c_.ptr, vmctxField(KILN_VMCTX_OFFSET_MEMORY0_BASE), true)
                 : loadRuntime(c_.ptr, memoryObject(mem), true);
  }
  return memBases_[mem];
}

llvm::BasicBlock* FunctionLowering::trapBlock(kiln_trap_code code) {
  // With a code map every trap site has a call of its own, at its instruction's location,
  // which no pass may merge with another (nomerge): the return address says which
  // instruction trapped. Without, one block per trap code serves the whole function.
  if (sp_ != nullptr || !trapBlocks_[code]) {
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    llvm::BasicBlock* bb = newBlock("trap");
    b_.SetInsertPoint(bb);
    auto* ft = llvm::FunctionType::get(c_.voidTy, {c_.ptr, c_.i32}, false);
    llvm::FunctionCallee trap = builtin(KILN_BUILTIN_TRAP, ft);
    llvm::CallInst* call = b_.CreateCall(trap, {vmctx_, i32c(code)});
    call->setDoesNotReturn();
    call->setDoesNotThrow();
    if (sp_ != nullptr) call->addFnAttr(llvm::Attribute::NoMerge);
    b_.CreateUnreachable();
    if (sp_ != nullptr) return bb;
    trapBlocks_[code] = bb;
  }
  return trapBlocks_[code];
}

void FunctionLowering::trapIf(llvm::Value* cond, kiln_trap_code code) {
  llvm::BasicBlock* ok = newBlock("ok");
  llvm::MDBuilder md(c_.ctx);
  b_.CreateCondBr(cond, trapBlock(code), ok, md.createBranchWeights(1, 1u << 20));
  b_.SetInsertPoint(ok);
}

// Instructions that end a straight-line run (branches, calls, block boundaries): the fuel
// of the run is charged before them, so every executed instruction is charged once.
bool FunctionLowering::isControl(uint8_t opcode) {
  switch (opcode) {
    case op::Unreachable: case op::Block: case op::Loop: case op::If: case op::Else:
    case op::End: case op::Br: case op::BrIf: case op::BrTable: case op::Return:
    case op::Call: case op::CallIndirect: case op::ReturnCall: case op::ReturnCallIndirect:
    case op::CallRef: case op::ReturnCallRef: case op::Throw: case op::ThrowRef:
    case op::TryTable: case op::BrOnNull: case op::BrOnNonNull:
      return true;
    default:
      return false;
  }
}

void FunctionLowering::flushFuel() {
  if (!c_.fuel || pendingFuel_ == 0) return;
  llvm::Value* field = threadField(KILN_THREAD_OFFSET_FUEL);
  llvm::Value* left = loadRuntime(c_.i64, field, false);
  llvm::StoreInst* st = b_.CreateAlignedStore(
      b_.CreateSub(left, llvm::ConstantInt::get(c_.i64, pendingFuel_)), field, llvm::Align(8));
  st->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaRuntime);
  pendingFuel_ = 0;
}

void FunctionLowering::interruptCheck() {
  if (c_.epochChecks) {
    // The counter changes under the running code (another thread bumps it): a volatile
    // load every time. Its address and the deadline do not change while a call runs.
    llvm::Value* counter = loadRuntime(c_.ptr, threadField(KILN_THREAD_OFFSET_EPOCH), true);
    llvm::LoadInst* epoch = b_.CreateAlignedLoad(c_.i64, counter, llvm::Align(8));
    epoch->setVolatile(true);
    llvm::Value* deadline =
        loadRuntime(c_.i64, threadField(KILN_THREAD_OFFSET_EPOCH_DEADLINE), false);
    trapIf(b_.CreateICmpUGE(epoch, deadline), KILN_TRAP_INTERRUPTED);
  }
  if (c_.fuel) {
    flushFuel();
    llvm::Value* left = loadRuntime(c_.i64, threadField(KILN_THREAD_OFFSET_FUEL), false);
    trapIf(b_.CreateICmpSLT(left, llvm::ConstantInt::get(c_.i64, 0)), KILN_TRAP_OUT_OF_FUEL);
  }
}

void FunctionLowering::trapNow(kiln_trap_code code) {
  b_.CreateBr(trapBlock(code));
  markUnreachable();
}

void FunctionLowering::pushFrame(Frame::Kind kind, std::vector<ValType> params,
                                 std::vector<ValType> results) {
  Frame f;
  f.kind = kind;
  f.params = std::move(params);
  f.results = std::move(results);
  f.height = stack_.size() - f.params.size();
  f.cont = newBlock(kind == Frame::Loop ? "loop.end" : kind == Frame::If ? "if.end" : "block.end");
  {
    llvm::IRBuilder<> pb(f.cont);
    for (ValType t : f.results) f.resultPhis.push_back(pb.CreatePHI(ty(t), 2));
  }
  if (kind == Frame::Loop) {
    f.header = newBlock("loop");
    std::vector<llvm::Value*> params = popN(f.params.size());
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateBr(f.header);
    b_.SetInsertPoint(f.header);
    for (size_t i = 0; i < params.size(); ++i) {
      llvm::PHINode* phi = b_.CreatePHI(ty(f.params[i]), 2);
      phi->addIncoming(params[i], from);
      f.loopPhis.push_back(phi);
      push(phi);
    }
    interruptCheck();
  }
  frames_.push_back(std::move(f));
}

void FunctionLowering::addIncoming(Frame& target, const std::vector<llvm::Value*>& vals) {
  llvm::BasicBlock* from = b_.GetInsertBlock();
  auto& phis = target.kind == Frame::Loop ? target.loopPhis : target.resultPhis;
  for (size_t i = 0; i < phis.size(); ++i) phis[i]->addIncoming(vals[i], from);
}

// Falls off the end of `f` (or of its then-arm) into its continuation with the results.
void FunctionLowering::fallthrough(Frame& f) {
  size_t n = f.results.size();
  llvm::BasicBlock* from = b_.GetInsertBlock();
  for (size_t i = 0; i < n; ++i) f.resultPhis[i]->addIncoming(stack_[stack_.size() - n + i], from);
  b_.CreateBr(f.cont);
}

llvm::Value* FunctionLowering::exitedTryHandler(const Frame& target) {
  const size_t ti = static_cast<size_t>(&target - frames_.data());
  for (size_t i = ti; i < frames_.size(); ++i) {
    if (frames_[i].kind == Frame::TryTable && frames_[i].handler) return frames_[i].handler;
  }
  return nullptr;
}

void FunctionLowering::leaveTries(const Frame& target) {
  if (llvm::Value* h = exitedTryHandler(target))
    callBuiltin(KILN_BUILTIN_TRY_LEAVE, c_.voidTy, {vmctx_, h});
}

llvm::Value* FunctionLowering::entryAlloca(llvm::Type* t, unsigned align) {
  llvm::IRBuilder<>::InsertPointGuard guard(b_);
  b_.SetInsertPoint(entry_->getTerminator());
  llvm::AllocaInst* a = b_.CreateAlloca(t);
  a->setAlignment(llvm::Align(align));
  return a;
}

llvm::LoadInst* FunctionLowering::loadLocal(uint32_t i) {
  llvm::LoadInst* l = b_.CreateLoad(ty(localTypes_[i]), locals_[i]);
  if (hasTry_) l->setVolatile(true);
  return l;
}

void FunctionLowering::storeLocal(uint32_t i, llvm::Value* v) {
  llvm::StoreInst* s = b_.CreateStore(v, locals_[i]);
  if (hasTry_) s->setVolatile(true);
}

// try_table: push a handler record, setjmp on it; a longjmp from `throw` lands in the
// dispatch code, which compares the exception's tag with each catch clause in order and
// branches to the clause's label with the payload (and the exnref for the _ref kinds).
// An exception no clause matches is rethrown to the next handler.
void FunctionLowering::lowerTryTable() {
  r_.seek(instrOffset_);
  wasm::InstructionReader ir(r_, anyFeatures());
  if (!ir.next(scratch_)) return;
  const std::vector<wasm::Catch> catches = scratch_.catches;
  absl::StatusOr<FuncType> sig = wasm::blockType(m_, scratch_.block);  // validated
  if (!sig.ok()) return;

  llvm::Value* handler = entryAlloca(llvm::ArrayType::get(c_.i8, sizeof(kiln_handler)), 16);
  callBuiltin(KILN_BUILTIN_TRY_ENTER, c_.voidTy, {vmctx_, handler});
  llvm::Value* jmpbuf = b_.CreateConstInBoundsGEP1_64(c_.i8, handler, offsetof(kiln_handler, jmpbuf));
  llvm::CallInst* sj = callBuiltin(KILN_BUILTIN_SETJMP, c_.i32, {jmpbuf});
  sj->addFnAttr(llvm::Attribute::ReturnsTwice);
  llvm::BasicBlock* landing = newBlock("catch.dispatch");
  llvm::BasicBlock* body = newBlock("try.body");
  b_.CreateCondBr(b_.CreateICmpNE(sj, i32c(0)), landing, body);

  // Dispatch, in the context outside the try_table (its handler is already popped).
  b_.SetInsertPoint(landing);
  llvm::LoadInst* exn = b_.CreateAlignedLoad(
      c_.ptr, b_.CreateConstInBoundsGEP1_64(c_.i8, handler, offsetof(kiln_handler, exn)),
      llvm::Align(8));
  exn->setVolatile(true);
  bool open = true;
  for (const wasm::Catch& c : catches) {
    Frame& target = label(c.label);
    std::vector<llvm::Value*> vals;
    llvm::BasicBlock* next = nullptr;
    if (c.kind == wasm::Catch::Tag || c.kind == wasm::Catch::TagRef) {
      llvm::Value* want = loadRuntime(c_.ptr, vmctxField(c_.layout.tags + 8 * c.tag), true);
      llvm::Value* have = loadRuntime(c_.ptr, exn, false);
      llvm::BasicBlock* match = newBlock("catch.match");
      next = newBlock("catch.next");
      b_.CreateCondBr(b_.CreateICmpEQ(want, have), match, next);
      b_.SetInsertPoint(match);
      const std::vector<ValType>& params = m_.types[m_.tags[c.tag]].params;
      for (size_t i = 0; i < params.size(); ++i) {
        llvm::Value* p = b_.CreateConstInBoundsGEP1_64(
            c_.i8, exn, offsetof(kiln_exception, values) + sizeof(kiln_val) * i);
        vals.push_back(b_.CreateAlignedLoad(ty(params[i]), p, llvm::Align(8)));
      }
    }
    if (c.kind == wasm::Catch::TagRef || c.kind == wasm::Catch::AllRef) {
      // The exnref escapes into Wasm: the exception must live on.
      b_.CreateAlignedStore(i32c(KILN_EXN_EXPOSED),
                            b_.CreateConstInBoundsGEP1_64(c_.i8, exn, offsetof(kiln_exception, flags)),
                            llvm::Align(4));
      vals.push_back(exn);
    } else {
      // Nothing can refer to it after this catch unless it was exposed before.
      callBuiltin(KILN_BUILTIN_EXN_RELEASE, c_.voidTy, {vmctx_, exn});
    }
    leaveTries(target);
    addIncoming(target, vals);
    b_.CreateBr(target.kind == Frame::Loop ? target.header : target.cont);
    if (!next) {
      open = false;  // catch_all: later clauses never run
      break;
    }
    b_.SetInsertPoint(next);
  }
  if (open) {
    llvm::CallInst* rethrow = callBuiltin(KILN_BUILTIN_EXN_THROW_REF, c_.voidTy, {vmctx_, exn});
    rethrow->setDoesNotReturn();
    b_.CreateUnreachable();
  }

  b_.SetInsertPoint(body);
  pushFrame(Frame::TryTable, sig->params, sig->results);
  frames_.back().handler = handler;
}

void FunctionLowering::lowerThrow(uint32_t tag) {
  const std::vector<ValType>& params = m_.types[m_.tags[tag]].params;
  std::vector<llvm::Value*> vals = popN(params.size());
  llvm::Value* buf =
      entryAlloca(llvm::ArrayType::get(c_.i8, sizeof(kiln_val) * std::max<size_t>(params.size(), 1)), 16);
  for (size_t i = 0; i < vals.size(); ++i)
    b_.CreateAlignedStore(vals[i], fieldOf(buf, sizeof(kiln_val) * i),
                          llvm::Align(8));
  llvm::Value* tagPtr = loadRuntime(c_.ptr, vmctxField(c_.layout.tags + 8 * tag), true);
  llvm::CallInst* call = callBuiltin(KILN_BUILTIN_EXN_THROW, c_.voidTy, {vmctx_, tagPtr, buf});
  call->setDoesNotReturn();
  b_.CreateUnreachable();
  markUnreachable();
}

FuncType FunctionLowering::readBlockSig() {
  r_.seek(instrOffset_);
  wasm::InstructionReader ir(r_, anyFeatures());
  if (!ir.next(scratch_)) return {};
  absl::StatusOr<FuncType> sig = wasm::blockType(m_, scratch_.block);  // validated
  return sig.ok() ? *sig : FuncType{};
}

// Branches to `target` with the top values when `cond` holds, else falls through.
void FunctionLowering::condBranch(Frame& target, llvm::Value* cond) {
  size_t n = target.labelTypes().size();
  std::vector<llvm::Value*> vals(stack_.end() - n, stack_.end());
  llvm::BasicBlock* dest = target.kind == Frame::Loop ? target.header : target.cont;
  llvm::BasicBlock* fallthrough = newBlock("br_if.else");
  if (llvm::Value* h = exitedTryHandler(target)) {
    // The taken edge leaves try_tables: pop their handlers on that edge only.
    llvm::BasicBlock* edge = newBlock("br_if.leave");
    b_.CreateCondBr(cond, edge, fallthrough);
    b_.SetInsertPoint(edge);
    callBuiltin(KILN_BUILTIN_TRY_LEAVE, c_.voidTy, {vmctx_, h});
    addIncoming(target, vals);
    b_.CreateBr(dest);
  } else {
    addIncoming(target, vals);
    b_.CreateCondBr(cond, dest, fallthrough);
  }
  b_.SetInsertPoint(fallthrough);
}

void FunctionLowering::branchTo(Frame& target) {
  leaveTries(target);
  size_t n = target.labelTypes().size();
  std::vector<llvm::Value*> vals(stack_.end() - n, stack_.end());
  addIncoming(target, vals);
  b_.CreateBr(target.kind == Frame::Loop ? target.header : target.cont);
}

void FunctionLowering::markUnreachable() {
  Frame& f = frames_.back();
  stack_.resize(f.height);
  f.unreachable = true;
}

absl::Status FunctionLowering::run() {
  if (!c_.subprograms.empty()) {
    sp_ = c_.subprograms[funcIndex_];
    // The prologue (locals, stack check, interruption check) is at the first instruction.
    b_.SetCurrentDebugLocation(llvm::DILocation::get(c_.ctx, def_.bodyStart, 0, sp_));
  }
  entry_ = llvm::BasicBlock::Create(c_.ctx, "entry", fn_);
  llvm::BasicBlock* body = llvm::BasicBlock::Create(c_.ctx, "body", fn_);
  b_.SetInsertPoint(entry_);
  auto argIt = fn_->arg_begin();
  vmctx_ = &*argIt++;
  vmctx_->setName("vmctx");

  // Does the body have a try_table? (Then locals are volatile, see hasTry_.)
  {
    BodyReader scan(m_.bytes.data(), def_.bodyStart, def_.bodyEnd);
    wasm::InstructionReader ir(scan, anyFeatures());
    while (!scan.atEnd() && ir.next(scratch_)) {
      if (scratch_.opcode == op::TryTable) {
        hasTry_ = true;
        break;
      }
    }
  }

  // Locals: params first, then declared locals, zero-initialised.
  for (ValType t : type_.params) localTypes_.push_back(t);
  for (ValType t : def_.locals) localTypes_.push_back(t);
  for (size_t i = 0; i < localTypes_.size(); ++i) {
    llvm::AllocaInst* a = b_.CreateAlloca(ty(localTypes_[i]), nullptr, "local");
    locals_.push_back(a);
  }
  for (size_t i = 0; i < localTypes_.size(); ++i) {
    llvm::Value* init = i < type_.params.size() ? static_cast<llvm::Value*>(&*argIt++)
                                                : zero(localTypes_[i]);
    b_.CreateStore(init, locals_[i]);
  }
  b_.CreateBr(body);
  b_.SetInsertPoint(body);

  // Stack limit check: trap before the native stack is exhausted.
  {
    llvm::Function* readReg =
        llvm::Intrinsic::getDeclaration(&c_.mod, llvm::Intrinsic::read_register, {c_.i64});
    llvm::Metadata* rsp = llvm::MDString::get(c_.ctx, "rsp");
    llvm::Value* sp = b_.CreateCall(readReg, {llvm::MetadataAsValue::get(
                                                 c_.ctx, llvm::MDNode::get(c_.ctx, {rsp}))});
    llvm::Value* limit =
        loadRuntime(c_.i64, threadField(KILN_THREAD_OFFSET_STACK_LIMIT), false);
    stackCheck_ = llvm::cast<llvm::Instruction>(b_.CreateICmpULT(sp, limit));
    trapIf(stackCheck_, KILN_TRAP_STACK_EXHAUSTED);
  }
  interruptCheck();

  Frame f;
  f.kind = Frame::Func;
  f.results = type_.results;
  f.height = 0;
  f.cont = llvm::BasicBlock::Create(c_.ctx, "return", fn_);
  {
    llvm::IRBuilder<> pb(f.cont);
    for (ValType t : f.results) f.resultPhis.push_back(pb.CreatePHI(ty(t), 2));
  }
  frames_.push_back(std::move(f));

  while (!frames_.empty()) {
    if (frames_.back().unreachable) skipDeadCode();
    if (r_.atEnd() || r_.failed()) break;
    instrOffset_ = r_.pos();
    if (sp_ != nullptr)
      b_.SetCurrentDebugLocation(llvm::DILocation::get(c_.ctx, instrOffset_, 0, sp_));
    uint8_t opcode = r_.u8();
    if (c_.fuel) {
      ++pendingFuel_;
      if (isControl(opcode)) {
        if (frames_.back().unreachable) {
          pendingFuel_ = 0;  // nothing before it runs on this path
        } else {
          flushFuel();
        }
      }
    }
    absl::Status s = lowerInstruction(opcode);
    if (!s.ok()) return s;
    if (r_.failed())
      return absl::InternalError(
          absl::StrFormat("lowering function %u: %s at byte 0x%x", funcIndex_, r_.error(),
                          r_.errorOffset()));
  }
  if (!frames_.empty())
    return absl::InternalError(absl::StrFormat("function %u: body ended early", funcIndex_));
  if (!hasCalls_) {
    // A function that calls nothing cannot take the stack deeper than its own frame, and
    // its frame is probed page by page into the guard below the stack (a fault there is
    // the trap "call stack exhausted"): the explicit limit check is only needed where
    // depth can grow, so leaves go without it.
    llvm::Value* sp = stackCheck_->getOperand(0);
    llvm::Value* limit = stackCheck_->getOperand(1);
    stackCheck_->replaceAllUsesWith(llvm::ConstantInt::getFalse(c_.ctx));
    stackCheck_->eraseFromParent();
    for (llvm::Value* v : {sp, limit}) llvm::RecursivelyDeleteTriviallyDeadInstructions(v);
  }
  return absl::OkStatus();
}

void FunctionLowering::terminateDead() {
  if (!b_.GetInsertBlock()->getTerminator()) b_.CreateUnreachable();
}

void FunctionLowering::endFrame() {
  Frame& f = frames_.back();
  if (f.unreachable) terminateDead();
  if (!f.unreachable && f.kind == Frame::TryTable)
    callBuiltin(KILN_BUILTIN_TRY_LEAVE, c_.voidTy, {vmctx_, f.handler});
  if (!f.unreachable) fallthrough(f);
  if (f.kind == Frame::If && !f.sawElse) {
    // The missing else arm passes the params straight to the end.
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    b_.SetInsertPoint(f.elseBlock);
    for (size_t i = 0; i < f.resultPhis.size(); ++i)
      f.resultPhis[i]->addIncoming(f.ifParams[i], f.elseBlock);
    b_.CreateBr(f.cont);
  }
  stack_.resize(f.height);
  llvm::BasicBlock* cont = f.cont;
  std::vector<llvm::PHINode*> phis = f.resultPhis;
  Frame::Kind kind = f.kind;
  frames_.pop_back();

  b_.SetInsertPoint(cont);
  bool reachable = !llvm::pred_empty(cont);
  if (kind == Frame::Func) {
    if (!reachable) {
      b_.CreateUnreachable();
      for (auto* phi : phis) phi->eraseFromParent();
      return;
    }
    if (phis.empty()) {
      b_.CreateRetVoid();
    } else if (phis.size() == 1) {
      b_.CreateRet(phis[0]);
    } else {
      llvm::Value* agg = llvm::UndefValue::get(fn_->getReturnType());
      for (unsigned i = 0; i < phis.size(); ++i) agg = b_.CreateInsertValue(agg, phis[i], i);
      b_.CreateRet(agg);
    }
    return;
  }
  if (!reachable) {
    for (auto* phi : phis) phi->eraseFromParent();
    cont->eraseFromParent();
    // Everything after this `end` in the enclosing frame is dead too.
    b_.SetInsertPoint(newBlock("dead"));
    frames_.back().unreachable = true;
    return;
  }
  for (auto* phi : phis) push(phi);
}

void FunctionLowering::elseFrame() {
  Frame& f = frames_.back();
  if (f.unreachable) terminateDead();
  if (!f.unreachable) fallthrough(f);
  stack_.resize(f.height);
  for (llvm::Value* v : f.ifParams) push(v);
  f.sawElse = true;
  f.unreachable = false;
  b_.SetInsertPoint(f.elseBlock);
}

// The reader used on already validated bodies: it accepts every encoding kiln knows.
const wasm::Features& anyFeatures() {
  static const wasm::Features f = wasm::Features::wasm3();
  return f;
}

// Skips dead instructions up to (not including) the `else` or `end` of the current frame.
void FunctionLowering::skipDeadCode() {
  unsigned depth = 0;
  wasm::InstructionReader ir(r_, anyFeatures());
  while (!r_.atEnd() && !r_.failed()) {
    size_t at = r_.pos();
    if (!ir.next(scratch_)) return;
    switch (scratch_.opcode) {
      case op::Block: case op::Loop: case op::If: case op::TryTable:
        ++depth;
        break;
      case op::End:
        if (depth == 0) {
          r_.seek(at);
          return;
        }
        --depth;
        break;
      case op::Else:
        if (depth == 0) {
          r_.seek(at);
          return;
        }
        break;
      default:
        break;
    }
  }
}

void FunctionLowering::memarg(uint32_t* mem, uint64_t* offset) {
  uint32_t align = r_.u32();
  *mem = 0;
  if (align & 0x40) *mem = r_.u32();
  *offset = r_.u64();
}

llvm::Value* FunctionLowering::effectiveAddress(uint32_t mem, llvm::Value* addr,
                                                uint64_t offset, unsigned size) {
  if (m_.memories[mem].limits.is64) {
    // Explicit strategy (memory64): no reservation covers a 64-bit index space, so check
    // addr + offset + size <= length, without wrapping.
    llvm::Value* obj = memoryObject(mem);
    llvm::Value* len = loadRuntime(c_.i64, fieldOf(obj, offsetof(kiln_memory, length)), false);
    if (offset > UINT64_MAX - size) {
      trapIf(b_.getTrue(), KILN_TRAP_MEMORY_OOB);
    } else {
      llvm::Value* sum = b_.CreateBinaryIntrinsic(llvm::Intrinsic::uadd_with_overflow, addr,
                                                  i64c(offset + size));
      llvm::Value* end = b_.CreateExtractValue(sum, 0);
      llvm::Value* wrapped = b_.CreateExtractValue(sum, 1);
      trapIf(b_.CreateOr(wrapped, b_.CreateICmpUGT(end, len)), KILN_TRAP_MEMORY_OOB);
    }
    llvm::Value* a = offset ? b_.CreateAdd(addr, i64c(offset)) : addr;
    return b_.CreateInBoundsGEP(c_.i8, memoryBase(mem), a, "ea");
  }
  // Guard-page strategy: zext(i32) + u32 offset < 2^33 stays inside the reservation.
  llvm::Value* a = b_.CreateZExt(addr, c_.i64);
  if (!guardPagesOnly(mem)) {
    // When the optimiser runs, the trap is also an explicit check (a branch LLVM sees), so
    // no store moves across it and what memory holds at the trap is exact; loops whose
    // accesses one check before the loop covers lose their checks again
    // (compiler/lower/BoundsVersioning.h). The guard pages stay behind it.
    llvm::Value* len =
        loadRuntime(c_.i64, fieldOf(memoryObject(mem), offsetof(kiln_memory, length)), false);
    llvm::Value* end = b_.CreateAdd(a, i64c(offset + size), "end", /*NUW=*/true, /*NSW=*/true);
    trapIf(b_.CreateICmpUGT(end, len), KILN_TRAP_MEMORY_OOB);
  }
  if (offset) a = b_.CreateAdd(a, i64c(offset), "", /*NUW=*/true, /*NSW=*/true);
  return b_.CreateInBoundsGEP(c_.i8, memoryBase(mem), a, "ea");
}

void FunctionLowering::lowerLoad(uint8_t opcode) {
  uint32_t mem;
  uint64_t offset;
  memarg(&mem, &offset);
  llvm::Value* address = pop();
  llvm::Type* loadTy;
  llvm::Type* resultTy = nullptr;
  bool sext = false;
  switch (opcode) {
    case op::I32Load: loadTy = c_.i32; break;
    case op::I64Load: loadTy = c_.i64; break;
    case op::F32Load: loadTy = c_.f32; break;
    case op::F64Load: loadTy = c_.f64; break;
    case op::I32Load8S: loadTy = c_.i8; resultTy = c_.i32; sext = true; break;
    case op::I32Load8U: loadTy = c_.i8; resultTy = c_.i32; break;
    case op::I32Load16S: loadTy = c_.i16; resultTy = c_.i32; sext = true; break;
    case op::I32Load16U: loadTy = c_.i16; resultTy = c_.i32; break;
    case op::I64Load8S: loadTy = c_.i8; resultTy = c_.i64; sext = true; break;
    case op::I64Load8U: loadTy = c_.i8; resultTy = c_.i64; break;
    case op::I64Load16S: loadTy = c_.i16; resultTy = c_.i64; sext = true; break;
    case op::I64Load16U: loadTy = c_.i16; resultTy = c_.i64; break;
    case op::I64Load32S: loadTy = c_.i32; resultTy = c_.i64; sext = true; break;
    default: loadTy = c_.i32; resultTy = c_.i64; break;  // I64Load32U
  }
  llvm::Value* p = effectiveAddress(mem, address, offset, storeSize(loadTy));
  llvm::LoadInst* l = b_.CreateAlignedLoad(loadTy, p, llvm::Align(1));
  l->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaMemory);
  if (guardPagesOnly(mem)) witnessLoad(b_, l, c_.tbaaWitness);
  llvm::Value* v = l;
  if (resultTy) v = sext ? b_.CreateSExt(l, resultTy) : b_.CreateZExt(l, resultTy);
  push(v);
}

void FunctionLowering::lowerStore(uint8_t opcode) {
  uint32_t mem;
  uint64_t offset;
  memarg(&mem, &offset);
  llvm::Value* v = pop();
  llvm::Value* address = pop();
  switch (opcode) {
    case op::I32Store8: case op::I64Store8: v = b_.CreateTrunc(v, c_.i8); break;
    case op::I32Store16: case op::I64Store16: v = b_.CreateTrunc(v, c_.i16); break;
    case op::I64Store32: v = b_.CreateTrunc(v, c_.i32); break;
    default: break;
  }
  llvm::Value* p = effectiveAddress(mem, address, offset, storeSize(v->getType()));
  llvm::StoreInst* s = b_.CreateAlignedStore(v, p, llvm::Align(1));
  s->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaMemory);
}

// memory.copy (within one memory) and memory.fill on a 32-bit memory. Up to
// kInlineBulkBytes: the bounds check inline (i32 operands, so the i64 sums cannot wrap) and
// the host's memmove/memset called directly; above it, the builtin, which checks, copies
// and then polls for interruption (a long copy runs in host code, where the interrupt
// signal cannot unwind). `src_or_value` is the source address (copy) or the byte (fill).
void FunctionLowering::smallBulkOrBuiltin(uint32_t mem, llvm::Value* dst,
                                          llvm::Value* src_or_value, llvm::Value* n,
                                          bool fill) {
  constexpr uint64_t kInlineBulkBytes = 4096;
  llvm::Value* d = zext64(dst);
  llvm::Value* n64 = zext64(n);
  llvm::BasicBlock* small = newBlock("bulk.small");
  llvm::BasicBlock* large = newBlock("bulk.large");
  llvm::BasicBlock* done = newBlock("bulk.done");
  b_.CreateCondBr(b_.CreateICmpULE(n64, i64c(kInlineBulkBytes)), small, large);

  b_.SetInsertPoint(small);
  llvm::Value* len = loadRuntime(c_.i64, fieldOf(memoryObject(mem), offsetof(kiln_memory, length)),
                                 false);
  llvm::Value* oob = b_.CreateICmpUGT(b_.CreateAdd(d, n64), len);
  llvm::Value* s = fill ? nullptr : zext64(src_or_value);
  if (!fill) oob = b_.CreateOr(oob, b_.CreateICmpUGT(b_.CreateAdd(s, n64), len));
  trapIf(oob, KILN_TRAP_MEMORY_OOB);
  llvm::Value* base = memoryBase(mem);
  llvm::Value* dp = b_.CreateInBoundsGEP(c_.i8, base, d);
  if (fill) {
    auto* ft = llvm::FunctionType::get(c_.ptr, {c_.ptr, c_.i32, c_.i64}, false);
    b_.CreateCall(builtin(KILN_BUILTIN_MEMSET, ft),
                  {dp, b_.CreateAnd(src_or_value, i32c(0xFF)), n64});
  } else {
    auto* ft = llvm::FunctionType::get(c_.ptr, {c_.ptr, c_.ptr, c_.i64}, false);
    b_.CreateCall(builtin(KILN_BUILTIN_MEMMOVE, ft),
                  {dp, b_.CreateInBoundsGEP(c_.i8, base, s), n64});
  }
  b_.CreateBr(done);

  b_.SetInsertPoint(large);
  if (fill)
    callBuiltin(KILN_BUILTIN_MEMORY_FILL, c_.voidTy, {vmctx_, i32c(mem), d, src_or_value, n64});
  else
    callBuiltin(KILN_BUILTIN_MEMORY_COPY, c_.voidTy,
                {vmctx_, i32c(mem), i32c(mem), d, zext64(src_or_value), n64});
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

void FunctionLowering::emitCall(llvm::FunctionType* ft, llvm::Value* callee,
                                llvm::Value* calleeVmctx, const FuncType& sig, bool tail,
                                bool fromRef) {
  std::vector<llvm::Value*> args = popN(sig.params.size());
  if (tail) leaveTries(frames_.front());  // the caller's frame and its try_tables are gone
  if (!tail) hasCalls_ = true;  // depth can grow: keep the stack limit check
  if (!fromRef) {
    llvm::Value* result = makeCall(ft, callee, calleeVmctx, args, tail, false);
    if (tail)
      markUnreachable();
    else
      pushResults(result, sig);
    return;
  }
  // A call through a funcref (call_indirect, call_ref). Its vmctx comes from a load chain
  // (table slot, then the funcref), and the callee's first act is to load its memory base
  // from that vmctx. Passing the loaded pointer would put the whole chain on the critical
  // path of every indirect call (an interpreter's dispatch loop runs 3x slower). Most
  // indirect calls stay inside the instance, so branch on it: on the predicted path the
  // callee gets the caller's own vmctx register and the loads resolve in the shadow of the
  // (predicted) indirect branch.
  llvm::Function* fn = b_.GetInsertBlock()->getParent();
  llvm::BasicBlock* same = llvm::BasicBlock::Create(c_.ctx, "same.instance", fn);
  llvm::BasicBlock* other = llvm::BasicBlock::Create(c_.ctx, "other.instance", fn);
  llvm::MDBuilder md(c_.ctx);
  b_.CreateCondBr(b_.CreateICmpEQ(calleeVmctx, vmctx_), same, other,
                  md.createLikelyBranchWeights());
  b_.SetInsertPoint(same);
  llvm::Value* r1 = makeCall(ft, callee, vmctx_, args, tail, true);
  llvm::BasicBlock* sameEnd = b_.GetInsertBlock();
  b_.SetInsertPoint(other);
  llvm::Value* r2 = makeCall(ft, callee, calleeVmctx, args, tail, false);
  llvm::BasicBlock* otherEnd = b_.GetInsertBlock();
  if (tail) {
    markUnreachable();
    return;
  }
  llvm::BasicBlock* join = llvm::BasicBlock::Create(c_.ctx, "call.join", fn);
  b_.SetInsertPoint(sameEnd);
  b_.CreateBr(join);
  b_.SetInsertPoint(otherEnd);
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  llvm::Value* result = nullptr;
  if (!ft->getReturnType()->isVoidTy()) {
    llvm::PHINode* phi = b_.CreatePHI(ft->getReturnType(), 2);
    phi->addIncoming(r1, sameEnd);
    phi->addIncoming(r2, otherEnd);
    result = phi;
  }
  pushResults(result, sig);
}

llvm::Value* FunctionLowering::makeCall(llvm::FunctionType* ft, llvm::Value* callee,
                                        llvm::Value* calleeVmctx,
                                        const std::vector<llvm::Value*>& wasmArgs, bool tail,
                                        bool sameInstance) {
  std::vector<llvm::Value*> args;
  args.reserve(wasmArgs.size() + 1);
  args.push_back(calleeVmctx);
  args.insert(args.end(), wasmArgs.begin(), wasmArgs.end());
  llvm::CallInst* call = b_.CreateCall(ft, callee, args);
  call->setCallingConv(kWasmCC);
  // A distinct call-site attribute keeps SimplifyCFG from sinking the two calls of an
  // indirect call's same-instance diamond back into one (which would turn the vmctx into a
  // select and restore the load dependency).
  if (sameInstance) call->addFnAttr(llvm::Attribute::get(c_.ctx, "kiln-same-instance"));
  if (tail) {
    // With GuaranteedTailCallOpt (see codegen) a fastcc `tail` call right before `ret`
    // is a jump: the caller's frame is gone before the callee runs.
    call->setTailCallKind(llvm::CallInst::TCK_Tail);
    if (ft->getReturnType()->isVoidTy())
      b_.CreateRetVoid();
    else
      b_.CreateRet(call);
    return nullptr;
  }
  // A Wasm call consumes stack: never turn it into a jump (tail-recursion elimination or a
  // sibling call would make runaway recursion loop forever instead of trapping).
  call->setTailCallKind(llvm::CallInst::TCK_NoTail);
  return call;
}

void FunctionLowering::pushResults(llvm::Value* result, const FuncType& sig) {
  if (sig.results.size() == 1) {
    push(result);
  } else {
    for (unsigned i = 0; i < sig.results.size(); ++i) push(b_.CreateExtractValue(result, i));
  }
}

void FunctionLowering::lowerCall(uint32_t funcIndex, bool tail) {
  const FuncType& sig = m_.funcType(funcIndex);
  llvm::FunctionType* ft = c_.wasmFnTypes[m_.funcTypes[funcIndex]];
  if (!m_.isImportedFunc(funcIndex)) {
    emitCall(ft, c_.funcs[funcIndex], vmctx_, sig, tail);
    return;
  }
  llvm::Value* ref = funcRef(funcIndex);
  llvm::Value* code = loadRuntime(c_.ptr, ref, true);
  llvm::Value* calleeVmctx =
      loadRuntime(c_.ptr, fieldOf(ref, offsetof(kiln_funcref, vmctx)), true);
  emitCall(ft, code, calleeVmctx, sig, tail);
}

void FunctionLowering::tableBoundsCheck(llvm::Value* table, llvm::Value* index,
                                        kiln_trap_code code) {
  llvm::Value* size =
      loadRuntime(c_.i64, fieldOf(table, offsetof(kiln_table, size)), false);
  trapIf(b_.CreateICmpUGE(b_.CreateZExt(index, c_.i64), size), code);
}

void FunctionLowering::lowerCallIndirect(uint32_t typeIndex, uint32_t tableIndex, bool tail) {
  const FuncType& sig = m_.types[typeIndex];
  llvm::Value* index = pop();
  llvm::Value* table = tableObject(tableIndex);
  tableBoundsCheck(table, index, KILN_TRAP_UNDEFINED_ELEMENT);
  llvm::Value* elems = loadRuntime(c_.ptr, table, false);
  llvm::Value* slot = b_.CreateInBoundsGEP(c_.ptr, elems, b_.CreateZExt(index, c_.i64));
  llvm::LoadInst* ref = b_.CreateAlignedLoad(c_.ptr, slot, llvm::Align(8));
  ref->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaTable);
  trapIf(b_.CreateICmpEQ(ref, llvm::ConstantPointerNull::get(c_.ptr)),
         KILN_TRAP_UNINITIALIZED_ELEMENT);
  llvm::Value* actual =
      loadRuntime(c_.i32, fieldOf(ref, offsetof(kiln_funcref, type_id)), true);
  trapIf(b_.CreateICmpNE(actual, typeId(typeIndex)), KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
  llvm::Value* code = loadRuntime(c_.ptr, ref, true);
  llvm::Value* calleeVmctx =
      loadRuntime(c_.ptr, fieldOf(ref, offsetof(kiln_funcref, vmctx)), true);
  emitCall(c_.wasmFnTypes[typeIndex], code, calleeVmctx, sig, tail, /*fromRef=*/true);
}

void FunctionLowering::intBinary(uint8_t opcode) {
  llvm::Value* rhs = pop();
  llvm::Value* lhs = pop();
  llvm::Type* t = lhs->getType();
  unsigned bits = t->getIntegerBitWidth();
  auto c = [&](uint64_t v) { return llvm::ConstantInt::get(t, v); };
  bool is32 = bits == 32;
  uint8_t base = is32 ? op::I32Add : op::I64Add;  // normalise i64 ops onto i32 numbering
  uint8_t k = static_cast<uint8_t>(opcode - base);
  llvm::Value* r = nullptr;
  switch (k) {
    case 0: r = b_.CreateAdd(lhs, rhs); break;
    case 1: r = b_.CreateSub(lhs, rhs); break;
    case 2: r = b_.CreateMul(lhs, rhs); break;
    case 3: {  // div_s
      trapIf(b_.CreateICmpEQ(rhs, c(0)), KILN_TRAP_INT_DIV_ZERO);
      llvm::Value* minV = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(bits));
      trapIf(b_.CreateAnd(b_.CreateICmpEQ(lhs, minV),
                          b_.CreateICmpEQ(rhs, llvm::ConstantInt::getSigned(t, -1))),
             KILN_TRAP_INT_OVERFLOW);
      r = b_.CreateSDiv(lhs, rhs);
      break;
    }
    case 4:  // div_u
      trapIf(b_.CreateICmpEQ(rhs, c(0)), KILN_TRAP_INT_DIV_ZERO);
      r = b_.CreateUDiv(lhs, rhs);
      break;
    case 5: {  // rem_s: x rem -1 is 0 (x86 idiv would fault on INT_MIN)
      trapIf(b_.CreateICmpEQ(rhs, c(0)), KILN_TRAP_INT_DIV_ZERO);
      llvm::Value* isMinus1 = b_.CreateICmpEQ(rhs, llvm::ConstantInt::getSigned(t, -1));
      r = b_.CreateSRem(lhs, b_.CreateSelect(isMinus1, c(1), rhs));
      break;
    }
    case 6:
      trapIf(b_.CreateICmpEQ(rhs, c(0)), KILN_TRAP_INT_DIV_ZERO);
      r = b_.CreateURem(lhs, rhs);
      break;
    case 7: r = b_.CreateAnd(lhs, rhs); break;
    case 8: r = b_.CreateOr(lhs, rhs); break;
    case 9: r = b_.CreateXor(lhs, rhs); break;
    case 10: r = b_.CreateShl(lhs, b_.CreateAnd(rhs, c(bits - 1))); break;
    case 11: r = b_.CreateAShr(lhs, b_.CreateAnd(rhs, c(bits - 1))); break;
    case 12: r = b_.CreateLShr(lhs, b_.CreateAnd(rhs, c(bits - 1))); break;
    case 13: r = b_.CreateIntrinsic(llvm::Intrinsic::fshl, {t}, {lhs, lhs, rhs}); break;
    case 14: r = b_.CreateIntrinsic(llvm::Intrinsic::fshr, {t}, {lhs, lhs, rhs}); break;
  }
  push(r);
}

// Float arithmetic and unary ops; opcode ranges of f32 and f64 have the same shape.
void FunctionLowering::floatOp(uint8_t opcode) {
  bool is32 = opcode <= op::F32Copysign;
  uint8_t k = static_cast<uint8_t>(opcode - (is32 ? op::F32Abs : op::F64Abs));
  using llvm::Intrinsic::ID;
  if (k <= 6) {
    llvm::Value* x = pop();
    static const ID ids[] = {llvm::Intrinsic::fabs, llvm::Intrinsic::not_intrinsic,
                             llvm::Intrinsic::ceil, llvm::Intrinsic::floor,
                             llvm::Intrinsic::trunc, llvm::Intrinsic::roundeven,
                             llvm::Intrinsic::sqrt};
    push(k == 1 ? b_.CreateFNeg(x) : unaryIntrinsic(ids[k], x));
    return;
  }
  llvm::Value* rhs = pop();
  llvm::Value* lhs = pop();
  llvm::Value* r = nullptr;
  // The divisor only: c / x is never a copy or negation of x (and 1 / x is hot code).
  if (k <= 10 && ((k != 10 && isIdentityConstant(lhs)) || isIdentityConstant(rhs))) {
    // x-0, x*1, x/-1, -0-x, ...: LLVM folds these to x or -x, which would let a signalling
    // NaN through unquieted. Wasm requires an arithmetic NaN, so keep the instruction.
    static const char* ops[] = {"add", "sub", "mul", "div"};
    push(hardwareFloatOp(std::string(ops[k - 7]) + (is32 ? "ss" : "sd"), lhs, rhs));
    return;
  }
  switch (k) {
    case 7: r = b_.CreateFAdd(lhs, rhs); break;
    case 8: r = b_.CreateFSub(lhs, rhs); break;
    case 9: r = b_.CreateFMul(lhs, rhs); break;
    case 10: r = b_.CreateFDiv(lhs, rhs); break;
    case 11:
    case 12: {
      // llvm.minimum/maximum give Wasm's NaN propagation and signed-zero order, but pass a
      // signalling NaN through unchanged; x + y yields the quiet NaN Wasm requires.
      llvm::Value* m = b_.CreateBinaryIntrinsic(
          k == 11 ? llvm::Intrinsic::minimum : llvm::Intrinsic::maximum, lhs, rhs);
      r = b_.CreateSelect(b_.CreateFCmpUNO(lhs, rhs), b_.CreateFAdd(lhs, rhs), m);
      break;
    }
    case 13: r = b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, lhs, rhs); break;
  }
  push(r);
}

// True for the constants that make an arithmetic op foldable to a copy or a negation.
bool FunctionLowering::isIdentityConstant(llvm::Value* v) {
  auto* c = llvm::dyn_cast<llvm::ConstantFP>(v);
  if (!c) return false;
  const llvm::APFloat& f = c->getValueAPF();
  return f.isZero() || f.isExactlyValue(1.0) || f.isExactlyValue(-1.0);
}

// Emits one SSE instruction the optimiser cannot see through: `op lhs, rhs` (AT&T order).
llvm::Value* FunctionLowering::hardwareFloatOp(const std::string& mnemonic, llvm::Value* lhs,
                                               llvm::Value* rhs) {
  llvm::Type* t = lhs->getType();
  auto* ft = llvm::FunctionType::get(t, {t, t}, false);
  // With AVX the VEX form: a legacy-SSE instruction among VEX code costs a state
  // transition on some CPUs (nbody's 1/x ran 25 times slower on an AMD EPYC).
  auto* ia = c_.avx ? llvm::InlineAsm::get(ft, "v" + mnemonic + " $2, $1, $0", "=x,x,x",
                                             /*hasSideEffects=*/false)
                      : llvm::InlineAsm::get(ft, mnemonic + " $2, $0", "=x,0,x",
                                             /*hasSideEffects=*/false);
  return b_.CreateCall(ft, ia, {lhs, rhs});
}

// Trapping float -> int truncation: NaN traps "invalid conversion", out of range traps
// "integer overflow". Bounds are exclusive and exactly representable in the source type.
llvm::Value* FunctionLowering::truncChecked(llvm::Value* x, bool isSigned,
                                            llvm::IntegerType* to) {
  llvm::Type* ft = x->getType();
  unsigned n = to->getBitWidth();
  bool isF64 = ft->isDoubleTy();
  trapIf(b_.CreateFCmpUNO(x, x), KILN_TRAP_INVALID_CONVERSION);
  double lo, hi;
  bool loInclusive = false;
  if (isSigned) {
    hi = std::ldexp(1.0, n - 1);
    if (isF64 && n == 32) {
      lo = -2147483649.0;  // exactly representable in f64
    } else {
      lo = -std::ldexp(1.0, n - 1);
      loInclusive = true;
    }
  } else {
    hi = std::ldexp(1.0, n);
    lo = -1.0;
  }
  llvm::Value* loC = llvm::ConstantFP::get(ft, lo);
  llvm::Value* hiC = llvm::ConstantFP::get(ft, hi);
  llvm::Value* inRange =
      b_.CreateAnd(loInclusive ? b_.CreateFCmpOGE(x, loC) : b_.CreateFCmpOGT(x, loC),
                   b_.CreateFCmpOLT(x, hiC));
  trapIf(b_.CreateNot(inRange), KILN_TRAP_INT_OVERFLOW);
  return isSigned ? b_.CreateFPToSI(x, to) : b_.CreateFPToUI(x, to);
}

void FunctionLowering::convert(uint8_t opcode) {
  llvm::Value* x = pop();
  llvm::Value* r = nullptr;
  switch (opcode) {
    case op::I32WrapI64: r = b_.CreateTrunc(x, c_.i32); break;
    case op::I32TruncF32S: case op::I32TruncF64S: r = truncChecked(x, true, c_.i32); break;
    case op::I32TruncF32U: case op::I32TruncF64U: r = truncChecked(x, false, c_.i32); break;
    case op::I64ExtendI32S: r = b_.CreateSExt(x, c_.i64); break;
    case op::I64ExtendI32U: r = b_.CreateZExt(x, c_.i64); break;
    case op::I64TruncF32S: case op::I64TruncF64S: r = truncChecked(x, true, c_.i64); break;
    case op::I64TruncF32U: case op::I64TruncF64U: r = truncChecked(x, false, c_.i64); break;
    case op::F32ConvertI32S: case op::F32ConvertI64S: r = b_.CreateSIToFP(x, c_.f32); break;
    case op::F32ConvertI32U: case op::F32ConvertI64U: r = b_.CreateUIToFP(x, c_.f32); break;
    case op::F32DemoteF64:
      if (llvm::isa<llvm::FPExtInst>(x)) {
        // demote(promote(x)) must quiet a signalling NaN; LLVM would fold it to x.
        auto* ft = llvm::FunctionType::get(c_.f32, {c_.f64}, false);
        r = b_.CreateCall(ft, c_.avx ? llvm::InlineAsm::get(ft, "vcvtsd2ss $1, $1, $0", "=x,x", false)
                                     : llvm::InlineAsm::get(ft, "cvtsd2ss $1, $0", "=x,x", false),
                          {x});
      } else {
        r = b_.CreateFPTrunc(x, c_.f32);
      }
      break;
    case op::F64ConvertI32S: case op::F64ConvertI64S: r = b_.CreateSIToFP(x, c_.f64); break;
    case op::F64ConvertI32U: case op::F64ConvertI64U: r = b_.CreateUIToFP(x, c_.f64); break;
    case op::F64PromoteF32: r = b_.CreateFPExt(x, c_.f64); break;
    case op::I32ReinterpretF32: r = b_.CreateBitCast(x, c_.i32); break;
    case op::I64ReinterpretF64: r = b_.CreateBitCast(x, c_.i64); break;
    case op::F32ReinterpretI32: r = b_.CreateBitCast(x, c_.f32); break;
    case op::F64ReinterpretI64: r = b_.CreateBitCast(x, c_.f64); break;
  }
  push(r);
}

absl::Status FunctionLowering::lowerPrefixFC(uint32_t sub) {
  switch (sub) {
    case op::I32TruncSatF32S: case op::I32TruncSatF64S:
    case op::I64TruncSatF32S: case op::I64TruncSatF64S:
    case op::I32TruncSatF32U: case op::I32TruncSatF64U:
    case op::I64TruncSatF32U: case op::I64TruncSatF64U: {
      bool isSigned = sub == op::I32TruncSatF32S || sub == op::I32TruncSatF64S ||
                      sub == op::I64TruncSatF32S || sub == op::I64TruncSatF64S;
      llvm::Type* to = sub <= op::I32TruncSatF64U ? c_.i32 : c_.i64;
      llvm::Value* x = pop();
      push(b_.CreateIntrinsic(isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                              {to, x->getType()}, {x}));
      return absl::OkStatus();
    }
    case op::MemoryInit: {
      uint32_t seg = r_.u32();
      uint32_t mem = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* s = pop();
      llvm::Value* d = pop();
      callBuiltin(KILN_BUILTIN_MEMORY_INIT, c_.voidTy, {vmctx_, i32c(mem), i32c(seg), zext64(d), s, n});
      return absl::OkStatus();
    }
    case op::DataDrop: {
      uint32_t seg = r_.u32();
      callBuiltin(KILN_BUILTIN_DATA_DROP, c_.voidTy, {vmctx_, i32c(seg)});
      return absl::OkStatus();
    }
    case op::MemoryCopy: {
      uint32_t dstMem = r_.u32();
      uint32_t srcMem = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* s = pop();
      llvm::Value* d = pop();
      if (dstMem == srcMem && !m_.memories[dstMem].limits.is64) {
        smallBulkOrBuiltin(dstMem, d, s, n, /*fill=*/false);
        return absl::OkStatus();
      }
      callBuiltin(KILN_BUILTIN_MEMORY_COPY, c_.voidTy, {vmctx_, i32c(dstMem), i32c(srcMem), zext64(d), zext64(s), zext64(n)});
      return absl::OkStatus();
    }
    case op::MemoryFill: {
      uint32_t mem = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* v = pop();
      llvm::Value* d = pop();
      if (!m_.memories[mem].limits.is64) {
        smallBulkOrBuiltin(mem, d, v, n, /*fill=*/true);
        return absl::OkStatus();
      }
      callBuiltin(KILN_BUILTIN_MEMORY_FILL, c_.voidTy, {vmctx_, i32c(mem), zext64(d), v, zext64(n)});
      return absl::OkStatus();
    }
    case op::TableInit: {
      uint32_t seg = r_.u32();
      uint32_t table = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* s = pop();
      llvm::Value* d = pop();
      callBuiltin(KILN_BUILTIN_TABLE_INIT, c_.voidTy, {vmctx_, i32c(table), i32c(seg), zext64(d), s, n});
      return absl::OkStatus();
    }
    case op::ElemDrop: {
      uint32_t seg = r_.u32();
      callBuiltin(KILN_BUILTIN_ELEM_DROP, c_.voidTy, {vmctx_, i32c(seg)});
      return absl::OkStatus();
    }
    case op::TableCopy: {
      uint32_t dst = r_.u32();
      uint32_t src = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* s = pop();
      llvm::Value* d = pop();
      callBuiltin(KILN_BUILTIN_TABLE_COPY, c_.voidTy, {vmctx_, i32c(dst), i32c(src), zext64(d), zext64(s), zext64(n)});
      return absl::OkStatus();
    }
    case op::TableGrow: {
      uint32_t table = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* init = pop();
      llvm::Value* old = callBuiltin(KILN_BUILTIN_TABLE_GROW, c_.i64, {vmctx_, i32c(table), init, zext64(n)});
      push(b_.CreateTrunc(old, tableAddrType(table)));
      return absl::OkStatus();
    }
    case op::TableSize: {
      uint32_t table = r_.u32();
      llvm::Value* t = tableObject(table);
      llvm::Value* size =
          loadRuntime(c_.i64, fieldOf(t, offsetof(kiln_table, size)), false);
      push(b_.CreateTrunc(size, tableAddrType(table)));
      return absl::OkStatus();
    }
    case op::TableFill: {
      uint32_t table = r_.u32();
      llvm::Value* n = pop();
      llvm::Value* v = pop();
      llvm::Value* d = pop();
      callBuiltin(KILN_BUILTIN_TABLE_FILL, c_.voidTy, {vmctx_, i32c(table), zext64(d), v, zext64(n)});
      return absl::OkStatus();
    }
  }
  return absl::UnimplementedError(
      absl::StrFormat("opcode 0xfc %u at byte 0x%x is not supported", sub, instrOffset_));
}

absl::Status FunctionLowering::lowerInstruction(uint8_t opcode) {
  switch (opcode) {
    case op::Unreachable:
      trapNow(KILN_TRAP_UNREACHABLE);
      return absl::OkStatus();
    case op::Nop:
      return absl::OkStatus();
    case op::Block: {
      FuncType sig = readBlockSig();
      pushFrame(Frame::Block, sig.params, sig.results);
      return absl::OkStatus();
    }
    case op::Loop: {
      FuncType sig = readBlockSig();
      pushFrame(Frame::Loop, sig.params, sig.results);
      return absl::OkStatus();
    }
    case op::If: {
      FuncType sig = readBlockSig();
      llvm::Value* cond = b_.CreateICmpNE(pop(), i32c(0));
      pushFrame(Frame::If, sig.params, sig.results);
      Frame& f = frames_.back();
      f.ifParams.assign(stack_.end() - f.params.size(), stack_.end());
      llvm::BasicBlock* thenBlock = newBlock("then");
      f.elseBlock = newBlock("else");
      b_.CreateCondBr(cond, thenBlock, f.elseBlock);
      b_.SetInsertPoint(thenBlock);
      return absl::OkStatus();
    }
    case op::Else:
      elseFrame();
      return absl::OkStatus();
    case op::End:
      endFrame();
      return absl::OkStatus();
    case op::Br: {
      Frame& target = label(r_.u32());
      branchTo(target);
      markUnreachable();
      return absl::OkStatus();
    }
    case op::BrIf: {
      Frame& target = label(r_.u32());
      condBranch(target, b_.CreateICmpNE(pop(), i32c(0)));
      return absl::OkStatus();
    }
    case op::BrOnNull: {
      Frame& target = label(r_.u32());
      llvm::Value* ref = pop();
      condBranch(target, b_.CreateICmpEQ(ref, llvm::ConstantPointerNull::get(c_.ptr)));
      push(ref);
      return absl::OkStatus();
    }
    case op::BrOnNonNull: {
      Frame& target = label(r_.u32());
      llvm::Value* ref = stack_.back();  // passed to the label last
      condBranch(target, b_.CreateICmpNE(ref, llvm::ConstantPointerNull::get(c_.ptr)));
      pop();
      return absl::OkStatus();
    }
    case op::RefAsNonNull:
      trapIf(b_.CreateICmpEQ(stack_.back(), llvm::ConstantPointerNull::get(c_.ptr)),
             KILN_TRAP_NULL_REFERENCE);
      return absl::OkStatus();
    case op::CallRef:
    case op::ReturnCallRef: {
      uint32_t typeIndex = r_.u32();
      llvm::Value* ref = pop();
      trapIf(b_.CreateICmpEQ(ref, llvm::ConstantPointerNull::get(c_.ptr)),
             KILN_TRAP_NULL_FUNC_REFERENCE);
      llvm::Value* code = loadRuntime(c_.ptr, ref, true);
      llvm::Value* calleeVmctx =
          loadRuntime(c_.ptr, fieldOf(ref, offsetof(kiln_funcref, vmctx)), true);
      emitCall(c_.wasmFnTypes[typeIndex], code, calleeVmctx, m_.types[typeIndex],
               opcode == op::ReturnCallRef, /*fromRef=*/true);
      return absl::OkStatus();
    }
    case op::BrTable: {
      uint32_t n = r_.u32();
      std::vector<uint32_t> depths(n);
      for (uint32_t i = 0; i < n; ++i) depths[i] = r_.u32();
      uint32_t defaultDepth = r_.u32();
      llvm::Value* index = pop();
      // Targets outside a try_table of this function go through an edge block that pops
      // the handlers (one per depth).
      std::map<uint32_t, llvm::BasicBlock*> leaveEdges;
      llvm::BasicBlock* switchBlock = b_.GetInsertBlock();
      auto edgeFor = [&](uint32_t depth) -> llvm::BasicBlock* {
        Frame& t = label(depth);
        llvm::Value* h = exitedTryHandler(t);
        if (!h) return nullptr;
        auto [it, inserted] = leaveEdges.try_emplace(depth, nullptr);
        if (inserted) {
          llvm::IRBuilder<>::InsertPointGuard guard(b_);
          it->second = newBlock("br_table.leave");
          b_.SetInsertPoint(it->second);
          callBuiltin(KILN_BUILTIN_TRY_LEAVE, c_.voidTy, {vmctx_, h});
          size_t k = t.labelTypes().size();
          std::vector<llvm::Value*> vals(stack_.end() - k, stack_.end());
          addIncoming(t, vals);
          b_.CreateBr(t.kind == Frame::Loop ? t.header : t.cont);
        }
        return it->second;
      };
      auto targetBlock = [&](uint32_t depth) {
        if (llvm::BasicBlock* e = edgeFor(depth)) return e;
        Frame& t = label(depth);
        return t.kind == Frame::Loop ? t.header : t.cont;
      };
      llvm::SwitchInst* sw = b_.CreateSwitch(index, targetBlock(defaultDepth), n);
      // A phi needs one entry per switch edge, duplicates included.
      auto addEdge = [&](uint32_t depth) {
        if (edgeFor(depth)) return;  // the edge block feeds the phis once
        Frame& t = label(depth);
        size_t k = t.labelTypes().size();
        std::vector<llvm::Value*> vals(stack_.end() - k, stack_.end());
        llvm::IRBuilder<>::InsertPointGuard guard(b_);
        b_.SetInsertPoint(switchBlock);
        addIncoming(t, vals);
      };
      addEdge(defaultDepth);
      for (uint32_t i = 0; i < n; ++i) {
        sw->addCase(i32c(i), targetBlock(depths[i]));
        addEdge(depths[i]);
      }
      markUnreachable();
      return absl::OkStatus();
    }
    case op::Return: {
      branchTo(frames_.front());
      markUnreachable();
      return absl::OkStatus();
    }
    case op::Call:
      lowerCall(r_.u32());
      return absl::OkStatus();
    case op::CallIndirect: {
      uint32_t typeIndex = r_.u32();
      uint32_t table = r_.u32();
      lowerCallIndirect(typeIndex, table);
      return absl::OkStatus();
    }
    case op::ReturnCall:
      lowerCall(r_.u32(), /*tail=*/true);
      return absl::OkStatus();
    case op::ReturnCallIndirect: {
      uint32_t typeIndex = r_.u32();
      uint32_t table = r_.u32();
      lowerCallIndirect(typeIndex, table, /*tail=*/true);
      return absl::OkStatus();
    }
    case op::Drop:
      pop();
      return absl::OkStatus();
    case op::Select:
    case op::SelectT: {
      if (opcode == op::SelectT) {
        uint32_t n = r_.u32();
        for (uint32_t i = 0; i < n; ++i) r_.u8();
      }
      llvm::Value* cond = pop();
      llvm::Value* f = pop();
      llvm::Value* t = pop();
      push(b_.CreateSelect(b_.CreateICmpNE(cond, i32c(0)), t, f));
      return absl::OkStatus();
    }
    case op::LocalGet:
      push(loadLocal(r_.u32()));
      return absl::OkStatus();
    case op::LocalSet: {
      uint32_t i = r_.u32();
      storeLocal(i, pop());
      return absl::OkStatus();
    }
    case op::LocalTee: {
      uint32_t i = r_.u32();
      storeLocal(i, stack_.back());
      return absl::OkStatus();
    }
    case op::TryTable:
      lowerTryTable();
      return absl::OkStatus();
    case op::Throw:
      lowerThrow(r_.u32());
      return absl::OkStatus();
    case op::ThrowRef: {
      llvm::CallInst* call = callBuiltin(KILN_BUILTIN_EXN_THROW_REF, c_.voidTy, {vmctx_, pop()});
      call->setDoesNotReturn();
      b_.CreateUnreachable();
      markUnreachable();
      return absl::OkStatus();
    }
    case op::GlobalGet: {
      uint32_t g = r_.u32();
      llvm::Type* t = ty(m_.globals[g].type);
      llvm::LoadInst* l = b_.CreateAlignedLoad(t, globalPtr(g), llvm::Align(8));
      l->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaGlobal);
      push(l);
      return absl::OkStatus();
    }
    case op::GlobalSet: {
      uint32_t g = r_.u32();
      llvm::StoreInst* s = b_.CreateAlignedStore(pop(), globalPtr(g), llvm::Align(8));
      s->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaGlobal);
      return absl::OkStatus();
    }
    case op::TableGet: {
      uint32_t t = r_.u32();
      llvm::Value* index = pop();
      llvm::Value* table = tableObject(t);
      tableBoundsCheck(table, index, KILN_TRAP_TABLE_OOB);
      llvm::Value* elems = loadRuntime(c_.ptr, table, false);
      llvm::LoadInst* l = b_.CreateAlignedLoad(
          c_.ptr, b_.CreateInBoundsGEP(c_.ptr, elems, b_.CreateZExt(index, c_.i64)),
          llvm::Align(8));
      l->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaTable);
      push(l);
      return absl::OkStatus();
    }
    case op::TableSet: {
      uint32_t t = r_.u32();
      llvm::Value* v = pop();
      llvm::Value* index = pop();
      llvm::Value* table = tableObject(t);
      tableBoundsCheck(table, index, KILN_TRAP_TABLE_OOB);
      llvm::Value* elems = loadRuntime(c_.ptr, table, false);
      llvm::StoreInst* s = b_.CreateAlignedStore(
          v, b_.CreateInBoundsGEP(c_.ptr, elems, b_.CreateZExt(index, c_.i64)), llvm::Align(8));
      s->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaTable);
      return absl::OkStatus();
    }
    case op::MemorySize: {
      uint32_t mem = r_.u32();
      llvm::Value* obj = memoryObject(mem);
      llvm::Value* len =
          loadRuntime(c_.i64, fieldOf(obj, offsetof(kiln_memory, length)), false);
      push(b_.CreateTrunc(b_.CreateLShr(len, 16), memAddrType(mem)));
      return absl::OkStatus();
    }
    case op::MemoryGrow: {
      uint32_t mem = r_.u32();
      llvm::Value* delta = pop();
      llvm::Value* old = callBuiltin(KILN_BUILTIN_MEMORY_GROW, c_.i64, {vmctx_, i32c(mem), zext64(delta)});
      push(b_.CreateTrunc(old, memAddrType(mem)));
      return absl::OkStatus();
    }
    case op::I32Const:
      push(i32c(static_cast<uint32_t>(r_.s32())));
      return absl::OkStatus();
    case op::I64Const:
      push(i64c(static_cast<uint64_t>(r_.s64())));
      return absl::OkStatus();
    case op::F32Const:
      push(llvm::ConstantFP::get(c_.ctx, llvm::APFloat(llvm::APFloat::IEEEsingle(),
                                                       llvm::APInt(32, r_.f32bits()))));
      return absl::OkStatus();
    case op::F64Const:
      push(llvm::ConstantFP::get(c_.ctx, llvm::APFloat(llvm::APFloat::IEEEdouble(),
                                                       llvm::APInt(64, r_.f64bits()))));
      return absl::OkStatus();
    case op::I32Eqz:
      push(boolToI32(b_.CreateICmpEQ(pop(), i32c(0))));
      return absl::OkStatus();
    case op::I64Eqz:
      push(boolToI32(b_.CreateICmpEQ(pop(), i64c(0))));
      return absl::OkStatus();
    case op::RefNull:
      r_.s33();
      push(llvm::ConstantPointerNull::get(c_.ptr));
      return absl::OkStatus();
    case op::RefIsNull:
      push(boolToI32(b_.CreateICmpEQ(pop(), llvm::ConstantPointerNull::get(c_.ptr))));
      return absl::OkStatus();
    case op::RefFunc:
      push(funcRef(r_.u32()));
      return absl::OkStatus();
    case op::PrefixFC:
      return lowerPrefixFC(r_.u32());
    case op::PrefixSIMD: {
      r_.seek(instrOffset_);
      wasm::InstructionReader ir(r_, anyFeatures());
      if (!ir.next(scratch_)) return absl::OkStatus();  // reported by the caller
      return lowerSimd(scratch_);
    }
    default:
      break;
  }
  if (opcode >= op::I32Load && opcode <= op::I64Load32U) {
    lowerLoad(opcode);
    return absl::OkStatus();
  }
  if (opcode >= op::I32Store && opcode <= op::I64Store32) {
    lowerStore(opcode);
    return absl::OkStatus();
  }
  if ((opcode >= op::I32Eq && opcode <= op::I32GeU) ||
      (opcode >= op::I64Eq && opcode <= op::I64GeU)) {
    static const llvm::CmpInst::Predicate preds[] = {
        llvm::CmpInst::ICMP_EQ,  llvm::CmpInst::ICMP_NE,  llvm::CmpInst::ICMP_SLT,
        llvm::CmpInst::ICMP_ULT, llvm::CmpInst::ICMP_SGT, llvm::CmpInst::ICMP_UGT,
        llvm::CmpInst::ICMP_SLE, llvm::CmpInst::ICMP_ULE, llvm::CmpInst::ICMP_SGE,
        llvm::CmpInst::ICMP_UGE};
    unsigned k = opcode <= op::I32GeU ? opcode - op::I32Eq : opcode - op::I64Eq;
    llvm::Value* rhs = pop();
    llvm::Value* lhs = pop();
    push(boolToI32(b_.CreateICmp(preds[k], lhs, rhs)));
    return absl::OkStatus();
  }
  if ((opcode >= op::F32Eq && opcode <= op::F32Ge) ||
      (opcode >= op::F64Eq && opcode <= op::F64Ge)) {
    static const llvm::CmpInst::Predicate preds[] = {
        llvm::CmpInst::FCMP_OEQ, llvm::CmpInst::FCMP_UNE, llvm::CmpInst::FCMP_OLT,
        llvm::CmpInst::FCMP_OGT, llvm::CmpInst::FCMP_OLE, llvm::CmpInst::FCMP_OGE};
    unsigned k = opcode <= op::F32Ge ? opcode - op::F32Eq : opcode - op::F64Eq;
    llvm::Value* rhs = pop();
    llvm::Value* lhs = pop();
    push(boolToI32(b_.CreateFCmp(preds[k], lhs, rhs)));
    return absl::OkStatus();
  }
  if ((opcode >= op::I32Clz && opcode <= op::I32Popcnt) ||
      (opcode >= op::I64Clz && opcode <= op::I64Popcnt)) {
    unsigned k = opcode <= op::I32Popcnt ? opcode - op::I32Clz : opcode - op::I64Clz;
    llvm::Value* x = pop();
    llvm::Value* r;
    if (k == 0)
      r = b_.CreateIntrinsic(llvm::Intrinsic::ctlz, {x->getType()}, {x, b_.getFalse()});
    else if (k == 1)
      r = b_.CreateIntrinsic(llvm::Intrinsic::cttz, {x->getType()}, {x, b_.getFalse()});
    else
      r = unaryIntrinsic(llvm::Intrinsic::ctpop, x);
    push(r);
    return absl::OkStatus();
  }
  if ((opcode >= op::I32Add && opcode <= op::I32Rotr) ||
      (opcode >= op::I64Add && opcode <= op::I64Rotr)) {
    intBinary(opcode);
    return absl::OkStatus();
  }
  if (opcode >= op::F32Abs && opcode <= op::F64Copysign) {
    floatOp(opcode);
    return absl::OkStatus();
  }
  if (opcode >= op::I32WrapI64 && opcode <= op::F64ReinterpretI64) {
    convert(opcode);
    return absl::OkStatus();
  }
  if (opcode >= op::I32Extend8S && opcode <= op::I64Extend32S) {
    llvm::Value* x = pop();
    llvm::Type* t = x->getType();
    llvm::Type* narrow = opcode == op::I32Extend8S || opcode == op::I64Extend8S ? c_.i8
                         : opcode == op::I64Extend32S                          ? c_.i32
                                                                               : c_.i16;
    push(b_.CreateSExt(b_.CreateTrunc(x, narrow), t));
    return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrFormat(
      "function %u: opcode 0x%02x at byte 0x%x is not supported yet", funcIndex_, opcode,
      instrOffset_));
}

absl::Status lowerFunction(ModuleContext& ctx, uint32_t funcIndex) {
  FunctionLowering lowering(ctx, funcIndex);
  return lowering.run();
}

}  // namespace kiln::lower

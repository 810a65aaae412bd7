// memcpy / memset / memmove defined inside every artifact. LLVM may turn loops or large
// copies into calls to these on its own; an artifact must not have undefined symbols, so
// they are provided here (hidden, so they never reach the dynamic symbol table). The bodies
// are `rep movsb`/`rep stosb`, fast on every CPU with ERMS, and immune to being recognised
// as memcpy idioms themselves.
#include "Lowering.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

namespace kiln::lower {
namespace {

llvm::Function* declareLibcall(ModuleContext& c, const char* name, llvm::Type* ret,
                               llvm::ArrayRef<llvm::Type*> params) {
  auto* ft = llvm::FunctionType::get(ret, params, false);
  llvm::Function* f = c.mod.getFunction(name);
  if (!f) f = llvm::Function::Create(ft, llvm::GlobalValue::ExternalLinkage, name, c.mod);
  f->setVisibility(llvm::GlobalValue::HiddenVisibility);
  f->setDSOLocal(true);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  f->addFnAttr(llvm::Attribute::NoBuiltin);
  f->addFnAttr("no-builtins");
  return f;
}

}  // namespace

void emitLibcallBuiltins(ModuleContext& c) {
  llvm::Type* p = c.ptr;
  llvm::Type* i64 = c.i64;
  // memcpy(dst, src, n): rep movsb.
  {
    llvm::Function* f = declareLibcall(c, "memcpy", p, {p, p, i64});
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(c.ctx, "entry", f));
    auto* asmTy = llvm::FunctionType::get(c.voidTy, {p, p, i64}, false);
    auto* movsb = llvm::InlineAsm::get(asmTy, "rep movsb",
                                       "{di},{si},{cx},~{di},~{si},~{cx},~{memory},~{dirflag},~{fpsr},~{flags}",
                                       true);
    b.CreateCall(asmTy, movsb, {f->getArg(0), f->getArg(1), f->getArg(2)});
    b.CreateRet(f->getArg(0));
  }
  // memset(dst, c, n): rep stosb.
  {
    llvm::Function* f = declareLibcall(c, "memset", p, {p, c.i32, i64});
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(c.ctx, "entry", f));
    auto* asmTy = llvm::FunctionType::get(c.voidTy, {p, c.i32, i64}, false);
    auto* stosb = llvm::InlineAsm::get(asmTy, "rep stosb",
                                       "{di},{ax},{cx},~{di},~{cx},~{memory},~{dirflag},~{fpsr},~{flags}",
                                       true);
    b.CreateCall(asmTy, stosb, {f->getArg(0), f->getArg(1), f->getArg(2)});
    b.CreateRet(f->getArg(0));
  }
  // memmove(dst, src, n): forward unless dst lies inside [src, src+n), else backward.
  {
    llvm::Function* f = declareLibcall(c, "memmove", p, {p, p, i64});
    llvm::BasicBlock* entry = llvm::BasicBlock::Create(c.ctx, "entry", f);
    llvm::BasicBlock* fwd = llvm::BasicBlock::Create(c.ctx, "forward", f);
    llvm::BasicBlock* bwd = llvm::BasicBlock::Create(c.ctx, "backward", f);
    llvm::IRBuilder<> b(entry);
    llvm::Value* dst = f->getArg(0);
    llvm::Value* src = f->getArg(1);
    llvm::Value* n = f->getArg(2);
    llvm::Value* d = b.CreatePtrToInt(dst, i64);
    llvm::Value* s = b.CreatePtrToInt(src, i64);
    // Backward iff (dst - src) < n (unsigned), i.e. dst in (src, src+n).
    llvm::Value* overlap = b.CreateAnd(b.CreateICmpULT(b.CreateSub(d, s), n),
                                       b.CreateICmpNE(d, s));
    b.CreateCondBr(overlap, bwd, fwd);
    auto* asmTy = llvm::FunctionType::get(c.voidTy, {p, p, i64}, false);
    b.SetInsertPoint(fwd);
    b.CreateCall(asmTy,
                 llvm::InlineAsm::get(asmTy, "rep movsb",
                                      "{di},{si},{cx},~{di},~{si},~{cx},~{memory},~{dirflag},~{fpsr},~{flags}",
                                      true),
                 {dst, src, n});
    b.CreateRet(dst);
    b.SetInsertPoint(bwd);
    llvm::Value* last = b.CreateSub(n, llvm::ConstantInt::get(i64, 1));
    b.CreateCall(asmTy,
                 llvm::InlineAsm::get(asmTy, "std\n\trep movsb\n\tcld",
                                      "{di},{si},{cx},~{di},~{si},~{cx},~{memory},~{dirflag},~{fpsr},~{flags}",
                                      true),
                 {b.CreateGEP(c.i8, dst, last), b.CreateGEP(c.i8, src, last), n});
    b.CreateRet(dst);
  }
  llvm::appendToCompilerUsed(c.mod, {c.mod.getFunction("memcpy"), c.mod.getFunction("memset"),
                                     c.mod.getFunction("memmove")});
}

}  // namespace kiln::lower

// Lowering of the SIMD instructions (0xFD prefix) to LLVM vector IR.
//
// A v128 is an LLVM <2 x i64> everywhere (locals, phis, globals, calls); each instruction
// bitcasts it to the lane shape it works on. Generic vector IR is used where LLVM's x86
// backend selects the right instruction for it (add -> padd*, icmp -> pcmp*, bitmask ->
// pmovmskb/movmskp*, roundeven -> roundps $8, ...); x86 intrinsics are used where the Wasm
// semantics match one instruction exactly and generic IR would be scalarised (pshufb for
// swizzle, packss/packus for narrowing, pmaddwd for dot, pmulhrsw for q15mulr).
//
// Relaxed SIMD is deterministic in kiln: every relaxed instruction behaves like its strict
// counterpart (relaxed_swizzle = swizzle, relaxed_trunc = trunc_sat, relaxed_min/max =
// min/max, relaxed_laneselect = bitselect, relaxed_q15mulr = q15mulr_sat), relaxed_madd
// and relaxed_nmadd are unfused (a*b+c, -(a*b)+c: the x86-64-v2 baseline has no FMA and the
// result must not depend on the CPU), and the relaxed dot products treat both operands as
// signed with wrapping i16 intermediate sums. The choice is the same on every host.
#include "FunctionLowering.h"
#include "lower/TrapWitness.h"

#include "absl/strings/str_format.h"
#include "kiln/wasm/SimdOps.h"
#include "llvm/Analysis/ConstantFolding.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/IntrinsicsX86.h"

namespace kiln::lower {

namespace simd = wasm::simd;

namespace {

// True for a constant vector whose lanes are all 0, 1 or -1 (see isIdentityConstant).
bool isIdentityVector(llvm::Value* v, const llvm::DataLayout& dl) {
  auto* c = llvm::dyn_cast<llvm::Constant>(v);
  if (!c || !c->getType()->isVectorTy()) return false;
  // A v128.const reaches a float op as a bitcast of its <2 x i64>: a constant expression
  // with no lanes to look at until it is folded (f32x4.div x, (1 1 1 1) was missed so,
  // and LLVM folded it to x, letting a signalling NaN through).
  c = llvm::ConstantFoldConstant(c, dl);
  auto* vt = llvm::cast<llvm::FixedVectorType>(c->getType());
  if (!vt->getElementType()->isFloatingPointTy()) return false;
  for (unsigned i = 0; i < vt->getNumElements(); ++i) {
    auto* e = llvm::dyn_cast_or_null<llvm::ConstantFP>(c->getAggregateElement(i));
    if (!e) return false;
    const llvm::APFloat& f = e->getValueAPF();
    if (f.isZero() || f.isExactlyValue(1.0) || f.isExactlyValue(-1.0)) return true;
  }
  return false;
}

}  // namespace

absl::Status FunctionLowering::lowerSimd(const wasm::Instruction& ins) {
  llvm::LLVMContext& ctx = c_.ctx;
  auto vec = [](llvm::Type* elt, unsigned n) { return llvm::FixedVectorType::get(elt, n); };
  llvm::FixedVectorType* v16i8 = vec(c_.i8, 16);
  llvm::FixedVectorType* v8i16 = vec(c_.i16, 8);
  llvm::FixedVectorType* v4i32 = vec(c_.i32, 4);
  llvm::FixedVectorType* v2i64 = vec(c_.i64, 2);
  llvm::FixedVectorType* v4f32 = vec(c_.f32, 4);
  llvm::FixedVectorType* v2f64 = vec(c_.f64, 2);
  llvm::FixedVectorType* canon = v2i64;

  auto as = [&](llvm::Value* x, llvm::Type* t) { return b_.CreateBitCast(x, t); };
  auto out = [&](llvm::Value* x) { push(b_.CreateBitCast(x, canon)); };
  auto popAs = [&](llvm::Type* t) { return as(pop(), t); };
  auto splatConst = [&](llvm::FixedVectorType* t, uint64_t v) {
    return llvm::ConstantVector::getSplat(t->getElementCount(),
                                          llvm::ConstantInt::get(t->getElementType(), v));
  };
  // The lanes `first .. first+count-1` of a vector.
  auto lanes = [&](llvm::Value* x, unsigned first, unsigned count) {
    llvm::SmallVector<int, 16> mask;
    for (unsigned i = 0; i < count; ++i) mask.push_back(static_cast<int>(first + i));
    return b_.CreateShuffleVector(x, mask);
  };
  // Concatenates two vectors of the same type.
  auto concat = [&](llvm::Value* lo, llvm::Value* hi) {
    unsigned n = llvm::cast<llvm::FixedVectorType>(lo->getType())->getNumElements();
    llvm::SmallVector<int, 16> mask;
    for (unsigned i = 0; i < 2 * n; ++i) mask.push_back(static_cast<int>(i));
    return b_.CreateShuffleVector(lo, hi, mask);
  };
  auto x86 = [&](llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Value*> args) -> llvm::Value* {
    llvm::Function* f = llvm::Intrinsic::getDeclaration(&c_.mod, id);
    return b_.CreateCall(f, args);
  };
  auto memLoad = [&](llvm::Type* t) {
    llvm::Value* p = effectiveAddress(ins.mem.memory, pop(), ins.mem.offset, storeSize(t));
    llvm::LoadInst* l = b_.CreateAlignedLoad(t, p, llvm::Align(1));
    l->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaMemory);
    if (guardPagesOnly(ins.mem.memory)) witnessLoad(b_, l, c_.tbaaWitness);
    return l;
  };
  auto memStore = [&](llvm::Value* v, llvm::Value* addr) {
    llvm::Value* p = effectiveAddress(ins.mem.memory, addr, ins.mem.offset, storeSize(v->getType()));
    llvm::StoreInst* s = b_.CreateAlignedStore(v, p, llvm::Align(1));
    s->setMetadata(llvm::LLVMContext::MD_tbaa, c_.tbaaMemory);
  };
  // The integer lane shape of the shape-prefixed instructions, by lane width in bytes.
  auto intShape = [&](unsigned bytes) -> llvm::FixedVectorType* {
    switch (bytes) {
      case 1: return v16i8;
      case 2: return v8i16;
      case 4: return v4i32;
      default: return v2i64;
    }
  };
  auto shapeOfName = [&]() -> llvm::FixedVectorType* {
    std::string_view n = ins.simd->name;
    if (n.starts_with("i8x16")) return v16i8;
    if (n.starts_with("i16x8")) return v8i16;
    if (n.starts_with("i32x4")) return v4i32;
    if (n.starts_with("i64x2")) return v2i64;
    if (n.starts_with("f32x4")) return v4f32;
    if (n.starts_with("f64x2")) return v2f64;
    return v2i64;
  };
  auto binary = [&](llvm::FixedVectorType* t, auto fn) {
    llvm::Value* rhs = popAs(t);
    llvm::Value* lhs = popAs(t);
    out(fn(lhs, rhs));
  };
  auto unary = [&](llvm::FixedVectorType* t, auto fn) { out(fn(popAs(t))); };
  auto intrinsic2 = [&](llvm::Intrinsic::ID id, llvm::FixedVectorType* t) {
    binary(t, [&](llvm::Value* a, llvm::Value* b) { return b_.CreateBinaryIntrinsic(id, a, b); });
  };
  // Extends the low or high half of `x` (a vector of n lanes) to lanes twice as wide.
  auto extendHalf = [&](llvm::Value* x, bool high, bool isSigned) {
    auto* t = llvm::cast<llvm::FixedVectorType>(x->getType());
    unsigned n = t->getNumElements() / 2;
    llvm::Value* half = lanes(x, high ? n : 0, n);
    llvm::Type* wide = vec(llvm::IntegerType::get(ctx, t->getScalarSizeInBits() * 2), n);
    return isSigned ? b_.CreateSExt(half, wide) : b_.CreateZExt(half, wide);
  };
  // Adds the even and the odd lanes of `x` pairwise.
  auto pairwiseAdd = [&](llvm::Value* x) {
    unsigned n = llvm::cast<llvm::FixedVectorType>(x->getType())->getNumElements();
    llvm::SmallVector<int, 16> even, odd;
    for (unsigned i = 0; i < n; i += 2) {
      even.push_back(static_cast<int>(i));
      odd.push_back(static_cast<int>(i + 1));
    }
    return b_.CreateAdd(b_.CreateShuffleVector(x, even), b_.CreateShuffleVector(x, odd));
  };
  // One packed SSE instruction the optimiser cannot fold (see hardwareFloatOp).
  auto hardwareOp = [&](const char* mnemonic, llvm::Value* lhs, llvm::Value* rhs) {
    return hardwareFloatOp(mnemonic, lhs, rhs);
  };
  // Wasm min/max: NaN if either operand is NaN (quieted), -0 < +0.
  auto floatMinMax = [&](llvm::Value* a, llvm::Value* b, bool isMin) {
    llvm::Value* m = b_.CreateBinaryIntrinsic(
        isMin ? llvm::Intrinsic::minimum : llvm::Intrinsic::maximum, a, b);
    return b_.CreateSelect(b_.CreateFCmpUNO(a, b), b_.CreateFAdd(a, b), m);
  };
  auto q15mulr = [&]() {
    llvm::Value* rhs = popAs(v8i16);
    llvm::Value* lhs = popAs(v8i16);
    llvm::Value* r = x86(llvm::Intrinsic::x86_ssse3_pmul_hr_sw_128, {lhs, rhs});
    // pmulhrsw wraps 0x8000 * 0x8000 to 0x8000; Wasm saturates it to 0x7fff.
    llvm::Value* overflow = b_.CreateSExt(b_.CreateICmpEQ(r, splatConst(v8i16, 0x8000)), v8i16);
    out(b_.CreateXor(r, overflow));
  };
  // Signed i8 x i8 products of `a` and `b`, summed pairwise into i16 lanes (wrapping).
  auto dotI8 = [&](llvm::Value* a, llvm::Value* b) {
    llvm::Type* wide = vec(c_.i16, 16);
    llvm::Value* prod = b_.CreateMul(b_.CreateSExt(a, wide), b_.CreateSExt(b, wide));
    return pairwiseAdd(prod);
  };
  // Saturating float -> i32 truncation (NaN -> 0, out of range -> the nearest bound), built
  // on cvttps2dq/cvttpd2dq, which give 0x80000000 for NaN and out-of-range lanes. Generic
  // llvm.fpto[su]i.sat would be scalarised.
  auto fconst = [&](llvm::FixedVectorType* t, double v) {
    return llvm::ConstantFP::get(t, v);
  };
  auto truncSat = [&](llvm::FixedVectorType* from, bool isSigned) {
    llvm::Value* x = popAs(from);
    llvm::Value* zero = llvm::Constant::getNullValue(from);
    if (from == v4f32) {
      if (isSigned) {
        llvm::Value* r = x86(llvm::Intrinsic::x86_sse2_cvttps2dq, {x});
        r = b_.CreateXor(r, b_.CreateSExt(b_.CreateFCmpOGE(x, fconst(v4f32, 2147483648.0)), v4i32));
        out(b_.CreateAnd(r, b_.CreateSExt(b_.CreateFCmpORD(x, x), v4i32)));
        return;
      }
      llvm::Value* x1 = b_.CreateSelect(b_.CreateFCmpOGT(x, zero), x, zero);  // NaN, < 0 -> 0
      llvm::Value* lo = x86(llvm::Intrinsic::x86_sse2_cvttps2dq, {x1});
      llvm::Value* hi = b_.CreateXor(
          x86(llvm::Intrinsic::x86_sse2_cvttps2dq, {b_.CreateFSub(x1, fconst(v4f32, 2147483648.0))}),
          splatConst(v4i32, 0x80000000u));
      llvm::Value* r = b_.CreateSelect(b_.CreateFCmpOGE(x1, fconst(v4f32, 2147483648.0)), hi, lo);
      out(b_.CreateOr(r, b_.CreateSExt(b_.CreateFCmpOGE(x1, fconst(v4f32, 4294967296.0)), v4i32)));
      return;
    }
    // f64x2 -> the two low i32 lanes, the high lanes zero (as cvttpd2dq leaves them).
    llvm::Value* x1 = b_.CreateSelect(b_.CreateFCmpORD(x, x), x, zero);
    double lo = isSigned ? -2147483648.0 : 0.0, hi = isSigned ? 2147483647.0 : 4294967295.0;
    x1 = b_.CreateSelect(b_.CreateFCmpOLT(x1, fconst(v2f64, lo)), fconst(v2f64, lo), x1);
    x1 = b_.CreateSelect(b_.CreateFCmpOGT(x1, fconst(v2f64, hi)), fconst(v2f64, hi), x1);
    if (isSigned) {
      out(x86(llvm::Intrinsic::x86_sse2_cvttpd2dq, {x1}));
      return;
    }
    x1 = b_.CreateUnaryIntrinsic(llvm::Intrinsic::trunc, x1);
    llvm::Value* r = x86(llvm::Intrinsic::x86_sse2_cvttpd2dq,
                         {b_.CreateFSub(x1, fconst(v2f64, 2147483648.0))});
    llvm::Constant* bias = llvm::ConstantVector::get(
        {i32c(0x80000000u), i32c(0x80000000u), i32c(0), i32c(0)});
    out(b_.CreateXor(r, bias));
  };

  const uint32_t sub = ins.subOpcode;
  switch (sub) {
    // ---- memory ----
    case simd::V128Load:
      push(memLoad(canon));
      return absl::OkStatus();
    case simd::V128Load8x8S: case simd::V128Load8x8U:
    case simd::V128Load16x4S: case simd::V128Load16x4U:
    case simd::V128Load32x2S: case simd::V128Load32x2U: {
      unsigned k = sub - simd::V128Load8x8S;
      unsigned bits = 8u << (k / 2);
      unsigned n = 64 / bits;
      llvm::Value* x = memLoad(vec(llvm::IntegerType::get(ctx, bits), n));
      llvm::Type* wide = vec(llvm::IntegerType::get(ctx, 2 * bits), n);
      out(k % 2 == 0 ? b_.CreateSExt(x, wide) : b_.CreateZExt(x, wide));
      return absl::OkStatus();
    }
    case simd::V128Load8Splat: case simd::V128Load16Splat:
    case simd::V128Load32Splat: case simd::V128Load64Splat: {
      unsigned bytes = 1u << (sub - simd::V128Load8Splat);
      llvm::FixedVectorType* t = intShape(bytes);
      out(b_.CreateVectorSplat(t->getNumElements(), memLoad(t->getElementType())));
      return absl::OkStatus();
    }
    case simd::V128Load32Zero: case simd::V128Load64Zero: {
      llvm::FixedVectorType* t = sub == simd::V128Load32Zero ? v4i32 : v2i64;
      llvm::Value* x = memLoad(t->getElementType());
      out(b_.CreateInsertElement(llvm::Constant::getNullValue(t), x, uint64_t{0}));
      return absl::OkStatus();
    }
    case simd::V128Store: {
      llvm::Value* v = pop();
      memStore(v, pop());
      return absl::OkStatus();
    }
    case simd::V128Load8Lane: case simd::V128Load16Lane:
    case simd::V128Load32Lane: case simd::V128Load64Lane: {
      llvm::FixedVectorType* t = intShape(1u << (sub - simd::V128Load8Lane));
      llvm::Value* v = popAs(t);
      llvm::Value* x = memLoad(t->getElementType());
      out(b_.CreateInsertElement(v, x, uint64_t{ins.lane}));
      return absl::OkStatus();
    }
    case simd::V128Store8Lane: case simd::V128Store16Lane:
    case simd::V128Store32Lane: case simd::V128Store64Lane: {
      llvm::FixedVectorType* t = intShape(1u << (sub - simd::V128Store8Lane));
      llvm::Value* v = popAs(t);
      memStore(b_.CreateExtractElement(v, uint64_t{ins.lane}), pop());
      return absl::OkStatus();
    }

    // ---- constants, shuffles, lanes ----
    case simd::V128Const: {
      uint64_t lo = 0, hi = 0;
      for (int i = 7; i >= 0; --i) {
        lo = lo << 8 | ins.v128[i];
        hi = hi << 8 | ins.v128[8 + i];
      }
      push(llvm::ConstantVector::get({i64c(lo), i64c(hi)}));
      return absl::OkStatus();
    }
    case simd::I8x16Shuffle: {
      llvm::Value* rhs = popAs(v16i8);
      llvm::Value* lhs = popAs(v16i8);
      llvm::SmallVector<int, 16> mask(ins.v128, ins.v128 + 16);
      out(b_.CreateShuffleVector(lhs, rhs, mask));
      return absl::OkStatus();
    }
    case simd::I8x16Swizzle: case simd::I8x16RelaxedSwizzle: {
      // pshufb zeroes a lane whose index has bit 7 set; adding 0x70 with unsigned
      // saturation sets it for every index >= 16 and keeps the low four bits of the rest.
      llvm::Value* idx = popAs(v16i8);
      llvm::Value* v = popAs(v16i8);
      llvm::Value* sel =
          b_.CreateBinaryIntrinsic(llvm::Intrinsic::uadd_sat, idx, splatConst(v16i8, 0x70));
      out(x86(llvm::Intrinsic::x86_ssse3_pshuf_b_128, {v, sel}));
      return absl::OkStatus();
    }
    case simd::I8x16Splat: case simd::I16x8Splat: case simd::I32x4Splat:
    case simd::I64x2Splat: case simd::F32x4Splat: case simd::F64x2Splat: {
      llvm::FixedVectorType* t = shapeOfName();
      llvm::Value* x = pop();
      if (x->getType() != t->getElementType()) x = b_.CreateTrunc(x, t->getElementType());
      out(b_.CreateVectorSplat(t->getNumElements(), x));
      return absl::OkStatus();
    }
    case simd::I8x16ExtractLaneS: case simd::I8x16ExtractLaneU:
    case simd::I16x8ExtractLaneS: case simd::I16x8ExtractLaneU: {
      llvm::FixedVectorType* t = shapeOfName();
      llvm::Value* x = b_.CreateExtractElement(popAs(t), uint64_t{ins.lane});
      bool isSigned = sub == simd::I8x16ExtractLaneS || sub == simd::I16x8ExtractLaneS;
      push(isSigned ? b_.CreateSExt(x, c_.i32) : b_.CreateZExt(x, c_.i32));
      return absl::OkStatus();
    }
    case simd::I32x4ExtractLane: case simd::I64x2ExtractLane:
    case simd::F32x4ExtractLane: case simd::F64x2ExtractLane:
      push(b_.CreateExtractElement(popAs(shapeOfName()), uint64_t{ins.lane}));
      return absl::OkStatus();
    case simd::I8x16ReplaceLane: case simd::I16x8ReplaceLane: case simd::I32x4ReplaceLane:
    case simd::I64x2ReplaceLane: case simd::F32x4ReplaceLane: case simd::F64x2ReplaceLane: {
      llvm::FixedVectorType* t = shapeOfName();
      llvm::Value* x = pop();
      if (x->getType() != t->getElementType()) x = b_.CreateTrunc(x, t->getElementType());
      out(b_.CreateInsertElement(popAs(t), x, uint64_t{ins.lane}));
      return absl::OkStatus();
    }

    // ---- bitwise ----
    case simd::V128Not:
      out(b_.CreateNot(pop()));
      return absl::OkStatus();
    case simd::V128And:
      binary(canon, [&](auto* a, auto* b) { return b_.CreateAnd(a, b); });
      return absl::OkStatus();
    case simd::V128Andnot:
      binary(canon, [&](auto* a, auto* b) { return b_.CreateAnd(a, b_.CreateNot(b)); });
      return absl::OkStatus();
    case simd::V128Or:
      binary(canon, [&](auto* a, auto* b) { return b_.CreateOr(a, b); });
      return absl::OkStatus();
    case simd::V128Xor:
      binary(canon, [&](auto* a, auto* b) { return b_.CreateXor(a, b); });
      return absl::OkStatus();
    case simd::V128Bitselect: case simd::I8x16RelaxedLaneselect:
    case simd::I16x8RelaxedLaneselect: case simd::I32x4RelaxedLaneselect:
    case simd::I64x2RelaxedLaneselect: {
      llvm::Value* mask = pop();
      llvm::Value* f = pop();
      llvm::Value* t = pop();
      out(b_.CreateOr(b_.CreateAnd(t, mask), b_.CreateAnd(f, b_.CreateNot(mask))));
      return absl::OkStatus();
    }
    case simd::V128AnyTrue: {
      llvm::Value* x = b_.CreateBitCast(pop(), llvm::IntegerType::get(ctx, 128));
      push(boolToI32(b_.CreateICmpNE(x, llvm::ConstantInt::get(x->getType(), 0))));
      return absl::OkStatus();
    }
    case simd::I8x16AllTrue: case simd::I16x8AllTrue: case simd::I32x4AllTrue:
    case simd::I64x2AllTrue: {
      llvm::FixedVectorType* t = shapeOfName();
      llvm::Value* nonZero = b_.CreateICmpNE(popAs(t), llvm::Constant::getNullValue(t));
      push(boolToI32(b_.CreateAndReduce(nonZero)));
      return absl::OkStatus();
    }
    case simd::I8x16Bitmask: case simd::I16x8Bitmask: case simd::I32x4Bitmask:
    case simd::I64x2Bitmask: {
      llvm::FixedVectorType* t = shapeOfName();
      llvm::Value* neg = b_.CreateICmpSLT(popAs(t), llvm::Constant::getNullValue(t));
      llvm::Value* bits =
          b_.CreateBitCast(neg, llvm::IntegerType::get(ctx, t->getNumElements()));
      push(b_.CreateZExt(bits, c_.i32));
      return absl::OkStatus();
    }

    // ---- comparisons ----
    case simd::I64x2Eq: case simd::I64x2Ne: case simd::I64x2LtS: case simd::I64x2GtS:
    case simd::I64x2LeS: case simd::I64x2GeS: {
      static const llvm::CmpInst::Predicate preds[] = {
          llvm::CmpInst::ICMP_EQ, llvm::CmpInst::ICMP_NE, llvm::CmpInst::ICMP_SLT,
          llvm::CmpInst::ICMP_SGT, llvm::CmpInst::ICMP_SLE, llvm::CmpInst::ICMP_SGE};
      binary(v2i64, [&](auto* a, auto* b) {
        return b_.CreateSExt(b_.CreateICmp(preds[sub - simd::I64x2Eq], a, b), v2i64);
      });
      return absl::OkStatus();
    }

    // ---- narrowing, extension ----
    case simd::I8x16NarrowI16x8S:
      binary(v8i16, [&](auto* a, auto* b) { return x86(llvm::Intrinsic::x86_sse2_packsswb_128, {a, b}); });
      return absl::OkStatus();
    case simd::I8x16NarrowI16x8U:
      binary(v8i16, [&](auto* a, auto* b) { return x86(llvm::Intrinsic::x86_sse2_packuswb_128, {a, b}); });
      return absl::OkStatus();
    case simd::I16x8NarrowI32x4S:
      binary(v4i32, [&](auto* a, auto* b) { return x86(llvm::Intrinsic::x86_sse2_packssdw_128, {a, b}); });
      return absl::OkStatus();
    case simd::I16x8NarrowI32x4U:
      binary(v4i32, [&](auto* a, auto* b) { return x86(llvm::Intrinsic::x86_sse41_packusdw, {a, b}); });
      return absl::OkStatus();
    case simd::I16x8ExtendLowI8x16S: case simd::I16x8ExtendHighI8x16S:
    case simd::I16x8ExtendLowI8x16U: case simd::I16x8ExtendHighI8x16U:
    case simd::I32x4ExtendLowI16x8S: case simd::I32x4ExtendHighI16x8S:
    case simd::I32x4ExtendLowI16x8U: case simd::I32x4ExtendHighI16x8U:
    case simd::I64x2ExtendLowI32x4S: case simd::I64x2ExtendHighI32x4S:
    case simd::I64x2ExtendLowI32x4U: case simd::I64x2ExtendHighI32x4U: {
      uint32_t base = sub >= simd::I64x2ExtendLowI32x4S   ? simd::I64x2ExtendLowI32x4S
                      : sub >= simd::I32x4ExtendLowI16x8S ? simd::I32x4ExtendLowI16x8S
                                                          : simd::I16x8ExtendLowI8x16S;
      llvm::FixedVectorType* from = base == simd::I64x2ExtendLowI32x4S   ? v4i32
                                    : base == simd::I32x4ExtendLowI16x8S ? v8i16
                                                                         : v16i8;
      unsigned k = sub - base;  // low_s, high_s, low_u, high_u
      out(extendHalf(popAs(from), k % 2 == 1, k < 2));
      return absl::OkStatus();
    }
    case simd::I16x8ExtmulLowI8x16S: case simd::I16x8ExtmulHighI8x16S:
    case simd::I16x8ExtmulLowI8x16U: case simd::I16x8ExtmulHighI8x16U:
    case simd::I32x4ExtmulLowI16x8S: case simd::I32x4ExtmulHighI16x8S:
    case simd::I32x4ExtmulLowI16x8U: case simd::I32x4ExtmulHighI16x8U:
    case simd::I64x2ExtmulLowI32x4S: case simd::I64x2ExtmulHighI32x4S:
    case simd::I64x2ExtmulLowI32x4U: case simd::I64x2ExtmulHighI32x4U: {
      uint32_t base = sub >= simd::I64x2ExtmulLowI32x4S   ? simd::I64x2ExtmulLowI32x4S
                      : sub >= simd::I32x4ExtmulLowI16x8S ? simd::I32x4ExtmulLowI16x8S
                                                          : simd::I16x8ExtmulLowI8x16S;
      llvm::FixedVectorType* from = base == simd::I64x2ExtmulLowI32x4S   ? v4i32
                                    : base == simd::I32x4ExtmulLowI16x8S ? v8i16
                                                                         : v16i8;
      unsigned k = sub - base;
      binary(from, [&](auto* a, auto* b) {
        return b_.CreateMul(extendHalf(a, k % 2 == 1, k < 2), extendHalf(b, k % 2 == 1, k < 2));
      });
      return absl::OkStatus();
    }
    case simd::I16x8ExtaddPairwiseI8x16S: case simd::I16x8ExtaddPairwiseI8x16U:
    case simd::I32x4ExtaddPairwiseI16x8S: case simd::I32x4ExtaddPairwiseI16x8U: {
      bool from8 = sub <= simd::I16x8ExtaddPairwiseI8x16U;
      bool isSigned = sub == simd::I16x8ExtaddPairwiseI8x16S || sub == simd::I32x4ExtaddPairwiseI16x8S;
      llvm::Value* x = popAs(from8 ? v16i8 : v8i16);
      llvm::Type* wide = from8 ? vec(c_.i16, 16) : vec(c_.i32, 8);
      out(pairwiseAdd(isSigned ? b_.CreateSExt(x, wide) : b_.CreateZExt(x, wide)));
      return absl::OkStatus();
    }

    // ---- integer arithmetic ----
    case simd::I8x16Popcnt:
      unary(v16i8, [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, x); });
      return absl::OkStatus();
    case simd::I16x8Q15mulrSatS: case simd::I16x8RelaxedQ15mulrS:
      q15mulr();
      return absl::OkStatus();
    case simd::I32x4DotI16x8S:
      binary(v8i16, [&](auto* a, auto* b) { return x86(llvm::Intrinsic::x86_sse2_pmadd_wd, {a, b}); });
      return absl::OkStatus();
    case simd::I16x8RelaxedDotI8x16I7x16S:
      binary(v16i8, [&](auto* a, auto* b) { return dotI8(a, b); });
      return absl::OkStatus();
    case simd::I32x4RelaxedDotI8x16I7x16AddS: {
      llvm::Value* acc = popAs(v4i32);
      llvm::Value* b = popAs(v16i8);
      llvm::Value* a = popAs(v16i8);
      llvm::Value* dot16 = dotI8(a, b);
      llvm::Value* dot32 = pairwiseAdd(b_.CreateSExt(dot16, vec(c_.i32, 8)));
      out(b_.CreateAdd(dot32, acc));
      return absl::OkStatus();
    }
    case simd::I8x16AvgrU: case simd::I16x8AvgrU: {
      llvm::FixedVectorType* t = shapeOfName();
      binary(t, [&](auto* a, auto* b) {
        unsigned n = t->getNumElements();
        llvm::Type* wide = vec(llvm::IntegerType::get(ctx, 2 * t->getScalarSizeInBits()), n);
        llvm::Value* sum = b_.CreateAdd(b_.CreateAdd(b_.CreateZExt(a, wide), b_.CreateZExt(b, wide)),
                                        llvm::ConstantInt::get(wide, 1));
        return b_.CreateTrunc(b_.CreateLShr(sum, llvm::ConstantInt::get(wide, 1)), t);
      });
      return absl::OkStatus();
    }

    // ---- float conversions ----
    case simd::I32x4TruncSatF32x4S: case simd::I32x4RelaxedTruncF32x4S:
      truncSat(v4f32, true);
      return absl::OkStatus();
    case simd::I32x4TruncSatF32x4U: case simd::I32x4RelaxedTruncF32x4U:
      truncSat(v4f32, false);
      return absl::OkStatus();
    case simd::I32x4TruncSatF64x2SZero: case simd::I32x4RelaxedTruncF64x2SZero:
      truncSat(v2f64, true);
      return absl::OkStatus();
    case simd::I32x4TruncSatF64x2UZero: case simd::I32x4RelaxedTruncF64x2UZero:
      truncSat(v2f64, false);
      return absl::OkStatus();
    case simd::F32x4ConvertI32x4S:
      unary(v4i32, [&](auto* x) { return b_.CreateSIToFP(x, v4f32); });
      return absl::OkStatus();
    case simd::F32x4ConvertI32x4U:
      unary(v4i32, [&](auto* x) { return b_.CreateUIToFP(x, v4f32); });
      return absl::OkStatus();
    case simd::F64x2ConvertLowI32x4S:
      unary(v4i32, [&](auto* x) { return b_.CreateSIToFP(lanes(x, 0, 2), v2f64); });
      return absl::OkStatus();
    case simd::F64x2ConvertLowI32x4U:
      unary(v4i32, [&](auto* x) { return b_.CreateUIToFP(lanes(x, 0, 2), v2f64); });
      return absl::OkStatus();
    case simd::F32x4DemoteF64x2Zero:
      unary(v2f64, [&](auto* x) {
        llvm::Value* lo = b_.CreateFPTrunc(x, vec(c_.f32, 2));
        return concat(lo, llvm::Constant::getNullValue(lo->getType()));
      });
      return absl::OkStatus();
    case simd::F64x2PromoteLowF32x4:
      unary(v4f32, [&](auto* x) { return b_.CreateFPExt(lanes(x, 0, 2), v2f64); });
      return absl::OkStatus();

    // ---- float arithmetic ----
    case simd::F32x4Abs: case simd::F64x2Abs:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x); });
      return absl::OkStatus();
    case simd::F32x4Neg: case simd::F64x2Neg:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateFNeg(x); });
      return absl::OkStatus();
    case simd::F32x4Sqrt: case simd::F64x2Sqrt:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x); });
      return absl::OkStatus();
    case simd::F32x4Ceil: case simd::F64x2Ceil:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::ceil, x); });
      return absl::OkStatus();
    case simd::F32x4Floor: case simd::F64x2Floor:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, x); });
      return absl::OkStatus();
    case simd::F32x4Trunc: case simd::F64x2Trunc:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::trunc, x); });
      return absl::OkStatus();
    case simd::F32x4Nearest: case simd::F64x2Nearest:
      unary(shapeOfName(), [&](auto* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::roundeven, x); });
      return absl::OkStatus();
    case simd::F32x4Add: case simd::F32x4Sub: case simd::F32x4Mul: case simd::F32x4Div:
    case simd::F64x2Add: case simd::F64x2Sub: case simd::F64x2Mul: case simd::F64x2Div: {
      bool is32 = sub <= simd::F32x4Div;
      unsigned k = sub - (is32 ? simd::F32x4Add : simd::F64x2Add);
      binary(is32 ? v4f32 : v2f64, [&](llvm::Value* a, llvm::Value* b) -> llvm::Value* {
        const llvm::DataLayout& dl = c_.mod.getDataLayout();
        if ((k != 3 && isIdentityVector(a, dl)) || isIdentityVector(b, dl)) {  // the divisor only
          // x+0, x*1, ...: LLVM would fold these and let a signalling NaN through.
          static const char* ops[] = {"add", "sub", "mul", "div"};
          return hardwareOp((std::string(ops[k]) + (is32 ? "ps" : "pd")).c_str(), a, b);
        }
        switch (k) {
          case 0: return b_.CreateFAdd(a, b);
          case 1: return b_.CreateFSub(a, b);
          case 2: return b_.CreateFMul(a, b);
          default: return b_.CreateFDiv(a, b);
        }
      });
      return absl::OkStatus();
    }
    case simd::F32x4Min: case simd::F64x2Min: case simd::F32x4RelaxedMin:
    case simd::F64x2RelaxedMin:
      binary(shapeOfName(), [&](auto* a, auto* b) { return floatMinMax(a, b, true); });
      return absl::OkStatus();
    case simd::F32x4Max: case simd::F64x2Max: case simd::F32x4RelaxedMax:
    case simd::F64x2RelaxedMax:
      binary(shapeOfName(), [&](auto* a, auto* b) { return floatMinMax(a, b, false); });
      return absl::OkStatus();
    case simd::F32x4Pmin: case simd::F64x2Pmin:  // b < a ? b : a
      binary(shapeOfName(), [&](auto* a, auto* b) { return b_.CreateSelect(b_.CreateFCmpOLT(b, a), b, a); });
      return absl::OkStatus();
    case simd::F32x4Pmax: case simd::F64x2Pmax:  // a < b ? b : a
      binary(shapeOfName(), [&](auto* a, auto* b) { return b_.CreateSelect(b_.CreateFCmpOLT(a, b), b, a); });
      return absl::OkStatus();
    case simd::F32x4RelaxedMadd: case simd::F32x4RelaxedNmadd:
    case simd::F64x2RelaxedMadd: case simd::F64x2RelaxedNmadd: {
      llvm::FixedVectorType* t = shapeOfName();
      llvm::Value* c = popAs(t);
      llvm::Value* b = popAs(t);
      llvm::Value* a = popAs(t);
      llvm::Value* prod = b_.CreateFMul(a, b);
      if (sub == simd::F32x4RelaxedNmadd || sub == simd::F64x2RelaxedNmadd) prod = b_.CreateFNeg(prod);
      out(b_.CreateFAdd(prod, c));
      return absl::OkStatus();
    }
    default:
      break;
  }

  // The regular integer families, by name: comparisons, shifts, add/sub/mul, saturating
  // arithmetic, min/max, abs, neg.
  const std::string_view name = ins.simd->name;
  const std::string_view opName = name.substr(name.find('.') + 1);
  llvm::FixedVectorType* t = shapeOfName();
  if (sub >= simd::I8x16Eq && sub <= simd::F64x2Ge) {
    static const std::pair<std::string_view, llvm::CmpInst::Predicate> preds[] = {
        {"eq", llvm::CmpInst::ICMP_EQ},    {"ne", llvm::CmpInst::ICMP_NE},
        {"lt_s", llvm::CmpInst::ICMP_SLT}, {"lt_u", llvm::CmpInst::ICMP_ULT},
        {"gt_s", llvm::CmpInst::ICMP_SGT}, {"gt_u", llvm::CmpInst::ICMP_UGT},
        {"le_s", llvm::CmpInst::ICMP_SLE}, {"le_u", llvm::CmpInst::ICMP_ULE},
        {"ge_s", llvm::CmpInst::ICMP_SGE}, {"ge_u", llvm::CmpInst::ICMP_UGE},
        {"lt", llvm::CmpInst::FCMP_OLT},   {"gt", llvm::CmpInst::FCMP_OGT},
        {"le", llvm::CmpInst::FCMP_OLE},   {"ge", llvm::CmpInst::FCMP_OGE}};
    bool isFloat = t->getElementType()->isFloatingPointTy();
    llvm::CmpInst::Predicate pred = llvm::CmpInst::BAD_ICMP_PREDICATE;
    for (const auto& [n, p] : preds)
      if (n == opName) pred = p;
    if (isFloat && opName == "eq") pred = llvm::CmpInst::FCMP_OEQ;
    if (isFloat && opName == "ne") pred = llvm::CmpInst::FCMP_UNE;
    llvm::Type* maskTy = vec(llvm::IntegerType::get(ctx, t->getScalarSizeInBits()),
                             t->getNumElements());
    binary(t, [&](auto* a, auto* b) {
      llvm::Value* cmp = isFloat ? b_.CreateFCmp(pred, a, b) : b_.CreateICmp(pred, a, b);
      return b_.CreateSExt(cmp, maskTy);
    });
    return absl::OkStatus();
  }
  if (opName == "shl" || opName == "shr_s" || opName == "shr_u") {
    llvm::Value* amount = pop();
    llvm::Value* v = popAs(t);
    unsigned bits = t->getScalarSizeInBits();
    amount = b_.CreateAnd(amount, i32c(bits - 1));
    amount = b_.CreateZExtOrTrunc(amount, t->getElementType());
    llvm::Value* splat = b_.CreateVectorSplat(t->getNumElements(), amount);
    out(opName == "shl"     ? b_.CreateShl(v, splat)
        : opName == "shr_s" ? b_.CreateAShr(v, splat)
                            : b_.CreateLShr(v, splat));
    return absl::OkStatus();
  }
  if (opName == "add") return binary(t, [&](auto* a, auto* b) { return b_.CreateAdd(a, b); }), absl::OkStatus();
  if (opName == "sub") return binary(t, [&](auto* a, auto* b) { return b_.CreateSub(a, b); }), absl::OkStatus();
  if (opName == "mul") return binary(t, [&](auto* a, auto* b) { return b_.CreateMul(a, b); }), absl::OkStatus();
  static const std::pair<std::string_view, llvm::Intrinsic::ID> intrinsics[] = {
      {"add_sat_s", llvm::Intrinsic::sadd_sat}, {"add_sat_u", llvm::Intrinsic::uadd_sat},
      {"sub_sat_s", llvm::Intrinsic::ssub_sat}, {"sub_sat_u", llvm::Intrinsic::usub_sat},
      {"min_s", llvm::Intrinsic::smin},         {"min_u", llvm::Intrinsic::umin},
      {"max_s", llvm::Intrinsic::smax},         {"max_u", llvm::Intrinsic::umax}};
  for (const auto& [n, id] : intrinsics) {
    if (n == opName) {
      intrinsic2(id, t);
      return absl::OkStatus();
    }
  }
  if (opName == "abs") {
    unary(t, [&](auto* x) {
      return b_.CreateIntrinsic(llvm::Intrinsic::abs, {t}, {x, b_.getFalse()});
    });
    return absl::OkStatus();
  }
  if (opName == "neg") {
    unary(t, [&](auto* x) { return b_.CreateSub(llvm::Constant::getNullValue(t), x); });
    return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrFormat(
      "function %u: SIMD instruction %s at byte 0x%x is not supported", funcIndex_, name,
      instrOffset_));
}

}  // namespace kiln::lower

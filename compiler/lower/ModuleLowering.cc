// Module-level lowering: declares every Wasm function, lowers the bodies, and emits the
// per-signature trampolines (array-to-native for host->Wasm calls, native-to-array stubs for
// Wasm->host calls) and the versioned descriptor `kiln_module_v1` (see kiln/abi.h).
#include <cstddef>
#include <map>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "Lowering.h"
#include "lower/CheckFolding.h"
#include <optional>

#include "llvm/IR/DIBuilder.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/SHA256.h"
#include <array>
#include <cstring>
#include "llvm/Support/raw_ostream.h"

namespace kiln::lower {

using wasm::FuncType;
using wasm::ValType;

ModuleContext::ModuleContext(const wasm::Module& w, llvm::LLVMContext& c, llvm::Module& m)
    : wasm(w), ctx(c), mod(m) {
  voidTy = llvm::Type::getVoidTy(c);
  i1 = llvm::Type::getInt1Ty(c);
  i8 = llvm::Type::getInt8Ty(c);
  i16 = llvm::Type::getInt16Ty(c);
  i32 = llvm::Type::getInt32Ty(c);
  i64 = llvm::Type::getInt64Ty(c);
  f32 = llvm::Type::getFloatTy(c);
  f64 = llvm::Type::getDoubleTy(c);
  ptr = llvm::PointerType::get(c, 0);
  fsPtr = llvm::PointerType::get(c, 257);
  layout = kiln_compute_vmctx_layout(
      static_cast<uint32_t>(w.memories.size()), static_cast<uint32_t>(w.tables.size()),
      static_cast<uint32_t>(w.globals.size()), static_cast<uint32_t>(w.funcTypes.size()),
      static_cast<uint32_t>(w.types.size()), static_cast<uint32_t>(w.tags.size()));
  llvm::MDBuilder md(c);
  llvm::MDNode* root = md.createTBAARoot("kiln");
  auto scalar = [&](const char* name) {
    llvm::MDNode* t = md.createTBAAScalarTypeNode(name, root);
    return md.createTBAAStructTagNode(t, t, 0);
  };
  tbaaMemory = scalar("linear memory");
  tbaaRuntime = scalar("runtime");
  tbaaGlobal = scalar("global");
  tbaaTable = scalar("table elements");
  tbaaWitness = scalar("trap witness");
}

llvm::Type* ModuleContext::type(ValType t) const {
  if (t.isRef()) return ptr;
  switch (t.code()) {
    case 0x7F: return i32;
    case 0x7E: return i64;
    case 0x7D: return f32;
    case 0x7C: return f64;
    case 0x7B: return llvm::FixedVectorType::get(i64, 2);
  }
  return i32;
}

llvm::Type* ModuleContext::resultType(const std::vector<ValType>& results) const {
  if (results.empty()) return voidTy;
  if (results.size() == 1) return type(results[0]);
  std::vector<llvm::Type*> elems;
  for (ValType t : results) elems.push_back(type(t));
  return llvm::StructType::get(ctx, elems);
}

llvm::FunctionType* ModuleContext::wasmFunctionType(const FuncType& ft) const {
  std::vector<llvm::Type*> params{ptr};
  for (ValType t : ft.params) params.push_back(type(t));
  return llvm::FunctionType::get(resultType(ft.results), params, false);
}

namespace {

// Sets the attributes every generated function carries.
void setCommonAttributes(llvm::Function* f) {
  f->addFnAttr(llvm::Attribute::NoUnwind);
  f->addFnAttr("probe-stack", "inline-asm");  // large frames touch the guard page in order
  // Unwind tables (no run-time cost): gdb and perf --call-graph=dwarf walk through Wasm
  // frames with them; the loader hands them to gdb with the function names.
  f->setUWTableKind(llvm::UWTableKind::Async);
  f->setDSOLocal(true);
}

// Emits `void a2n(ptr code, ptr vmctx, ptr args_results)` (C ABI) for signature `ft`.
llvm::Function* emitArrayToNative(ModuleContext& c, const FuncType& ft, uint32_t typeIndex) {
  auto* fty = llvm::FunctionType::get(c.voidTy, {c.ptr, c.ptr, c.ptr}, false);
  auto* f = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage,
                                   absl::StrFormat("kiln.a2n.%u", typeIndex), c.mod);
  setCommonAttributes(f);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(c.ctx, "entry", f));
  llvm::Value* code = f->getArg(0);
  llvm::Value* vmctx = f->getArg(1);
  llvm::Value* buf = f->getArg(2);
  std::vector<llvm::Value*> args{vmctx};
  for (size_t i = 0; i < ft.params.size(); ++i) {
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(c.i8, buf, sizeof(kiln_val) * i);
    args.push_back(b.CreateAlignedLoad(c.type(ft.params[i]), p, llvm::Align(8)));
  }
  llvm::CallInst* call = b.CreateCall(c.wasmFunctionType(ft), code, args);
  call->setCallingConv(kWasmCC);
  for (size_t i = 0; i < ft.results.size(); ++i) {
    llvm::Value* v = ft.results.size() == 1 ? static_cast<llvm::Value*>(call)
                                            : b.CreateExtractValue(call, i);
    b.CreateAlignedStore(v, b.CreateConstInBoundsGEP1_64(c.i8, buf, sizeof(kiln_val) * i), llvm::Align(8));
  }
  b.CreateRetVoid();
  return f;
}

// Emits the Wasm-convention stub `R n2a(kiln_host_func* ctx, P...)` that calls
// ctx->callback(ctx, args_results) with the arguments spilled to an array.
llvm::Function* emitNativeToArray(ModuleContext& c, const FuncType& ft, uint32_t typeIndex) {
  auto* f = llvm::Function::Create(c.wasmFunctionType(ft), llvm::GlobalValue::InternalLinkage,
                                   absl::StrFormat("kiln.n2a.%u", typeIndex), c.mod);
  f->setCallingConv(kWasmCC);
  setCommonAttributes(f);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(c.ctx, "entry", f));
  size_t slots = std::max<size_t>({ft.params.size(), ft.results.size(), 1});
  llvm::AllocaInst* buf = b.CreateAlloca(llvm::ArrayType::get(c.i8, sizeof(kiln_val) * slots));
  buf->setAlignment(llvm::Align(16));
  for (size_t i = 0; i < ft.params.size(); ++i)
    b.CreateAlignedStore(f->getArg(i + 1), b.CreateConstInBoundsGEP1_64(c.i8, buf, sizeof(kiln_val) * i),
                         llvm::Align(8));
  llvm::Value* hostCtx = f->getArg(0);
  llvm::Value* callback = b.CreateAlignedLoad(c.ptr, hostCtx, llvm::Align(8));
  auto* cbTy = llvm::FunctionType::get(c.voidTy, {c.ptr, c.ptr}, false);
  b.CreateCall(cbTy, callback, {hostCtx, buf});
  if (ft.results.empty()) {
    b.CreateRetVoid();
  } else {
    std::vector<llvm::Value*> rs;
    for (size_t i = 0; i < ft.results.size(); ++i)
      rs.push_back(b.CreateAlignedLoad(c.type(ft.results[i]),
                                       b.CreateConstInBoundsGEP1_64(c.i8, buf, sizeof(kiln_val) * i),
                                       llvm::Align(8)));
    if (rs.size() == 1) {
      b.CreateRet(rs[0]);
    } else {
      llvm::Value* agg = llvm::UndefValue::get(f->getReturnType());
      for (unsigned i = 0; i < rs.size(); ++i) agg = b.CreateInsertValue(agg, rs[i], i);
      b.CreateRet(agg);
    }
  }
  return f;
}

// One field of an abi.h struct: where the C compiler put it, its size, and its value.
struct AbiField {
  size_t offset;
  size_t size;
  llvm::Constant* value;
};
// offsetof and sizeof of field `f` of the abi.h struct `S`: the descriptor is laid out
// from the C definitions themselves, so the two cannot disagree.
#define KILN_FIELD(S, f) offsetof(S, f), sizeof(S::f)

// Builds the constant data of the descriptor.
class DescriptorBuilder {
 public:
  explicit DescriptorBuilder(ModuleContext& c) : c_(c), dl_(c.mod.getDataLayout()) {}

  // A constant with the layout of the C struct `S` (packed, with explicit zero padding):
  // every field at its offset, checked against its size; fields in order, none overlapping.
  template <typename S>
  llvm::Constant* make(std::initializer_list<AbiField> fields) {
    std::vector<llvm::Constant*> elems;
    size_t at = 0;
    for (const AbiField& f : fields) {
      size_t size = dl_.getTypeAllocSize(f.value->getType());
      if (f.offset < at || size != f.size) {
        error_ = absl::InternalError(absl::StrFormat(
            "descriptor layout: a field at offset %u of a %u-byte struct has %u bytes where "
            "abi.h has %u (or overlaps the previous field)",
            static_cast<unsigned>(f.offset), static_cast<unsigned>(sizeof(S)),
            static_cast<unsigned>(size), static_cast<unsigned>(f.size)));
        return null();
      }
      if (f.offset > at) elems.push_back(zeros(f.offset - at));
      elems.push_back(f.value);
      at = f.offset + size;
    }
    if (at > sizeof(S)) {
      error_ = absl::InternalError("descriptor layout: fields beyond the end of the struct");
      return null();
    }
    if (at < sizeof(S)) elems.push_back(zeros(sizeof(S) - at));
    return llvm::ConstantStruct::getAnon(c_.ctx, elems, /*Packed=*/true);
  }
  // The first layout error, if any.
  const absl::Status& status() const { return error_; }

  llvm::Constant* u32(uint64_t v) { return llvm::ConstantInt::get(c_.i32, v); }
  llvm::Constant* u64(uint64_t v) { return llvm::ConstantInt::get(c_.i64, v); }
  llvm::Constant* u8(uint64_t v) { return llvm::ConstantInt::get(c_.i8, v); }
  llvm::Constant* null() { return llvm::ConstantPointerNull::get(c_.ptr); }
  llvm::Constant* zeros(size_t n) {
    return llvm::ConstantAggregateZero::get(llvm::ArrayType::get(c_.i8, n));
  }
  llvm::Constant* byteArray(const uint8_t* data, size_t n) {
    return llvm::ConstantDataArray::get(c_.ctx, llvm::ArrayRef<uint8_t>(data, n));
  }

  // Private constant bytes (NUL-terminated) and a pointer to them.
  llvm::Constant* bytes(const uint8_t* data, size_t n, const char* name) {
    if (n == 0 && data == nullptr) return null();
    std::string s(reinterpret_cast<const char*>(data), n);
    llvm::Constant* init = llvm::ConstantDataArray::getString(c_.ctx, s, /*AddNull=*/true);
    auto* g = new llvm::GlobalVariable(c_.mod, init->getType(), true,
                                       llvm::GlobalValue::PrivateLinkage, init, name);
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    g->setAlignment(llvm::Align(1));
    return g;
  }
  llvm::Constant* str(const std::string& s) {
    return bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "kiln.str");
  }
  // A private array of structs built by make<S>() (all of one type), and a pointer to it.
  llvm::Constant* array(const std::vector<llvm::Constant*>& elems, const char* name) {
    if (elems.empty()) return null();
    auto* at = llvm::ArrayType::get(elems[0]->getType(), elems.size());
    auto* g = new llvm::GlobalVariable(c_.mod, at, true, llvm::GlobalValue::PrivateLinkage,
                                       llvm::ConstantArray::get(at, elems), name);
    g->setAlignment(llvm::Align(8));
    return g;
  }
  llvm::Constant* limits(const wasm::Limits& l) {
    using L = kiln_limits_desc;
    return make<L>({{KILN_FIELD(L, min), u64(l.min)},
                    {KILN_FIELD(L, max), u64(l.max.value_or(0))},
                    {KILN_FIELD(L, has_max), u8(l.max.has_value())},
                    {KILN_FIELD(L, is64), u8(l.is64)},
                    {KILN_FIELD(L, shared), u8(l.shared)}});
  }
  llvm::Constant* expr(const wasm::ConstExpr& e) {
    return bytes(e.bytes.data(), e.bytes.size(), "kiln.expr");
  }

 private:
  ModuleContext& c_;
  const llvm::DataLayout& dl_;
  absl::Status error_;
};

// The KILN_REF_* word of a value type (0 for numbers and the nullable top references).
uint32_t refInfo(ValType t) {
  if (!t.isRef()) return 0;
  uint32_t kind = KILN_REF_TOP, index = 0;
  const uint32_t h = t.heap();
  if (h < ValType::kAbstract) {
    kind = KILN_REF_TYPEIDX;
    index = h;
  } else if (h == ValType::HeapNoFunc || h == ValType::HeapNoExtern || h == ValType::HeapNoExn) {
    kind = KILN_REF_BOTTOM;
  }
  return (t.nullable() ? 0 : KILN_REF_NONNULL) | (kind << 1) | (index << 3);
}

std::string displayName(const wasm::Module& m, uint32_t funcIndex) {
  auto it = m.names.functions.find(funcIndex);
  if (it != m.names.functions.end() && !it->second.empty()) return it->second;
  for (const wasm::Export& e : m.exports)
    if (e.kind == wasm::ExternKind::Func && e.index == funcIndex) return e.name;
  return {};
}

}  // namespace

absl::Status lowerModule(const wasm::Module& w, const TargetInfo& target,
                         const std::vector<uint8_t>& wasmBytes, llvm::Module& mod) {
  ModuleContext c(w, mod.getContext(), mod);
  c.fuel = target.fuel;
  c.epochChecks = target.epochChecks;
  c.avx = (target.cpuFeatureMask & KILN_CPU_AVX) != 0;
  c.optLevel = target.optLevel;
  // 32-bit memories have explicit bounds checks when the optimiser runs; once it is done,
  // the checks that an access right behind them covers fold back into the guard pages.
  if (c.optLevel > 0)
    for (uint32_t i = 0; i < w.memories.size(); ++i)
      if (!w.memories[i].limits.is64) recordGuardMemory(mod, i, c.layout.memories + 8 * i);
  DescriptorBuilder d(c);

  for (const FuncType& ft : w.types) c.wasmFnTypes.push_back(c.wasmFunctionType(ft));

  // Declare all defined functions first so calls can refer to them.
  c.funcs.assign(w.funcTypes.size(), nullptr);
  c.funcNames.resize(w.funcTypes.size());
  for (uint32_t i = 0; i < w.funcTypes.size(); ++i) {
    c.funcNames[i] = displayName(w, i);
    if (w.isImportedFunc(i)) continue;
    // The symbol carries the name for debuggers and disassemblers. '@' is %-escaped: in an
    // ELF symbol that is not local (code generation in parts makes functions hidden globals)
    // the linker would read it as a symbol version.
    std::string sym = c.funcNames[i].empty()
                          ? absl::StrFormat("wasm-function[%u]", i)
                          : absl::StrFormat("wasm[%u]:%s", i,
                                            absl::StrReplaceAll(c.funcNames[i],
                                                                {{"%", "%25"}, {"@", "%40"}}));
    auto* f = llvm::Function::Create(c.wasmFnTypes[w.funcTypes[i]],
                                     llvm::GlobalValue::InternalLinkage, sym, mod);
    f->setCallingConv(kWasmCC);
    setCommonAttributes(f);
    c.funcs[i] = f;
  }
  // Debug locations for the code map: one subprogram per function, named by its index; a
  // line is a byte offset in the binary. Line tables only: no types, no variables.
  std::optional<llvm::DIBuilder> di;
  if (target.codeMap) {
    di.emplace(mod);
    llvm::DIFile* file = di->createFile("wasm", "");
    di->createCompileUnit(llvm::dwarf::DW_LANG_C11, file, "kilnc", /*isOptimized=*/true, "",
                          0, "", llvm::DICompileUnit::LineTablesOnly);
    llvm::DISubroutineType* fnTy = di->createSubroutineType(di->getOrCreateTypeArray({}));
    c.subprograms.assign(w.funcTypes.size(), nullptr);
    for (uint32_t i = w.numImportedFuncs; i < w.funcTypes.size(); ++i) {
      const uint32_t line = w.functions[i - w.numImportedFuncs].bodyStart;
      c.subprograms[i] = di->createFunction(
          file, std::to_string(i), "", file, line, fnTy, line, llvm::DINode::FlagZero,
          llvm::DISubprogram::SPFlagDefinition | llvm::DISubprogram::SPFlagOptimized);
      c.funcs[i]->setSubprogram(c.subprograms[i]);
    }
    mod.addModuleFlag(llvm::Module::Warning, "Debug Info Version",
                      llvm::DEBUG_METADATA_VERSION);
    mod.addModuleFlag(llvm::Module::Warning, "Dwarf Version", 5);
  }
  for (uint32_t i = w.numImportedFuncs; i < w.funcTypes.size(); ++i)
    if (absl::Status s = lowerFunction(c, i); !s.ok()) return s;
  if (di) di->finalize();

  // Trampolines, shared between structurally equal signatures.
  std::map<std::pair<std::vector<ValType>, std::vector<ValType>>,
           std::pair<llvm::Function*, llvm::Function*>>
      bySig;
  std::vector<llvm::Constant*> typeDescs;
  for (uint32_t t = 0; t < w.types.size(); ++t) {
    const FuncType& ft = w.types[t];
    auto& slot = bySig[{ft.params, ft.results}];
    if (!slot.first) slot = {emitArrayToNative(c, ft, t), emitNativeToArray(c, ft, t)};
    std::vector<uint8_t> codes;
    std::vector<llvm::Constant*> refs;
    bool anyRef = false;
    for (const auto* list : {&ft.params, &ft.results}) {
      for (ValType v : *list) {
        codes.push_back(v.abiCode());
        refs.push_back(d.u32(refInfo(v)));
        anyRef = anyRef || refInfo(v) != 0;
      }
    }
    llvm::Constant* refArray = d.null();
    if (anyRef) {
      auto* at = llvm::ArrayType::get(c.i32, refs.size());
      auto* g = new llvm::GlobalVariable(mod, at, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantArray::get(at, refs), "kiln.sigrefs");
      g->setAlignment(llvm::Align(4));
      refArray = g;
    }
    using T = kiln_type_desc;
    typeDescs.push_back(d.make<T>(
        {{KILN_FIELD(T, num_params), d.u32(ft.params.size())},
         {KILN_FIELD(T, num_results), d.u32(ft.results.size())},
         {KILN_FIELD(T, types),
          codes.empty() ? d.null() : d.bytes(codes.data(), codes.size(), "kiln.sig")},
         {KILN_FIELD(T, array_to_native), slot.first},
         {KILN_FIELD(T, native_to_array), slot.second},
         {KILN_FIELD(T, refs), refArray},
         {KILN_FIELD(T, rec_start), d.u32(w.group(t).start)},
         {KILN_FIELD(T, rec_info),
          d.u32(w.group(t).size | (w.group(t).final ? 0u : KILN_REC_NOT_FINAL))}}));
  }

  std::vector<llvm::Constant*> imports;
  {
    uint32_t counters[5] = {0, 0, 0, 0, 0};
    for (const wasm::Import& im : w.imports) {
      uint32_t kind = static_cast<uint32_t>(im.kind);
      using I = kiln_import_desc;
      imports.push_back(d.make<I>({{KILN_FIELD(I, module), d.str(im.module)},
                                   {KILN_FIELD(I, name), d.str(im.name)},
                                   {KILN_FIELD(I, module_len), d.u32(im.module.size())},
                                   {KILN_FIELD(I, name_len), d.u32(im.name.size())},
                                   {KILN_FIELD(I, kind), d.u32(kind)},
                                   {KILN_FIELD(I, index), d.u32(counters[kind]++)}}));
    }
  }
  std::vector<llvm::Constant*> funcs;
  for (uint32_t i = 0; i < w.funcTypes.size(); ++i) {
    const std::string& name = c.funcNames[i];
    using F = kiln_func_desc;
    funcs.push_back(d.make<F>(
        {{KILN_FIELD(F, code), c.funcs[i] ? static_cast<llvm::Constant*>(c.funcs[i]) : d.null()},
         {KILN_FIELD(F, name), name.empty() ? d.null() : d.str(name)},
         {KILN_FIELD(F, name_len), d.u32(name.size())},
         {KILN_FIELD(F, type_index), d.u32(w.funcTypes[i])}}));
  }
  std::vector<llvm::Constant*> tables;
  for (uint32_t i = 0; i < w.tables.size(); ++i) {
    const wasm::TableType& tt = w.tables[i];
    llvm::Constant* init = d.null();
    uint32_t initLen = 0;
    if (i >= w.numImportedTables) {
      const auto& def = w.definedTables[i - w.numImportedTables];
      if (def.init) {
        init = d.expr(*def.init);
        initLen = def.init->bytes.size();
      }
    }
    using T = kiln_table_desc;
    tables.push_back(d.make<T>({{KILN_FIELD(T, limits), d.limits(tt.limits)},
                                {KILN_FIELD(T, elem_type), d.u32(tt.elem.abiCode())},
                                {KILN_FIELD(T, init_len), d.u32(initLen)},
                                {KILN_FIELD(T, init), init},
                                {KILN_FIELD(T, elem_ref), d.u32(refInfo(tt.elem))}}));
  }
  std::vector<llvm::Constant*> memories;
  for (const wasm::MemoryType& mt : w.memories) {
    using M = kiln_memory_desc;
    memories.push_back(d.make<M>(
        {{KILN_FIELD(M, limits), d.limits(mt.limits)},
         {KILN_FIELD(M, bounds_strategy),
          d.u32(mt.limits.is64 ? KILN_BOUNDS_EXPLICIT : KILN_BOUNDS_GUARD_PAGES)},
         {KILN_FIELD(M, page_size_log2), d.u32(16)}}));
  }
  std::vector<llvm::Constant*> globals;
  for (uint32_t i = 0; i < w.globals.size(); ++i) {
    const wasm::GlobalType& gt = w.globals[i];
    llvm::Constant* init = d.null();
    uint32_t initLen = 0;
    if (i >= w.numImportedGlobals) {
      const wasm::ConstExpr& e = w.definedGlobals[i - w.numImportedGlobals].init;
      init = d.expr(e);
      initLen = e.bytes.size();
    }
    using G = kiln_global_desc;
    globals.push_back(d.make<G>({{KILN_FIELD(G, type), d.u32(gt.type.abiCode())},
                                 {KILN_FIELD(G, mut), d.u32(gt.mut)},
                                 {KILN_FIELD(G, init_len), d.u32(initLen)},
                                 {KILN_FIELD(G, ref), d.u32(refInfo(gt.type))},
                                 {KILN_FIELD(G, init), init}}));
  }
  std::vector<llvm::Constant*> exports;
  for (const wasm::Export& e : w.exports) {
    using E = kiln_export_desc;
    exports.push_back(d.make<E>({{KILN_FIELD(E, name), d.str(e.name)},
                                 {KILN_FIELD(E, name_len), d.u32(e.name.size())},
                                 {KILN_FIELD(E, kind), d.u32(static_cast<uint32_t>(e.kind))},
                                 {KILN_FIELD(E, index), d.u32(e.index)}}));
  }
  auto modeOf = [](wasm::SegmentMode m) {
    return m == wasm::SegmentMode::Active    ? KILN_SEG_ACTIVE
           : m == wasm::SegmentMode::Passive ? KILN_SEG_PASSIVE
                                             : KILN_SEG_DECLARATIVE;
  };
  std::vector<llvm::Constant*> elems;
  for (const wasm::ElemSegment& e : w.elems) {
    std::vector<uint8_t> items;
    for (const wasm::ConstExpr& item : e.items)
      items.insert(items.end(), item.bytes.begin(), item.bytes.end());
    bool active = e.mode == wasm::SegmentMode::Active;
    using E = kiln_elem_desc;
    elems.push_back(d.make<E>(
        {{KILN_FIELD(E, mode), d.u32(modeOf(e.mode))},
         {KILN_FIELD(E, table), d.u32(e.table)},
         {KILN_FIELD(E, elem_type), d.u32(e.type.abiCode())},
         {KILN_FIELD(E, count), d.u32(e.items.size())},
         {KILN_FIELD(E, offset_len), d.u32(active ? e.offset.bytes.size() : 0)},
         {KILN_FIELD(E, items_len), d.u32(items.size())},
         {KILN_FIELD(E, offset), active ? d.expr(e.offset) : d.null()},
         {KILN_FIELD(E, items),
          items.empty() ? d.null() : d.bytes(items.data(), items.size(), "kiln.elem")}}));
  }
  std::vector<llvm::Constant*> datas;
  for (const wasm::DataSegment& s : w.datas) {
    bool active = s.mode == wasm::SegmentMode::Active;
    using D = kiln_data_desc;
    datas.push_back(d.make<D>(
        {{KILN_FIELD(D, mode), d.u32(modeOf(s.mode))},
         {KILN_FIELD(D, memory), d.u32(s.memory)},
         {KILN_FIELD(D, offset_len), d.u32(active ? s.offset.bytes.size() : 0)},
         {KILN_FIELD(D, offset), active ? d.expr(s.offset) : d.null()},
         {KILN_FIELD(D, bytes), d.bytes(w.bytes.data() + s.dataStart, s.dataSize, "kiln.data")},
         {KILN_FIELD(D, size), d.u64(s.dataSize)}}));
  }

  llvm::Constant* tagTypes = d.null();
  if (!w.tags.empty()) {
    std::vector<llvm::Constant*> ids;
    for (uint32_t t : w.tags) ids.push_back(d.u32(t));
    auto* at = llvm::ArrayType::get(c.i32, ids.size());
    auto* g = new llvm::GlobalVariable(mod, at, true, llvm::GlobalValue::PrivateLinkage,
                                       llvm::ConstantArray::get(at, ids), "kiln.tags");
    g->setAlignment(llvm::Align(4));
    tagTypes = g;
  }

  llvm::SHA256 sha;
  sha.update(llvm::ArrayRef<uint8_t>(wasmBytes.data(), wasmBytes.size()));
  std::array<uint8_t, 32> digest = sha.final();

  char magic[8] = {};
  std::memcpy(magic, KILN_DESCRIPTOR_MAGIC, sizeof(KILN_DESCRIPTOR_MAGIC));
  using M = kiln_module_desc;
  // The code map is linked in after code generation (codegen/CodeMap.h).
  llvm::Constant* codeMap = d.null();
  if (target.codeMap) {
    auto* g = new llvm::GlobalVariable(mod, c.i8, true, llvm::GlobalValue::ExternalLinkage,
                                       nullptr, kCodeMapSymbol);
    g->setVisibility(llvm::GlobalValue::HiddenVisibility);
    g->setDSOLocal(true);
    codeMap = g;
  }
  llvm::Constant* descriptor = d.make<M>({
      {KILN_FIELD(M, magic), d.byteArray(reinterpret_cast<uint8_t*>(magic), 8)},
      {KILN_FIELD(M, abi_major), d.u32(KILN_ABI_MAJOR)},
      {KILN_FIELD(M, abi_minor), d.u32(KILN_ABI_MINOR)},
      {KILN_FIELD(M, desc_size), d.u32(sizeof(kiln_module_desc))},
      {KILN_FIELD(M, opt_level), d.u32(target.optLevel)},
      {KILN_FIELD(M, compiler_version), d.str(KILN_VERSION)},
      {KILN_FIELD(M, target_cpu), d.str(target.cpu)},
      {KILN_FIELD(M, target_features), d.str(target.features)},
      {KILN_FIELD(M, cpu_features), d.u64(target.cpuFeatureMask)},
      {KILN_FIELD(M, module_sha256), d.byteArray(digest.data(), 32)},
      {KILN_FIELD(M, num_types), d.u32(w.types.size())},
      {KILN_FIELD(M, num_imports), d.u32(w.imports.size())},
      {KILN_FIELD(M, num_funcs), d.u32(w.funcTypes.size())},
      {KILN_FIELD(M, num_imported_funcs), d.u32(w.numImportedFuncs)},
      {KILN_FIELD(M, num_tables), d.u32(w.tables.size())},
      {KILN_FIELD(M, num_imported_tables), d.u32(w.numImportedTables)},
      {KILN_FIELD(M, num_memories), d.u32(w.memories.size())},
      {KILN_FIELD(M, num_imported_memories), d.u32(w.numImportedMemories)},
      {KILN_FIELD(M, num_globals), d.u32(w.globals.size())},
      {KILN_FIELD(M, num_imported_globals), d.u32(w.numImportedGlobals)},
      {KILN_FIELD(M, num_exports), d.u32(w.exports.size())},
      {KILN_FIELD(M, num_elems), d.u32(w.elems.size())},
      {KILN_FIELD(M, num_datas), d.u32(w.datas.size())},
      {KILN_FIELD(M, start_func),
       llvm::ConstantInt::getSigned(c.i32, w.start ? static_cast<int64_t>(*w.start) : -1)},
      {KILN_FIELD(M, vmctx_size), d.u32(c.layout.size)},
      {KILN_FIELD(M, num_tags), d.u32(w.tags.size())},
      {KILN_FIELD(M, types), d.array(typeDescs, "kiln.types")},
      {KILN_FIELD(M, imports), d.array(imports, "kiln.imports")},
      {KILN_FIELD(M, funcs), d.array(funcs, "kiln.funcs")},
      {KILN_FIELD(M, tables), d.array(tables, "kiln.tables")},
      {KILN_FIELD(M, memories), d.array(memories, "kiln.memories")},
      {KILN_FIELD(M, globals), d.array(globals, "kiln.globals")},
      {KILN_FIELD(M, exports), d.array(exports, "kiln.exports")},
      {KILN_FIELD(M, elems), d.array(elems, "kiln.elems")},
      {KILN_FIELD(M, datas), d.array(datas, "kiln.datas")},
      {KILN_FIELD(M, module_name), w.names.module ? d.str(*w.names.module) : d.null()},
      {KILN_FIELD(M, tag_types), tagTypes},
      {KILN_FIELD(M, num_imported_tags), d.u32(w.numImportedTags)},
      {KILN_FIELD(M, flags), d.u32((target.epochChecks ? KILN_MODULE_EPOCH_CHECKS : 0) |
                                   (target.fuel ? KILN_MODULE_FUEL : 0))},
      {KILN_FIELD(M, code_map), codeMap},
  });
  if (!d.status().ok()) return d.status();
  auto* desc = new llvm::GlobalVariable(mod, descriptor->getType(), true,
                                        llvm::GlobalValue::ExternalLinkage, descriptor,
                                        KILN_DESCRIPTOR_SYMBOL);
  desc->setVisibility(llvm::GlobalValue::DefaultVisibility);
  desc->setAlignment(llvm::Align(16));

  emitLibcallBuiltins(c);

  std::string err;
  llvm::raw_string_ostream os(err);
  if (llvm::verifyModule(mod, &os)) {
    if (getenv("KILN_DEBUG_IR")) mod.print(llvm::errs(), nullptr);
    return absl::InternalError("generated IR failed verification: " + os.str());
  }
  return absl::OkStatus();
}

}  // namespace kiln::lower

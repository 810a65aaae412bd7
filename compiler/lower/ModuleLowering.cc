// Module-level lowering: declares every Wasm function, lowers the bodies, and emits the
// per-signature trampolines (array-to-native for host->Wasm calls, native-to-array stubs for
// Wasm->host calls) and the versioned descriptor `kiln_module_v1` (see kiln/abi.h).
#include <cstddef>
#include <map>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "Lowering.h"
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
    llvm::Value* p = b.CreateConstInBoundsGEP1_64(c.i8, buf, 16 * i);
    args.push_back(b.CreateAlignedLoad(c.type(ft.params[i]), p, llvm::Align(8)));
  }
  llvm::CallInst* call = b.CreateCall(c.wasmFunctionType(ft), code, args);
  call->setCallingConv(kWasmCC);
  for (size_t i = 0; i < ft.results.size(); ++i) {
    llvm::Value* v = ft.results.size() == 1 ? static_cast<llvm::Value*>(call)
                                            : b.CreateExtractValue(call, i);
    b.CreateAlignedStore(v, b.CreateConstInBoundsGEP1_64(c.i8, buf, 16 * i), llvm::Align(8));
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
  llvm::AllocaInst* buf = b.CreateAlloca(llvm::ArrayType::get(c.i8, 16 * slots));
  buf->setAlignment(llvm::Align(16));
  for (size_t i = 0; i < ft.params.size(); ++i)
    b.CreateAlignedStore(f->getArg(i + 1), b.CreateConstInBoundsGEP1_64(c.i8, buf, 16 * i),
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
                                       b.CreateConstInBoundsGEP1_64(c.i8, buf, 16 * i),
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

// Builds the constant data of the descriptor.
class DescriptorBuilder {
 public:
  explicit DescriptorBuilder(ModuleContext& c) : c_(c) {
    auto& ctx = c.ctx;
    auto i8 = c.i8, i32 = c.i32, i64 = c.i64;
    auto p = c.ptr;
    limitsTy = llvm::StructType::get(ctx, {i64, i64, i8, i8, i8, llvm::ArrayType::get(i8, 5)});
    typeTy = llvm::StructType::get(ctx, {i32, i32, p, p, p, p, i32, i32});
    importTy = llvm::StructType::get(ctx, {p, p, i32, i32, i32, i32});
    exportTy = llvm::StructType::get(ctx, {p, i32, i32, i32, i32});
    funcTy = llvm::StructType::get(ctx, {p, p, i32, i32});
    tableTy = llvm::StructType::get(ctx, {limitsTy, i32, i32, p, i32, i32});
    memoryTy = llvm::StructType::get(ctx, {limitsTy, i32, i32});
    globalTy = llvm::StructType::get(ctx, {i32, i32, i32, i32, p});
    elemTy = llvm::StructType::get(ctx, {i32, i32, i32, i32, i32, i32, p, p});
    dataTy = llvm::StructType::get(ctx, {i32, i32, i32, i32, p, p, i64});
    std::vector<llvm::Type*> m{llvm::ArrayType::get(i8, 8), i32, i32, i32, i32, p, p, p, i64,
                               llvm::ArrayType::get(i8, 32)};
    for (int i = 0; i < 16; ++i) m.push_back(i32);
    for (int i = 0; i < 11; ++i) m.push_back(p);  // types .. module_name, tag_types
    m.push_back(i32);                             // num_imported_tags
    m.push_back(i32);                             // flags
    m.push_back(llvm::ArrayType::get(p, 6));
    moduleTy = llvm::StructType::get(ctx, m);
  }

  // Checks that the LLVM struct layouts match the C structs of abi.h.
  absl::Status checkLayouts(const llvm::DataLayout& dl) {
    struct Expect {
      llvm::StructType* t;
      size_t size;
      const char* name;
    };
    Expect all[] = {{limitsTy, sizeof(kiln_limits_desc), "limits"},
                    {typeTy, sizeof(kiln_type_desc), "type"},
                    {importTy, sizeof(kiln_import_desc), "import"},
                    {exportTy, sizeof(kiln_export_desc), "export"},
                    {funcTy, sizeof(kiln_func_desc), "func"},
                    {tableTy, sizeof(kiln_table_desc), "table"},
                    {memoryTy, sizeof(kiln_memory_desc), "memory"},
                    {globalTy, sizeof(kiln_global_desc), "global"},
                    {elemTy, sizeof(kiln_elem_desc), "elem"},
                    {dataTy, sizeof(kiln_data_desc), "data"},
                    {moduleTy, sizeof(kiln_module_desc), "module"}};
    for (const Expect& e : all)
      if (dl.getTypeAllocSize(e.t) != e.size)
        return absl::InternalError(absl::StrFormat(
            "descriptor layout mismatch for %s: %u vs %u", e.name,
            static_cast<unsigned>(dl.getTypeAllocSize(e.t)), static_cast<unsigned>(e.size)));
    if (dl.getStructLayout(moduleTy)->getElementOffset(26) != offsetof(kiln_module_desc, types))
      return absl::InternalError("descriptor layout mismatch for module.types");
    return absl::OkStatus();
  }

  llvm::Constant* u32(uint64_t v) { return llvm::ConstantInt::get(c_.i32, v); }
  llvm::Constant* u64(uint64_t v) { return llvm::ConstantInt::get(c_.i64, v); }
  llvm::Constant* u8(uint64_t v) { return llvm::ConstantInt::get(c_.i8, v); }
  llvm::Constant* null() { return llvm::ConstantPointerNull::get(c_.ptr); }

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
  llvm::Constant* array(llvm::StructType* t, const std::vector<llvm::Constant*>& elems,
                        const char* name) {
    if (elems.empty()) return null();
    auto* at = llvm::ArrayType::get(t, elems.size());
    auto* g = new llvm::GlobalVariable(c_.mod, at, true, llvm::GlobalValue::PrivateLinkage,
                                       llvm::ConstantArray::get(at, elems), name);
    g->setAlignment(llvm::Align(8));
    return g;
  }
  llvm::Constant* limits(const wasm::Limits& l) {
    return llvm::ConstantStruct::get(
        limitsTy, {u64(l.min), u64(l.max.value_or(0)), u8(l.max.has_value()), u8(l.is64),
                   u8(l.shared), llvm::ConstantAggregateZero::get(llvm::ArrayType::get(c_.i8, 5))});
  }
  llvm::Constant* expr(const wasm::ConstExpr& e) {
    return bytes(e.bytes.data(), e.bytes.size(), "kiln.expr");
  }

  llvm::StructType *limitsTy, *typeTy, *importTy, *exportTy, *funcTy, *tableTy, *memoryTy,
      *globalTy, *elemTy, *dataTy, *moduleTy;

 private:
  ModuleContext& c_;
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
  DescriptorBuilder d(c);
  if (absl::Status s = d.checkLayouts(mod.getDataLayout()); !s.ok()) return s;

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
  for (uint32_t i = w.numImportedFuncs; i < w.funcTypes.size(); ++i)
    if (absl::Status s = lowerFunction(c, i); !s.ok()) return s;

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
    typeDescs.push_back(llvm::ConstantStruct::get(
        d.typeTy, {d.u32(ft.params.size()), d.u32(ft.results.size()),
                   codes.empty() ? d.null() : d.bytes(codes.data(), codes.size(), "kiln.sig"),
                   slot.first, slot.second, refArray, d.u32(w.group(t).start),
                   d.u32(w.group(t).size |
                         (w.group(t).final ? 0u : KILN_REC_NOT_FINAL))}));
  }

  std::vector<llvm::Constant*> imports;
  {
    uint32_t counters[5] = {0, 0, 0, 0, 0};
    for (const wasm::Import& im : w.imports) {
      uint32_t kind = static_cast<uint32_t>(im.kind);
      imports.push_back(llvm::ConstantStruct::get(
          d.importTy, {d.str(im.module), d.str(im.name), d.u32(im.module.size()),
                       d.u32(im.name.size()), d.u32(kind), d.u32(counters[kind]++)}));
    }
  }
  std::vector<llvm::Constant*> funcs;
  for (uint32_t i = 0; i < w.funcTypes.size(); ++i) {
    const std::string& name = c.funcNames[i];
    funcs.push_back(llvm::ConstantStruct::get(
        d.funcTy, {c.funcs[i] ? static_cast<llvm::Constant*>(c.funcs[i]) : d.null(),
                   name.empty() ? d.null() : d.str(name), d.u32(name.size()),
                   d.u32(w.funcTypes[i])}));
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
    tables.push_back(llvm::ConstantStruct::get(
        d.tableTy, {d.limits(tt.limits), d.u32(tt.elem.abiCode()), d.u32(initLen), init,
                    d.u32(refInfo(tt.elem)), d.u32(0)}));
  }
  std::vector<llvm::Constant*> memories;
  for (const wasm::MemoryType& mt : w.memories)
    memories.push_back(llvm::ConstantStruct::get(
        d.memoryTy, {d.limits(mt.limits), d.u32(mt.limits.is64 ? KILN_BOUNDS_EXPLICIT : KILN_BOUNDS_GUARD_PAGES), d.u32(16)}));
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
    globals.push_back(llvm::ConstantStruct::get(
        d.globalTy, {d.u32(gt.type.abiCode()), d.u32(gt.mut), d.u32(initLen),
                     d.u32(refInfo(gt.type)), init}));
  }
  std::vector<llvm::Constant*> exports;
  for (const wasm::Export& e : w.exports)
    exports.push_back(llvm::ConstantStruct::get(
        d.exportTy, {d.str(e.name), d.u32(e.name.size()), d.u32(static_cast<uint32_t>(e.kind)),
                     d.u32(e.index), d.u32(0)}));
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
    elems.push_back(llvm::ConstantStruct::get(
        d.elemTy,
        {d.u32(modeOf(e.mode)), d.u32(e.table), d.u32(e.type.abiCode()),
         d.u32(e.items.size()), d.u32(active ? e.offset.bytes.size() : 0), d.u32(items.size()),
         active ? d.expr(e.offset) : d.null(),
         items.empty() ? d.null() : d.bytes(items.data(), items.size(), "kiln.elem")}));
  }
  std::vector<llvm::Constant*> datas;
  for (const wasm::DataSegment& s : w.datas) {
    bool active = s.mode == wasm::SegmentMode::Active;
    datas.push_back(llvm::ConstantStruct::get(
        d.dataTy, {d.u32(modeOf(s.mode)), d.u32(s.memory),
                   d.u32(active ? s.offset.bytes.size() : 0), d.u32(0),
                   active ? d.expr(s.offset) : d.null(),
                   d.bytes(w.bytes.data() + s.dataStart, s.dataSize, "kiln.data"),
                   d.u64(s.dataSize)}));
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
  std::vector<llvm::Constant*> fields{
      llvm::ConstantDataArray::get(c.ctx, llvm::ArrayRef<uint8_t>(
                                              reinterpret_cast<uint8_t*>(magic), 8)),
      d.u32(KILN_ABI_MAJOR), d.u32(KILN_ABI_MINOR), d.u32(sizeof(kiln_module_desc)),
      d.u32(target.optLevel), d.str(KILN_VERSION), d.str(target.cpu), d.str(target.features),
      d.u64(target.cpuFeatureMask),
      llvm::ConstantDataArray::get(c.ctx, llvm::ArrayRef<uint8_t>(digest.data(), 32)),
      d.u32(w.types.size()), d.u32(w.imports.size()), d.u32(w.funcTypes.size()),
      d.u32(w.numImportedFuncs), d.u32(w.tables.size()), d.u32(w.numImportedTables),
      d.u32(w.memories.size()), d.u32(w.numImportedMemories), d.u32(w.globals.size()),
      d.u32(w.numImportedGlobals), d.u32(w.exports.size()), d.u32(w.elems.size()),
      d.u32(w.datas.size()),
      llvm::ConstantInt::getSigned(c.i32, w.start ? static_cast<int64_t>(*w.start) : -1),
      d.u32(c.layout.size), d.u32(w.tags.size()),
      d.array(d.typeTy, typeDescs, "kiln.types"), d.array(d.importTy, imports, "kiln.imports"),
      d.array(d.funcTy, funcs, "kiln.funcs"), d.array(d.tableTy, tables, "kiln.tables"),
      d.array(d.memoryTy, memories, "kiln.memories"),
      d.array(d.globalTy, globals, "kiln.globals"),
      d.array(d.exportTy, exports, "kiln.exports"), d.array(d.elemTy, elems, "kiln.elems"),
      d.array(d.dataTy, datas, "kiln.datas"),
      w.names.module ? d.str(*w.names.module) : d.null(),
      tagTypes, d.u32(w.numImportedTags),
      d.u32((target.epochChecks ? KILN_MODULE_EPOCH_CHECKS : 0) |
            (target.fuel ? KILN_MODULE_FUEL : 0)),
      llvm::ConstantAggregateZero::get(llvm::ArrayType::get(c.ptr, 6))};
  auto* desc = new llvm::GlobalVariable(mod, d.moduleTy, true, llvm::GlobalValue::ExternalLinkage,
                                        llvm::ConstantStruct::get(d.moduleTy, fields),
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

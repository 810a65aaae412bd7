// wasm.h: engine, store, references, values, traps, modules, instances, functions,
// globals, tables, memories and externs, on top of the loader's C++ core.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "Compile.h"
#include "HostBinding.h"
#include "Objects.h"
#include "TrapHandler.h"
#include "kiln/Call.h"
#include "kiln/Global.h"
#include "kiln/GuardedMemory.h"
#include "kiln/HostFunction.h"
#include "kiln/Table.h"
#include "kiln/Types.h"
#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Validator.h"

namespace kiln::capi {

ExternObject::~ExternObject() = default;

ExternObject* ExternOf(const wasm_ref_t* h) {
  if (h == nullptr) return nullptr;
  switch (h->obj->kind) {
    case Kind::kFunc: case Kind::kGlobal: case Kind::kTable: case Kind::kMemory:
      return static_cast<ExternObject*>(h->obj.get());
    default:
      return nullptr;
  }
}

namespace {

wasm_ref_t* NewHandle(std::shared_ptr<Object> obj, wasm_store_t* store) {
  auto* h = new (std::nothrow) wasm_ref_t;
  if (h == nullptr) return nullptr;
  h->obj = std::move(obj);
  h->store = store;
  return h;
}

template <typename T>
T* As(wasm_ref_t* h) {
  return static_cast<T*>(h);
}


// ---- Types between kiln and wasm.h ----

std::optional<wasm_valkind_t> KindOf(uint8_t code) {
  switch (code) {
    case KILN_I32: return WASM_I32;
    case KILN_I64: return WASM_I64;
    case KILN_F32: return WASM_F32;
    case KILN_F64: return WASM_F64;
    case KILN_FUNCREF: return WASM_FUNCREF;
    case KILN_EXTERNREF: return WASM_EXTERNREF;
    default: return std::nullopt;  // v128, exnref, typed references: no wasm.h kind
  }
}

uint8_t CodeOf(wasm_valkind_t kind) {
  switch (kind) {
    case WASM_I32: return KILN_I32;
    case WASM_I64: return KILN_I64;
    case WASM_F32: return KILN_F32;
    case WASM_F64: return KILN_F64;
    case WASM_FUNCREF: return KILN_FUNCREF;
    default: return KILN_EXTERNREF;
  }
}


wasm_valtype_vec_t ValtypeVec(const std::vector<uint8_t>& codes) {
  wasm_valtype_vec_t v;
  wasm_valtype_vec_new_uninitialized(&v, codes.size());
  for (size_t i = 0; i < codes.size(); ++i)
    v.data[i] = wasm_valtype_new(KindOf(codes[i]).value_or(WASM_EXTERNREF));
  return v;
}

wasm_functype_t* FunctypeOf(const kiln::FuncType& t) {
  wasm_valtype_vec_t params = ValtypeVec(t.params);
  wasm_valtype_vec_t results = ValtypeVec(t.results);
  return wasm_functype_new(&params, &results);
}

wasm_limits_t LimitsOf(const kiln::Limits& l) {
  return {static_cast<uint32_t>(std::min<uint64_t>(l.min, UINT32_MAX)),
          l.max ? static_cast<uint32_t>(std::min<uint64_t>(*l.max, UINT32_MAX))
                : wasm_limits_max_default};
}

kiln::Limits KilnLimits(const wasm_limits_t& l) {
  kiln::Limits out;
  out.min = l.min;
  if (l.max != wasm_limits_max_default) out.max = l.max;
  return out;
}

kiln::Limits DescLimits(const kiln_limits_desc& l) {
  kiln::Limits out;
  out.min = l.min;
  if (l.has_max) out.max = l.max;
  return out;
}

wasm_externtype_t* ExternTypeOf(const kiln::Extern& e) {
  switch (e.kind) {
    case kiln::ExternKind::kFunc:
      return FunctypeOf(e.func_type());
    case kiln::ExternKind::kGlobal:
      return wasm_globaltype_new(
          wasm_valtype_new(KindOf(e.global->type().type).value_or(WASM_EXTERNREF)),
          e.global->type().mut ? WASM_VAR : WASM_CONST);
    case kiln::ExternKind::kTable: {
      const wasm_limits_t l = LimitsOf(e.table->current_type().limits);
      return wasm_tabletype_new(wasm_valtype_new(KindOf(e.table->elem_type()).value_or(WASM_FUNCREF)), &l);
    }
    case kiln::ExternKind::kMemory: {
      const wasm_limits_t l = LimitsOf(e.memory->current_type().limits);
      return wasm_memorytype_new(&l);
    }
    default:
      return nullptr;
  }
}

// The type of import/export item `kind`/`index` of an artifact.
wasm_externtype_t* ArtifactExternType(const kiln::Artifact& a, uint32_t kind, uint32_t index) {
  const kiln_module_desc& d = a.desc();
  switch (kind) {
    case KILN_EXTERN_FUNC:
      return FunctypeOf(a.func_type(index));
    case KILN_EXTERN_GLOBAL:
      return wasm_globaltype_new(
          wasm_valtype_new(KindOf(static_cast<uint8_t>(d.globals[index].type)).value_or(WASM_EXTERNREF)),
          d.globals[index].mut ? WASM_VAR : WASM_CONST);
    case KILN_EXTERN_TABLE: {
      const wasm_limits_t l = LimitsOf(DescLimits(d.tables[index].limits));
      return wasm_tabletype_new(
          wasm_valtype_new(KindOf(static_cast<uint8_t>(d.tables[index].elem_type)).value_or(WASM_FUNCREF)), &l);
    }
    case KILN_EXTERN_MEMORY: {
      const wasm_limits_t l = LimitsOf(DescLimits(d.memories[index].limits));
      return wasm_memorytype_new(&l);
    }
    default:
      return nullptr;  // tags: not in wasm.h
  }
}

void NameOf(wasm_name_t* out, std::string_view s) { wasm_byte_vec_new(out, s.size(), s.data()); }

// ---- Traps ----

wasm_trap_t* NewTrap(wasm_store_t* store, std::string message,
                     kiln_trap_code code = KILN_TRAP_HOST) {
  auto t = std::make_shared<TrapObject>();
  t->message = std::move(message);
  t->code = code;
  return As<wasm_trap_t>(NewHandle(std::move(t), store));
}

// The instance a trap's frame ran in: the called function's instance when the frame is in
// its module's code, else the store's one instance of the frame's module (null when there
// are several: machine frames do not say which).
std::shared_ptr<wasm_instance_t> FrameInstance(wasm_store_t* store, const kiln::Trap::Frame& frame,
                                               const void* entered_vmctx) {
  std::shared_ptr<kiln::Instance> found;
  if (auto it = store->instances.find(entered_vmctx); it != store->instances.end()) {
    found = it->second.lock();
    if (found && &found->artifact() != frame.artifact) found.reset();
  }
  if (!found) {
    for (const auto& [vmctx, weak] : store->instances) {
      std::shared_ptr<kiln::Instance> inst = weak.lock();
      if (!inst || &inst->artifact() != frame.artifact) continue;
      if (found) return nullptr;
      found = inst;
    }
  }
  if (!found) return nullptr;
  auto it = store->instance_objects.find(found.get());
  std::shared_ptr<Object> obj = it == store->instance_objects.end() ? nullptr : it->second.lock();
  if (!obj) return nullptr;
  return std::shared_ptr<wasm_instance_t>(As<wasm_instance_t>(NewHandle(std::move(obj), store)),
                                          wasm_instance_delete);
}

wasm_trap_t* TrapFrom(wasm_store_t* store, const kiln::Trap& trap,
                      const void* entered_vmctx = nullptr) {
  auto t = std::make_shared<TrapObject>();
  t->message = trap.message;
  if (trap.code == KILN_TRAP_EXIT)
    t->message = "exit with code " + std::to_string(trap.exit_code);
  t->code = trap.code;
  t->exit_code = trap.exit_code;
  std::map<const kiln::Artifact*, std::shared_ptr<wasm_instance_t>> instances;
  for (const kiln::Trap::Frame& frame : trap.frames) {
    auto [it, added] = instances.try_emplace(frame.artifact);
    if (added) it->second = FrameInstance(store, frame, entered_vmctx);
    FrameData f;
    f.func_index = frame.func_index;
    f.func_name = frame.func_name;
    f.func_offset = frame.func_offset;
    f.module_offset = frame.module_offset;
    f.instance = it->second;
    t->frames.push_back(std::move(f));
  }
  if (trap.frames.empty() && trap.func_index) {
    FrameData f;
    f.func_index = *trap.func_index;
    f.func_name = trap.func_name;
    t->frames.push_back(f);
  }
  return As<wasm_trap_t>(NewHandle(std::move(t), store));
}

// ---- Values ----

std::shared_ptr<Object> FuncObjectFor(wasm_store_t* store, kiln_funcref* funcref);

// A host function as a funcref: bound once, through the stub of some module of the store
// with the same signature (a module that can call it has one).
kiln_funcref* HostFuncref(wasm_store_t* store, const std::shared_ptr<Object>& obj) {
  auto* e = static_cast<ExternObject*>(obj.get());
  if (e->binding) return &e->binding->binding.funcref;
  const uint32_t type_id = e->ext.host_function->type_id();
  for (const auto& a : store->artifacts) {
    const kiln_module_desc& d = a->desc();
    for (uint32_t t = 0; t < d.num_types; ++t) {
      if (a->canonical_type_id(t) != type_id || d.types[t].native_to_array == nullptr) continue;
      auto holder = std::make_unique<HostBindingHolder>();
      holder->stub_owner = a;
      kiln::HostBinding& b = holder->binding;
      b.raw.callback = kiln::HostBindingEntry;
      b.raw.env = &b;
      b.function = e->ext.host_function.get();
      b.funcref.code = d.types[t].native_to_array;
      b.funcref.vmctx = &b.raw;
      b.funcref.type_id = type_id;
      e->binding = std::move(holder);
      store->funcs[&e->binding->binding.funcref] = obj;
      store->bound_host_funcs.push_back(obj);
      return &e->binding->binding.funcref;
    }
  }
  return nullptr;
}

// A wasm.h value as a kiln value of type `code`; an error message if it does not fit.
std::optional<std::string> ToKiln(wasm_store_t* store, const wasm_val_t& v, uint8_t code,
                                  kiln_val* out) {
  *out = kiln_val{};
  const std::optional<wasm_valkind_t> want = KindOf(code);
  if (!want) return std::string("a ") + kiln::ValueTypeName(code) + " cannot be passed through wasm.h";
  if (v.kind != *want)
    return std::string("type mismatch: expected ") + kiln::ValueTypeName(code) + ", got kind " +
           std::to_string(v.kind);
  switch (v.kind) {
    case WASM_I32: out->i32 = static_cast<uint32_t>(v.of.i32); return std::nullopt;
    case WASM_I64: out->i64 = static_cast<uint64_t>(v.of.i64); return std::nullopt;
    case WASM_F32: out->f32 = v.of.f32; return std::nullopt;
    case WASM_F64: out->f64 = v.of.f64; return std::nullopt;
    case WASM_FUNCREF: {
      if (v.of.ref == nullptr) return std::nullopt;
      if (v.of.ref->obj->kind != Kind::kFunc) return std::string("type mismatch: a funcref must be a function");
      auto* e = static_cast<ExternObject*>(v.of.ref->obj.get());
      if (e->ext.funcref != nullptr) {
        out->ref = e->ext.funcref;
        return std::nullopt;
      }
      kiln_funcref* f = HostFuncref(store, v.of.ref->obj);
      if (f == nullptr)
        return std::string("this host function cannot be a funcref yet: no module of the store has its signature");
      out->ref = f;
      return std::nullopt;
    }
    default: {  // externref: any reference, kept alive by the store
      if (v.of.ref == nullptr) return std::nullopt;
      store->externrefs.emplace(v.of.ref->obj.get(), v.of.ref->obj);
      out->ref = v.of.ref->obj.get();
      return std::nullopt;
    }
  }
}

wasm_ref_t* RefFromKiln(wasm_store_t* store, uint8_t code, void* ref) {
  if (ref == nullptr) return nullptr;
  if (code == KILN_EXTERNREF) {
    auto it = store->externrefs.find(ref);
    if (it == store->externrefs.end()) return nullptr;  // not from this store
    return NewHandle(it->second, store);
  }
  std::shared_ptr<Object> f = FuncObjectFor(store, static_cast<kiln_funcref*>(ref));
  return f ? NewHandle(std::move(f), store) : nullptr;
}

void FromKiln(wasm_store_t* store, uint8_t code, const kiln_val& v, wasm_val_t* out) {
  out->kind = KindOf(code).value_or(WASM_EXTERNREF);
  switch (out->kind) {
    case WASM_I32: out->of.i32 = static_cast<int32_t>(v.i32); break;
    case WASM_I64: out->of.i64 = static_cast<int64_t>(v.i64); break;
    case WASM_F32: out->of.f32 = v.f32; break;
    case WASM_F64: out->of.f64 = v.f64; break;
    default: out->of.ref = RefFromKiln(store, code, v.ref); break;
  }
}

std::shared_ptr<Object> NewExternObject(const kiln::Extern& e) {
  Kind k = Kind::kFunc;
  switch (e.kind) {
    case kiln::ExternKind::kFunc: k = Kind::kFunc; break;
    case kiln::ExternKind::kGlobal: k = Kind::kGlobal; break;
    case kiln::ExternKind::kTable: k = Kind::kTable; break;
    case kiln::ExternKind::kMemory: k = Kind::kMemory; break;
    default: return nullptr;
  }
  auto obj = std::make_shared<ExternObject>(k);
  obj->ext = e;
  return obj;
}

// The function object of a funcref that came out of Wasm: the same object every time.
std::shared_ptr<Object> FuncObjectFor(wasm_store_t* store, kiln_funcref* funcref) {
  if (auto it = store->funcs.find(funcref); it != store->funcs.end()) {
    if (std::shared_ptr<Object> o = it->second.lock()) return o;
  }
  // A function of one of the store's instances (an export, an element, ref.func).
  auto inst_it = store->instances.find(funcref->vmctx);
  std::shared_ptr<kiln::Instance> inst;
  if (inst_it != store->instances.end()) inst = inst_it->second.lock();
  if (inst) {
    const uint32_t n = inst->artifact().desc().num_funcs;
    for (uint32_t i = 0; i < n; ++i) {
      kiln::Extern e = inst->FunctionExtern(i);
      if (e.funcref != funcref) continue;
      std::shared_ptr<Object> o = NewExternObject(e);
      store->funcs[funcref] = o;
      return o;
    }
  }
  // A host function imported by an instance of the store: found through its importers.
  for (auto& [vmctx, weak] : store->instances) {
    std::shared_ptr<kiln::Instance> i = weak.lock();
    if (!i) continue;
    const uint32_t n = i->artifact().desc().num_imported_funcs;
    for (uint32_t f = 0; f < n; ++f) {
      kiln::Extern e = i->FunctionExtern(f);
      if (e.funcref != funcref) continue;
      std::shared_ptr<Object> o = NewExternObject(e);
      store->funcs[funcref] = o;
      return o;
    }
  }
  return nullptr;
}

// ---- Host functions ----

struct HostEnv {
  wasm_store_t* store;
  wasm_func_callback_t callback = nullptr;
  wasm_func_callback_with_env_t callback_env = nullptr;
  void* env = nullptr;
  void (*finalizer)(void*) = nullptr;
  ~HostEnv() {
    if (finalizer != nullptr) finalizer(env);
  }
};

void RunHost(const std::shared_ptr<HostEnv>& h, kiln::HostCall& call) {
  const kiln::FuncType& type = *call.type;
  wasm_val_vec_t args, results;
  wasm_val_vec_new_uninitialized(&args, type.params.size());
  wasm_val_vec_new_uninitialized(&results, type.results.size());
  for (size_t i = 0; i < type.params.size(); ++i)
    FromKiln(h->store, type.params[i], call.values[i], &args.data[i]);
  for (size_t i = 0; i < type.results.size(); ++i) {
    results.data[i].kind = KindOf(type.results[i]).value_or(WASM_EXTERNREF);
    results.data[i].of.i64 = 0;
  }
  wasm_trap_t* trap = h->callback_env ? h->callback_env(h->env, &args, &results)
                                      : h->callback(&args, &results);
  if (trap != nullptr) {
    auto* t = static_cast<TrapObject*>(trap->obj.get());
    call.Trap(KILN_TRAP_HOST, t->message);
    wasm_trap_delete(trap);
  } else {
    for (size_t i = 0; i < type.results.size(); ++i) {
      if (std::optional<std::string> err =
              ToKiln(h->store, results.data[i], type.results[i], &call.values[i])) {
        call.Trap(KILN_TRAP_HOST, "host function result " + std::to_string(i) + ": " + *err);
        break;
      }
    }
  }
  wasm_val_vec_delete(&args);
  wasm_val_vec_delete(&results);
}

wasm_func_t* NewHostFunc(wasm_store_t* store, const wasm_functype_t* type,
                         std::shared_ptr<HostEnv> env) {
  kiln::FuncType ft;
  for (size_t i = 0; i < type->params.size; ++i) ft.params.push_back(CodeOf(type->params.data[i]->kind));
  for (size_t i = 0; i < type->results.size; ++i) ft.results.push_back(CodeOf(type->results.data[i]->kind));
  auto fn = kiln::HostFunction::Create(
      std::move(ft), [env](kiln::HostCall& call) { RunHost(env, call); }, "wasm.h host function");
  auto obj = NewExternObject(kiln::Extern::Func(std::move(fn)));
  return As<wasm_func_t>(NewHandle(std::move(obj), store));
}

wasm_module_t* NewModule(wasm_store_t* store, std::shared_ptr<const ModuleData> data) {
  if (std::find(store->artifacts.begin(), store->artifacts.end(), data->artifact) ==
      store->artifacts.end())
    store->artifacts.push_back(data->artifact);
  auto obj = std::make_shared<ModuleObject>();
  obj->data = std::move(data);
  return As<wasm_module_t>(NewHandle(std::move(obj), store));
}

const ModuleData& ModuleOf(const wasm_module_t* m) {
  return *static_cast<const ModuleObject*>(m->obj.get())->data;
}

}  // namespace
}  // namespace kiln::capi

using namespace kiln::capi;

extern "C" {

// ---- Configuration, engine, store ------------------------------------------------------

wasm_config_t* wasm_config_new(void) { return new (std::nothrow) wasm_config_t; }
void wasm_config_delete(wasm_config_t* c) { delete c; }

wasm_engine_t* wasm_engine_new(void) { return wasm_engine_new_with_config(wasm_config_new()); }
wasm_engine_t* wasm_engine_new_with_config(wasm_config_t* config) {
  auto* e = new (std::nothrow) wasm_engine_t;
  if (e != nullptr && config != nullptr) e->config = *config;
  delete config;
  kiln::PrepareThreadForWasm();  // signal handlers, before any code runs
  return e;
}
void wasm_engine_delete(wasm_engine_t* e) { delete e; }

wasm_store_t* wasm_store_new(wasm_engine_t* engine) {
  auto* s = new (std::nothrow) wasm_store_t;
  if (s == nullptr) return nullptr;
  s->engine = engine;
  kiln::StoreOptions options;
  if (engine != nullptr && engine->config.fuel) options.fuel = INT64_MAX;
  s->store = kiln::Store::Create(options);
  return s;
}
void wasm_store_delete(wasm_store_t* s) { delete s; }

// ---- Values ------------------------------------------------------------------------------

void wasm_val_delete(wasm_val_t* v) {
  if (v != nullptr && wasm_valkind_is_ref(v->kind) && v->of.ref != nullptr) {
    wasm_ref_delete(v->of.ref);
    v->of.ref = nullptr;
  }
}
void wasm_val_copy(wasm_val_t* out, const wasm_val_t* in) {
  *out = *in;
  if (wasm_valkind_is_ref(in->kind) && in->of.ref != nullptr) out->of.ref = wasm_ref_copy(in->of.ref);
}

void wasm_val_vec_new_empty(wasm_val_vec_t* out) { out->size = 0; out->data = nullptr; }
void wasm_val_vec_new_uninitialized(wasm_val_vec_t* out, size_t size) {
  out->size = size;
  out->data = size == 0 ? nullptr : static_cast<wasm_val_t*>(std::calloc(size, sizeof(wasm_val_t)));
  if (size != 0 && out->data == nullptr) out->size = 0;
}
void wasm_val_vec_new(wasm_val_vec_t* out, size_t size, const wasm_val_t data[]) {
  wasm_val_vec_new_uninitialized(out, size);
  if (out->size != 0) std::memcpy(out->data, data, size * sizeof(wasm_val_t));
}
void wasm_val_vec_copy(wasm_val_vec_t* out, const wasm_val_vec_t* in) {
  wasm_val_vec_new_uninitialized(out, in->size);
  for (size_t i = 0; i < out->size; ++i) wasm_val_copy(&out->data[i], &in->data[i]);
}
void wasm_val_vec_delete(wasm_val_vec_t* v) {
  if (v == nullptr) return;
  for (size_t i = 0; i < v->size; ++i) wasm_val_delete(&v->data[i]);
  std::free(v->data);
  v->data = nullptr;
  v->size = 0;
}

}  // extern "C"

// ---- References: the functions every reference type has ----------------------------

namespace kiln::capi {
namespace {

bool SameObject(const wasm_ref_t* a, const wasm_ref_t* b) {
  if (a == nullptr || b == nullptr) return a == b;
  if (a->obj == b->obj) return true;
  const ExternObject* x = ExternOf(a);
  const ExternObject* y = ExternOf(b);
  if (x == nullptr || y == nullptr || x->kind != y->kind) return false;
  switch (x->kind) {
    case Kind::kFunc:
      return x->ext.funcref != nullptr ? x->ext.funcref == y->ext.funcref
                                        : x->ext.host_function == y->ext.host_function;
    case Kind::kGlobal: return x->ext.global == y->ext.global;
    case Kind::kTable: return x->ext.table == y->ext.table;
    case Kind::kMemory: return x->ext.memory == y->ext.memory;
    default: return false;
  }
}

}  // namespace
}  // namespace kiln::capi

#define KILN_REF_BASE(name)                                                                 \
  extern "C" void wasm_##name##_delete(wasm_##name##_t* r) { delete static_cast<wasm_ref_t*>(r); } \
  extern "C" wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t* r) {                \
    return r ? static_cast<wasm_##name##_t*>(NewHandle(r->obj, r->store)) : nullptr;         \
  }                                                                                         \
  extern "C" bool wasm_##name##_same(const wasm_##name##_t* a, const wasm_##name##_t* b) {  \
    return SameObject(a, b);                                                                \
  }                                                                                         \
  extern "C" void* wasm_##name##_get_host_info(const wasm_##name##_t* r) {                  \
    return r->obj->host_info;                                                               \
  }                                                                                         \
  extern "C" void wasm_##name##_set_host_info(wasm_##name##_t* r, void* info) {             \
    r->obj->host_info = info;                                                               \
    r->obj->finalizer = nullptr;                                                            \
  }                                                                                         \
  extern "C" void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t* r, void* info, \
                                                             void (*fin)(void*)) {          \
    r->obj->host_info = info;                                                               \
    r->obj->finalizer = fin;                                                                \
  }

#define KILN_REF(name, ...)                                                                 \
  KILN_REF_BASE(name)                                                                       \
  extern "C" wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t* r) { return r; }             \
  extern "C" const wasm_ref_t* wasm_##name##_as_ref_const(const wasm_##name##_t* r) {       \
    return r;                                                                               \
  }                                                                                         \
  extern "C" wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t* r) {                           \
    if (r == nullptr) return nullptr;                                                       \
    for (Kind k : {__VA_ARGS__})                                                            \
      if (r->obj->kind == k) return static_cast<wasm_##name##_t*>(r);                       \
    return nullptr;                                                                         \
  }                                                                                         \
  extern "C" const wasm_##name##_t* wasm_ref_as_##name##_const(const wasm_ref_t* r) {       \
    return wasm_ref_as_##name(const_cast<wasm_ref_t*>(r));                                  \
  }

KILN_REF_BASE(ref)
KILN_REF(func, Kind::kFunc)
KILN_REF(global, Kind::kGlobal)
KILN_REF(table, Kind::kTable)
KILN_REF(memory, Kind::kMemory)
KILN_REF(extern, Kind::kFunc, Kind::kGlobal, Kind::kTable, Kind::kMemory)
KILN_REF(instance, Kind::kInstance)
KILN_REF(module, Kind::kModule)
KILN_REF(trap, Kind::kTrap)
KILN_REF(foreign, Kind::kForeign)

extern "C" {

// ---- Traps -------------------------------------------------------------------------------

wasm_trap_t* wasm_trap_new(wasm_store_t* store, const wasm_message_t* message) {
  std::string text;
  if (message != nullptr && message->size != 0) {
    text.assign(message->data, message->size);
    if (text.back() == '\0') text.pop_back();
  }
  return NewTrap(store, std::move(text));
}
void wasm_trap_message(const wasm_trap_t* trap, wasm_message_t* out) {
  const std::string& m = static_cast<const TrapObject*>(trap->obj.get())->message;
  wasm_byte_vec_new_uninitialized(out, m.size() + 1);
  std::memcpy(out->data, m.c_str(), m.size() + 1);
}
wasm_frame_t* wasm_trap_origin(const wasm_trap_t* trap) {
  const auto* t = static_cast<const TrapObject*>(trap->obj.get());
  if (t->frames.empty()) return nullptr;
  return new wasm_frame_t{t->frames.front()};
}
void wasm_trap_trace(const wasm_trap_t* trap, wasm_frame_vec_t* out) {
  const auto* t = static_cast<const TrapObject*>(trap->obj.get());
  wasm_frame_vec_new_uninitialized(out, t->frames.size());
  for (size_t i = 0; i < out->size; ++i) out->data[i] = new wasm_frame_t{t->frames[i]};
}

// ---- Foreign objects -------------------------------------------------------------------

wasm_foreign_t* wasm_foreign_new(wasm_store_t* store) {
  return As<wasm_foreign_t>(NewHandle(std::make_shared<ForeignObject>(), store));
}

// ---- Modules -----------------------------------------------------------------------------

wasm_module_t* wasm_module_new(wasm_store_t* store, const wasm_byte_vec_t* binary) {
  if (store == nullptr || binary == nullptr) return nullptr;
  const auto* p = reinterpret_cast<const uint8_t*>(binary->data);
  std::vector<uint8_t> wasm(p, p + binary->size);
  CompileSettings settings;
  if (store->engine != nullptr) {
    settings.opt_level = store->engine->config.opt_level;
    settings.fuel = store->engine->config.fuel;
    settings.epoch_checks = store->engine->config.epoch_checks;
  }
  absl::StatusOr<std::vector<uint8_t>> artifact = CompileModule(wasm, settings);
  if (!artifact.ok()) {
    SetLastError(std::string(artifact.status().message()));
    return nullptr;
  }
  auto data = std::make_shared<ModuleData>();
  data->bytes = std::move(*artifact);
  // Compiled here: trusted, so no signature is asked for.
  auto loaded = kiln::Artifact::LoadBytes(data->bytes, "module");
  if (!loaded.ok()) {
    SetLastError(std::string(loaded.status().message()));
    return nullptr;
  }
  data->artifact = *loaded;
  return NewModule(store, std::move(data));
}

bool wasm_module_validate(wasm_store_t*, const wasm_byte_vec_t* binary) {
  if (binary == nullptr) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(binary->data);
  absl::StatusOr<kiln::wasm::Module> m =
      kiln::wasm::decodeModule(std::vector<uint8_t>(p, p + binary->size));
  if (!m.ok()) return false;
  return kiln::wasm::validateModule(*m).ok();
}

void wasm_module_imports(const wasm_module_t* module, wasm_importtype_vec_t* out) {
  const kiln::Artifact& a = *ModuleOf(module).artifact;
  const kiln_module_desc& d = a.desc();
  std::vector<wasm_importtype_t*> items;
  for (uint32_t i = 0; i < d.num_imports; ++i) {
    wasm_externtype_t* type = ArtifactExternType(a, d.imports[i].kind, d.imports[i].index);
    if (type == nullptr) continue;
    wasm_name_t m, n;
    NameOf(&m, a.import_module(i));
    NameOf(&n, a.import_name(i));
    items.push_back(wasm_importtype_new(&m, &n, type));
  }
  wasm_importtype_vec_new(out, items.size(), items.data());
}

void wasm_module_exports(const wasm_module_t* module, wasm_exporttype_vec_t* out) {
  const kiln::Artifact& a = *ModuleOf(module).artifact;
  const kiln_module_desc& d = a.desc();
  std::vector<wasm_exporttype_t*> items;
  for (uint32_t i = 0; i < d.num_exports; ++i) {
    wasm_externtype_t* type = ArtifactExternType(a, d.exports[i].kind, d.exports[i].index);
    if (type == nullptr) continue;
    wasm_name_t n;
    NameOf(&n, a.export_name(i));
    items.push_back(wasm_exporttype_new(&n, type));
  }
  wasm_exporttype_vec_new(out, items.size(), items.data());
}

void wasm_module_serialize(const wasm_module_t* module, wasm_byte_vec_t* out) {
  const ModuleData& data = ModuleOf(module);
  if (data.bytes.empty() && !data.path.empty()) {
    std::ifstream in(data.path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    wasm_byte_vec_new(out, bytes.size(), bytes.data());
    return;
  }
  wasm_byte_vec_new(out, data.bytes.size(), reinterpret_cast<const wasm_byte_t*>(data.bytes.data()));
}

wasm_module_t* wasm_module_deserialize(wasm_store_t* store, const wasm_byte_vec_t* bytes) {
  if (store == nullptr || bytes == nullptr) return nullptr;
  auto data = std::make_shared<ModuleData>();
  const auto* p = reinterpret_cast<const uint8_t*>(bytes->data);
  data->bytes.assign(p, p + bytes->size);
  auto loaded = kiln::Artifact::LoadBytes(data->bytes, "deserialized module", LoadOptionsOf(store));
  if (!loaded.ok()) {
    SetLastError(std::string(loaded.status().message()));
    return nullptr;
  }
  data->artifact = *loaded;
  return NewModule(store, std::move(data));
}

void wasm_shared_module_delete(wasm_shared_module_t* m) { delete m; }
wasm_shared_module_t* wasm_module_share(const wasm_module_t* module) {
  return new wasm_shared_module_t{static_cast<const ModuleObject*>(module->obj.get())->data};
}
wasm_module_t* wasm_module_obtain(wasm_store_t* store, const wasm_shared_module_t* shared) {
  if (store == nullptr || shared == nullptr) return nullptr;
  return NewModule(store, shared->data);
}

// ---- Instances ---------------------------------------------------------------------------

wasm_instance_t* wasm_instance_new(wasm_store_t* store, const wasm_module_t* module,
                                   const wasm_extern_vec_t* imports, wasm_trap_t** trap) {
  if (trap != nullptr) *trap = nullptr;
  if (store == nullptr || module == nullptr) return nullptr;
  const ModuleData& data = ModuleOf(module);
  const kiln_module_desc& d = data.artifact->desc();
  kiln::ImportResolver resolver = [&](const kiln::ImportRequest& r) -> std::optional<kiln::Extern> {
    // Imports come in module order; the vector holds one extern per import.
    for (uint32_t i = 0; i < d.num_imports; ++i) {
      if (d.imports[i].kind != static_cast<uint32_t>(r.kind) || d.imports[i].index != r.index) continue;
      if (imports == nullptr || i >= imports->size || imports->data[i] == nullptr) return std::nullopt;
      const ExternObject* e = ExternOf(imports->data[i]);
      if (e == nullptr) return std::nullopt;
      return e->ext;
    }
    return std::nullopt;
  };
  return Instantiate(store, module, resolver, trap);
}

void wasm_instance_exports(const wasm_instance_t* instance, wasm_extern_vec_t* out) {
  kiln::Instance& inst = *static_cast<const InstanceObject*>(instance->obj.get())->instance;
  std::vector<wasm_extern_t*> items;
  for (auto& [name, e] : inst.Exports()) {
    if (e.kind == kiln::ExternKind::kTag) continue;
    items.push_back(ExternHandle(instance->store, e));
  }
  wasm_extern_vec_new(out, items.size(), items.data());
}

// ---- Functions ---------------------------------------------------------------------------

wasm_func_t* wasm_func_new(wasm_store_t* store, const wasm_functype_t* type,
                           wasm_func_callback_t callback) {
  if (store == nullptr || type == nullptr || callback == nullptr) return nullptr;
  auto env = std::make_shared<HostEnv>();
  env->store = store;
  env->callback = callback;
  return NewHostFunc(store, type, std::move(env));
}

wasm_func_t* wasm_func_new_with_env(wasm_store_t* store, const wasm_functype_t* type,
                                    wasm_func_callback_with_env_t callback, void* env,
                                    void (*finalizer)(void*)) {
  if (store == nullptr || type == nullptr || callback == nullptr) return nullptr;
  auto h = std::make_shared<HostEnv>();
  h->store = store;
  h->callback_env = callback;
  h->env = env;
  h->finalizer = finalizer;
  return NewHostFunc(store, type, std::move(h));
}

wasm_functype_t* wasm_func_type(const wasm_func_t* func) {
  return FunctypeOf(static_cast<const ExternObject*>(func->obj.get())->ext.func_type());
}
size_t wasm_func_param_arity(const wasm_func_t* func) {
  return static_cast<const ExternObject*>(func->obj.get())->ext.func_type().params.size();
}
size_t wasm_func_result_arity(const wasm_func_t* func) {
  return static_cast<const ExternObject*>(func->obj.get())->ext.func_type().results.size();
}

wasm_trap_t* wasm_func_call(const wasm_func_t* func, const wasm_val_vec_t* args,
                            wasm_val_vec_t* results) {
  if (func == nullptr) return nullptr;
  wasm_store_t* store = func->store;
  const kiln::Extern& e = static_cast<const ExternObject*>(func->obj.get())->ext;
  const kiln::FuncType type = e.func_type();
  const size_t nargs = args ? args->size : 0;
  if (nargs != type.params.size())
    return NewTrap(store, "type mismatch: the function takes " + std::to_string(type.params.size()) +
                              " arguments, got " + std::to_string(nargs));
  if ((results ? results->size : 0) < type.results.size())
    return NewTrap(store, "the results vector holds " + std::to_string(results ? results->size : 0) +
                              " values, the function returns " + std::to_string(type.results.size()));
  std::vector<kiln_val> values(type.params.size());
  for (size_t i = 0; i < nargs; ++i) {
    if (std::optional<std::string> err = ToKiln(store, args->data[i], type.params[i], &values[i]))
      return NewTrap(store, "argument " + std::to_string(i) + ": " + *err);
  }
  absl::StatusOr<kiln::CallResult> r;
  try {
    r = kiln::Call(e, values);
  } catch (const std::exception& ex) {
    return NewTrap(store, std::string("call failed: ") + ex.what());
  }
  if (!r.ok()) return NewTrap(store, std::string(r.status().message()));
  if (r->trap) return TrapFrom(store, *r->trap, e.funcref ? e.funcref->vmctx : nullptr);
  for (size_t i = 0; i < type.results.size(); ++i)
    FromKiln(store, type.results[i], r->results[i], &results->data[i]);
  return nullptr;
}

// ---- Globals -----------------------------------------------------------------------------

wasm_global_t* wasm_global_new(wasm_store_t* store, const wasm_globaltype_t* type,
                               const wasm_val_t* value) {
  if (store == nullptr || type == nullptr || value == nullptr) return nullptr;
  kiln::GlobalType gt;
  gt.type = CodeOf(type->content->kind);
  gt.mut = type->mutability == WASM_VAR;
  kiln_val v;
  if (ToKiln(store, *value, gt.type, &v)) return nullptr;
  auto obj = NewExternObject(kiln::Extern::FromGlobal(kiln::Global::Create(gt, v)));
  return As<wasm_global_t>(NewHandle(std::move(obj), store));
}
wasm_globaltype_t* wasm_global_type(const wasm_global_t* g) {
  return static_cast<wasm_globaltype_t*>(ExternTypeOf(static_cast<const ExternObject*>(g->obj.get())->ext));
}
void wasm_global_get(const wasm_global_t* g, wasm_val_t* out) {
  const auto& global = static_cast<const ExternObject*>(g->obj.get())->ext.global;
  FromKiln(g->store, global->type().type, global->value(), out);
}
void wasm_global_set(wasm_global_t* g, const wasm_val_t* value) {
  const auto& global = static_cast<const ExternObject*>(g->obj.get())->ext.global;
  if (!global->type().mut || value == nullptr) return;
  kiln_val v;
  if (ToKiln(g->store, *value, global->type().type, &v)) return;
  global->set_value(v);
}

// ---- Tables ------------------------------------------------------------------------------

wasm_table_t* wasm_table_new(wasm_store_t* store, const wasm_tabletype_t* type, wasm_ref_t* init) {
  if (store == nullptr || type == nullptr) return nullptr;
  kiln::TableType tt;
  tt.elem_type = CodeOf(type->element->kind);
  tt.limits = KilnLimits(type->limits);
  wasm_val_t iv;
  iv.kind = type->element->kind;
  iv.of.ref = init;
  kiln_val v;
  if (ToKiln(store, iv, tt.elem_type, &v)) return nullptr;
  auto table = kiln::Table::Create(tt, v.ref);
  if (!table.ok()) return nullptr;
  auto obj = NewExternObject(kiln::Extern::FromTable(*table));
  return As<wasm_table_t>(NewHandle(std::move(obj), store));
}
wasm_tabletype_t* wasm_table_type(const wasm_table_t* t) {
  return static_cast<wasm_tabletype_t*>(ExternTypeOf(static_cast<const ExternObject*>(t->obj.get())->ext));
}
wasm_ref_t* wasm_table_get(const wasm_table_t* t, wasm_table_size_t index) {
  const auto& table = static_cast<const ExternObject*>(t->obj.get())->ext.table;
  std::optional<void*> v = table->Get(index);
  if (!v || *v == nullptr) return nullptr;
  return RefFromKiln(t->store, table->elem_type(), *v);
}
bool wasm_table_set(wasm_table_t* t, wasm_table_size_t index, wasm_ref_t* ref) {
  const auto& table = static_cast<const ExternObject*>(t->obj.get())->ext.table;
  if (index >= table->size()) return false;
  wasm_val_t v;
  v.kind = KindOf(table->elem_type()).value_or(WASM_EXTERNREF);
  v.of.ref = ref;
  kiln_val k;
  if (ToKiln(t->store, v, table->elem_type(), &k)) return false;
  return table->Set(index, k.ref);
}
wasm_table_size_t wasm_table_size(const wasm_table_t* t) {
  return static_cast<wasm_table_size_t>(static_cast<const ExternObject*>(t->obj.get())->ext.table->size());
}
bool wasm_table_grow(wasm_table_t* t, wasm_table_size_t delta, wasm_ref_t* init) {
  const auto& table = static_cast<const ExternObject*>(t->obj.get())->ext.table;
  wasm_val_t v;
  v.kind = KindOf(table->elem_type()).value_or(WASM_EXTERNREF);
  v.of.ref = init;
  kiln_val k;
  if (ToKiln(t->store, v, table->elem_type(), &k)) return false;
  return table->Grow(delta, k.ref) >= 0;
}

// ---- Memories ----------------------------------------------------------------------------

wasm_memory_t* wasm_memory_new(wasm_store_t* store, const wasm_memorytype_t* type) {
  if (store == nullptr || type == nullptr) return nullptr;
  kiln::MemoryType mt;
  mt.limits = KilnLimits(type->limits);
  if (mt.limits.max && *mt.limits.max < mt.limits.min) return nullptr;
  if (mt.limits.min > 65536 || (mt.limits.max && *mt.limits.max > 65536)) return nullptr;
  auto memory = kiln::GuardedMemory::Create(mt);
  if (!memory.ok()) return nullptr;
  auto obj = NewExternObject(kiln::Extern::FromMemory(*memory));
  return As<wasm_memory_t>(NewHandle(std::move(obj), store));
}
wasm_memorytype_t* wasm_memory_type(const wasm_memory_t* m) {
  return static_cast<wasm_memorytype_t*>(ExternTypeOf(static_cast<const ExternObject*>(m->obj.get())->ext));
}
byte_t* wasm_memory_data(wasm_memory_t* m) {
  return reinterpret_cast<byte_t*>(static_cast<const ExternObject*>(m->obj.get())->ext.memory->base());
}
size_t wasm_memory_data_size(const wasm_memory_t* m) {
  return static_cast<const ExternObject*>(m->obj.get())->ext.memory->size_bytes();
}
wasm_memory_pages_t wasm_memory_size(const wasm_memory_t* m) {
  return static_cast<wasm_memory_pages_t>(static_cast<const ExternObject*>(m->obj.get())->ext.memory->pages());
}
bool wasm_memory_grow(wasm_memory_t* m, wasm_memory_pages_t delta) {
  return static_cast<const ExternObject*>(m->obj.get())->ext.memory->Grow(delta) >= 0;
}

// ---- Externs -----------------------------------------------------------------------------

wasm_externkind_t wasm_extern_kind(const wasm_extern_t* e) {
  switch (e->obj->kind) {
    case Kind::kFunc: return WASM_EXTERN_FUNC;
    case Kind::kGlobal: return WASM_EXTERN_GLOBAL;
    case Kind::kTable: return WASM_EXTERN_TABLE;
    default: return WASM_EXTERN_MEMORY;
  }
}
wasm_externtype_t* wasm_extern_type(const wasm_extern_t* e) {
  return ExternTypeOf(static_cast<const ExternObject*>(e->obj.get())->ext);
}

#define KILN_EXTERN_CASTS(name, KIND)                                                      \
  wasm_extern_t* wasm_##name##_as_extern(wasm_##name##_t* x) {                             \
    return static_cast<wasm_extern_t*>(static_cast<wasm_ref_t*>(x));                        \
  }                                                                                        \
  const wasm_extern_t* wasm_##name##_as_extern_const(const wasm_##name##_t* x) {           \
    return static_cast<const wasm_extern_t*>(static_cast<const wasm_ref_t*>(x));            \
  }                                                                                        \
  wasm_##name##_t* wasm_extern_as_##name(wasm_extern_t* x) {                               \
    return x != nullptr && x->obj->kind == KIND                                            \
               ? static_cast<wasm_##name##_t*>(static_cast<wasm_ref_t*>(x))                \
               : nullptr;                                                                  \
  }                                                                                        \
  const wasm_##name##_t* wasm_extern_as_##name##_const(const wasm_extern_t* x) {           \
    return wasm_extern_as_##name(const_cast<wasm_extern_t*>(x));                           \
  }
KILN_EXTERN_CASTS(func, Kind::kFunc)
KILN_EXTERN_CASTS(global, Kind::kGlobal)
KILN_EXTERN_CASTS(table, Kind::kTable)
KILN_EXTERN_CASTS(memory, Kind::kMemory)

}  // extern "C"

namespace kiln::capi {

wasm_instance_t* Instantiate(wasm_store_t* store, const wasm_module_t* module,
                             const kiln::ImportResolver& resolver, wasm_trap_t** trap) {
  if (trap != nullptr) *trap = nullptr;
  const ModuleData& data = ModuleOf(module);
  kiln::InstanceOptions options = InstanceOptionsOf(store);
  absl::StatusOr<std::shared_ptr<kiln::Instance>> inst =
      kiln::Instance::Instantiate(data.artifact, resolver, options);
  if (!inst.ok()) {
    if (trap != nullptr) {
      if (std::optional<kiln::Trap> t = kiln::TrapFromStatus(inst.status())) {
        *trap = TrapFrom(store, *t);
      } else {
        *trap = NewTrap(store, std::string(inst.status().message()));
      }
    }
    SetLastError(std::string(inst.status().message()));
    return nullptr;
  }
  // Forget instances and functions that are gone, now and then (a store may make millions
  // of instances over its life: one per request).
  if (++store->sweep_countdown >= 256) {
    store->sweep_countdown = 0;
    std::erase_if(store->instances, [](const auto& kv) { return kv.second.expired(); });
    std::erase_if(store->funcs, [](const auto& kv) { return kv.second.expired(); });
    std::erase_if(store->instance_objects, [](const auto& kv) { return kv.second.expired(); });
  }
  store->instances[(*inst)->vmctx()] = *inst;
  auto obj = std::make_shared<InstanceObject>();
  obj->instance = *inst;
  store->instance_objects[inst->get()] = obj;
  return As<wasm_instance_t>(NewHandle(std::move(obj), store));
}

wasm_extern_t* ExternHandle(wasm_store_t* store, const kiln::Extern& e) {
  std::shared_ptr<Object> obj;
  if (e.kind == kiln::ExternKind::kFunc && e.funcref != nullptr) {
    // The same function object every time (host info, wasm_func_same).
    std::weak_ptr<Object>& cached = store->funcs[e.funcref];
    obj = cached.lock();
    if (!obj) {
      obj = NewExternObject(e);
      cached = obj;
    }
  }
  if (!obj) obj = NewExternObject(e);
  if (!obj) return nullptr;
  return As<wasm_extern_t>(NewHandle(std::move(obj), store));
}

wasm_trap_t* MessageTrap(wasm_store_t* store, std::string message) {
  return NewTrap(store, std::move(message));
}
wasm_module_t* ModuleHandle(wasm_store_t* store, std::shared_ptr<const ModuleData> data) {
  return NewModule(store, std::move(data));
}

}  // namespace kiln::capi

#include "kiln/Instance.h"

#include <cstdio>
#include <cstdlib>
#include <unordered_set>
#include <cstring>

#include "Builtins.h"
#include "ConstExpr.h"
#include "HostBinding.h"
#include "TrapHandler.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/Call.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Trap.h"

namespace kiln {
namespace {

std::string Quoted(std::string_view module, std::string_view name) {
  return absl::StrCat("\"", std::string(module), "\" \"", std::string(name), "\"");
}

std::string LimitsText(const Limits& l) {
  return l.max ? absl::StrFormat("{min %u, max %u}", l.min, *l.max)
               : absl::StrFormat("{min %u, no max}", l.min);
}

Limits FromDesc(const kiln_limits_desc& l) {
  Limits out;
  out.min = l.min;
  if (l.has_max) out.max = l.max;
  return out;
}

}  // namespace

// The live exceptions of an instance: an unordered set of allocations.
struct Instance::ExceptionOwner {
  std::unordered_set<kiln_exception*> live;
  ~ExceptionOwner() {
    for (kiln_exception* e : live) std::free(e);
  }
};

Instance::~Instance() { std::free(vmctx_); }

std::span<const uint8_t> Instance::data_segment(uint32_t index) const {
  if (data_dropped_[index]) return {};
  const kiln_data_desc& d = artifact_->desc().datas[index];
  return {d.bytes, static_cast<size_t>(d.size)};
}

std::span<void* const> Instance::elem_segment(uint32_t index) const {
  return elem_segments_[index];
}

absl::StatusOr<std::shared_ptr<Instance>> Instance::Instantiate(
    std::shared_ptr<const Artifact> artifact, const ImportResolver& resolver,
    const InstanceOptions& options) {
  PrepareThread();
  const kiln_module_desc& d = artifact->desc();
  std::shared_ptr<Instance> inst(new Instance);
  inst->artifact_ = std::move(artifact);
  inst->layout_ = kiln_compute_vmctx_layout(d.num_memories, d.num_tables, d.num_globals,
                                            d.num_funcs, d.num_types, d.num_tags);
  inst->vmctx_ = std::aligned_alloc(16, inst->layout_.size);
  if (inst->vmctx_ == nullptr) return absl::ResourceExhaustedError("cannot allocate the vmctx");
  std::memset(inst->vmctx_, 0, inst->layout_.size);
  auto* header = static_cast<kiln_vmctx_header*>(inst->vmctx_);
  header->builtins = GetBuiltins();
  header->thread_state = ThreadStateOffset();
  header->instance = inst.get();
  if (options.store) {
    if (options.interrupt || options.fuel.has_value() || options.max_stack_bytes != 0) {
      return absl::InvalidArgumentError(
          "instance options: fuel, stack cap and interrupt handle belong to the store given");
    }
    inst->store_ = options.store;
  } else {
    inst->store_ = Store::Create({options.fuel, options.max_stack_bytes, options.interrupt});
  }
  if (inst->store_->fuel_metered() && !(d.flags & KILN_MODULE_FUEL)) {
    return absl::FailedPreconditionError(
        "fuel needs an artifact compiled with `kilnc --fuel` (this one counts none)");
  }
  auto* type_ids = reinterpret_cast<uint32_t*>(static_cast<char*>(inst->vmctx_) +
                                               inst->layout_.type_ids);
  for (uint32_t t = 0; t < d.num_types; ++t) type_ids[t] = inst->artifact_->canonical_type_id(t);

  inst->memories_.resize(d.num_memories);
  inst->tables_.resize(d.num_tables);
  inst->globals_.resize(d.num_globals);
  inst->tags_.resize(d.num_tags);
  inst->funcrefs_.resize(d.num_funcs);
  inst->func_a2n_.resize(d.num_funcs);
  inst->func_callee_.resize(d.num_funcs);

  inst->host_context_ = options.host_context;
  if (absl::Status s = inst->ResolveImports(resolver, options); !s.ok()) return s;
  if (absl::Status s = inst->CreateDefinitions(options); !s.ok()) return s;
  inst->WriteVmctxArrays();
  for (uint32_t i = 0; i < d.num_exports; ++i) {
    if (d.exports[i].kind == KILN_EXTERN_MEMORY && inst->artifact_->export_name(i) == "memory") {
      inst->exported_memory_ = inst->memories_[d.exports[i].index].get();
    }
  }

  bool wrote_imported_table = false;
  absl::Status init = inst->InitializeSegments(&wrote_imported_table);
  if (init.ok() && options.run_start && d.start_func >= 0) {
    absl::StatusOr<CallResult> r = Call(inst->FunctionExtern(d.start_func), {});
    if (!r.ok()) {
      init = r.status();
    } else if (r->trap.has_value()) {
      init = TrapToStatus(*r->trap);
    }
  }
  if (!init.ok()) {
    // The spec keeps effects on imported tables: their entries may point at this
    // instance's functions, so those tables keep it alive.
    if (wrote_imported_table || d.start_func >= 0) {
      for (uint32_t i = 0; i < d.num_imported_tables; ++i) inst->tables_[i]->KeepAlive(inst);
    }
    return init;
  }
  return inst;
}


absl::Status Instance::ResolveImports(const ImportResolver& resolver,
                                      const InstanceOptions& options) {
  const ImportPolicy* policy = options.import_policy;
  const std::vector<std::optional<Extern>>* resolved = options.resolved_funcs;
  const kiln_module_desc& d = artifact_->desc();
  host_functions_.reserve(d.num_imports);
  uint32_t func_imports = 0;
  for (uint32_t i = 0; i < d.num_imports; ++i) func_imports += d.imports[i].kind == KILN_EXTERN_FUNC;
  // One allocation for every binding (their addresses are taken: they never move).
  if (func_imports > 0) host_bindings_ = std::make_unique<HostBinding[]>(func_imports);
  for (uint32_t i = 0; i < d.num_imports; ++i) {
    const kiln_import_desc& im = d.imports[i];
    ImportRequest req;
    req.module = artifact_->import_module(i);
    req.name = artifact_->import_name(i);
    req.kind = static_cast<ExternKind>(im.kind);
    req.index = im.index;
    switch (im.kind) {
      case KILN_EXTERN_FUNC:
        req.func_type = &artifact_->func_type(im.index);
        break;
      case KILN_EXTERN_TABLE:
        req.table_type.elem_type = static_cast<uint8_t>(d.tables[im.index].elem_type);
        req.table_type.elem_ref = artifact_->canonical_ref(d.tables[im.index].elem_ref);
        req.table_type.limits = FromDesc(d.tables[im.index].limits);
        req.table_type.is64 = d.tables[im.index].limits.is64 != 0;
        break;
      case KILN_EXTERN_MEMORY:
        req.memory_type.limits = FromDesc(d.memories[im.index].limits);
        req.memory_type.is64 = d.memories[im.index].limits.is64;
        req.memory_type.shared = d.memories[im.index].limits.shared;
        break;
      case KILN_EXTERN_GLOBAL:
        req.global_type.type = static_cast<uint8_t>(d.globals[im.index].type);
        req.global_type.mut = d.globals[im.index].mut != 0;
        req.global_type.ref = artifact_->canonical_ref(d.globals[im.index].ref);
        break;
    }
    if (im.kind == KILN_EXTERN_TAG) {
      req.func_type = &artifact_->type(d.tag_types[im.index]);  // the tag's type
    }
    if (policy != nullptr) {
      if (std::optional<std::string> why = policy->Check(req.module, req.name)) {
        return absl::PermissionDeniedError(
            absl::StrCat("import ", Quoted(req.module, req.name), " (",
                         artifact_->DescribeImport(i), ") is not approved: ", *why));
      }
    }
    // Resolved in advance (borrowed, see InstanceOptions::resolved_funcs), or asked for.
    const Extern* borrowed = nullptr;
    if (resolved != nullptr && req.kind == ExternKind::kFunc && req.index < resolved->size() &&
        (*resolved)[req.index].has_value())
      borrowed = &*(*resolved)[req.index];
    std::optional<Extern> found;
    if (borrowed == nullptr) {
      if (resolver) found = resolver(req);
      if (!found.has_value()) {
        return absl::NotFoundError(absl::StrCat("unknown import ", Quoted(req.module, req.name),
                                                " (", artifact_->DescribeImport(i), ")"));
      }
    }
    const Extern& e = borrowed != nullptr ? *borrowed : *found;
    auto incompatible = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat(
          "incompatible import type for ", Quoted(req.module, req.name), ": ", why));
    };
    if (e.kind != req.kind) {
      return incompatible(absl::StrCat("expected a ", ExternKindName(req.kind), ", got a ",
                                       ExternKindName(e.kind)));
    }
    switch (req.kind) {
      case ExternKind::kFunc: {
        const uint32_t type_index = d.funcs[im.index].type_index;
        const uint32_t want = artifact_->canonical_type_id(type_index);
        if (e.funcref == nullptr && e.host_function == nullptr) {
          return incompatible("the function extern is empty");
        }
        if (e.func_type_id != want) {
          return incompatible(absl::StrCat("expected ", req.func_type->ToString(), ", got ",
                                           e.func_type().ToString()));
        }
        const kiln_type_desc& td = d.types[type_index];
        if (e.funcref == nullptr) {
          if (td.native_to_array == nullptr) {
            return absl::FailedPreconditionError(absl::StrCat(
                artifact_->name(), ": no host-call stub for the type of import ",
                Quoted(req.module, req.name)));
          }
          HostBinding* binding = &host_bindings_[num_host_bindings_++];
          binding->raw.callback = HostBindingEntry;
          binding->raw.env = binding;
          binding->function = e.host_function.get();
          binding->importer = this;
          binding->funcref.code = td.native_to_array;
          binding->funcref.vmctx = &binding->raw;
          binding->funcref.type_id = want;
          funcrefs_[im.index] = &binding->funcref;
          func_a2n_[im.index] = td.array_to_native;
          func_callee_[im.index] = nullptr;
          if (borrowed == nullptr) host_functions_.push_back(e.host_function);
        } else {
          funcrefs_[im.index] = e.funcref;
          func_a2n_[im.index] = e.array_to_native ? e.array_to_native : td.array_to_native;
          func_callee_[im.index] = e.callee_instance;
          if (e.host_function && borrowed == nullptr) host_functions_.push_back(e.host_function);
        }
        break;
      }
      case ExternKind::kTable: {
        if (!e.table) return incompatible("the table extern is empty");
        const TableType actual = e.table->current_type();
        if (actual.elem_type != req.table_type.elem_type ||
            actual.elem_ref != req.table_type.elem_ref) {  // table types are invariant
          return incompatible(absl::StrCat("expected ", ValueTypeName(req.table_type.elem_type),
                                           " elements, got ", ValueTypeName(actual.elem_type)));
        }
        if (actual.is64 != req.table_type.is64) {
          return incompatible(actual.is64 ? "expected a 32-bit table, got a 64-bit one"
                                          : "expected a 64-bit table, got a 32-bit one");
        }
        if (!Limits::Matches(actual.limits, req.table_type.limits)) {
          return incompatible(absl::StrCat("limits ", LimitsText(actual.limits),
                                           " do not match ", LimitsText(req.table_type.limits)));
        }
        tables_[im.index] = e.table;
        break;
      }
      case ExternKind::kMemory: {
        if (!e.memory) return incompatible("the memory extern is empty");
        const MemoryType actual = e.memory->current_type();
        if (actual.is64 != req.memory_type.is64) {
          return incompatible(actual.is64 ? "expected a 32-bit memory, got a 64-bit one"
                                          : "expected a 64-bit memory, got a 32-bit one");
        }
        if (actual.shared != req.memory_type.shared ||
            !Limits::Matches(actual.limits, req.memory_type.limits)) {
          return incompatible(absl::StrCat("limits ", LimitsText(actual.limits),
                                           " do not match ", LimitsText(req.memory_type.limits)));
        }
        memories_[im.index] = e.memory;
        break;
      }
      case ExternKind::kGlobal: {
        if (!e.global) return incompatible("the global extern is empty");
        const GlobalType& actual = e.global->type();
        // A mutable global's type must be the same; an immutable one may be a subtype.
        const bool matches =
            actual.type == req.global_type.type && actual.mut == req.global_type.mut &&
            (actual.mut ? actual.ref == req.global_type.ref
                        : RefMatches(actual.ref, req.global_type.ref));
        if (!matches) {
          return incompatible(absl::StrCat(
              "expected ", req.global_type.mut ? "mutable " : "immutable ",
              ValueTypeName(req.global_type.type), ", got ", actual.mut ? "mutable " : "immutable ",
              ValueTypeName(actual.type)));
        }
        globals_[im.index] = e.global;
        break;
      }
      case ExternKind::kTag: {
        if (!e.tag) return incompatible("the tag extern is empty");
        const uint32_t want = artifact_->canonical_type_id(d.tag_types[im.index]);
        if (e.tag->type_id != want) {
          return incompatible(absl::StrCat("expected a tag of type ",
                                           TypeRegistry::Lookup(want).ToString(), ", got ",
                                           TypeRegistry::Lookup(e.tag->type_id).ToString()));
        }
        tags_[im.index] = e.tag;
        break;
      }
    }
    if (e.owner) import_owners_.push_back(e.owner);
  }
  return absl::OkStatus();
}

absl::StatusOr<ConstValue> Instance::Evaluate(const uint8_t* bytes, uint32_t len,
                                             uint32_t readable_globals, uint8_t expected_type,
                                             const char* what, uint32_t index) {
  // The usual case, `i32.const N end` with N in at most 4 LEB128 bytes (a stack pointer, a
  // segment offset), decoded here: no evaluator set up for every instantiation.
  if (expected_type == KILN_I32 && len >= 3 && len <= 6 && bytes[0] == 0x41 &&
      bytes[len - 1] == 0x0B) {
    uint32_t result = 0;
    uint32_t shift = 0;
    uint32_t i = 1;
    for (; i < len - 1; ++i) {
      result |= static_cast<uint32_t>(bytes[i] & 0x7F) << shift;
      shift += 7;
      if ((bytes[i] & 0x80) == 0) break;
    }
    if (i == len - 2 && (bytes[i] & 0x80) == 0) {  // the immediate ends right before `end`
      if ((bytes[i] & 0x40) != 0) result |= ~uint32_t{0} << shift;  // sign-extend
      ConstValue v;
      v.type = KILN_I32;
      v.value.i64 = 0;
      v.value.i32 = result;
      return v;
    }
  }
  ConstExprEnv env;
  env.num_readable_globals = readable_globals;
  env.read_global = [this](uint32_t g) {
    return ConstValue{globals_[g]->type().type, globals_[g]->value()};
  };
  env.num_funcs = static_cast<uint32_t>(funcrefs_.size());
  env.func_ref = [this](uint32_t f) -> void* { return funcrefs_[f]; };
  absl::StatusOr<ConstValue> v = EvaluateConstExpr({bytes, len}, env);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(artifact_->name(), ": ", what, " ", index, ": ", v.status().message()));
  }
  if (v->type != expected_type) {
    return absl::InvalidArgumentError(absl::StrCat(
        artifact_->name(), ": ", what, " ", index, ": constant expression has type ",
        ValueTypeName(v->type), ", expected ", ValueTypeName(expected_type)));
  }
  return v;
}

kiln_exception* Instance::NewException(const kiln_tag* tag, const kiln_val* values) {
  if (!exceptions_) exceptions_ = std::make_unique<ExceptionOwner>();
  const size_t n = tag->num_params;
  auto* exn = static_cast<kiln_exception*>(
      std::calloc(1, sizeof(kiln_exception) + n * sizeof(kiln_val)));
  if (exn == nullptr) {
    std::fprintf(stderr, "kiln: fatal: out of memory allocating an exception\n");
    std::abort();
  }
  exn->tag = tag;
  exn->num_values = static_cast<uint32_t>(n);
  exn->flags = 0;
  exn->owner = exceptions_.get();
  if (n > 0) std::memcpy(exn->values, values, n * sizeof(kiln_val));
  exceptions_->live.insert(exn);
  return exn;
}

void Instance::ReleaseException(kiln_exception* exn) {
  if (exn == nullptr || (exn->flags & KILN_EXN_EXPOSED)) return;
  auto* owner = static_cast<ExceptionOwner*>(exn->owner);
  if (owner->live.erase(exn) == 1) std::free(exn);
}

size_t Instance::live_exceptions() const { return exceptions_ ? exceptions_->live.size() : 0; }

absl::Status Instance::CreateDefinitions(const InstanceOptions& options) {
  {
    const kiln_module_desc& d = artifact_->desc();
    for (uint32_t i = d.num_imported_tags; i < d.num_tags; ++i) {
      auto tag = std::make_shared<kiln_tag>();
      tag->type_id = artifact_->canonical_type_id(d.tag_types[i]);
      tag->num_params = d.types[d.tag_types[i]].num_params;
      tags_[i] = std::move(tag);
    }
  }
  const kiln_module_desc& d = artifact_->desc();
  // Functions: every defined function gets one immutable funcref.
  const uint32_t num_defined = d.num_funcs - d.num_imported_funcs;
  defined_funcrefs_ = std::make_unique<kiln_funcref[]>(num_defined);
  for (uint32_t i = d.num_imported_funcs; i < d.num_funcs; ++i) {
    kiln_funcref& f = defined_funcrefs_[i - d.num_imported_funcs];
    const uint32_t type_index = d.funcs[i].type_index;
    f.code = d.funcs[i].code;
    f.vmctx = vmctx_;
    f.type_id = artifact_->canonical_type_id(type_index);
    funcrefs_[i] = &f;
    func_a2n_[i] = d.types[type_index].array_to_native;
    func_callee_[i] = this;
  }
  for (uint32_t i = d.num_imported_memories; i < d.num_memories; ++i) {
    MemoryType type;
    type.limits = FromDesc(d.memories[i].limits);
    type.is64 = d.memories[i].limits.is64 != 0;
    type.shared = d.memories[i].limits.shared != 0;
    absl::StatusOr<std::shared_ptr<GuardedMemory>> m = GuardedMemory::Create(
        type, options.max_memory_pages,
        GuardedMemory::CopyOnWriteImages() ? artifact_->memory_image(i) : nullptr);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat(artifact_->name(), ": memory ", i, ": ", m.status().message()));
    memories_[i] = *std::move(m);
  }
  // Globals in order: an initialiser may read imported and earlier globals.
  for (uint32_t i = d.num_imported_globals; i < d.num_globals; ++i) {
    const kiln_global_desc& g = d.globals[i];
    absl::StatusOr<ConstValue> v =
        Evaluate(g.init, g.init_len, i, static_cast<uint8_t>(g.type), "global", i);
    if (!v.ok()) return v.status();
    globals_[i] = Global::Create(
        {static_cast<uint8_t>(g.type), g.mut != 0, artifact_->canonical_ref(g.ref)}, v->value);
  }
  for (uint32_t i = d.num_imported_tables; i < d.num_tables; ++i) {
    const kiln_table_desc& t = d.tables[i];
    void* init = nullptr;
    if (t.init_len != 0) {
      absl::StatusOr<ConstValue> v = Evaluate(t.init, t.init_len, d.num_globals,
                                              static_cast<uint8_t>(t.elem_type), "table", i);
      if (!v.ok()) return v.status();
      init = v->value.ref;
    }
    TableType type;
    type.elem_type = static_cast<uint8_t>(t.elem_type);
    type.elem_ref = artifact_->canonical_ref(t.elem_ref);
    type.limits = FromDesc(t.limits);
    type.is64 = t.limits.is64 != 0;
    absl::StatusOr<std::shared_ptr<Table>> table =
        Table::Create(type, init, options.max_table_elements);
    if (!table.ok()) return absl::Status(table.status().code(), absl::StrCat(artifact_->name(), ": table ", i, ": ", table.status().message()));
    tables_[i] = *std::move(table);
  }
  // Element segment items are evaluated up front; table.init reads them later.
  elem_segments_.resize(d.num_elems);
  for (uint32_t i = 0; i < d.num_elems; ++i) {
    const kiln_elem_desc& e = d.elems[i];
    std::vector<void*>& items = elem_segments_[i];
    items.reserve(e.count);
    size_t pos = 0;
    for (uint32_t k = 0; k < e.count; ++k) {
      ConstExprEnv env;
      env.num_readable_globals = d.num_globals;
      env.read_global = [this](uint32_t g) {
        return ConstValue{globals_[g]->type().type, globals_[g]->value()};
      };
      env.num_funcs = d.num_funcs;
      env.func_ref = [this](uint32_t f) -> void* { return funcrefs_[f]; };
      size_t used = 0;
      absl::StatusOr<ConstValue> v =
          EvaluateConstExpr({e.items + pos, e.items_len - pos}, env, &used);
      if (!v.ok() || v->type != e.elem_type) {
        return absl::InvalidArgumentError(absl::StrCat(
            artifact_->name(), ": elem ", i, " item ", k, ": ",
            v.ok() ? "wrong reference type" : v.status().message()));
      }
      pos += used;
      items.push_back(v->value.ref);
    }
  }
  data_dropped_.assign(d.num_datas, false);
  return absl::OkStatus();
}

void Instance::WriteVmctxArrays() {
  char* base = static_cast<char*>(vmctx_);
  auto** tags = reinterpret_cast<kiln_tag**>(base + layout_.tags);
  for (size_t i = 0; i < tags_.size(); ++i) tags[i] = tags_[i].get();
  auto** mems = reinterpret_cast<kiln_memory**>(base + layout_.memories);
  for (size_t i = 0; i < memories_.size(); ++i) mems[i] = memories_[i]->raw();
  // ABI 2.2: memory 0's base in the header (the base never moves; see GuardedMemory).
  reinterpret_cast<kiln_vmctx_header*>(base)->memory0_base =
      memories_.empty() ? nullptr : memories_[0]->base();
  auto** tabs = reinterpret_cast<kiln_table**>(base + layout_.tables);
  for (size_t i = 0; i < tables_.size(); ++i) tabs[i] = tables_[i]->raw();
  auto** globs = reinterpret_cast<kiln_global**>(base + layout_.globals);
  for (size_t i = 0; i < globals_.size(); ++i) globs[i] = globals_[i]->raw();
  auto** funcs = reinterpret_cast<kiln_funcref**>(base + layout_.funcs);
  for (size_t i = 0; i < funcrefs_.size(); ++i) funcs[i] = funcrefs_[i];
}

absl::Status Instance::InitializeSegments(bool* wrote_imported_table) {
  const kiln_module_desc& d = artifact_->desc();
  for (uint32_t i = 0; i < d.num_elems; ++i) {
    const kiln_elem_desc& e = d.elems[i];
    if (e.mode == KILN_SEG_ACTIVE) {
      const bool is64 = d.tables[e.table].limits.is64 != 0;
      absl::StatusOr<ConstValue> offset = Evaluate(e.offset, e.offset_len, d.num_globals,
                                                   is64 ? KILN_I64 : KILN_I32, "elem offset", i);
      if (!offset.ok()) return offset.status();
      Table* table = tables_[e.table].get();
      if (table->elem_type() != e.elem_type) {
        return absl::InvalidArgumentError(
            absl::StrCat(artifact_->name(), ": elem ", i, ": element type differs from the table"));
      }
      const uint64_t dst = is64 ? offset->value.i64 : offset->value.i32;
      const std::vector<void*>& items = elem_segments_[i];
      if (dst > table->size() || items.size() > table->size() - dst) {
        Trap trap;
        trap.code = KILN_TRAP_TABLE_OOB;
        trap.message = kiln_trap_message(trap.code);
        return TrapToStatus(trap);
      }
      if (!items.empty() && e.table < d.num_imported_tables) *wrote_imported_table = true;
      for (size_t k = 0; k < items.size(); ++k) table->Set(dst + k, items[k]);
    }
    if (e.mode != KILN_SEG_PASSIVE) DropElem(i);
  }
  for (uint32_t i = 0; i < d.num_datas; ++i) {
    const kiln_data_desc& s = d.datas[i];
    if (s.mode != KILN_SEG_ACTIVE) continue;
    if (memories_[s.memory]->from_image()) {
      // Already in place: the image holds every active segment of this memory, each
      // checked to fit its initial size when the image was built.
      DropData(i);
      continue;
    }
    const bool is64 = d.memories[s.memory].limits.is64 != 0;
    absl::StatusOr<ConstValue> offset = Evaluate(s.offset, s.offset_len, d.num_globals,
                                                 is64 ? KILN_I64 : KILN_I32, "data offset", i);
    if (!offset.ok()) return offset.status();
    GuardedMemory* memory = memories_[s.memory].get();
    const uint64_t dst = is64 ? offset->value.i64 : offset->value.i32;
    if (!memory->InBounds(dst, s.size)) {
      Trap trap;
      trap.code = KILN_TRAP_MEMORY_OOB;
      trap.message = kiln_trap_message(trap.code);
      return TrapToStatus(trap);
    }
    if (s.size > 0) std::memcpy(memory->base() + dst, s.bytes, s.size);
    DropData(i);
  }
  return absl::OkStatus();
}

Extern Instance::FunctionExtern(uint32_t func_index) {
  Extern e;
  e.kind = ExternKind::kFunc;
  e.funcref = funcrefs_[func_index];
  e.array_to_native = func_a2n_[func_index];
  e.callee_instance = func_callee_[func_index];
  e.func_type_id = e.funcref->type_id;
  e.owner = shared_from_this();
  return e;
}

std::optional<Extern> Instance::GetExport(std::string_view name) {
  const kiln_module_desc& d = artifact_->desc();
  for (uint32_t i = 0; i < d.num_exports; ++i) {
    if (artifact_->export_name(i) != name) continue;
    const kiln_export_desc& ex = d.exports[i];
    Extern e;
    switch (ex.kind) {
      case KILN_EXTERN_FUNC:
        return FunctionExtern(ex.index);
      case KILN_EXTERN_TABLE:
        e = Extern::FromTable(tables_[ex.index]);
        break;
      case KILN_EXTERN_MEMORY:
        e = Extern::FromMemory(memories_[ex.index]);
        break;
      case KILN_EXTERN_GLOBAL:
        e = Extern::FromGlobal(globals_[ex.index]);
        break;
      case KILN_EXTERN_TAG:
        e = Extern::FromTag(tags_[ex.index]);
        break;
    }
    e.owner = shared_from_this();
    return e;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, Extern>> Instance::Exports() {
  std::vector<std::pair<std::string, Extern>> out;
  const kiln_module_desc& d = artifact_->desc();
  for (uint32_t i = 0; i < d.num_exports; ++i) {
    std::string name(artifact_->export_name(i));
    std::optional<Extern> e = GetExport(name);
    if (e.has_value()) out.emplace_back(std::move(name), *std::move(e));
  }
  return out;
}

}  // namespace kiln

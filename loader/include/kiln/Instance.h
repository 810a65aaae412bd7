// A module instance: an Artifact plus its vmctx, imports, memories, tables, globals and
// segment state. Created by Instance::Instantiate following the spec's instantiation
// order; shared ownership (exports keep their instance alive).
#ifndef KILN_LOADER_INSTANCE_H
#define KILN_LOADER_INSTANCE_H

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/Artifact.h"
#include "kiln/Extern.h"
#include "kiln/Store.h"
#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

// What a module asks for: handed to the resolver for each import, in descriptor order.
struct ImportRequest {
  std::string_view module;
  std::string_view name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;                  // in that kind's index space
  const FuncType* func_type = nullptr; // kFunc; kTag: the tag's type (no results)
  TableType table_type;                // kTable
  MemoryType memory_type;              // kMemory
  GlobalType global_type;              // kGlobal
};

// Returns the extern bound to an import, or nullopt ("unknown import"). The returned
// extern is type-checked against the request by the loader.
using ImportResolver = std::function<std::optional<Extern>(const ImportRequest&)>;

class ImportPolicy;

struct InstanceOptions {
  // When set, every import must be approved by it (checked before the resolver is asked
  // and before any guest code runs). Not owned; must outlive the instantiation.
  const ImportPolicy* import_policy = nullptr;
  // Operator cap on the pages of memories this instance defines.
  std::optional<uint64_t> max_memory_pages;
  // Operator cap on the elements of tables this instance defines.
  uint64_t max_table_elements = kDefaultMaxTableElements;
  // Run the start function (if any) as the last step of instantiation.
  bool run_start = true;
  // The store the instance belongs to (its fuel, stack cap and interrupt handle: see
  // kiln/Store.h). When null, the instance gets a store of its own made from the three
  // fields below, which must be left unset when `store` is given.
  std::shared_ptr<Store> store;
  // Shared with whoever may interrupt the instance (a timer, another thread); when null the
  // instance's store has a handle of its own (Instance::interrupt_handle()).
  std::shared_ptr<InterruptHandle> interrupt;
  // Fuel: this many Wasm instructions may run under the instance's store (start function
  // and later calls together), then the call traps "all fuel consumed". The artifact must
  // have been compiled with `kilnc --fuel`; instantiation fails otherwise.
  std::optional<int64_t> fuel;
  // Native stack a call from the host may use (0: what the thread has, less a safety
  // margin). Deeper recursion traps "call stack exhausted".
  uint64_t max_stack_bytes = 0;
  // The embedder's per-instance context, handed to host functions through
  // HostCall::caller->host_context() (e.g. the WASI context of shared WASI functions, see
  // WasiModule::Shared). Not owned: it must outlive every call into the instance.
  void* host_context = nullptr;
  // Function imports resolved in advance, by function index (an empty entry: ask the
  // resolver). Used in place, without reference counting: the vector and its host
  // functions must outlive the instance. For embedders that instantiate one artifact
  // many times (a server: once per request) against the same functions: no copy per
  // import, and no reference count shared by every thread that instantiates.
  const std::vector<std::optional<Extern>>* resolved_funcs = nullptr;
};

struct HostBinding;
struct ConstValue;

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  // Errors: link errors ("unknown import \"m\" \"n\"", "incompatible import type for ..."),
  // resource errors, or a trap during initialisation (TrapFromStatus recovers it; effects
  // on imported tables and memories made before the trap stay, as the spec requires).
  static absl::StatusOr<std::shared_ptr<Instance>> Instantiate(
      std::shared_ptr<const Artifact> artifact, const ImportResolver& resolver,
      const InstanceOptions& options = {});

  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  const Artifact& artifact() const { return *artifact_; }
  const std::shared_ptr<Store>& store() const { return store_; }
  const std::shared_ptr<InterruptHandle>& interrupt_handle() const {
    return store_->interrupt_handle();
  }
  // Fuel left in the instance's store (meaningful with fuel metering).
  int64_t fuel_left() const { return store_->fuel(); }
  uint64_t max_stack_bytes() const { return store_->max_stack_bytes(); }
  void* vmctx() const { return vmctx_; }
  // InstanceOptions::host_context.
  void* host_context() const { return host_context_; }

  std::optional<Extern> GetExport(std::string_view name);
  // All exports in descriptor order.
  std::vector<std::pair<std::string, Extern>> Exports();
  // The function with index `func_index` as an extern (for funcref values and tests).
  Extern FunctionExtern(uint32_t func_index);

  // Objects in the module's index spaces (imports first).
  GuardedMemory* memory(uint32_t index) const { return memories_[index].get(); }
  // The memory exported as "memory" (the one WASI and most host functions use), found once
  // at instantiation; nullptr when there is none.
  GuardedMemory* exported_memory() const { return exported_memory_; }
  Table* table(uint32_t index) const { return tables_[index].get(); }
  Global* global(uint32_t index) const { return globals_[index].get(); }
  uint32_t num_memories() const { return static_cast<uint32_t>(memories_.size()); }

  // Segment state used by the builtins (memory.init, table.init, data.drop, elem.drop).
  // A dropped segment has length 0.
  std::span<const uint8_t> data_segment(uint32_t index) const;
  std::span<void* const> elem_segment(uint32_t index) const;
  void DropData(uint32_t index) { data_dropped_[index] = true; }
  void DropElem(uint32_t index) { elem_segments_[index].clear(); }
  uint32_t num_datas() const { return static_cast<uint32_t>(data_dropped_.size()); }
  uint32_t num_elems() const { return static_cast<uint32_t>(elem_segments_.size()); }

  static Instance* FromVmctx(void* vmctx) {
    return static_cast<Instance*>(static_cast<kiln_vmctx_header*>(vmctx)->instance);
  }

 private:
  Instance() = default;
  absl::Status ResolveImports(const ImportResolver& resolver, const InstanceOptions& options);
  absl::Status CreateDefinitions(const InstanceOptions& options);
  absl::Status InitializeSegments(bool* wrote_imported_table);
  absl::StatusOr<ConstValue> Evaluate(const uint8_t* bytes, uint32_t len,
                                    uint32_t readable_globals, uint8_t expected_type,
                                    const char* what, uint32_t index);
  void WriteVmctxArrays();

  std::shared_ptr<const Artifact> artifact_;
  std::shared_ptr<Store> store_;
  GuardedMemory* exported_memory_ = nullptr;
  void* vmctx_ = nullptr;
  void* host_context_ = nullptr;
  kiln_vmctx_layout layout_{};
  std::vector<std::shared_ptr<GuardedMemory>> memories_;
  std::vector<std::shared_ptr<Table>> tables_;
  std::vector<std::shared_ptr<Global>> globals_;
  std::vector<std::shared_ptr<kiln_tag>> tags_;
  // Exceptions created by this instance's code that may still be reachable (exnrefs
  // point into them); each is freed when released (caught without being exposed) or with
  // the instance.
  struct ExceptionOwner;
  std::unique_ptr<ExceptionOwner> exceptions_;

 public:
  // Allocates an exception of `tag` with the given payload, owned by this instance.
  kiln_exception* NewException(const kiln_tag* tag, const kiln_val* values);
  // Frees an exception that no exnref can refer to (see KILN_EXN_EXPOSED).
  static void ReleaseException(kiln_exception* exn);
  // Live exceptions of this instance (for tests and limits).
  size_t live_exceptions() const;

 private:
  std::vector<kiln_funcref*> funcrefs_;          // every function, imports first
  std::vector<void*> func_a2n_;                  // entry trampoline per function
  std::vector<Instance*> func_callee_;           // instance owning each function's vmctx
  std::unique_ptr<kiln_funcref[]> defined_funcrefs_;
  std::unique_ptr<HostBinding[]> host_bindings_;  // one per imported host function
  uint32_t num_host_bindings_ = 0;
  std::vector<std::shared_ptr<const void>> import_owners_;
  std::vector<std::shared_ptr<HostFunction>> host_functions_;
  std::vector<std::vector<void*>> elem_segments_;
  std::vector<bool> data_dropped_;
};

// A (module, name) -> Extern map usable as an ImportResolver, e.g. for a spec-test harness
// ("spectest" functions, registered module instances) or an embedder's approved set.
class ImportMap {
 public:
  void Add(std::string module, std::string name, Extern value);
  // Adds every export of `instance` under `module` (the spec harness's `register`).
  void AddInstance(const std::string& module, Instance& instance);
  // Consulted for imports the map does not hold (e.g. a WASI resolver).
  void SetFallback(ImportResolver fallback) { fallback_ = std::move(fallback); }

  std::optional<Extern> Find(std::string_view module, std::string_view name) const;
  std::optional<Extern> Resolve(const ImportRequest& request) const;
  // A resolver referring to this map (which must outlive it).
  ImportResolver AsResolver() const {
    return [this](const ImportRequest& r) { return Resolve(r); };
  }

 private:
  std::vector<std::pair<std::pair<std::string, std::string>, Extern>> entries_;
  ImportResolver fallback_;
};

}  // namespace kiln

#endif  // KILN_LOADER_INSTANCE_H

// The objects behind the C API's handles. A handle (wasm_func_t*, wasm_extern_t*, ...) is
// a wasm_ref_t: a shared reference to one of these plus the store it was made in. Copies
// share the object; host info lives on the object and its finalizer runs once, when the
// last handle (and every internal user) is gone.
#ifndef KILN_CAPI_OBJECTS_H
#define KILN_CAPI_OBJECTS_H

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "HostBinding.h"
#include "kiln/Artifact.h"
#include "kiln/Extern.h"
#include "kiln/Instance.h"
#include "kiln/Signature.h"
#include "kiln/Store.h"
#include "wasm.h"

namespace kiln::capi {

enum class Kind : uint8_t { kFunc, kGlobal, kTable, kMemory, kInstance, kModule, kTrap, kForeign };

struct Object {
  explicit Object(Kind k) : kind(k) {}
  virtual ~Object() {
    if (finalizer != nullptr) finalizer(host_info);
  }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  const Kind kind;
  void* host_info = nullptr;
  void (*finalizer)(void*) = nullptr;
};

// A host function bound for use as a funcref value outside any importing instance: the
// binding the artifact's native-to-array stub for its signature calls.
struct HostBindingHolder {
  kiln::HostBinding binding;
  std::shared_ptr<const kiln::Artifact> stub_owner;
};

// A function, global, table or memory.
struct ExternObject : Object {
  explicit ExternObject(Kind k) : Object(k) {}
  ~ExternObject() override;
  kiln::Extern ext;
  // A host function used as a funcref value: its binding (see HostFuncref).
  std::unique_ptr<HostBindingHolder> binding;
};

struct ModuleData {
  std::shared_ptr<const kiln::Artifact> artifact;
  std::vector<uint8_t> bytes;  // the artifact's file, for wasm_module_serialize
  std::string path;            // or the file it was mapped from (read when serialized)
};

struct ModuleObject : Object {
  ModuleObject() : Object(Kind::kModule) {}
  std::shared_ptr<const ModuleData> data;
};

struct InstanceObject : Object {
  InstanceObject() : Object(Kind::kInstance) {}
  std::shared_ptr<kiln::Instance> instance;
};

struct FrameData {
  std::string func_name;
  uint32_t func_index = 0;
  size_t func_offset = 0;
  size_t module_offset = 0;
  // A handle on the frame's instance (wasm_frame_instance lends it), or null.
  std::shared_ptr<wasm_instance_t> instance;
};

struct TrapObject : Object {
  TrapObject() : Object(Kind::kTrap) {}
  std::string message;  // without the terminating NUL
  kiln_trap_code code = KILN_TRAP_HOST;
  int32_t exit_code = 0;
  std::vector<FrameData> frames;
};

struct ForeignObject : Object {
  ForeignObject() : Object(Kind::kForeign) {}
};

}  // namespace kiln::capi

struct wasm_config_t {
  int opt_level = 2;
  bool fuel = false;
  bool epoch_checks = false;
  std::optional<kiln::PublicKey> required_signer;
};

struct wasm_engine_t {
  wasm_config_t config;
};

namespace kiln::capi {
struct StoreExtras;  // kiln.h state: WASI, limits, policy, timeout (Kiln.cc)
void DeleteStoreExtras(StoreExtras*);
}  // namespace kiln::capi

struct wasm_store_t {
  ~wasm_store_t() { kiln::capi::DeleteStoreExtras(extras); }
  wasm_engine_t* engine = nullptr;
  std::shared_ptr<kiln::Store> store;
  kiln::capi::StoreExtras* extras = nullptr;
  // Objects passed to Wasm as externref values (by address): Wasm holds them as plain
  // pointers, so the store keeps them alive, and only these can come back as references.
  std::unordered_map<const void*, std::shared_ptr<kiln::capi::Object>> externrefs;
  // Function objects by funcref, so that the same function comes back as the same object.
  std::unordered_map<const void*, std::weak_ptr<kiln::capi::Object>> funcs;
  // Host functions bound for use as funcref values (tables and globals hold them raw).
  std::vector<std::shared_ptr<kiln::capi::Object>> bound_host_funcs;
  // Instances by vmctx, to turn a funcref back into a function of its instance.
  std::unordered_map<const void*, std::weak_ptr<kiln::Instance>> instances;
  // The C API object of each instance, for the instance of a trap's frames.
  std::unordered_map<const kiln::Instance*, std::weak_ptr<kiln::capi::Object>> instance_objects;
  unsigned sweep_countdown = 0;
  // Artifacts of the store's modules (their per-signature stubs bind host functions).
  std::vector<std::shared_ptr<const kiln::Artifact>> artifacts;
};

struct wasm_ref_t {
  std::shared_ptr<kiln::capi::Object> obj;
  wasm_store_t* store = nullptr;
};
struct wasm_func_t : wasm_ref_t {};
struct wasm_global_t : wasm_ref_t {};
struct wasm_table_t : wasm_ref_t {};
struct wasm_memory_t : wasm_ref_t {};
struct wasm_extern_t : wasm_ref_t {};
struct wasm_instance_t : wasm_ref_t {};
struct wasm_module_t : wasm_ref_t {};
struct wasm_trap_t : wasm_ref_t {};
struct wasm_foreign_t : wasm_ref_t {};

struct wasm_shared_module_t {
  std::shared_ptr<const kiln::capi::ModuleData> data;
};

struct wasm_frame_t {
  kiln::capi::FrameData data;
};

// Types.
struct wasm_valtype_t {
  wasm_valkind_t kind;
};
struct wasm_externtype_t {
  explicit wasm_externtype_t(wasm_externkind_t k) : kind(k) {}
  virtual ~wasm_externtype_t() = default;
  wasm_externkind_t kind;
};
struct wasm_functype_t : wasm_externtype_t {
  wasm_functype_t() : wasm_externtype_t(WASM_EXTERN_FUNC) {}
  ~wasm_functype_t() override;
  wasm_valtype_vec_t params{0, nullptr};
  wasm_valtype_vec_t results{0, nullptr};
};
struct wasm_globaltype_t : wasm_externtype_t {
  wasm_globaltype_t() : wasm_externtype_t(WASM_EXTERN_GLOBAL) {}
  ~wasm_globaltype_t() override { delete content; }
  wasm_valtype_t* content = nullptr;
  wasm_mutability_t mutability = WASM_CONST;
};
struct wasm_tabletype_t : wasm_externtype_t {
  wasm_tabletype_t() : wasm_externtype_t(WASM_EXTERN_TABLE) {}
  ~wasm_tabletype_t() override { delete element; }
  wasm_valtype_t* element = nullptr;
  wasm_limits_t limits{0, 0};
};
struct wasm_memorytype_t : wasm_externtype_t {
  wasm_memorytype_t() : wasm_externtype_t(WASM_EXTERN_MEMORY) {}
  wasm_limits_t limits{0, 0};
};
struct wasm_importtype_t {
  wasm_name_t module{0, nullptr};
  wasm_name_t name{0, nullptr};
  wasm_externtype_t* type = nullptr;
};
struct wasm_exporttype_t {
  wasm_name_t name{0, nullptr};
  wasm_externtype_t* type = nullptr;
};

#endif  // KILN_CAPI_OBJECTS_H

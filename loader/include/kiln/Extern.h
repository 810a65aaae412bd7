// An external value: what an import is bound to and what an export lookup returns. A
// tagged reference to a function, table, memory or global, with the type information the
// import checks need, and shared ownership of what it refers to.
#ifndef KILN_LOADER_EXTERN_H
#define KILN_LOADER_EXTERN_H

#include <cstdint>
#include <memory>

#include "kiln/Global.h"
#include "kiln/GuardedMemory.h"
#include "kiln/HostFunction.h"
#include "kiln/Table.h"
#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

class Instance;

enum class ExternKind : uint8_t {
  kFunc = KILN_EXTERN_FUNC,
  kTable = KILN_EXTERN_TABLE,
  kMemory = KILN_EXTERN_MEMORY,
  kGlobal = KILN_EXTERN_GLOBAL,
  kTag = KILN_EXTERN_TAG,
};
const char* ExternKindName(ExternKind kind);

struct Extern {
  ExternKind kind = ExternKind::kFunc;

  // kFunc, two flavours:
  //  - a function of an instance: `funcref` (Wasm calling convention) plus the entry
  //    trampoline that lets the host call it, and the instance that owns its vmctx (nullptr
  //    when the funcref is a host function bound into some instance);
  //  - a host function not bound to any instance yet: `host_function`.
  kiln_funcref* funcref = nullptr;
  void* array_to_native = nullptr;
  Instance* callee_instance = nullptr;
  std::shared_ptr<HostFunction> host_function;
  uint32_t func_type_id = 0;  // canonical signature id (TypeRegistry)

  std::shared_ptr<Table> table;
  std::shared_ptr<GuardedMemory> memory;
  std::shared_ptr<Global> global;
  std::shared_ptr<kiln_tag> tag;  // identity of an exception tag; tag->type_id its type

  // Keeps the exporting instance (its code, vmctx, funcrefs) alive.
  std::shared_ptr<const void> owner;

  static Extern Func(std::shared_ptr<HostFunction> f);
  static Extern FromTable(std::shared_ptr<Table> t);
  static Extern FromMemory(std::shared_ptr<GuardedMemory> m);
  static Extern FromGlobal(std::shared_ptr<Global> g);
  static Extern FromTag(std::shared_ptr<kiln_tag> t);

  const FuncType& func_type() const { return TypeRegistry::Lookup(func_type_id); }
};

}  // namespace kiln

#endif  // KILN_LOADER_EXTERN_H

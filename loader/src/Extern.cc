#include "kiln/Extern.h"

namespace kiln {

const char* ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc: return "function";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
    case ExternKind::kTag: return "tag";
  }
  return "unknown";
}

Extern Extern::Func(std::shared_ptr<HostFunction> f) {
  Extern e;
  e.kind = ExternKind::kFunc;
  e.func_type_id = f->type_id();
  e.host_function = std::move(f);
  return e;
}

Extern Extern::FromTable(std::shared_ptr<Table> t) {
  Extern e;
  e.kind = ExternKind::kTable;
  e.table = std::move(t);
  return e;
}

Extern Extern::FromMemory(std::shared_ptr<GuardedMemory> m) {
  Extern e;
  e.kind = ExternKind::kMemory;
  e.memory = std::move(m);
  return e;
}

Extern Extern::FromGlobal(std::shared_ptr<Global> g) {
  Extern e;
  e.kind = ExternKind::kGlobal;
  e.global = std::move(g);
  return e;
}

Extern Extern::FromTag(std::shared_ptr<kiln_tag> t) {
  Extern e;
  e.kind = ExternKind::kTag;
  e.tag = std::move(t);
  return e;
}

}  // namespace kiln

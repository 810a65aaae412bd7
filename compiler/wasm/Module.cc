#include "kiln/wasm/Module.h"

namespace kiln::wasm {

std::string valTypeName(ValType t) {
  switch (t.code()) {
    case 0x7F: return "i32";
    case 0x7E: return "i64";
    case 0x7D: return "f32";
    case 0x7C: return "f64";
    case 0x7B: return "v128";
    default: break;
  }
  if (!t.isRef()) return "<unknown type>";
  if (t.nullable()) {
    switch (t.heap()) {
      case ValType::HeapFunc: return "funcref";
      case ValType::HeapExtern: return "externref";
      case ValType::HeapExn: return "exnref";
      case ValType::HeapNoFunc: return "nullfuncref";
      case ValType::HeapNoExtern: return "nullexternref";
      case ValType::HeapNoExn: return "nullexnref";
      default: break;
    }
  }
  std::string heap;
  switch (t.heap()) {
    case ValType::HeapFunc: heap = "func"; break;
    case ValType::HeapExtern: heap = "extern"; break;
    case ValType::HeapExn: heap = "exn"; break;
    case ValType::HeapNoFunc: heap = "nofunc"; break;
    case ValType::HeapNoExtern: heap = "noextern"; break;
    case ValType::HeapNoExn: heap = "noexn"; break;
    default: heap = "$" + std::to_string(t.heap()); break;
  }
  return std::string(t.nullable() ? "(ref null " : "(ref ") + heap + ")";
}

const char* externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    case ExternKind::Tag: return "tag";
  }
  return "<unknown kind>";
}

}  // namespace kiln::wasm

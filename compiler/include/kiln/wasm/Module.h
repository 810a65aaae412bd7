// The in-memory form of a decoded WebAssembly module, shared by the decoder, the validator
// and the lowering. Function bodies are not decoded here: they are byte ranges into
// `Module::bytes`, read instruction by instruction with `BodyReader`.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::wasm {

// A value type: a number or vector type (its binary code), or a reference type
// (ref null? heaptype) whose heap type is abstract (func, extern, exn and their bottom
// types) or a type index. Code 0 is no type (the validator's "unknown").
class ValType {
 public:
  // Abstract heap types: the binary code with this bit set; type indices are below it.
  static constexpr uint32_t kAbstract = 0x80000000u;
  enum Heap : uint32_t {
    HeapFunc = kAbstract | 0x70,
    HeapExtern = kAbstract | 0x6F,
    HeapExn = kAbstract | 0x69,
    HeapNoFunc = kAbstract | 0x73,
    HeapNoExtern = kAbstract | 0x72,
    HeapNoExn = kAbstract | 0x74,
  };
  static constexpr uint8_t kRef = 0x64;      // (ref ht)
  static constexpr uint8_t kRefNull = 0x63;  // (ref null ht)

  constexpr ValType() = default;
  constexpr explicit ValType(uint8_t code, uint32_t heap = 0) : code_(code), heap_(heap) {}
  static constexpr ValType ref(uint32_t heap, bool nullable) {
    return ValType(nullable ? kRefNull : kRef, heap);
  }
  // A one-byte value type of the binary format (numbers, v128, the reference shorthands
  // funcref, externref, exnref, nullfuncref, nullexternref, nullexnref).
  static constexpr std::optional<ValType> fromByte(uint8_t b) {
    switch (b) {
      case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: return ValType(b);
      case 0x70: case 0x6F: case 0x69: case 0x73: case 0x72: case 0x74:
        return ref(kAbstract | b, true);
      default: return std::nullopt;
    }
  }

  constexpr uint8_t code() const { return code_; }
  constexpr uint32_t heap() const { return heap_; }
  constexpr bool isRef() const { return code_ == kRef || code_ == kRefNull; }
  constexpr bool nullable() const { return code_ == kRefNull; }
  constexpr bool isNum() const { return code_ >= 0x7C && code_ <= 0x7F; }
  // The code the descriptor and the loader use: the type itself for numbers and v128; for
  // references the abstract family (funcref 0x70, externref 0x6F, exnref 0x69).
  constexpr uint8_t abiCode() const {
    if (!isRef()) return code_;
    if (heap_ == HeapExtern || heap_ == HeapNoExtern) return 0x6F;
    if (heap_ == HeapExn || heap_ == HeapNoExn) return 0x69;
    return 0x70;
  }
  constexpr bool operator==(const ValType&) const = default;
  constexpr auto operator<=>(const ValType&) const = default;

  static const ValType I32, I64, F32, F64, V128, FuncRef, ExternRef, ExnRef;

 private:
  uint8_t code_ = 0;
  uint32_t heap_ = 0;
};
inline constexpr ValType ValType::I32{0x7F};
inline constexpr ValType ValType::I64{0x7E};
inline constexpr ValType ValType::F32{0x7D};
inline constexpr ValType ValType::F64{0x7C};
inline constexpr ValType ValType::V128{0x7B};
inline constexpr ValType ValType::FuncRef{ValType::kRefNull, ValType::HeapFunc};
inline constexpr ValType ValType::ExternRef{ValType::kRefNull, ValType::HeapExtern};
inline constexpr ValType ValType::ExnRef{ValType::kRefNull, ValType::HeapExn};

// "i32", "funcref", "(ref null $3)", ...
std::string valTypeName(ValType t);
inline bool isRefType(ValType t) { return t.isRef(); }
inline bool isNumType(ValType t) { return t.isNum(); }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

// Where a type sits in the type section's recursion groups (3.0): types of one group may
// refer to each other, and a type's identity includes its whole group and its position.
// A plain `(type (func ...))` is a group of one final type.
struct TypeGroup {
  uint32_t start = 0;  // index of the group's first type
  uint32_t size = 1;
  bool final = true;   // this type is final (no subtypes may be declared)
  bool operator==(const TypeGroup&) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool is64 = false;    // memory64 / table64 (index type i64)
  bool shared = false;  // threads proposal
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;
};

struct GlobalType {
  ValType type = ValType::I32;
  bool mut = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3, Tag = 4 };
const char* externKindName(ExternKind k);

// A constant expression: the raw instruction bytes including the final `end` (0x0B), and
// the file offset where they start (for error messages).
struct ConstExpr {
  std::vector<uint8_t> bytes;
  uint32_t offset = 0;
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t funcType = 0;  // kind == Func: type index
  TableType table;        // kind == Table
  MemoryType memory;      // kind == Memory
  GlobalType global;      // kind == Global
  uint32_t tagType = 0;   // kind == Tag: type index (a function type without results)
};

// A function defined in this module (not imported).
struct Function {
  uint32_t typeIndex = 0;
  std::vector<ValType> locals;  // declared locals only (params not included), expanded
  uint32_t bodyStart = 0;       // file offset of the first instruction
  uint32_t bodyEnd = 0;         // file offset one past the final `end`
  uint32_t codeEntryOffset = 0; // file offset of the body's size field (for messages)
};

struct Table {
  TableType type;
  std::optional<ConstExpr> init;  // table with an explicit init expression (3.0)
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t table = 0;
  ConstExpr offset;               // active only
  ValType type = ValType::FuncRef;
  std::vector<ConstExpr> items;   // every item as a constant expression
                                  // (func-index forms are converted to `ref.func i end`)
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t memory = 0;
  ConstExpr offset;               // active only
  uint32_t dataStart = 0;         // file offset of the bytes in Module::bytes
  uint32_t dataSize = 0;
};

struct CustomSection {
  std::string name;
  uint32_t start = 0;  // file offset of the payload (after the name)
  uint32_t size = 0;
};

struct Names {
  std::optional<std::string> module;
  std::map<uint32_t, std::string> functions;  // function index -> name
  std::map<uint32_t, std::map<uint32_t, std::string>> locals;
};

// File offsets of declarations, for error messages. Each vector runs parallel to the index
// space or list of the same name in Module (imports first where the space has imports).
struct DeclOffsets {
  std::vector<uint32_t> types;     // each type's entry in the type section
  std::vector<uint32_t> imports;   // each import entry
  std::vector<uint32_t> funcs;     // each function: its import or function-section entry
  std::vector<uint32_t> tables;    // each table: its import or table-section entry
  std::vector<uint32_t> memories;  // each memory: its import or memory-section entry
  std::vector<uint32_t> globals;   // each global: its import or global-section entry
  std::vector<uint32_t> exports;   // each export entry
  std::vector<uint32_t> elems;     // each element segment
  std::vector<uint32_t> datas;     // each data segment
  std::vector<uint32_t> tags;      // each tag: its import or tag-section entry
  uint32_t start = 0;              // the start section's function index
};

struct Module {
  std::vector<uint8_t> bytes;  // the whole binary; offsets above point into it

  std::vector<FuncType> types;
  std::vector<TypeGroup> typeGroups;  // parallel to `types`
  std::vector<Import> imports;

  // Index spaces. Each covers imports first, then definitions, as in the spec.
  std::vector<uint32_t> funcTypes;   // type index of every function (imported + defined)
  std::vector<TableType> tables;     // every table
  std::vector<MemoryType> memories;  // every memory
  std::vector<GlobalType> globals;   // every global
  std::vector<uint32_t> tags;        // every tag: its type index
  uint32_t numImportedFuncs = 0;
  uint32_t numImportedTables = 0;
  uint32_t numImportedMemories = 0;
  uint32_t numImportedGlobals = 0;
  uint32_t numImportedTags = 0;

  // Definitions (index = space index - numImportedX).
  std::vector<Function> functions;
  std::vector<Table> definedTables;
  std::vector<Global> definedGlobals;

  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> dataCount;
  std::vector<CustomSection> customSections;
  Names names;
  std::optional<std::string> nameSectionProblem;  // why the `name` section was ignored
  DeclOffsets offsets;

  const FuncType& funcType(uint32_t funcIndex) const { return types[funcTypes[funcIndex]]; }
  TypeGroup group(uint32_t typeIndex) const {
    return typeIndex < typeGroups.size() ? typeGroups[typeIndex] : TypeGroup{typeIndex, 1, true};
  }
  bool isImportedFunc(uint32_t funcIndex) const { return funcIndex < numImportedFuncs; }
};

}  // namespace kiln::wasm

// The in-memory form of a decoded WebAssembly module, shared by the decoder, the validator
// and the lowering. Function bodies are not decoded here: they are byte ranges into
// `Module::bytes`, read instruction by instruction with `BodyReader`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::wasm {

// Value types, encoded as in the binary format.
enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
  ExnRef = 0x69,  // exception handling: (ref null exn)
};

const char* valTypeName(ValType t);
inline bool isRefType(ValType t) {
  return t == ValType::FuncRef || t == ValType::ExternRef || t == ValType::ExnRef;
}
inline bool isNumType(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64;
}

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
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
  bool isImportedFunc(uint32_t funcIndex) const { return funcIndex < numImportedFuncs; }
};

}  // namespace kiln::wasm

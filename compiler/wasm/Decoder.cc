// The binary decoder. One ModuleDecoder reads one module: the header, then every section
// through a BodyReader bounded to that section, so reading past a section's end is
// "unexpected end of section or function" and a section that stops early is "section size
// mismatch". Function bodies and constant expressions are walked instruction by
// instruction with InstructionReader to check their encoding and block structure.
#include "kiln/wasm/Decoder.h"

#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "kiln/wasm/BodyReader.h"
#include "kiln/wasm/Instruction.h"
#include "kiln/wasm/Opcodes.h"
#include "kiln/wasm/Utf8.h"

namespace kiln::wasm {
namespace {

enum SectionId : uint8_t {
  kCustom = 0, kType = 1, kImport = 2, kFunction = 3, kTable = 4, kMemory = 5, kGlobal = 6,
  kExport = 7, kStart = 8, kElement = 9, kCode = 10, kData = 11, kDataCount = 12, kTag = 13,
};

// Where a non-custom section must come in the module (the tag section sits between memory
// and global, the data count section between element and code).
int sectionRank(uint8_t id) {
  switch (id) {
    case kTag: return 6;
    case kDataCount: return 11;
    case kCode: return 12;
    case kData: return 13;
    default: return id <= kMemory ? id : id + 1;  // type (1) .. memory (5), global .. element
  }
}

const char* sectionName(uint8_t id) {
  static const char* const names[] = {"custom", "type",  "import", "function", "table",
                                      "memory", "global", "export", "start",    "element",
                                      "code",   "data",  "data count", "tag"};
  return id <= kTag ? names[id] : "unknown";
}

void appendUleb(std::vector<uint8_t>& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}

class ModuleDecoder {
 public:
  ModuleDecoder(std::vector<uint8_t> bytes, const Features& features) : features_(features) {
    m_.bytes = std::move(bytes);
  }

  absl::StatusOr<Module> run();

 private:
  const uint8_t* data() const { return m_.bytes.data(); }

  absl::Status malformed(size_t offset, std::string_view msg) const {
    return absl::InvalidArgumentError(
        absl::StrFormat("malformed module at byte 0x%x: %s", offset, msg));
  }
  absl::Status errorFrom(const BodyReader& r) const;

  bool section(uint8_t id, BodyReader& r);
  bool typeSection(BodyReader& r);
  bool importSection(BodyReader& r);
  bool functionSection(BodyReader& r);
  bool tableSection(BodyReader& r);
  bool memorySection(BodyReader& r);
  bool globalSection(BodyReader& r);
  bool exportSection(BodyReader& r);
  bool tagSection(BodyReader& r);
  bool funcTypeEntry(BodyReader& r, bool& final);
  bool tagType(BodyReader& r, uint32_t& typeIndex);
  bool startSection(BodyReader& r);
  bool elementSection(BodyReader& r);
  bool dataCountSection(BodyReader& r);
  bool codeSection(BodyReader& r);
  bool dataSection(BodyReader& r);
  bool customSection(BodyReader& r);

  std::optional<ValType> valType(BodyReader& r);
  std::optional<ValType> refType(BodyReader& r);
  bool name(BodyReader& r, std::string& out);
  bool limits(BodyReader& r, Limits& out);
  bool tableType(BodyReader& r, TableType& out);
  bool globalType(BodyReader& r, GlobalType& out);
  bool constExpr(BodyReader& r, ConstExpr& out);
  bool expression(BodyReader& r, bool isFunctionBody);
  bool functionBody(BodyReader& r, Function& f);
  void nameSection(size_t begin, size_t end);

  const Features& features_;
  Module m_;
  bool unsupported_ = false;     // the error is an unsupported feature, not malformed input
  bool sawCodeSection_ = false;
  bool sawDataSection_ = false;
  bool sawNameSection_ = false;
  // Count mismatches are reported after all sections were read, as the spec interpreter
  // does (so e.g. a duplicated section is reported as such first).
  std::optional<std::pair<size_t, std::string>> pendingCountError_;
  uint64_t moduleLocals_ = 0;     // declared locals of all bodies so far
  Instruction ins_;               // scratch for expression walks
  std::vector<uint8_t> openBlocks_;
};

absl::Status ModuleDecoder::errorFrom(const BodyReader& r) const {
  std::string msg = r.error();
  if (msg == "unexpected end") msg = "unexpected end of section or function";
  if (msg.starts_with("implementation limit exceeded")) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unsupported module at byte 0x%x: %s", r.errorOffset(), msg));
  }
  if (unsupported_) {
    return absl::UnimplementedError(
        absl::StrFormat("unsupported feature at byte 0x%x: %s", r.errorOffset(), msg));
  }
  return malformed(r.errorOffset(), msg);
}

absl::StatusOr<Module> ModuleDecoder::run() {
  const std::vector<uint8_t>& bytes = m_.bytes;
  if (bytes.size() > UINT32_MAX) return malformed(0, "module too large (more than 4 GiB)");
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
  if (bytes.size() < 4) return malformed(bytes.size(), "unexpected end");
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) return malformed(0, "magic header not detected");
  if (bytes.size() < 8) return malformed(bytes.size(), "unexpected end");
  uint32_t version;
  std::memcpy(&version, bytes.data() + 4, 4);
  if (version != 1) {
    // The component model shares the magic and puts a layer number in the version's high
    // half (layer 1, version 0x0d for the current draft): name it, rather than only saying
    // the version is unknown.
    const uint16_t layer = static_cast<uint16_t>(bytes[6] | (bytes[7] << 8));
    if (layer == 1) {
      return malformed(4, absl::StrFormat(
                              "unknown binary version: this is a WebAssembly component "
                              "(component model, version 0x%x), not a core module; kiln "
                              "compiles core WebAssembly modules",
                              bytes[4] | (bytes[5] << 8)));
    }
    return malformed(4, "unknown binary version");
  }

  BodyReader top(data(), 8, bytes.size());
  int lastRank = 0;
  while (!top.atEnd()) {
    const size_t sectionStart = top.pos();
    const uint8_t id = top.u8();
    if (id > kDataCount && !(id == kTag && features_.exceptions)) {
      return malformed(sectionStart, "malformed section id");
    }
    const uint32_t size = top.u32();
    if (top.failed()) return malformed(top.errorOffset(), top.error());
    if (size > top.end() - top.pos()) {
      return malformed(sectionStart, absl::StrFormat("length out of bounds: %s section of %u "
                                                     "bytes, but only %u bytes remain",
                                                     sectionName(id), size,
                                                     top.end() - top.pos()));
    }
    if (id != kCustom) {
      int rank = sectionRank(id);
      if (rank <= lastRank) {
        return malformed(sectionStart,
                         absl::StrFormat("unexpected content after last section (%s section "
                                         "duplicated or out of order)", sectionName(id)));
      }
      lastRank = rank;
    }
    const size_t payloadEnd = top.pos() + size;
    BodyReader r(data(), top.pos(), payloadEnd);
    if (!section(id, r)) return errorFrom(r);
    if (!r.atEnd()) {
      return malformed(r.pos(), absl::StrFormat("section size mismatch: %s section declares "
                                                "%u bytes but its content ends after %u",
                                                sectionName(id), size,
                                                r.pos() - (payloadEnd - size)));
    }
    top.seek(payloadEnd);
  }

  if (pendingCountError_) return malformed(pendingCountError_->first, pendingCountError_->second);
  if (!sawCodeSection_ && !m_.functions.empty()) {
    return malformed(bytes.size(), "function and code section have inconsistent lengths");
  }
  if (!sawDataSection_ && m_.dataCount && *m_.dataCount != 0) {
    return malformed(bytes.size(), "data count and data section have inconsistent lengths");
  }
  return std::move(m_);
}

bool ModuleDecoder::section(uint8_t id, BodyReader& r) {
  switch (id) {
    case kCustom: return customSection(r);
    case kType: return typeSection(r);
    case kImport: return importSection(r);
    case kFunction: return functionSection(r);
    case kTable: return tableSection(r);
    case kMemory: return memorySection(r);
    case kGlobal: return globalSection(r);
    case kExport: return exportSection(r);
    case kStart: return startSection(r);
    case kElement: return elementSection(r);
    case kCode: return codeSection(r);
    case kData: return dataSection(r);
    case kDataCount: return dataCountSection(r);
    case kTag: return tagSection(r);
  }
  return false;
}

// ---- Shared pieces -------------------------------------------------------------------

std::optional<ValType> ModuleDecoder::valType(BodyReader& r) {
  InstructionReader ir(r, features_);
  auto t = ir.valType();
  if (ir.unsupported()) unsupported_ = true;
  return t;
}

std::optional<ValType> ModuleDecoder::refType(BodyReader& r) {
  InstructionReader ir(r, features_);
  auto t = ir.refType();
  if (ir.unsupported()) unsupported_ = true;
  return t;
}

bool ModuleDecoder::name(BodyReader& r, std::string& out) {
  const size_t at = r.pos();
  const uint32_t len = r.u32();
  if (r.failed()) return false;
  if (len > r.end() - r.pos()) {
    r.failAt(at, "length out of bounds");
    return false;
  }
  const uint8_t* p = r.bytes(len);
  if (!isValidUtf8(p, len)) {
    r.failAt(at, "malformed UTF-8 encoding");
    return false;
  }
  out.assign(reinterpret_cast<const char*>(p), len);
  return true;
}

// Limits flags: a one-byte LEB128, 0 = min only, 1 = min and max (+4 for i64 indices).
bool ModuleDecoder::limits(BodyReader& r, Limits& out) {
  const size_t at = r.pos();
  const uint8_t flags = r.u8();
  if (r.failed()) return false;
  if (flags & 0x80) {
    r.failAt(at, "integer representation too long");
    return false;
  }
  // Bit 0: a maximum follows; bit 2 (memory64/table64): the index type is i64 and the
  // bounds are u64.
  const bool ok = flags <= 1 || (features_.memory64 && (flags == 4 || flags == 5));
  if (!ok) {
    r.failAt(at, absl::StrFormat("integer too large: malformed limits flags 0x%02x", flags));
    return false;
  }
  out.is64 = (flags & 4) != 0;
  out.min = out.is64 ? r.u64() : r.u32();
  if (flags & 1) out.max = out.is64 ? r.u64() : r.u32();
  return !r.failed();
}

bool ModuleDecoder::tableType(BodyReader& r, TableType& out) {
  auto t = refType(r);
  if (!t) return false;
  out.elem = *t;
  return limits(r, out.limits);
}

bool ModuleDecoder::globalType(BodyReader& r, GlobalType& out) {
  auto t = valType(r);
  if (!t) return false;
  out.type = *t;
  const size_t at = r.pos();
  const uint8_t mut = r.u8();
  if (r.failed()) return false;
  if (mut > 1) {
    r.failAt(at, "malformed mutability");
    return false;
  }
  out.mut = mut == 1;
  return true;
}

bool ModuleDecoder::constExpr(BodyReader& r, ConstExpr& out) {
  const size_t start = r.pos();
  if (!expression(r, /*isFunctionBody=*/false)) return false;
  out.offset = static_cast<uint32_t>(start);
  out.bytes.assign(data() + start, data() + r.pos());
  return true;
}

// Walks one expression up to and including the `end` that closes it, checking the
// instruction encoding and that else/end nest properly.
bool ModuleDecoder::expression(BodyReader& r, bool isFunctionBody) {
  InstructionReader ir(r, features_);
  openBlocks_.clear();
  for (;;) {
    if (!ir.next(ins_)) {
      if (ir.unsupported()) unsupported_ = true;
      return false;
    }
    switch (ins_.opcode) {
      case op::Block: case op::Loop: case op::If: case op::TryTable:
        openBlocks_.push_back(ins_.opcode);
        break;
      case op::Else:
        if (openBlocks_.empty() || openBlocks_.back() != op::If) {
          r.failAt(ins_.offset, "END opcode expected (else without a matching if)");
          return false;
        }
        openBlocks_.back() = op::Else;
        break;
      case op::End:
        if (openBlocks_.empty()) return true;
        openBlocks_.pop_back();
        break;
      case op::PrefixFC:
        if (isFunctionBody && !m_.dataCount &&
            (ins_.subOpcode == op::MemoryInit || ins_.subOpcode == op::DataDrop)) {
          r.failAt(ins_.offset, "data count section required");
          return false;
        }
        break;
      default:
        break;
    }
  }
}

// ---- Sections ------------------------------------------------------------------------

bool ModuleDecoder::typeSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    // 3.0: a recursion group (0x4E vec(subtype)) or a single type.
    uint32_t members = 1;
    const uint32_t start = static_cast<uint32_t>(m_.types.size());
    if (features_.functionReferences && r.peek() == 0x4E) {
      r.u8();
      members = r.u32();
      if (r.failed()) return false;
      if (members > r.end() - r.pos()) {
        r.fail("unexpected end");
        return false;
      }
    }
    for (uint32_t k = 0; k < members && !r.failed(); ++k) {
      TypeGroup g;
      g.start = start;
      if (!funcTypeEntry(r, g.final)) return false;
      m_.typeGroups.push_back(g);
    }
    for (uint32_t k = start; k < m_.types.size(); ++k) m_.typeGroups[k].size = members;
  }
  return !r.failed();
}

// One subtype of the type section: `sub final? (supertypes) comptype` or a bare function
// type. Declared supertypes and struct/array types belong to GC.
bool ModuleDecoder::funcTypeEntry(BodyReader& r, bool& final) {
  {
    const size_t at = r.pos();
    m_.offsets.types.push_back(static_cast<uint32_t>(at));
    uint8_t form = r.peek();
    final = true;
    if (features_.functionReferences && (form == 0x50 || form == 0x4F)) {
      r.u8();
      final = form == 0x4F;
      const uint32_t supers = r.u32();
      if (r.failed()) return false;
      if (supers != 0) {
        unsupported_ = true;
        r.failAt(at, "declared supertypes (GC subtyping) are not supported");
        return false;
      }
    }
    const size_t formAt = r.pos();
    form = r.u8();
    if (r.failed()) return false;
    if (features_.functionReferences && (form == 0x5F || form == 0x5E)) {
      unsupported_ = true;
      r.failAt(formAt, "struct and array types (GC) are not supported");
      return false;
    }
    if (form != 0x60) {
      r.failAt(formAt, absl::StrFormat("malformed function type: form 0x%02x, expected 0x60", form));
      return false;
    }
    FuncType ft;
    for (auto* list : {&ft.params, &ft.results}) {
      const size_t countAt = r.pos();
      const uint32_t count = r.u32();
      const bool params = list == &ft.params;
      const uint32_t limit = params ? kMaxFunctionParams : kMaxFunctionResults;
      if (!r.failed() && count > limit) {
        r.failAt(countAt, absl::StrFormat("implementation limit exceeded: function type with "
                                          "%u %s, at most %u supported",
                                          count, params ? "parameters" : "results", limit));
        return false;
      }
      for (uint32_t k = 0; k < count && !r.failed(); ++k) {
        auto t = valType(r);
        if (!t) return false;
        list->push_back(*t);
      }
    }
    m_.types.push_back(std::move(ft));
  }
  return !r.failed();
}

bool ModuleDecoder::importSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    Import imp;
    if (!name(r, imp.module) || !name(r, imp.name)) return false;
    const size_t kindAt = r.pos();
    const uint8_t kind = r.u8();
    if (r.failed()) return false;
    switch (kind) {
      case 0:
        imp.kind = ExternKind::Func;
        imp.funcType = r.u32();
        m_.funcTypes.push_back(imp.funcType);
        m_.offsets.funcs.push_back(at);
        ++m_.numImportedFuncs;
        break;
      case 1:
        imp.kind = ExternKind::Table;
        if (!tableType(r, imp.table)) return false;
        m_.tables.push_back(imp.table);
        m_.offsets.tables.push_back(at);
        ++m_.numImportedTables;
        break;
      case 2:
        imp.kind = ExternKind::Memory;
        if (!limits(r, imp.memory.limits)) return false;
        m_.memories.push_back(imp.memory);
        m_.offsets.memories.push_back(at);
        ++m_.numImportedMemories;
        break;
      case 3:
        imp.kind = ExternKind::Global;
        if (!globalType(r, imp.global)) return false;
        m_.globals.push_back(imp.global);
        m_.offsets.globals.push_back(at);
        ++m_.numImportedGlobals;
        break;
      case 4:
        if (!features_.exceptions) {
          r.failAt(kindAt, "malformed import kind 0x04");
          return false;
        }
        imp.kind = ExternKind::Tag;
        if (!tagType(r, imp.tagType)) return false;
        m_.tags.push_back(imp.tagType);
        m_.offsets.tags.push_back(at);
        ++m_.numImportedTags;
        break;
      default:
        r.failAt(kindAt, absl::StrFormat("malformed import kind 0x%02x", kind));
        return false;
    }
    m_.imports.push_back(std::move(imp));
    m_.offsets.imports.push_back(at);
  }
  return !r.failed();
}

bool ModuleDecoder::functionSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    Function f;
    f.typeIndex = r.u32();
    if (r.failed()) return false;
    m_.funcTypes.push_back(f.typeIndex);
    m_.offsets.funcs.push_back(at);
    m_.functions.push_back(std::move(f));
  }
  return !r.failed();
}

bool ModuleDecoder::tableSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    Table t;
    if (features_.functionReferences && r.peek() == 0x40) {
      // 3.0: 0x40 0x00 tabletype expr, a table with an initialiser for every element.
      r.u8();
      const size_t zeroAt = r.pos();
      if (r.u8() != 0x00) {
        r.failAt(zeroAt, "malformed table: expected 0x00 after 0x40");
        return false;
      }
      t.init.emplace();
      if (!tableType(r, t.type) || !constExpr(r, *t.init)) return false;
    } else if (!tableType(r, t.type)) {
      return false;
    }
    m_.tables.push_back(t.type);
    m_.offsets.tables.push_back(at);
    m_.definedTables.push_back(std::move(t));
  }
  return !r.failed();
}

bool ModuleDecoder::memorySection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    MemoryType mt;
    if (!limits(r, mt.limits)) return false;
    m_.memories.push_back(mt);
    m_.offsets.memories.push_back(at);
  }
  return !r.failed();
}

bool ModuleDecoder::globalSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    Global g;
    if (!globalType(r, g.type) || !constExpr(r, g.init)) return false;
    m_.globals.push_back(g.type);
    m_.offsets.globals.push_back(at);
    m_.definedGlobals.push_back(std::move(g));
  }
  return !r.failed();
}

bool ModuleDecoder::exportSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    Export e;
    if (!name(r, e.name)) return false;
    const size_t kindAt = r.pos();
    const uint8_t kind = r.u8();
    if (r.failed()) return false;
    if (kind > 4 || (kind == 4 && !features_.exceptions)) {
      r.failAt(kindAt, absl::StrFormat("malformed export kind 0x%02x", kind));
      return false;
    }
    e.kind = static_cast<ExternKind>(kind);
    e.index = r.u32();
    m_.exports.push_back(std::move(e));
    m_.offsets.exports.push_back(at);
  }
  return !r.failed();
}

// A tag type: attribute 0x00 (exception), then the index of its function type.
bool ModuleDecoder::tagType(BodyReader& r, uint32_t& typeIndex) {
  const size_t at = r.pos();
  const uint8_t attribute = r.u8();
  if (r.failed()) return false;
  if (attribute != 0) {
    r.failAt(at, absl::StrFormat("malformed tag attribute 0x%02x", attribute));
    return false;
  }
  typeIndex = r.u32();
  return !r.failed();
}

bool ModuleDecoder::tagSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const uint32_t at = static_cast<uint32_t>(r.pos());
    uint32_t type = 0;
    if (!tagType(r, type)) return false;
    m_.tags.push_back(type);
    m_.offsets.tags.push_back(at);
  }
  return !r.failed();
}

bool ModuleDecoder::startSection(BodyReader& r) {
  m_.offsets.start = static_cast<uint32_t>(r.pos());
  m_.start = r.u32();
  return !r.failed();
}

// The eight element segment encodings, by flag bits: bit 0 = passive or declarative,
// bit 1 = explicit table index (active) / declarative (otherwise), bit 2 = items are
// expressions rather than function indices.
bool ModuleDecoder::elementSection(BodyReader& r) {
  const uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const size_t at = r.pos();
    const uint32_t flags = r.u32();
    if (r.failed()) return false;
    if (flags > 7) {
      r.failAt(at, absl::StrFormat("malformed elements segment kind %u", flags));
      return false;
    }
    ElemSegment seg;
    const bool usesExprs = flags & 4;
    if (!(flags & 1)) {
      seg.mode = SegmentMode::Active;
      if (flags & 2) seg.table = r.u32();
      if (!constExpr(r, seg.offset)) return false;
    } else {
      seg.mode = (flags & 2) ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    if (flags & 3) {  // an explicit element type
      if (usesExprs) {
        auto t = refType(r);
        if (!t) return false;
        seg.type = *t;
      } else {
        const size_t kindAt = r.pos();
        const uint8_t kind = r.u8();
        if (r.failed()) return false;
        if (kind != 0x00) {
          r.failAt(kindAt, absl::StrFormat("malformed element kind 0x%02x", kind));
          return false;
        }
        seg.type = ValType::FuncRef;
      }
    }
    // 3.0: a vector of function indices holds non-null references, (ref func).
    if (!usesExprs && features_.functionReferences) {
      seg.type = ValType::ref(ValType::HeapFunc, /*nullable=*/false);
    }
    const uint32_t count = r.u32();
    for (uint32_t k = 0; k < count && !r.failed(); ++k) {
      ConstExpr item;
      if (usesExprs) {
        if (!constExpr(r, item)) return false;
      } else {
        item.offset = static_cast<uint32_t>(r.pos());
        const uint32_t func = r.u32();
        if (r.failed()) return false;
        item.bytes.push_back(op::RefFunc);
        appendUleb(item.bytes, func);
        item.bytes.push_back(op::End);
      }
      seg.items.push_back(std::move(item));
    }
    m_.elems.push_back(std::move(seg));
    m_.offsets.elems.push_back(static_cast<uint32_t>(at));
  }
  return !r.failed();
}

bool ModuleDecoder::dataCountSection(BodyReader& r) {
  m_.dataCount = r.u32();
  return !r.failed();
}

bool ModuleDecoder::codeSection(BodyReader& r) {
  sawCodeSection_ = true;
  const size_t at = r.pos();
  const uint32_t n = r.u32();
  if (r.failed()) return false;
  std::vector<Function> bodies;
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    Function f;
    if (!functionBody(r, f)) return false;
    bodies.push_back(std::move(f));
  }
  if (r.failed()) return false;
  if (n != m_.functions.size()) {
    if (!pendingCountError_) {
      pendingCountError_.emplace(at, absl::StrFormat("function and code section have "
                                                     "inconsistent lengths (%u functions "
                                                     "declared, %u bodies)",
                                                     m_.functions.size(), n));
    }
    return true;
  }
  for (uint32_t i = 0; i < n; ++i) {
    bodies[i].typeIndex = m_.functions[i].typeIndex;
    m_.functions[i] = std::move(bodies[i]);
  }
  return true;
}

bool ModuleDecoder::functionBody(BodyReader& r, Function& f) {
  f.codeEntryOffset = static_cast<uint32_t>(r.pos());
  const uint32_t size = r.u32();
  if (r.failed()) return false;
  if (size > r.end() - r.pos()) {
    r.failAt(f.codeEntryOffset, "length out of bounds: function body extends past the end "
                                "of the code section");
    return false;
  }
  const size_t end = r.pos() + size;
  BodyReader b(data(), r.pos(), end);
  const uint32_t groups = b.u32();
  uint64_t total = 0;
  for (uint32_t g = 0; g < groups && !b.failed(); ++g) {
    const size_t groupAt = b.pos();
    const uint32_t count = b.u32();
    auto t = valType(b);
    if (!t) break;
    total += count;
    if (total > kMaxFunctionLocals) {
      b.failAt(groupAt, absl::StrFormat("too many locals: more than %u declared",
                                        kMaxFunctionLocals));
      break;
    }
    moduleLocals_ += count;
    if (moduleLocals_ > kMaxModuleLocals) {
      b.failAt(groupAt, absl::StrFormat("implementation limit exceeded: more than %u locals "
                                        "declared in the whole module",
                                        kMaxModuleLocals));
      break;
    }
    f.locals.insert(f.locals.end(), count, *t);
  }
  if (!b.failed()) {
    f.bodyStart = static_cast<uint32_t>(b.pos());
    if (expression(b, /*isFunctionBody=*/true)) {
      f.bodyEnd = static_cast<uint32_t>(b.pos());
      if (!b.atEnd()) {
        b.failAt(b.pos(), "section size mismatch: function body continues after its final "
                          "end");
      }
    }
  }
  if (b.failed()) {
    if (b.error() == "unexpected end" && b.errorOffset() == end) {
      r.failAt(end, "unexpected end of section or function: END opcode expected at the end "
                    "of the function body");
    } else {
      r.failAt(b.errorOffset(), b.error());
    }
    return false;
  }
  r.seek(end);
  return true;
}

bool ModuleDecoder::dataSection(BodyReader& r) {
  sawDataSection_ = true;
  const size_t at = r.pos();
  const uint32_t n = r.u32();
  if (r.failed()) return false;
  if (m_.dataCount && *m_.dataCount != n && !pendingCountError_) {
    pendingCountError_.emplace(at, absl::StrFormat("data count and data section have "
                                                   "inconsistent lengths (data count %u, %u "
                                                   "segments)",
                                                   *m_.dataCount, n));
  }
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const size_t segAt = r.pos();
    const uint32_t flags = r.u32();
    if (r.failed()) return false;
    DataSegment seg;
    switch (flags) {
      case 0:
        seg.mode = SegmentMode::Active;
        if (!constExpr(r, seg.offset)) return false;
        break;
      case 1:
        seg.mode = SegmentMode::Passive;
        break;
      case 2:
        seg.mode = SegmentMode::Active;
        seg.memory = r.u32();
        if (!constExpr(r, seg.offset)) return false;
        break;
      default:
        r.failAt(segAt, absl::StrFormat("malformed data segment kind %u", flags));
        return false;
    }
    seg.dataSize = r.u32();
    seg.dataStart = static_cast<uint32_t>(r.pos());
    if (!r.bytes(seg.dataSize)) return false;
    m_.datas.push_back(seg);
    m_.offsets.datas.push_back(static_cast<uint32_t>(segAt));
  }
  return !r.failed();
}

bool ModuleDecoder::customSection(BodyReader& r) {
  CustomSection cs;
  if (!name(r, cs.name)) return false;
  cs.start = static_cast<uint32_t>(r.pos());
  cs.size = static_cast<uint32_t>(r.end() - r.pos());
  if (cs.name == "name") nameSection(cs.start, cs.start + cs.size);
  m_.customSections.push_back(std::move(cs));
  r.seek(r.end());
  return true;
}

// ---- The `name` custom section ------------------------------------------------------
// Subsections: 0 module name, 1 function names, 2 local names; others are skipped. Any
// error drops the whole section (the module stays valid) and is noted in
// Module::nameSectionProblem.

bool readNameMap(BodyReader& r, std::map<uint32_t, std::string>& out) {
  const uint32_t n = r.u32();
  std::optional<uint32_t> last;
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    const size_t at = r.pos();
    const uint32_t index = r.u32();
    const uint32_t len = r.u32();
    if (r.failed()) return false;
    if (last && index <= *last) {
      r.failAt(at, "name map indices not in increasing order");
      return false;
    }
    last = index;
    const uint8_t* p = r.bytes(len);
    if (!p) return false;
    if (!isValidUtf8(p, len)) {
      r.failAt(at, "malformed UTF-8 encoding");
      return false;
    }
    out.emplace(index, std::string(reinterpret_cast<const char*>(p), len));
  }
  return !r.failed();
}

void ModuleDecoder::nameSection(size_t begin, size_t end) {
  if (sawNameSection_) {
    m_.nameSectionProblem = "a second name section was ignored";
    return;
  }
  sawNameSection_ = true;
  BodyReader r(data(), begin, end);
  Names names;
  int lastId = -1;
  while (!r.atEnd() && !r.failed()) {
    const size_t at = r.pos();
    const uint8_t id = r.u8();
    const uint32_t size = r.u32();
    if (r.failed()) break;
    if (size > r.end() - r.pos()) {
      r.failAt(at, "subsection size out of bounds");
      break;
    }
    if (static_cast<int>(id) <= lastId) {
      r.failAt(at, "subsection out of order or duplicated");
      break;
    }
    lastId = id;
    BodyReader s(data(), r.pos(), r.pos() + size);
    switch (id) {
      case 0: {
        const uint32_t len = s.u32();
        const uint8_t* p = s.bytes(len);
        if (p && !isValidUtf8(p, len)) s.failAt(at, "malformed UTF-8 encoding");
        if (!s.failed()) names.module = std::string(reinterpret_cast<const char*>(p), len);
        break;
      }
      case 1:
        readNameMap(s, names.functions);
        break;
      case 2: {
        const uint32_t n = s.u32();
        std::optional<uint32_t> last;
        for (uint32_t i = 0; i < n && !s.failed(); ++i) {
          const size_t funcAt = s.pos();
          const uint32_t func = s.u32();
          if (s.failed()) break;
          if (last && func <= *last) {
            s.failAt(funcAt, "local name map not in increasing function order");
            break;
          }
          last = func;
          readNameMap(s, names.locals[func]);
        }
        break;
      }
      default:
        s.seek(s.end());  // extended-name-section subsections: not used
        break;
    }
    if (!s.failed() && !s.atEnd()) s.failAt(s.pos(), "subsection size mismatch");
    if (s.failed()) {
      r.failAt(s.errorOffset(), s.error());
      break;
    }
    r.seek(s.end());
  }
  if (r.failed()) {
    m_.nameSectionProblem = absl::StrFormat("name section ignored: malformed at byte 0x%x: %s",
                                            r.errorOffset(), r.error());
    return;
  }
  m_.names = std::move(names);
}

}  // namespace

absl::StatusOr<Module> decodeModule(std::vector<uint8_t> bytes, const Features& features) {
  if (auto missing = unimplementedFeature(features)) {
    return absl::UnimplementedError(
        absl::StrFormat("unsupported feature: %s is not implemented yet", *missing));
  }
  return ModuleDecoder(std::move(bytes), features).run();
}

absl::StatusOr<Module> decodeModule(std::vector<uint8_t> bytes) {
  return decodeModule(std::move(bytes), Features::wasm2());
}

}  // namespace kiln::wasm

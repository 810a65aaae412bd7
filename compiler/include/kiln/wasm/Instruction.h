// One decoded instruction (opcode + immediates) and the reader that produces it from the
// binary. The decoder uses it to check that function bodies and constant expressions are
// well formed, the validator to type them, and the lowering may use it to walk bodies.
//
// The reader checks the binary encoding only (known opcodes, LEB128 ranges, reserved zero
// bytes, memarg flags, value-type bytes); index ranges and types are the validator's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiln/wasm/BodyReader.h"
#include "kiln/wasm/Features.h"
#include "kiln/wasm/Module.h"
#include "kiln/wasm/Opcodes.h"
#include "kiln/wasm/SimdOps.h"

namespace kiln::wasm {

// The type immediate of block, loop and if.
struct BlockType {
  enum class Kind : uint8_t { Empty, Value, TypeIndex };
  Kind kind = Kind::Empty;
  ValType value = ValType::I32;  // Kind::Value: the single result
  uint32_t typeIndex = 0;        // Kind::TypeIndex: index into Module::types
};

struct MemArg {
  uint32_t alignLog2 = 0;  // the alignment exponent (flags without the memory-index bit)
  uint32_t memory = 0;     // memory index (always 0 without multi-memory)
  uint64_t offset = 0;
};

// Immediates are set according to the opcode; the others keep their defaults.
//   block/loop/if                  block
//   br, br_if                      index = label depth
//   br_table                       labels = targets, index = default target
//   call, ref.func                 index = function
//   call_indirect                  index = type, index2 = table
//   select t*                      types
//   local.*, global.*              index
//   table.get/set/size/grow/fill   index = table
//   loads, stores                  mem
//   memory.size/grow/fill          index = memory
//   i32.const / i64.const          i32 / i64
//   f32.const / f64.const          f32Bits / f64Bits (raw IEEE bits)
//   ref.null                       refType
//   memory.init                    index = data segment, index2 = memory
//   data.drop                      index = data segment
//   memory.copy                    index = destination memory, index2 = source memory
//   table.init                     index = elem segment, index2 = table
//   elem.drop                      index = elem segment
//   table.copy                     index = destination table, index2 = source table
//   throw                          index = tag
//   try_table                      block, catches
//   SIMD (0xFD)                    subOpcode, simd = its table entry; mem for memory ops,
//                                  lane for lane ops, v128 for v128.const / i8x16.shuffle
// One catch clause of try_table.
struct Catch {
  enum : uint8_t { Tag = 0, TagRef = 1, All = 2, AllRef = 3 };
  uint8_t kind = Tag;
  uint32_t tag = 0;    // Tag, TagRef
  uint32_t label = 0;  // relative to the try_table's enclosing frames
};

struct Instruction {
  uint32_t offset = 0;     // file offset of the opcode byte
  uint8_t opcode = 0;      // the first byte (the prefix for prefixed instructions)
  uint32_t subOpcode = 0;  // prefixed instructions (0xFC, 0xFD): the LEB128 sub-opcode
  const SimdOp* simd = nullptr;  // 0xFD: the instruction's table entry
  BlockType block;
  uint32_t index = 0;
  uint32_t index2 = 0;
  MemArg mem;
  int32_t i32 = 0;
  int64_t i64 = 0;
  uint32_t f32Bits = 0;
  uint64_t f64Bits = 0;
  uint8_t lane = 0;
  uint8_t v128[16] = {};
  ValType refType = ValType::FuncRef;
  std::vector<ValType> types;
  std::vector<uint32_t> labels;
  std::vector<Catch> catches;  // try_table
};

// Reads instructions and type bytes from a BodyReader. On failure the BodyReader holds the
// message and offset (sticky), and `unsupported()` says whether the input used a feature
// kiln does not support yet (e.g. SIMD) rather than being malformed.
class InstructionReader {
 public:
  InstructionReader(BodyReader& r, const Features& features) : r_(r), features_(features) {}

  BodyReader& bytes() { return r_; }
  bool unsupported() const { return unsupported_; }

  // A value type byte: "malformed value type" if unknown.
  std::optional<ValType> valType() {
    size_t at = r_.pos();
    uint8_t b = r_.u8();
    if (r_.failed()) return std::nullopt;
    switch (b) {
      case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x70: case 0x6F:
        return ValType::fromByte(b);
      case 0x7B:
        if (features_.simd) return ValType::V128;
        return unsupportedAt(at, "SIMD type v128 is not enabled");
      case 0x69:  // exnref
        if (features_.exceptions) return ValType::ExnRef;
        break;
      case 0x74:  // nullexnref
        if (features_.exceptions && features_.functionReferences) return ValType::fromByte(b);
        break;
      case 0x73: case 0x72:  // nullfuncref, nullexternref
        if (features_.functionReferences) return ValType::fromByte(b);
        break;
      case 0x63: case 0x64: {  // (ref null? heaptype)
        if (!features_.functionReferences) break;
        auto heap = heapType();
        if (!heap) return std::nullopt;
        return ValType::ref(*heap, b == 0x63);
      }
      case 0x6E: case 0x6D: case 0x6C: case 0x6B: case 0x6A: case 0x71:  // GC shorthands
        if (features_.functionReferences) return unsupportedAt(at, kGC);
        break;
      default:
        break;
    }
    r_.failAt(at, "malformed value type");
    return std::nullopt;
  }

  // A heap type (s33): an abstract type byte or a type index.
  std::optional<uint32_t> heapType() {
    size_t at = r_.pos();
    int64_t x = r_.s33();
    if (r_.failed()) return std::nullopt;
    if (x >= 0) {
      if (x > UINT32_MAX / 2) {
        r_.failAt(at, "malformed heap type");
        return std::nullopt;
      }
      return static_cast<uint32_t>(x);
    }
    if (x < -64) {
      r_.failAt(at, "malformed heap type");
      return std::nullopt;
    }
    const uint8_t b = static_cast<uint8_t>(x & 0x7F);
    switch (b) {
      case 0x70: case 0x6F: case 0x73: case 0x72:
        return ValType::kAbstract | b;
      case 0x69: case 0x74:
        if (features_.exceptions) return ValType::kAbstract | b;
        break;
      case 0x6E: case 0x6D: case 0x6C: case 0x6B: case 0x6A: case 0x71:  // any eq i31 ...
        unsupportedAt(at, kGC);
        return std::nullopt;
      default:
        break;
    }
    r_.failAt(at, "malformed heap type");
    return std::nullopt;
  }

  // A reference type (table element type, elem segment type): "malformed reference type".
  std::optional<ValType> refType() {
    size_t at = r_.pos();
    uint8_t b = r_.peek();
    if (b == 0x70 || b == 0x6F || (features_.functionReferences && (b == 0x63 || b == 0x64 ||
                                                                     b == 0x73 || b == 0x72)) ||
        (features_.exceptions && (b == 0x69 || b == 0x74))) {
      auto t = valType();
      if (t && !t->isRef()) {
        r_.failAt(at, "malformed reference type");
        return std::nullopt;
      }
      return t;
    }
    r_.u8();
    if (r_.failed()) return std::nullopt;
    r_.failAt(at, "malformed reference type");
    return std::nullopt;
  }

  // Reads the next instruction into `out` (whose vectors are reused). False on failure.
  bool next(Instruction& out) {
    out.offset = static_cast<uint32_t>(r_.pos());
    out.subOpcode = 0;
    out.index = out.index2 = 0;
    out.mem = MemArg{};
    out.types.clear();
    out.labels.clear();
    out.catches.clear();
    const uint8_t opc = r_.u8();
    out.opcode = opc;
    if (r_.failed()) return false;
    switch (opc) {
      case op::Unreachable: case op::Nop: case op::Else: case op::End: case op::Return:
      case op::Drop: case op::Select: case op::RefIsNull:
        return true;
      case op::Block: case op::Loop: case op::If:
        return blockType(out.block);
      case op::Br: case op::BrIf: case op::Call: case op::LocalGet: case op::LocalSet:
      case op::LocalTee: case op::GlobalGet: case op::GlobalSet: case op::TableGet:
      case op::TableSet: case op::RefFunc:
        out.index = r_.u32();
        return !r_.failed();
      case op::BrTable: {
        uint32_t n = r_.u32();
        if (r_.failed()) return false;
        if (n > r_.end() - r_.pos()) {  // every target takes at least one byte
          r_.fail("unexpected end");
          return false;
        }
        out.labels.reserve(n);
        for (uint32_t i = 0; i < n && !r_.failed(); ++i) out.labels.push_back(r_.u32());
        out.index = r_.u32();
        return !r_.failed();
      }
      case op::CallIndirect:
        out.index = r_.u32();
        out.index2 = r_.u32();
        return !r_.failed();
      case op::ReturnCall:
        if (!features_.tailCall) break;
        out.index = r_.u32();
        return !r_.failed();
      case op::ReturnCallIndirect:
        if (!features_.tailCall) break;
        out.index = r_.u32();
        out.index2 = r_.u32();
        return !r_.failed();
      case op::SelectT: {
        uint32_t n = r_.u32();
        if (r_.failed()) return false;
        if (n > r_.end() - r_.pos()) {
          r_.fail("unexpected end");
          return false;
        }
        for (uint32_t i = 0; i < n; ++i) {
          auto t = valType();
          if (!t) return false;
          out.types.push_back(*t);
        }
        return true;
      }
      case op::MemorySize: case op::MemoryGrow:
        return memoryIndex(out.index);
      case op::I32Const:
        out.i32 = r_.s32();
        return !r_.failed();
      case op::I64Const:
        out.i64 = r_.s64();
        return !r_.failed();
      case op::F32Const:
        out.f32Bits = r_.f32bits();
        return !r_.failed();
      case op::F64Const:
        out.f64Bits = r_.f64bits();
        return !r_.failed();
      case op::RefNull: {
        if (features_.functionReferences) {
          auto heap = heapType();  // 3.0: ref.null takes a heap type
          if (!heap) return false;
          out.refType = ValType::ref(*heap, true);
          return true;
        }
        auto t = refType();
        if (!t) return false;
        out.refType = *t;
        return true;
      }
      case op::PrefixFC:
        return prefixFC(out);
      case op::Throw:
        if (!features_.exceptions) break;
        out.index = r_.u32();
        return !r_.failed();
      case op::ThrowRef:
        if (!features_.exceptions) break;
        return true;
      case op::TryTable:
        if (!features_.exceptions) break;
        return tryTable(out);
      case op::CallRef: case op::BrOnNull: case op::BrOnNonNull:
        if (!features_.functionReferences) break;
        out.index = r_.u32();  // call_ref: type; br_on_*: label
        return !r_.failed();
      case op::ReturnCallRef:
        if (!features_.functionReferences || !features_.tailCall) break;
        out.index = r_.u32();
        return !r_.failed();
      case op::RefAsNonNull:
        if (!features_.functionReferences) break;
        return true;
      case op::PrefixSIMD:
        return prefixFD(out);
      default:
        break;
    }
    if (opc >= op::I32Load && opc <= op::I64Store32) return memArg(out.mem);
    if (opc >= op::I32Eqz && opc <= op::I64Extend32S) return true;  // numeric, no immediates
    r_.failAt(out.offset, illegal(opc));
    return false;
  }

  // Block type: 0x40 (empty), a value type byte, or a non-negative s33 type index.
  bool blockType(BlockType& bt) {
    size_t at = r_.pos();
    uint8_t b = r_.peek();
    if (r_.atEnd()) {
      r_.u8();  // reports "unexpected end"
      return false;
    }
    if (b == 0x40) {
      r_.u8();
      bt.kind = BlockType::Kind::Empty;
      return true;
    }
    if ((b & 0xC0) == 0x40) {  // a one-byte negative s33: must be a value type
      auto t = valType();
      if (!t) return false;
      bt.kind = BlockType::Kind::Value;
      bt.value = *t;
      return true;
    }
    int64_t x = r_.s33();
    if (r_.failed()) return false;
    if (x < 0 || x > UINT32_MAX) {
      r_.failAt(at, "malformed block type");
      return false;
    }
    bt.kind = BlockType::Kind::TypeIndex;
    bt.typeIndex = static_cast<uint32_t>(x);
    return true;
  }

 private:
  static constexpr const char* kGC = "garbage collection types are not supported";

  std::nullopt_t unsupportedAt(size_t at, const char* what) {
    if (!r_.failed()) unsupported_ = true;
    r_.failAt(at, what);
    return std::nullopt;
  }

  static std::string illegal(uint8_t opc) {
    static const char* hex = "0123456789abcdef";
    return std::string("illegal opcode 0x") + hex[opc >> 4] + hex[opc & 15];
  }

  // The memory index of memory.size/grow/init/copy/fill: a single zero byte in 2.0, a u32
  // with multi-memory.
  bool memoryIndex(uint32_t& index) {
    if (features_.multiMemory) {
      index = r_.u32();
      return !r_.failed();
    }
    size_t at = r_.pos();
    uint8_t b = r_.u8();
    if (r_.failed()) return false;
    if (b != 0) {
      r_.failAt(at, "zero byte expected");
      return false;
    }
    index = 0;
    return true;
  }

  // memarg: alignment flags (bit 6 announces a memory index with multi-memory), offset.
  bool memArg(MemArg& m) {
    size_t at = r_.pos();
    uint32_t flags = r_.u32();
    if (r_.failed()) return false;
    if (features_.multiMemory) {
      if (flags >= 0x80) {
        r_.failAt(at, "malformed memop flags");
        return false;
      }
      if (flags & 0x40) m.memory = r_.u32();
      m.alignLog2 = flags & 0x3F;
    } else {
      if (flags >= 32) {
        r_.failAt(at, "malformed memop flags");
        return false;
      }
      m.alignLog2 = flags;
    }
    // The offset is a u64 with memory64 (the validator bounds it for 32-bit memories).
    m.offset = features_.memory64 ? r_.u64() : r_.u32();
    return !r_.failed();
  }

  // try_table: block type, then vec(catch) with catch = 0x00 tag label (catch) |
  // 0x01 tag label (catch_ref) | 0x02 label (catch_all) | 0x03 label (catch_all_ref).
  bool tryTable(Instruction& out) {
    if (!blockType(out.block)) return false;
    const uint32_t n = r_.u32();
    if (r_.failed()) return false;
    if (n > r_.end() - r_.pos()) {
      r_.fail("unexpected end");
      return false;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const size_t at = r_.pos();
      Catch c;
      c.kind = r_.u8();
      if (r_.failed()) return false;
      if (c.kind > 3) {
        r_.failAt(at, "malformed catch clause");
        return false;
      }
      if (c.kind <= 1) c.tag = r_.u32();
      c.label = r_.u32();
      if (r_.failed()) return false;
      out.catches.push_back(c);
    }
    return true;
  }

  bool prefixFD(Instruction& out) {
    out.subOpcode = r_.u32();
    if (r_.failed()) return false;
    out.simd = simdOp(out.subOpcode);
    if (!out.simd || !features_.simd || (out.simd->relaxed && !features_.relaxedSimd)) {
      if (!features_.simd) {
        unsupportedAt(out.offset, "SIMD instructions (0xfd prefix) are not enabled");
        return false;
      }
      r_.failAt(out.offset, "illegal opcode 0xfd " + std::to_string(out.subOpcode));
      return false;
    }
    switch (out.simd->imm) {
      case SimdImm::None:
        return true;
      case SimdImm::MemArg:
        return memArg(out.mem);
      case SimdImm::MemArgLane:
        if (!memArg(out.mem)) return false;
        out.lane = r_.u8();
        return !r_.failed();
      case SimdImm::Lane:
        out.lane = r_.u8();
        return !r_.failed();
      case SimdImm::Const: case SimdImm::Shuffle:
        for (uint8_t& b : out.v128) b = r_.u8();
        return !r_.failed();
    }
    return false;
  }

  bool prefixFC(Instruction& out) {
    out.subOpcode = r_.u32();
    if (r_.failed()) return false;
    switch (out.subOpcode) {
      case op::I32TruncSatF32S: case op::I32TruncSatF32U: case op::I32TruncSatF64S:
      case op::I32TruncSatF64U: case op::I64TruncSatF32S: case op::I64TruncSatF32U:
      case op::I64TruncSatF64S: case op::I64TruncSatF64U:
        return true;
      case op::MemoryInit:
        out.index = r_.u32();
        if (r_.failed()) return false;
        return memoryIndex(out.index2);
      case op::DataDrop: case op::ElemDrop: case op::TableGrow: case op::TableSize:
      case op::TableFill:
        out.index = r_.u32();
        return !r_.failed();
      case op::MemoryCopy:
        return memoryIndex(out.index) && memoryIndex(out.index2);
      case op::MemoryFill:
        return memoryIndex(out.index);
      case op::TableInit: case op::TableCopy:
        out.index = r_.u32();
        out.index2 = r_.u32();
        return !r_.failed();
      default:
        r_.failAt(out.offset, "illegal opcode 0xfc " + std::to_string(out.subOpcode));
        return false;
    }
  }

  BodyReader& r_;
  const Features& features_;
  bool unsupported_ = false;
};

}  // namespace kiln::wasm

// The instruction names of the text format and how each is encoded: opcode (with the
// 0xFB/0xFC/0xFD prefix and LEB128 sub-opcode where there is one) and immediate kind.
#pragma once

#include <cstdint>
#include <string_view>

namespace kiln::text {

enum class Imm : uint8_t {
  None,
  Block,         // block, loop: label? blocktype
  If,            // if: label? blocktype
  TryTable,      // try_table: label? blocktype catch*
  Else,          // only inside `if`
  End,           // only after a block
  Label,         // br, br_if, br_on_null, br_on_non_null
  BrTable,       // label+
  Func,          // call, return_call, ref.func
  CallIndirect,  // call_indirect, return_call_indirect: tableidx? typeuse
  Type,          // call_ref, return_call_ref
  Local,
  Global,
  Table,         // table.get/set/size/grow/fill: tableidx?
  TableInit,     // tableidx? elemidx
  TableCopy,     // (tableidx tableidx)?
  Elem,          // elem.drop
  Data,          // data.drop
  Memory,        // memory.size/grow/fill: memidx?
  MemoryInit,    // memidx? dataidx
  MemoryCopy,    // (memidx memidx)?
  MemArg,        // loads and stores: memidx? offset=? align=?
  MemArgLane,    // v128.loadN_lane/storeN_lane: memidx? memarg laneidx
  I32,
  I64,
  F32,
  F64,
  V128,          // v128.const shape lanes
  SelectT,       // select (result t*)*
  HeapType,      // ref.null
  Lane,          // extract_lane/replace_lane: laneidx
  Shuffle,       // i8x16.shuffle: 16 laneidx
  Tag,           // throw
  // GC (0xFB prefix): encoded so that the decoder can refuse them by name.
  GcType,        // struct.new, array.new, array.get, ...: typeidx
  GcField,       // struct.get/set: typeidx fieldidx
  GcTypeU32,     // array.new_fixed: typeidx u32
  GcTypeData,    // array.new_data, array.init_data: typeidx dataidx
  GcTypeElem,    // array.new_elem, array.init_elem: typeidx elemidx
  GcTypeType,    // array.copy: typeidx typeidx
  RefCast,       // ref.test, ref.cast: reftype (the opcode + 1 when it is nullable)
  BrOnCast,      // br_on_cast(_fail): label reftype reftype
};

struct InstrInfo {
  uint8_t prefix;     // 0 for single-byte opcodes, else 0xFB/0xFC/0xFD
  uint32_t code;      // the opcode byte, or the sub-opcode after the prefix
  Imm imm;
  uint8_t alignLog2;  // natural alignment of memory accesses
};

// nullptr if `name` is not an instruction.
const InstrInfo* findInstruction(std::string_view name);

}  // namespace kiln::text

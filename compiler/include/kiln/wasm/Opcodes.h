// Wasm opcodes (single-byte) and the 0xFC-prefixed sub-opcodes.
#pragma once
#include <cstdint>

namespace kiln::wasm::op {

enum : uint8_t {
  Unreachable = 0x00, Nop = 0x01, Block = 0x02, Loop = 0x03, If = 0x04, Else = 0x05,
  Try = 0x06, Catch = 0x07, Throw = 0x08, Rethrow = 0x09, ThrowRef = 0x0A,
  End = 0x0B, Br = 0x0C, BrIf = 0x0D, BrTable = 0x0E, Return = 0x0F,
  Call = 0x10, CallIndirect = 0x11, ReturnCall = 0x12, ReturnCallIndirect = 0x13,
  CallRef = 0x14, ReturnCallRef = 0x15, Delegate = 0x18, CatchAll = 0x19,
  Drop = 0x1A, Select = 0x1B, SelectT = 0x1C, TryTable = 0x1F,
  LocalGet = 0x20, LocalSet = 0x21, LocalTee = 0x22, GlobalGet = 0x23, GlobalSet = 0x24,
  TableGet = 0x25, TableSet = 0x26,
  I32Load = 0x28, I64Load = 0x29, F32Load = 0x2A, F64Load = 0x2B,
  I32Load8S = 0x2C, I32Load8U = 0x2D, I32Load16S = 0x2E, I32Load16U = 0x2F,
  I64Load8S = 0x30, I64Load8U = 0x31, I64Load16S = 0x32, I64Load16U = 0x33,
  I64Load32S = 0x34, I64Load32U = 0x35,
  I32Store = 0x36, I64Store = 0x37, F32Store = 0x38, F64Store = 0x39,
  I32Store8 = 0x3A, I32Store16 = 0x3B, I64Store8 = 0x3C, I64Store16 = 0x3D, I64Store32 = 0x3E,
  MemorySize = 0x3F, MemoryGrow = 0x40,
  I32Const = 0x41, I64Const = 0x42, F32Const = 0x43, F64Const = 0x44,
  I32Eqz = 0x45, I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU,
  I64Eqz = 0x50, I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU,
  F32Eq = 0x5B, F32Ne, F32Lt, F32Gt, F32Le, F32Ge,
  F64Eq = 0x61, F64Ne, F64Lt, F64Gt, F64Le, F64Ge,
  I32Clz = 0x67, I32Ctz, I32Popcnt, I32Add, I32Sub, I32Mul, I32DivS, I32DivU, I32RemS,
  I32RemU, I32And, I32Or, I32Xor, I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
  I64Clz = 0x79, I64Ctz, I64Popcnt, I64Add, I64Sub, I64Mul, I64DivS, I64DivU, I64RemS,
  I64RemU, I64And, I64Or, I64Xor, I64Shl, I64ShrS, I64ShrU, I64Rotl, I64Rotr,
  F32Abs = 0x8B, F32Neg, F32Ceil, F32Floor, F32Trunc, F32Nearest, F32Sqrt, F32Add, F32Sub,
  F32Mul, F32Div, F32Min, F32Max, F32Copysign,
  F64Abs = 0x99, F64Neg, F64Ceil, F64Floor, F64Trunc, F64Nearest, F64Sqrt, F64Add, F64Sub,
  F64Mul, F64Div, F64Min, F64Max, F64Copysign,
  I32WrapI64 = 0xA7, I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U,
  I64ExtendI32S, I64ExtendI32U, I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U,
  F32ConvertI32S, F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64,
  F64ConvertI32S, F64ConvertI32U, F64ConvertI64S, F64ConvertI64U, F64PromoteF32,
  I32ReinterpretF32, I64ReinterpretF64, F32ReinterpretI32, F64ReinterpretI64,
  I32Extend8S = 0xC0, I32Extend16S, I64Extend8S, I64Extend16S, I64Extend32S,
  RefNull = 0xD0, RefIsNull = 0xD1, RefFunc = 0xD2, RefEq = 0xD3, RefAsNonNull = 0xD4,
  BrOnNull = 0xD5, BrOnNonNull = 0xD6,
  PrefixGC = 0xFB, PrefixFC = 0xFC, PrefixSIMD = 0xFD, PrefixThreads = 0xFE,
};

// 0xFC sub-opcodes (u32 LEB after the prefix).
enum : uint32_t {
  I32TruncSatF32S = 0, I32TruncSatF32U = 1, I32TruncSatF64S = 2, I32TruncSatF64U = 3,
  I64TruncSatF32S = 4, I64TruncSatF32U = 5, I64TruncSatF64S = 6, I64TruncSatF64U = 7,
  MemoryInit = 8, DataDrop = 9, MemoryCopy = 10, MemoryFill = 11,
  TableInit = 12, ElemDrop = 13, TableCopy = 14, TableGrow = 15, TableSize = 16,
  TableFill = 17,
};

}  // namespace kiln::wasm::op

#include "kiln/abi.h"

extern "C" const char* kiln_trap_message(uint32_t code) {
  switch (code) {
    case KILN_TRAP_NONE: return "no trap";
    case KILN_TRAP_UNREACHABLE: return "unreachable";
    case KILN_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case KILN_TRAP_TABLE_OOB: return "out of bounds table access";
    case KILN_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case KILN_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH: return "indirect call type mismatch";
    case KILN_TRAP_INT_DIV_ZERO: return "integer divide by zero";
    case KILN_TRAP_INT_OVERFLOW: return "integer overflow";
    case KILN_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case KILN_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case KILN_TRAP_INTERRUPTED: return "interrupted";
    case KILN_TRAP_OUT_OF_FUEL: return "all fuel consumed";
    case KILN_TRAP_NULL_REFERENCE: return "null reference";
    case KILN_TRAP_NULL_FUNC_REFERENCE: return "null function reference";
    case KILN_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case KILN_TRAP_UNALIGNED_ATOMIC: return "unaligned atomic";
    case KILN_TRAP_HOST: return "host function failed";
    case KILN_TRAP_EXIT: return "exit";
    default: return "unknown trap";
  }
}

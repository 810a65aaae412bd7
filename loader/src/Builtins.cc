#include "Builtins.h"

#include <csetjmp>
#include <cstring>
#include <setjmp.h>

#include "TrapHandler.h"
#include "kiln/Instance.h"

namespace kiln {
namespace {

// The return address minus one lies inside the call instruction, so a trap call that ends a
// function (noreturn, nothing after it) is attributed to that function, not the next one.
#define KILN_CALLER_PC() (reinterpret_cast<uintptr_t>(__builtin_return_address(0)) - 1)

// [offset, offset + len) inside [0, size), overflow-safe.
inline bool InBounds(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

Instance& Self(void* vmctx) { return *Instance::FromVmctx(vmctx); }

GuardedMemory* MemoryOrTrap(Instance& inst, uint32_t index, uintptr_t pc) {
  if (index >= inst.num_memories()) RaiseTrap(KILN_TRAP_MEMORY_OOB, pc);
  return inst.memory(index);
}

Table* TableOrTrap(Instance& inst, uint32_t index, uintptr_t pc) {
  if (index >= inst.artifact().desc().num_tables) RaiseTrap(KILN_TRAP_TABLE_OOB, pc);
  return inst.table(index);
}

__attribute__((noreturn)) void BuiltinTrap(void* vmctx, uint32_t code) {
  RaiseTrap(code, KILN_CALLER_PC());
}

uint64_t BuiltinMemoryGrow(void* vmctx, uint32_t mem, uint64_t delta_pages) {
  Instance& inst = Self(vmctx);
  if (mem >= inst.num_memories()) return UINT64_MAX;
  const int64_t old = inst.memory(mem)->Grow(delta_pages);
  PollInterrupt(KILN_CALLER_PC());
  return old < 0 ? UINT64_MAX : static_cast<uint64_t>(old);
}

void BuiltinMemoryFill(void* vmctx, uint32_t mem, uint64_t dst, uint32_t value, uint64_t len) {
  const uintptr_t pc = KILN_CALLER_PC();
  GuardedMemory* m = MemoryOrTrap(Self(vmctx), mem, pc);
  if (!m->InBounds(dst, len)) RaiseTrap(KILN_TRAP_MEMORY_OOB, pc);
  std::memset(m->base() + dst, static_cast<int>(value & 0xFF), len);
  PollInterrupt(pc);
}

void BuiltinMemoryCopy(void* vmctx, uint32_t dst_mem, uint32_t src_mem, uint64_t dst,
                       uint64_t src, uint64_t len) {
  const uintptr_t pc = KILN_CALLER_PC();
  Instance& inst = Self(vmctx);
  GuardedMemory* d = MemoryOrTrap(inst, dst_mem, pc);
  GuardedMemory* s = MemoryOrTrap(inst, src_mem, pc);
  if (!d->InBounds(dst, len) || !s->InBounds(src, len)) RaiseTrap(KILN_TRAP_MEMORY_OOB, pc);
  std::memmove(d->base() + dst, s->base() + src, len);
  PollInterrupt(pc);
}

void BuiltinMemoryInit(void* vmctx, uint32_t mem, uint32_t seg, uint64_t dst, uint32_t src,
                       uint32_t len) {
  const uintptr_t pc = KILN_CALLER_PC();
  Instance& inst = Self(vmctx);
  GuardedMemory* m = MemoryOrTrap(inst, mem, pc);
  if (seg >= inst.num_datas()) RaiseTrap(KILN_TRAP_MEMORY_OOB, pc);
  const std::span<const uint8_t> bytes = inst.data_segment(seg);
  if (!InBounds(src, len, bytes.size()) || !m->InBounds(dst, len)) {
    RaiseTrap(KILN_TRAP_MEMORY_OOB, pc);
  }
  if (len > 0) std::memcpy(m->base() + dst, bytes.data() + src, len);
  PollInterrupt(pc);
}

void BuiltinDataDrop(void* vmctx, uint32_t seg) {
  Instance& inst = Self(vmctx);
  if (seg < inst.num_datas()) inst.DropData(seg);
}

uint64_t BuiltinTableGrow(void* vmctx, uint32_t table, void* init, uint64_t delta) {
  Instance& inst = Self(vmctx);
  if (table >= inst.artifact().desc().num_tables) return UINT64_MAX;
  const int64_t old = inst.table(table)->Grow(delta, init);
  PollInterrupt(KILN_CALLER_PC());
  return old < 0 ? UINT64_MAX : static_cast<uint64_t>(old);
}

void BuiltinTableFill(void* vmctx, uint32_t table, uint64_t dst, void* value, uint64_t len) {
  const uintptr_t pc = KILN_CALLER_PC();
  Table* t = TableOrTrap(Self(vmctx), table, pc);
  if (!InBounds(dst, len, t->size())) RaiseTrap(KILN_TRAP_TABLE_OOB, pc);
  void** elems = t->raw()->elems;
  for (uint64_t i = 0; i < len; ++i) elems[dst + i] = value;
  PollInterrupt(pc);
}

void BuiltinTableCopy(void* vmctx, uint32_t dst_table, uint32_t src_table, uint64_t dst,
                      uint64_t src, uint64_t len) {
  const uintptr_t pc = KILN_CALLER_PC();
  Instance& inst = Self(vmctx);
  Table* d = TableOrTrap(inst, dst_table, pc);
  Table* s = TableOrTrap(inst, src_table, pc);
  if (!InBounds(dst, len, d->size()) || !InBounds(src, len, s->size())) {
    RaiseTrap(KILN_TRAP_TABLE_OOB, pc);
  }
  if (len > 0) std::memmove(d->raw()->elems + dst, s->raw()->elems + src, len * sizeof(void*));
  PollInterrupt(pc);
}

void BuiltinTableInit(void* vmctx, uint32_t table, uint32_t seg, uint64_t dst, uint32_t src,
                      uint32_t len) {
  const uintptr_t pc = KILN_CALLER_PC();
  Instance& inst = Self(vmctx);
  Table* t = TableOrTrap(inst, table, pc);
  if (seg >= inst.num_elems()) RaiseTrap(KILN_TRAP_TABLE_OOB, pc);
  const std::span<void* const> items = inst.elem_segment(seg);
  if (!InBounds(src, len, items.size()) || !InBounds(dst, len, t->size())) {
    RaiseTrap(KILN_TRAP_TABLE_OOB, pc);
  }
  if (len > 0) std::memcpy(t->raw()->elems + dst, items.data() + src, len * sizeof(void*));
  PollInterrupt(pc);
}

void BuiltinElemDrop(void* vmctx, uint32_t seg) {
  Instance& inst = Self(vmctx);
  if (seg < inst.num_elems()) inst.DropElem(seg);
}

// ---- Exceptions: a per-thread chain of try_table handler records, unwound by longjmp.

void BuiltinExnThrow(void* vmctx, const kiln_tag* tag, const kiln_val* values) {
  const uintptr_t pc = KILN_CALLER_PC();
  ThrowException(Self(vmctx).NewException(tag, values), pc);
}

void BuiltinExnThrowRef(void* vmctx, kiln_exception* exn) {
  (void)vmctx;
  const uintptr_t pc = KILN_CALLER_PC();
  if (exn == nullptr) RaiseTrap(KILN_TRAP_NULL_REFERENCE, pc);
  ThrowException(exn, pc);
}

void BuiltinTryEnter(void* vmctx, kiln_handler* h) {
  (void)vmctx;
  kiln_handler*& head = ExceptionHandlerHead();
  h->prev = head;
  h->exn = nullptr;
  head = h;
}

void BuiltinTryLeave(void* vmctx, kiln_handler* h) {
  (void)vmctx;
  ExceptionHandlerHead() = h->prev;
}

void BuiltinExnRelease(void* vmctx, kiln_exception* exn) {
  (void)vmctx;
  Instance::ReleaseException(exn);
}

// The generated code calls _setjmp itself (a wrapper's frame would be gone by the time
// longjmp returns into it).
int (*const kSetjmp)(void*) = reinterpret_cast<int (*)(void*)>(&_setjmp);

const kiln_builtins kBuiltins = {
    .trap = BuiltinTrap,
    .memory_grow = BuiltinMemoryGrow,
    .memory_fill = BuiltinMemoryFill,
    .memory_copy = BuiltinMemoryCopy,
    .memory_init = BuiltinMemoryInit,
    .data_drop = BuiltinDataDrop,
    .table_grow = BuiltinTableGrow,
    .table_fill = BuiltinTableFill,
    .table_copy = BuiltinTableCopy,
    .table_init = BuiltinTableInit,
    .elem_drop = BuiltinElemDrop,
    .exn_throw = BuiltinExnThrow,
    .exn_throw_ref = BuiltinExnThrowRef,
    .try_enter = BuiltinTryEnter,
    .try_leave = BuiltinTryLeave,
    .setjmp = kSetjmp,
    .exn_release = BuiltinExnRelease,
    .memmove = std::memmove,
    .memset = std::memset,
    .reserved = {},
};

}  // namespace

const kiln_builtins* GetBuiltins() { return &kBuiltins; }

}  // namespace kiln

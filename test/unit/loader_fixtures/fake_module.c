/* A hand-made kiln artifact for the loader's unit tests: a kiln_module_desc plus functions
 * written in C that follow the ABI (the "Wasm" functions take the vmctx first and use the C
 * convention here, which is consistent with this file's own trampolines and stubs).
 *
 * Built with: clang-19 -O2 -fPIC -fvisibility=hidden -nostdlib -shared -fuse-ld=lld
 *             -Wl,-z,now -Wl,--no-undefined
 *
 * Index spaces
 *   types: 0 (i32,i32)->i32  1 (i32)->i32  2 ()->()  3 ()->i32  4 (i32,i32)->()
 *          5 (i32,i32,i32)->()
 *   funcs: 0 import env.host_add (type 0), then the defined functions below.
 *   memory 0: 1..4 pages; table 0: funcref 4..10; globals: 0 mut i32 = 42,
 *   1 i32 = 40 + 2 (extended const); data 0 active "hello" at 16, data 1 passive;
 *   elem 0 active at 1: add, div, null; elem 1 passive: load. Start function: `start`.
 */
#include <stdint.h>

#include "kiln/abi.h"

#define NUM_MEMORIES 1
#define NUM_TABLES 1
#define NUM_GLOBALS 2
#define NUM_FUNCS 21
#define NUM_TYPES 6

#define OFF_MEMORIES 64
#define OFF_TABLES (OFF_MEMORIES + 8 * NUM_MEMORIES)
#define OFF_GLOBALS (OFF_TABLES + 8 * NUM_TABLES)
#define OFF_FUNCS (OFF_GLOBALS + 8 * NUM_GLOBALS)
#define OFF_TYPE_IDS (OFF_FUNCS + 8 * NUM_FUNCS)
#define VMCTX_SIZE ((OFF_TYPE_IDS + 4 * NUM_TYPES + 15) & ~15)

static inline kiln_vmctx_header* header(void* vm) { return (kiln_vmctx_header*)vm; }
static inline kiln_memory* memory0(void* vm) { return *(kiln_memory**)((char*)vm + OFF_MEMORIES); }
static inline kiln_table* table0(void* vm) { return *(kiln_table**)((char*)vm + OFF_TABLES); }
static inline kiln_global* global(void* vm, int i) {
  return ((kiln_global**)((char*)vm + OFF_GLOBALS))[i];
}
static inline kiln_funcref* func(void* vm, int i) {
  return ((kiln_funcref**)((char*)vm + OFF_FUNCS))[i];
}
static inline uint32_t type_id(void* vm, int t) {
  return ((uint32_t*)((char*)vm + OFF_TYPE_IDS))[t];
}
__attribute__((noreturn)) static void trap(void* vm, uint32_t code) {
  header(vm)->builtins->trap(vm, code);
  __builtin_unreachable();
}

typedef int32_t (*fn_ii_i)(void*, int32_t, int32_t);
typedef int32_t (*fn_i_i)(void*, int32_t);
typedef void (*fn_v_v)(void*);
typedef int32_t (*fn_v_i)(void*);
typedef void (*fn_ii_v)(void*, int32_t, int32_t);
typedef void (*fn_iii_v)(void*, int32_t, int32_t, int32_t);

/* ---- "Wasm" functions ---- */

static int32_t add(void* vm, int32_t a, int32_t b) { return a + b; }

static int32_t load(void* vm, int32_t addr) {
  return *(volatile int32_t*)(memory0(vm)->base + (uint32_t)addr);
}

static void store(void* vm, int32_t addr, int32_t value) {
  *(volatile int32_t*)(memory0(vm)->base + (uint32_t)addr) = value;
}

/* The largest i32 address plus an offset: lands in the guard region. */
static void load_far(void* vm) {
  (void)*(volatile int32_t*)(memory0(vm)->base + 0xFFFFFFFFull + 8);
}

static void unreachable_(void* vm) { trap(vm, KILN_TRAP_UNREACHABLE); }

/* The running thread's stack limit, read as generated code reads it: %fs-relative at the
 * offset in the vmctx. */
static uintptr_t stack_limit(void* vm) {
  uintptr_t limit;
  __asm__ volatile("movq %%fs:(%1), %0" : "=r"(limit) : "r"(header(vm)->thread_state));
  return limit;
}

/* Recursion with the stack check generated code does at function entry. */
__attribute__((noinline)) static int32_t recurse(void* vm, int32_t n) {
  volatile char pad[512];
  if ((uintptr_t)__builtin_frame_address(0) < stack_limit(vm)) {
    trap(vm, KILN_TRAP_STACK_EXHAUSTED);
  }
  pad[0] = 1;
  if (n <= 0) return 0;
  int32_t r = recurse(vm, n - 1);
  return r + pad[0];
}

/* Recursion without the check: runs into the thread's stack guard. */
__attribute__((noinline)) static int32_t recurse_unchecked(void* vm, int32_t n) {
  volatile char pad[512];
  pad[0] = 1;
  if (n <= 0) return 0;
  int32_t r = recurse_unchecked(vm, n - 1);
  return r + pad[0];
}

static int32_t grow(void* vm, int32_t delta) {
  return (int32_t)header(vm)->builtins->memory_grow(vm, 0, (uint32_t)delta);
}

static int32_t call_host(void* vm, int32_t a, int32_t b) {
  kiln_funcref* f = func(vm, 0);
  return ((fn_ii_i)f->code)(f->vmctx, a, b);
}

static int32_t get_global(void* vm) { return (int32_t)global(vm, 0)->value.i32; }

static void start(void* vm) { *(volatile int32_t*)(memory0(vm)->base + 100) = 7; }

static int32_t div_(void* vm, int32_t a, int32_t b) {
  int32_t q = a;
  __asm__ volatile("cltd\n\tidivl %1" : "+a"(q) : "r"(b) : "edx", "cc");
  return q;
}

static void ill(void* vm) { __builtin_trap(); }

static int32_t call_table(void* vm, int32_t index) {
  kiln_table* t = table0(vm);
  if ((uint32_t)index >= t->size) trap(vm, KILN_TRAP_UNDEFINED_ELEMENT);
  kiln_funcref* f = (kiln_funcref*)t->elems[(uint32_t)index];
  if (f == 0) trap(vm, KILN_TRAP_UNINITIALIZED_ELEMENT);
  if (f->type_id != type_id(vm, 0)) trap(vm, KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
  return ((fn_ii_i)f->code)(f->vmctx, 20, 22);
}

static void fill(void* vm, int32_t dst, int32_t value, int32_t len) {
  header(vm)->builtins->memory_fill(vm, 0, (uint32_t)dst, (uint32_t)value, (uint32_t)len);
}

static void init(void* vm, int32_t dst, int32_t src, int32_t len) {
  header(vm)->builtins->memory_init(vm, 0, 1, (uint32_t)dst, (uint32_t)src, (uint32_t)len);
}

static int32_t mem_size(void* vm) { return (int32_t)(memory0(vm)->length / KILN_WASM_PAGE_SIZE); }

static void drop_data(void* vm) { header(vm)->builtins->data_drop(vm, 1); }

static void copy(void* vm, int32_t dst, int32_t src, int32_t len) {
  header(vm)->builtins->memory_copy(vm, 0, 0, (uint32_t)dst, (uint32_t)src, (uint32_t)len);
}

static void table_init(void* vm, int32_t dst, int32_t src, int32_t len) {
  header(vm)->builtins->table_init(vm, 0, 1, (uint32_t)dst, (uint32_t)src, (uint32_t)len);
}

/* ---- trampolines (host -> Wasm) and host stubs (Wasm -> host) ---- */

static void a2n_ii_i(void* code, void* vm, kiln_val* v) {
  v[0].i32 = (uint32_t)((fn_ii_i)code)(vm, (int32_t)v[0].i32, (int32_t)v[1].i32);
}
static void a2n_i_i(void* code, void* vm, kiln_val* v) {
  v[0].i32 = (uint32_t)((fn_i_i)code)(vm, (int32_t)v[0].i32);
}
static void a2n_v_v(void* code, void* vm, kiln_val* v) { ((fn_v_v)code)(vm); }
static void a2n_v_i(void* code, void* vm, kiln_val* v) { v[0].i32 = (uint32_t)((fn_v_i)code)(vm); }
static void a2n_ii_v(void* code, void* vm, kiln_val* v) {
  ((fn_ii_v)code)(vm, (int32_t)v[0].i32, (int32_t)v[1].i32);
}
static void a2n_iii_v(void* code, void* vm, kiln_val* v) {
  ((fn_iii_v)code)(vm, (int32_t)v[0].i32, (int32_t)v[1].i32, (int32_t)v[2].i32);
}

static int32_t n2a_ii_i(kiln_host_func* host, int32_t a, int32_t b) {
  kiln_val v[2];
  v[0].i64 = 0;
  v[0].i32 = (uint32_t)a;
  v[1].i64 = 0;
  v[1].i32 = (uint32_t)b;
  host->callback(host, v);
  return (int32_t)v[0].i32;
}

/* ---- descriptor ---- */

static const uint8_t t_ii_i[] = {KILN_I32, KILN_I32, KILN_I32};
static const uint8_t t_i_i[] = {KILN_I32, KILN_I32};
static const uint8_t t_ii_v[] = {KILN_I32, KILN_I32};
static const uint8_t t_iii_v[] = {KILN_I32, KILN_I32, KILN_I32};
static const uint8_t t_v_i[] = {KILN_I32};

static const kiln_type_desc types[NUM_TYPES] = {
    {2, 1, t_ii_i, (void*)a2n_ii_i, (void*)n2a_ii_i},
    {1, 1, t_i_i, (void*)a2n_i_i, 0},
    {0, 0, 0, (void*)a2n_v_v, 0},
    {0, 1, t_v_i, (void*)a2n_v_i, 0},
    {2, 0, t_ii_v, (void*)a2n_ii_v, 0},
    {3, 0, t_iii_v, (void*)a2n_iii_v, 0},
};

static const kiln_import_desc imports[] = {
    {"env", "host_add", 3, 8, KILN_EXTERN_FUNC, 0},
};

#define FN(f, name, type) {(void*)(f), name, sizeof(name) - 1, type}
static const kiln_func_desc funcs[NUM_FUNCS] = {
    {0, "host_add", 8, 0},
    FN(add, "add", 0),                          /* 1 */
    FN(load, "load", 1),                        /* 2 */
    FN(store, "store", 4),                      /* 3 */
    FN(load_far, "load_far", 2),                /* 4 */
    FN(unreachable_, "unreachable", 2),         /* 5 */
    FN(recurse, "recurse", 1),                  /* 6 */
    FN(recurse_unchecked, "recurse_unchecked", 1), /* 7 */
    FN(grow, "grow", 1),                        /* 8 */
    FN(call_host, "call_host", 0),              /* 9 */
    FN(get_global, "get_global", 3),            /* 10 */
    FN(start, "start", 2),                      /* 11 */
    FN(div_, "div", 0),                         /* 12 */
    FN(ill, "ill", 2),                          /* 13 */
    FN(call_table, "call_table", 1),            /* 14 */
    FN(fill, "fill", 5),                        /* 15 */
    FN(init, "init", 5),                        /* 16 */
    FN(mem_size, "mem_size", 3),                /* 17 */
    FN(drop_data, "drop_data", 2),              /* 18 */
    FN(copy, "copy", 5),                        /* 19 */
    FN(table_init, "table_init", 5),            /* 20 */
};

static const uint8_t ref_null_func[] = {0xD0, KILN_FUNCREF, 0x0B};
static const kiln_table_desc tables[NUM_TABLES] = {
    {{4, 10, 1, 0, 0, {0}}, KILN_FUNCREF, sizeof ref_null_func, ref_null_func},
};

static const kiln_memory_desc memories[NUM_MEMORIES] = {
    {{1, 4, 1, 0, 0, {0}}, KILN_BOUNDS_GUARD_PAGES, 16},
};

static const uint8_t g0_init[] = {0x41, 42, 0x0B};                    /* i32.const 42 */
static const uint8_t g1_init[] = {0x41, 40, 0x41, 2, 0x6A, 0x0B};     /* 40 + 2 */
static const kiln_global_desc globals[NUM_GLOBALS] = {
    {KILN_I32, 1, sizeof g0_init, 0, g0_init},
    {KILN_I32, 0, sizeof g1_init, 0, g1_init},
};

#define EX(name, kind, index) {name, sizeof(name) - 1, kind, index, 0}
static const kiln_export_desc exports[] = {
    EX("add", KILN_EXTERN_FUNC, 1),
    EX("load", KILN_EXTERN_FUNC, 2),
    EX("store", KILN_EXTERN_FUNC, 3),
    EX("load_far", KILN_EXTERN_FUNC, 4),
    EX("unreachable", KILN_EXTERN_FUNC, 5),
    EX("recurse", KILN_EXTERN_FUNC, 6),
    EX("recurse_unchecked", KILN_EXTERN_FUNC, 7),
    EX("grow", KILN_EXTERN_FUNC, 8),
    EX("call_host", KILN_EXTERN_FUNC, 9),
    EX("get_global", KILN_EXTERN_FUNC, 10),
    EX("div", KILN_EXTERN_FUNC, 12),
    EX("ill", KILN_EXTERN_FUNC, 13),
    EX("call_table", KILN_EXTERN_FUNC, 14),
    EX("fill", KILN_EXTERN_FUNC, 15),
    EX("init", KILN_EXTERN_FUNC, 16),
    EX("mem_size", KILN_EXTERN_FUNC, 17),
    EX("drop_data", KILN_EXTERN_FUNC, 18),
    EX("copy", KILN_EXTERN_FUNC, 19),
    EX("table_init", KILN_EXTERN_FUNC, 20),
    EX("host_add", KILN_EXTERN_FUNC, 0),
    EX("memory", KILN_EXTERN_MEMORY, 0),
    EX("table", KILN_EXTERN_TABLE, 0),
    EX("g", KILN_EXTERN_GLOBAL, 0),
    EX("g42", KILN_EXTERN_GLOBAL, 1),
};

static const uint8_t offset_1[] = {0x41, 1, 0x0B};
static const uint8_t elem0_items[] = {0xD2, 1, 0x0B, 0xD2, 12, 0x0B, 0xD0, KILN_FUNCREF, 0x0B};
static const uint8_t elem1_items[] = {0xD2, 2, 0x0B};
static const kiln_elem_desc elems[] = {
    {KILN_SEG_ACTIVE, 0, KILN_FUNCREF, 3, sizeof offset_1, sizeof elem0_items, offset_1,
     elem0_items},
    {KILN_SEG_PASSIVE, 0, KILN_FUNCREF, 1, 0, sizeof elem1_items, 0, elem1_items},
};

static const uint8_t offset_16[] = {0x41, 16, 0x0B};
static const char hello[] = "hello";
static const char passive[] = "passive!";
static const kiln_data_desc datas[] = {
    {KILN_SEG_ACTIVE, 0, sizeof offset_16, 0, offset_16, (const uint8_t*)hello, 5},
    {KILN_SEG_PASSIVE, 0, 0, 0, 0, (const uint8_t*)passive, 8},
};

__attribute__((visibility("default"))) const kiln_module_desc kiln_module_v1 = {
    .magic = KILN_DESCRIPTOR_MAGIC,
    .abi_major = KILN_ABI_MAJOR,
    .abi_minor = KILN_ABI_MINOR,
    .desc_size = sizeof(kiln_module_desc),
    .opt_level = 2,
    .compiler_version = "fake-module 1",
    .target_cpu = "x86-64",
    .target_features = "",
    .cpu_features = 0,
    .num_types = NUM_TYPES,
    .num_imports = 1,
    .num_funcs = NUM_FUNCS,
    .num_imported_funcs = 1,
    .num_tables = NUM_TABLES,
    .num_memories = NUM_MEMORIES,
    .num_globals = NUM_GLOBALS,
    .num_exports = sizeof exports / sizeof exports[0],
    .num_elems = 2,
    .num_datas = 2,
    .start_func = 11,
    .vmctx_size = VMCTX_SIZE,
    .types = types,
    .imports = imports,
    .funcs = funcs,
    .tables = tables,
    .memories = memories,
    .globals = globals,
    .exports = exports,
    .elems = elems,
    .datas = datas,
    .module_name = "fake",
};

/* A hand-made WASI command artifact (no kilnc needed) for the WASI and CLI tests.
 *   _start: writes "hello\n" to fd 1 with fd_write, then proc_exit(argc) using
 *           args_sizes_get. Also exports add (i32,i32)->i32, crash (unreachable), oob
 *           (a load past the memory) and memory.
 *   types: 0 (i32,i32,i32,i32)->i32  1 (i32)->()  2 ()->()  3 (i32,i32)->i32
 *   funcs: 0 fd_write, 1 proc_exit, 2 args_sizes_get, 3 _start, 4 add, 5 crash, 6 oob
 */
#include <stdint.h>

#include "kiln/abi.h"

#define NUM_FUNCS 7
#define NUM_TYPES 4
#define OFF_MEMORIES 64
#define OFF_FUNCS (OFF_MEMORIES + 8)
#define OFF_TYPE_IDS (OFF_FUNCS + 8 * NUM_FUNCS)
#define VMCTX_SIZE ((OFF_TYPE_IDS + 4 * NUM_TYPES + 15) & ~15)

typedef int32_t (*fn_iiii_i)(void*, int32_t, int32_t, int32_t, int32_t);
typedef void (*fn_i_v)(void*, int32_t);
typedef void (*fn_v_v)(void*);
typedef int32_t (*fn_ii_i)(void*, int32_t, int32_t);

static inline uint8_t* mem(void* vm) { return (*(kiln_memory**)((char*)vm + OFF_MEMORIES))->base; }
static inline kiln_funcref* func(void* vm, int i) {
  return ((kiln_funcref**)((char*)vm + OFF_FUNCS))[i];
}

static void start(void* vm) {
  uint8_t* m = mem(vm);
  *(volatile uint32_t*)(m + 0) = 100; /* iovec: buf */
  *(volatile uint32_t*)(m + 4) = 6;   /* iovec: len */
  kiln_funcref* fd_write = func(vm, 0);
  ((fn_iiii_i)fd_write->code)(fd_write->vmctx, 1, 0, 1, 8);
  kiln_funcref* sizes = func(vm, 2);
  ((fn_ii_i)sizes->code)(sizes->vmctx, 16, 20);
  kiln_funcref* exit_ = func(vm, 1);
  ((fn_i_v)exit_->code)(exit_->vmctx, (int32_t) * (volatile uint32_t*)(m + 16));
}

static int32_t add(void* vm, int32_t a, int32_t b) { return a + b; }

static void crash(void* vm) {
  ((kiln_vmctx_header*)vm)->builtins->trap(vm, KILN_TRAP_UNREACHABLE);
}

static void oob(void* vm) { (void)*(volatile int32_t*)(mem(vm) + 70000); }

static void a2n_iiii_i(void* code, void* vm, kiln_val* v) {
  v[0].i32 = (uint32_t)((fn_iiii_i)code)(vm, (int32_t)v[0].i32, (int32_t)v[1].i32,
                                        (int32_t)v[2].i32, (int32_t)v[3].i32);
}
static void a2n_i_v(void* code, void* vm, kiln_val* v) { ((fn_i_v)code)(vm, (int32_t)v[0].i32); }
static void a2n_v_v(void* code, void* vm, kiln_val* v) { ((fn_v_v)code)(vm); }
static void a2n_ii_i(void* code, void* vm, kiln_val* v) {
  v[0].i32 = (uint32_t)((fn_ii_i)code)(vm, (int32_t)v[0].i32, (int32_t)v[1].i32);
}

static int32_t n2a_iiii_i(kiln_host_func* h, int32_t a, int32_t b, int32_t c, int32_t d) {
  kiln_val v[4];
  v[0].i64 = (uint32_t)a;
  v[1].i64 = (uint32_t)b;
  v[2].i64 = (uint32_t)c;
  v[3].i64 = (uint32_t)d;
  h->callback(h, v);
  return (int32_t)v[0].i32;
}
static void n2a_i_v(kiln_host_func* h, int32_t a) {
  kiln_val v[1];
  v[0].i64 = (uint32_t)a;
  h->callback(h, v);
}
static int32_t n2a_ii_i(kiln_host_func* h, int32_t a, int32_t b) {
  kiln_val v[2];
  v[0].i64 = (uint32_t)a;
  v[1].i64 = (uint32_t)b;
  h->callback(h, v);
  return (int32_t)v[0].i32;
}

static const uint8_t t_iiii_i[] = {KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I32};
static const uint8_t t_i_v[] = {KILN_I32};
static const uint8_t t_ii_i[] = {KILN_I32, KILN_I32, KILN_I32};
static const kiln_type_desc types[NUM_TYPES] = {
    {4, 1, t_iiii_i, (void*)a2n_iiii_i, (void*)n2a_iiii_i},
    {1, 0, t_i_v, (void*)a2n_i_v, (void*)n2a_i_v},
    {0, 0, 0, (void*)a2n_v_v, 0},
    {2, 1, t_ii_i, (void*)a2n_ii_i, (void*)n2a_ii_i},
};

#define WASI "wasi_snapshot_preview1"
static const kiln_import_desc imports[] = {
    {WASI, "fd_write", 22, 8, KILN_EXTERN_FUNC, 0},
    {WASI, "proc_exit", 22, 9, KILN_EXTERN_FUNC, 1},
    {WASI, "args_sizes_get", 22, 14, KILN_EXTERN_FUNC, 2},
};

static const kiln_func_desc funcs[NUM_FUNCS] = {
    {0, 0, 0, 0},
    {0, 0, 0, 1},
    {0, 0, 0, 3},
    {(void*)start, "_start", 6, 2},
    {(void*)add, "add", 3, 3},
    {(void*)crash, "crash", 5, 2},
    {(void*)oob, "oob", 3, 2},
};

static const kiln_memory_desc memories[] = {{{1, 0, 0, 0, 0, {0}}, KILN_BOUNDS_GUARD_PAGES, 16}};

#define EX(name, kind, index) {name, sizeof(name) - 1, kind, index, 0}
static const kiln_export_desc exports[] = {
    EX("_start", KILN_EXTERN_FUNC, 3), EX("add", KILN_EXTERN_FUNC, 4),
    EX("crash", KILN_EXTERN_FUNC, 5),  EX("oob", KILN_EXTERN_FUNC, 6),
    EX("memory", KILN_EXTERN_MEMORY, 0),
};

static const uint8_t offset_100[] = {0x41, 0xE4, 0x00, 0x0B};
static const char hello[] = "hello\n";
static const kiln_data_desc datas[] = {
    {KILN_SEG_ACTIVE, 0, sizeof offset_100, 0, offset_100, (const uint8_t*)hello, 6},
};

__attribute__((visibility("default"))) const kiln_module_desc kiln_module_v1 = {
    .magic = KILN_DESCRIPTOR_MAGIC,
    .abi_major = KILN_ABI_MAJOR,
    .abi_minor = KILN_ABI_MINOR,
    .desc_size = sizeof(kiln_module_desc),
    .compiler_version = "fake-wasi 1",
    .num_types = NUM_TYPES,
    .num_imports = 3,
    .num_funcs = NUM_FUNCS,
    .num_imported_funcs = 3,
    .num_memories = 1,
    .num_exports = sizeof exports / sizeof exports[0],
    .num_datas = 1,
    .start_func = -1,
    .vmctx_size = VMCTX_SIZE,
    .types = types,
    .imports = imports,
    .funcs = funcs,
    .memories = memories,
    .exports = exports,
    .datas = datas,
};

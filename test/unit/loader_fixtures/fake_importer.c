/* A hand-made artifact that imports everything from "spectest" the way the spec harness
 * provides it: func print_i32 (i32)->(), table (10 funcref), memory (1 2), global_i32.
 * Its active segments depend on the imported global, so a test can make the second data
 * segment fall out of bounds after the element segment and the first data segment ran.
 *
 *   types: 0 (i32)->()  1 (i32)->i32
 *   funcs: 0 import print_i32, 1 call_print, 2 read
 *   elem 0: table 0 at 0: ref.func 1, ref.func 2
 *   data 0: at global_i32: "imported!"; data 1: at global_i32 + 100: "tail"
 */
#include <stdint.h>

#include "kiln/abi.h"

#define OFF_MEMORIES 64
#define OFF_TABLES (OFF_MEMORIES + 8)
#define OFF_GLOBALS (OFF_TABLES + 8)
#define OFF_FUNCS (OFF_GLOBALS + 8)
#define OFF_TYPE_IDS (OFF_FUNCS + 8 * 3)
#define VMCTX_SIZE ((OFF_TYPE_IDS + 4 * 2 + 15) & ~15)

typedef void (*fn_i_v)(void*, int32_t);
typedef int32_t (*fn_i_i)(void*, int32_t);

static inline kiln_memory* memory0(void* vm) { return *(kiln_memory**)((char*)vm + OFF_MEMORIES); }
static inline kiln_funcref* func(void* vm, int i) {
  return ((kiln_funcref**)((char*)vm + OFF_FUNCS))[i];
}

static void call_print(void* vm, int32_t x) {
  kiln_funcref* f = func(vm, 0);
  ((fn_i_v)f->code)(f->vmctx, x);
}

static int32_t read(void* vm, int32_t addr) {
  return *(volatile int32_t*)(memory0(vm)->base + (uint32_t)addr);
}

static void a2n_i_v(void* code, void* vm, kiln_val* v) { ((fn_i_v)code)(vm, (int32_t)v[0].i32); }
static void a2n_i_i(void* code, void* vm, kiln_val* v) {
  v[0].i32 = (uint32_t)((fn_i_i)code)(vm, (int32_t)v[0].i32);
}
static void n2a_i_v(kiln_host_func* host, int32_t x) {
  kiln_val v[1];
  v[0].i64 = 0;
  v[0].i32 = (uint32_t)x;
  host->callback(host, v);
}

static const uint8_t t_i_v[] = {KILN_I32};
static const uint8_t t_i_i[] = {KILN_I32, KILN_I32};
static const kiln_type_desc types[] = {
    {1, 0, t_i_v, (void*)a2n_i_v, (void*)n2a_i_v},
    {1, 1, t_i_i, (void*)a2n_i_i, 0},
};

static const kiln_import_desc imports[] = {
    {"spectest", "print_i32", 8, 9, KILN_EXTERN_FUNC, 0},
    {"spectest", "table", 8, 5, KILN_EXTERN_TABLE, 0},
    {"spectest", "memory", 8, 6, KILN_EXTERN_MEMORY, 0},
    {"spectest", "global_i32", 8, 10, KILN_EXTERN_GLOBAL, 0},
};

static const kiln_func_desc funcs[] = {
    {0, "print_i32", 9, 0},
    {(void*)call_print, "call_print", 10, 0},
    {(void*)read, "read", 4, 1},
};

static const kiln_table_desc tables[] = {{{10, 0, 0, 0, 0, {0}}, KILN_FUNCREF, 0, 0}};
static const kiln_memory_desc memories[] = {{{1, 2, 1, 0, 0, {0}}, KILN_BOUNDS_GUARD_PAGES, 16}};
static const kiln_global_desc globals[] = {{KILN_I32, 0, 0, 0, 0}};

#define EX(name, kind, index) {name, sizeof(name) - 1, kind, index, 0}
static const kiln_export_desc exports[] = {
    EX("call_print", KILN_EXTERN_FUNC, 1), EX("read", KILN_EXTERN_FUNC, 2),
    EX("print", KILN_EXTERN_FUNC, 0),      EX("mem", KILN_EXTERN_MEMORY, 0),
    EX("tab", KILN_EXTERN_TABLE, 0),       EX("glob", KILN_EXTERN_GLOBAL, 0),
};

static const uint8_t offset_0[] = {0x41, 0, 0x0B};
static const uint8_t elem_items[] = {0xD2, 1, 0x0B, 0xD2, 2, 0x0B};
static const kiln_elem_desc elems[] = {
    {KILN_SEG_ACTIVE, 0, KILN_FUNCREF, 2, sizeof offset_0, sizeof elem_items, offset_0,
     elem_items},
};

static const uint8_t at_global[] = {0x23, 0, 0x0B};
static const uint8_t at_global_plus_100[] = {0x23, 0, 0x41, 0xE4, 0x00, 0x6A, 0x0B};
static const char imported[] = "imported!";
static const char tail[] = "tail";
static const kiln_data_desc datas[] = {
    {KILN_SEG_ACTIVE, 0, sizeof at_global, 0, at_global, (const uint8_t*)imported, 9},
    {KILN_SEG_ACTIVE, 0, sizeof at_global_plus_100, 0, at_global_plus_100,
     (const uint8_t*)tail, 4},
};

__attribute__((visibility("default"))) const kiln_module_desc kiln_module_v1 = {
    .magic = KILN_DESCRIPTOR_MAGIC,
    .abi_major = KILN_ABI_MAJOR,
    .abi_minor = KILN_ABI_MINOR,
    .desc_size = sizeof(kiln_module_desc),
    .compiler_version = "fake-importer 1",
    .num_types = 2,
    .num_imports = 4,
    .num_funcs = 3,
    .num_imported_funcs = 1,
    .num_tables = 1,
    .num_imported_tables = 1,
    .num_memories = 1,
    .num_imported_memories = 1,
    .num_globals = 1,
    .num_imported_globals = 1,
    .num_exports = sizeof exports / sizeof exports[0],
    .num_elems = 1,
    .num_datas = 2,
    .start_func = -1,
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
};

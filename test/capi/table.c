// table: an exported funcref table (size, get, set with a host function and with NULL,
// grow with and without an initial value, within and beyond the maximum), call_indirect
// through it trapping on a null entry, a type mismatch and an index out of range; a table
// made by the host (wasm_table_new) imported into the module, filled by its element
// segment and grown by the host.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);  \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

static void read_binary(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  CHECK(fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  CHECK(size > 0);
  CHECK(fseek(f, 0, SEEK_SET) == 0);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  CHECK(out->data != NULL);
  CHECK(fread(out->data, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
}

static wasm_extern_t* export_named(const wasm_module_t* module,
                                   const wasm_extern_vec_t* exports, const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  CHECK(types.size == exports->size);
  wasm_extern_t* found = NULL;
  for (size_t i = 0; i < types.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) {
      found = exports->data[i];
    }
  }
  wasm_exporttype_vec_delete(&types);
  if (!found) {
    fprintf(stderr, "no export %s\n", name);
    exit(1);
  }
  return found;
}

static wasm_func_t* func_named(const wasm_module_t* m, const wasm_extern_vec_t* e,
                               const char* name) {
  wasm_extern_t* ext = export_named(m, e, name);
  CHECK(wasm_extern_kind(ext) == WASM_EXTERN_FUNC);
  wasm_func_t* f = wasm_extern_as_func(ext);
  CHECK(f);
  return f;
}

static wasm_trap_t* call_i32(const wasm_func_t* f, int n, int32_t a0, int32_t a1,
                             int32_t* out) {
  wasm_val_t a[2], r[1];
  memset(a, 0, sizeof a);
  memset(r, 0, sizeof r);
  a[0].kind = WASM_I32;
  a[0].of.i32 = a0;
  a[1].kind = WASM_I32;
  a[1].of.i32 = a1;
  wasm_val_vec_t args = {(size_t)n, n ? a : NULL};
  wasm_val_vec_t results = {1, r};
  CHECK(wasm_func_result_arity(f) == 1);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (!trap) {
    CHECK(r[0].kind == WASM_I32);
    *out = r[0].of.i32;
  }
  return trap;
}

static int32_t call_ok(const wasm_func_t* f, int n, int32_t a0, int32_t a1) {
  int32_t result = 0;
  wasm_trap_t* trap = call_i32(f, n, a0, a1, &result);
  if (trap) {
    wasm_message_t m;
    wasm_trap_message(trap, &m);
    fprintf(stderr, "unexpected trap: %.*s\n", (int)m.size, m.data);
    exit(1);
  }
  return result;
}

// The call must trap, with a message.
static void call_traps(const wasm_func_t* f, int32_t a0, int32_t a1) {
  int32_t unused = 0;
  wasm_trap_t* trap = call_i32(f, 2, a0, a1, &unused);
  if (!trap) {
    fprintf(stderr, "call(%d, %d) did not trap\n", a0, a1);
    exit(1);
  }
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  CHECK(m.size > 1 && m.data[m.size - 1] == '\0');
  wasm_byte_vec_delete(&m);
  wasm_trap_delete(trap);
}

static void check_type(const wasm_table_t* table, uint32_t min, uint32_t max) {
  wasm_tabletype_t* type = wasm_table_type(table);
  CHECK(type);
  const wasm_valtype_t* elem = wasm_tabletype_element(type);
  CHECK(elem && wasm_valtype_kind(elem) == WASM_FUNCREF);
  const wasm_limits_t* limits = wasm_tabletype_limits(type);
  CHECK(limits && limits->min == min && limits->max == max);
  wasm_tabletype_delete(type);
}

static wasm_trap_t* plus100_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 1 && args->data[0].kind == WASM_I32 && results->size == 1);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + 100;
  return NULL;
}

// Calls the function in table slot `index` directly through the API.
static int32_t call_slot(const wasm_table_t* table, wasm_table_size_t index, int32_t x) {
  wasm_ref_t* ref = wasm_table_get(table, index);
  CHECK(ref);
  wasm_func_t* func = wasm_ref_as_func(ref);
  CHECK(func);
  CHECK(wasm_func_param_arity(func) == 1 && wasm_func_result_arity(func) == 1);
  int32_t result = call_ok(func, 1, x, 0);
  wasm_ref_delete(ref);
  return result;
}

static int slot_is_null(const wasm_table_t* table, wasm_table_size_t index) {
  wasm_ref_t* ref = wasm_table_get(table, index);
  if (!ref) return 1;
  wasm_ref_delete(ref);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s table.wasm\n", argv[0]);
    return 2;
  }
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store);
  wasm_byte_vec_t binary;
  read_binary(argv[1], &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module);

  wasm_functype_t* i2i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  CHECK(i2i);
  wasm_func_t* plus100 = wasm_func_new(store, i2i, plus100_cb);
  wasm_functype_delete(i2i);
  CHECK(plus100);

  // The host's table: 2 null entries, at most 10; entry 0 set before instantiation.
  wasm_limits_t limits = {2, 10};
  wasm_tabletype_t* ht_type = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
  CHECK(ht_type);
  wasm_table_t* host_table = wasm_table_new(store, ht_type, NULL);
  wasm_tabletype_delete(ht_type);
  CHECK(host_table);
  check_type(host_table, 2, 10);
  CHECK(wasm_table_size(host_table) == 2);
  CHECK(slot_is_null(host_table, 0) && slot_is_null(host_table, 1));
  CHECK(wasm_table_set(host_table, 0, wasm_func_as_ref(plus100)));
  CHECK(!slot_is_null(host_table, 0));
  CHECK(call_slot(host_table, 0, 1) == 101);
  printf("host table: size 2, entry 0 set\n");

  wasm_extern_t* list[1] = {wasm_table_as_extern(host_table)};
  wasm_extern_vec_t imports = {1, list};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance && trap == NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_extern_t* table_ext = export_named(module, &exports, "table");
  CHECK(wasm_extern_kind(table_ext) == WASM_EXTERN_TABLE);
  wasm_table_t* table = wasm_extern_as_table(table_ext);
  CHECK(table);
  wasm_func_t* call = func_named(module, &exports, "call");
  wasm_func_t* call_host = func_named(module, &exports, "call_host");
  wasm_func_t* size = func_named(module, &exports, "size");
  wasm_func_t* host_size = func_named(module, &exports, "host_size");
  wasm_func_t* dbl = func_named(module, &exports, "double");

  // ---- The exported table.
  check_type(table, 3, 6);
  CHECK(wasm_table_size(table) == 3);
  CHECK(call_ok(size, 0, 0, 0) == 3);
  CHECK(call_ok(call, 2, 0, 21) == 42);
  CHECK(call_slot(table, 0, 21) == 42);
  CHECK(!slot_is_null(table, 1));
  CHECK(slot_is_null(table, 2));
  CHECK(slot_is_null(table, 3));  // out of range
  printf("exported table: size 3, call_indirect(0, 21) = 42\n");

  call_traps(call, 1, 1);  // signature mismatch
  call_traps(call, 2, 1);  // null entry
  call_traps(call, 3, 1);  // out of range
  call_traps(call, -1, 1);
  printf("call_indirect traps on mismatch, null and out of range\n");

  CHECK(wasm_table_set(table, 2, wasm_func_as_ref(plus100)));
  CHECK(call_ok(call, 2, 2, 1) == 101);
  CHECK(wasm_table_set(table, 0, NULL));
  CHECK(slot_is_null(table, 0));
  call_traps(call, 0, 1);
  CHECK(!wasm_table_set(table, 3, wasm_func_as_ref(plus100)));
  CHECK(wasm_table_size(table) == 3);
  printf("set: host function, null; out of range refused\n");

  CHECK(wasm_table_grow(table, 2, NULL));
  CHECK(wasm_table_size(table) == 5);
  CHECK(call_ok(size, 0, 0, 0) == 5);
  CHECK(slot_is_null(table, 3) && slot_is_null(table, 4));
  call_traps(call, 4, 1);
  CHECK(!wasm_table_grow(table, 2, NULL));
  CHECK(wasm_table_size(table) == 5);
  CHECK(wasm_table_grow(table, 1, wasm_func_as_ref(dbl)));
  CHECK(wasm_table_size(table) == 6);
  CHECK(call_ok(call, 2, 5, 4) == 8);
  CHECK(!wasm_table_grow(table, 1, NULL));
  CHECK(wasm_table_grow(table, 0, NULL));
  CHECK(wasm_table_size(table) == 6);
  CHECK(call_ok(size, 0, 0, 0) == 6);
  CHECK(call_ok(call, 2, 2, 7) == 107);
  printf("grow: to 5 with null, to 6 with a function, not beyond 6\n");

  // ---- The host's table, as the module left it.
  CHECK(wasm_table_size(host_table) == 2);
  CHECK(call_ok(host_size, 0, 0, 0) == 2);
  CHECK(call_ok(call_host, 2, 0, 1) == 101);
  CHECK(call_ok(call_host, 2, 1, 5) == -5);
  CHECK(call_slot(host_table, 1, 5) == -5);
  printf("host table: entry 1 from the element segment\n");
  CHECK(wasm_table_grow(host_table, 3, wasm_func_as_ref(plus100)));
  CHECK(wasm_table_size(host_table) == 5);
  CHECK(call_ok(host_size, 0, 0, 0) == 5);
  CHECK(call_ok(call_host, 2, 4, 5) == 105);
  call_traps(call_host, 5, 0);
  CHECK(!wasm_table_grow(host_table, 6, NULL));
  CHECK(wasm_table_size(host_table) == 5);
  printf("host table grown to 5 by the host\n");

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_table_delete(host_table);
  wasm_func_delete(plus100);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

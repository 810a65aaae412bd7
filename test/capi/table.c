// table: an exported funcref table (size, get, set with a host function and with NULL,
// grow with and without an initial value, within and beyond the maximum), call_indirect
// through it trapping on a null entry, a type mismatch and an index out of range; a table
// made by the host (wasm_table_new) imported into the module, filled by its element
// segment and grown by the host.
#include "capi_test.h"

// The call must trap, with a message.
static void call_traps(const wasm_func_t* f, int32_t a0, int32_t a1) {
  int32_t unused = 0;
  wasm_trap_t* trap = call_i32(f, 2, a0, a1, &unused);
  if (!trap) {
    fprintf(stderr, "call(%d, %d) did not trap\n", a0, a1);
    exit(1);
  }
  check_message(trap, NULL);
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
  check_usage(argc, argv, 1, "table.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_functype_t* i2i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  CHECK(i2i);
  wasm_func_t* plus100 = new_func(store, i2i, plus100_cb);

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
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_table_t* table = table_named(module, &exports, "table");
  wasm_func_t* call = func_named(module, &exports, "call");
  wasm_func_t* call_host = func_named(module, &exports, "call_host");
  wasm_func_t* size = func_named(module, &exports, "size");
  wasm_func_t* host_size = func_named(module, &exports, "host_size");
  wasm_func_t* dbl = func_named(module, &exports, "double");
  // Each function called through call_i32 has an i32 result.
  CHECK(wasm_func_result_arity(call) == 1 && wasm_func_result_arity(call_host) == 1 &&
        wasm_func_result_arity(size) == 1 && wasm_func_result_arity(host_size) == 1);

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

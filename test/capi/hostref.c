// hostref: externref values made by the host (wasm_foreign_new, wasm_foreign_as_ref)
// passed into Wasm and back: as function parameters and results (through a host function
// too), in globals and tables, set and read from either side; identity (wasm_ref_same)
// and host info survive the round trips; null references; host info finalizers run once
// each, after the objects are gone.
#include "capi_test.h"

typedef struct info_t {
  const char* name;
  int finalized;
} info_t;

static info_t info1 = {"one", 0}, info2 = {"two", 0};
static int finalizer_runs = 0;

static void finalize_info(void* p) {
  info_t* info = (info_t*)p;
  CHECK(info == &info1 || info == &info2);
  info->finalized++;
  finalizer_runs++;
}

static int ident_calls = 0;

static wasm_trap_t* ident_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 1 && results->size == 1);
  CHECK(args->data[0].kind == WASM_EXTERNREF);
  ident_calls++;
  results->data[0].kind = WASM_EXTERNREF;
  results->data[0].of.ref = args->data[0].of.ref ? wasm_ref_copy(args->data[0].of.ref) : NULL;
  return NULL;
}

// f(args...) -> externref; the result is owned by the caller.
static wasm_ref_t* call_ref(const wasm_func_t* f, wasm_val_t* args, size_t n) {
  wasm_val_t r[1];
  memset(r, 0, sizeof r);
  wasm_val_vec_t a = {n, n ? args : NULL};
  wasm_val_vec_t res = {1, r};
  wasm_trap_t* trap = wasm_func_call(f, &a, &res);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_EXTERNREF);
  return r[0].of.ref;
}

static void call_void(const wasm_func_t* f, wasm_val_t* args, size_t n) {
  wasm_val_vec_t a = {n, args};
  wasm_val_vec_t res = {0, NULL};
  wasm_trap_t* trap = wasm_func_call(f, &a, &res);
  CHECK(trap == NULL);
}

static int32_t call_is_null(const wasm_func_t* f, wasm_ref_t* ref) {
  wasm_val_t a[1] = {val_externref(ref)};
  wasm_val_t r[1];
  memset(r, 0, sizeof r);
  wasm_val_vec_t args = {1, a};
  wasm_val_vec_t res = {1, r};
  CHECK(wasm_func_call(f, &args, &res) == NULL);
  CHECK(r[0].kind == WASM_I32);
  return r[0].of.i32;
}

// `got` (owned, deleted here) must be the same object as `expected`, with host info `info`.
static void expect_same(wasm_ref_t* got, const wasm_ref_t* expected, const info_t* info) {
  CHECK(got != NULL);
  CHECK(wasm_ref_same(got, expected));
  CHECK(wasm_ref_get_host_info(got) == info);
  wasm_ref_delete(got);
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "hostref.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  // Two host objects; host info set through the reference and through the foreign.
  wasm_foreign_t* foreign1 = wasm_foreign_new(store);
  wasm_foreign_t* foreign2 = wasm_foreign_new(store);
  CHECK(foreign1 && foreign2);
  wasm_ref_t* ref1 = wasm_foreign_as_ref(foreign1);
  wasm_ref_t* ref2 = wasm_foreign_as_ref(foreign2);
  CHECK(ref1 && ref2);
  CHECK(wasm_ref_get_host_info(ref1) == NULL);
  wasm_ref_set_host_info_with_finalizer(ref1, &info1, finalize_info);
  wasm_foreign_set_host_info_with_finalizer(foreign2, &info2, finalize_info);
  CHECK(wasm_ref_get_host_info(ref1) == &info1);
  CHECK(wasm_foreign_get_host_info(foreign1) == &info1);
  CHECK(wasm_ref_get_host_info(ref2) == &info2);
  CHECK(wasm_ref_as_foreign(ref1) != NULL);
  CHECK(wasm_ref_same(ref1, ref1));
  CHECK(!wasm_ref_same(ref1, ref2));
  wasm_ref_t* copy1 = wasm_ref_copy(ref1);
  CHECK(copy1 && wasm_ref_same(copy1, ref1));
  CHECK(wasm_ref_get_host_info(copy1) == &info1);
  printf("two host references, distinct, with host info\n");

  wasm_func_t* ident = new_func(
      store, wasm_functype_new_1_1(wasm_valtype_new_externref(), wasm_valtype_new_externref()),
      ident_cb);
  wasm_extern_t* list[1] = {wasm_func_as_extern(ident)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* f_call = func_named(module, &exports, "func.call");
  wasm_func_t* f_gset = func_named(module, &exports, "global.set");
  wasm_func_t* f_gget = func_named(module, &exports, "global.get");
  wasm_func_t* f_tset = func_named(module, &exports, "table.set");
  wasm_func_t* f_tget = func_named(module, &exports, "table.get");
  wasm_func_t* f_is_null = func_named(module, &exports, "is_null");
  wasm_global_t* global = global_named(module, &exports, "global");
  wasm_table_t* table = table_named(module, &exports, "table");

  // Parameters and results, through Wasm and the host function.
  wasm_val_t a[2];
  a[0] = val_externref(ref1);
  expect_same(call_ref(f_call, a, 1), ref1, &info1);
  a[0] = val_externref(copy1);
  expect_same(call_ref(f_call, a, 1), ref1, &info1);
  a[0] = val_externref(ref2);
  expect_same(call_ref(f_call, a, 1), ref2, &info2);
  a[0] = val_externref(NULL);
  CHECK(call_ref(f_call, a, 1) == NULL);
  CHECK(ident_calls == 4);
  a[0] = val_externref(ref1);
  expect_same(call_ref(ident, a, 1), ref1, &info1);  // the host function directly
  printf("func.call: references come back the same, null stays null\n");

  CHECK(call_is_null(f_is_null, NULL) == 1);
  CHECK(call_is_null(f_is_null, ref1) == 0);
  CHECK(call_is_null(f_is_null, ref2) == 0);
  printf("ref.is_null: null 1, host references 0\n");

  // Globals.
  wasm_globaltype_t* gtype = wasm_global_type(global);
  CHECK(gtype);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gtype)) == WASM_EXTERNREF);
  CHECK(wasm_globaltype_mutability(gtype) == WASM_VAR);
  wasm_globaltype_delete(gtype);
  wasm_val_t v;
  memset(&v, 0, sizeof v);
  wasm_global_get(global, &v);
  CHECK(v.kind == WASM_EXTERNREF && v.of.ref == NULL);
  a[0] = val_externref(ref1);
  call_void(f_gset, a, 1);
  memset(&v, 0, sizeof v);
  wasm_global_get(global, &v);
  CHECK(v.kind == WASM_EXTERNREF);
  expect_same(v.of.ref, ref1, &info1);
  v = val_externref(ref2);
  wasm_global_set(global, &v);
  expect_same(call_ref(f_gget, NULL, 0), ref2, &info2);
  v = val_externref(NULL);
  wasm_global_set(global, &v);
  CHECK(call_ref(f_gget, NULL, 0) == NULL);
  v = val_externref(ref1);
  wasm_global_set(global, &v);  // left holding ref1
  printf("global: set and read from both sides\n");

  // A global made by the host.
  wasm_globaltype_t* host_gtype = wasm_globaltype_new(wasm_valtype_new_externref(), WASM_VAR);
  CHECK(host_gtype);
  v = val_externref(ref2);
  wasm_global_t* host_global = wasm_global_new(store, host_gtype, &v);
  wasm_globaltype_delete(host_gtype);
  CHECK(host_global);
  memset(&v, 0, sizeof v);
  wasm_global_get(host_global, &v);
  CHECK(v.kind == WASM_EXTERNREF);
  expect_same(v.of.ref, ref2, &info2);
  v = val_externref(NULL);
  wasm_global_set(host_global, &v);
  memset(&v, 0, sizeof v);
  wasm_global_get(host_global, &v);
  CHECK(v.kind == WASM_EXTERNREF && v.of.ref == NULL);
  wasm_global_delete(host_global);
  printf("host global: holds a reference, then null\n");

  // Tables.
  wasm_tabletype_t* ttype = wasm_table_type(table);
  CHECK(ttype);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(ttype)) == WASM_EXTERNREF);
  wasm_tabletype_delete(ttype);
  CHECK(wasm_table_size(table) == 10);
  CHECK(wasm_table_get(table, 0) == NULL);
  CHECK(wasm_table_set(table, 3, ref1));
  wasm_val_t idx;
  memset(&idx, 0, sizeof idx);
  idx.kind = WASM_I32;
  idx.of.i32 = 3;
  expect_same(call_ref(f_tget, &idx, 1), ref1, &info1);
  a[0] = idx;
  a[0].of.i32 = 5;
  a[1] = val_externref(ref2);
  call_void(f_tset, a, 2);
  expect_same(wasm_table_get(table, 5), ref2, &info2);
  CHECK(wasm_table_set(table, 3, NULL));
  CHECK(wasm_table_get(table, 3) == NULL);
  CHECK(call_ref(f_tget, &idx, 1) == NULL);
  CHECK(wasm_table_grow(table, 2, ref1));
  CHECK(wasm_table_size(table) == 12);
  expect_same(wasm_table_get(table, 10), ref1, &info1);
  idx.of.i32 = 11;
  expect_same(call_ref(f_tget, &idx, 1), ref1, &info1);
  CHECK(!wasm_table_set(table, 12, ref1));
  printf("table: set and read from both sides, grown with a reference\n");

  // Everything is still reachable: no finalizer may have run.
  CHECK(finalizer_runs == 0);
  wasm_ref_delete(copy1);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(ident);
  wasm_foreign_delete(foreign1);
  wasm_foreign_delete(foreign2);
  wasm_module_delete(module);
  wasm_store_delete(store);
  CHECK(finalizer_runs == 2);
  CHECK(info1.finalized == 1 && info2.finalized == 1);
  printf("finalizers run: %d\n", finalizer_runs);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

// global: host-made globals (wasm_global_new) imported into a module, globals the module
// exports; reads and writes from the host and from Wasm see each other; global types
// (content and mutability); two instances sharing one imported mutable global.
#include "capi_test.h"

static wasm_global_t* new_global(wasm_store_t* store, wasm_valkind_t kind,
                                 wasm_mutability_t mut, wasm_val_t init) {
  wasm_globaltype_t* type = wasm_globaltype_new(wasm_valtype_new(kind), mut);
  CHECK(type);
  wasm_global_t* g = wasm_global_new(store, type, &init);
  wasm_globaltype_delete(type);
  CHECK(g);
  return g;
}

// Checks a global's type and returns a printable description.
static const char* check_type(const wasm_global_t* g, wasm_valkind_t kind,
                              wasm_mutability_t mut) {
  wasm_globaltype_t* type = wasm_global_type(g);
  CHECK(type);
  const wasm_valtype_t* content = wasm_globaltype_content(type);
  CHECK(content);
  CHECK(wasm_valtype_kind(content) == kind);
  CHECK(wasm_globaltype_mutability(type) == mut);
  wasm_globaltype_delete(type);
  static const char* names[2][4] = {{"const i32", "const i64", "const f32", "const f64"},
                                    {"var i32", "var i64", "var f32", "var f64"}};
  CHECK(kind <= WASM_F64 && mut <= WASM_VAR);
  return names[mut][kind];
}

static wasm_val_t get(const wasm_global_t* g) {
  wasm_val_t v;
  memset(&v, 0, sizeof v);
  wasm_global_get(g, &v);
  return v;
}

// Calls a function of at most one parameter and one result.
static wasm_val_t call(const wasm_func_t* f, const wasm_val_t* arg) {
  wasm_val_t a[1], r[1];
  memset(r, 0, sizeof r);
  wasm_val_vec_t args = {0, NULL};
  if (arg) {
    a[0] = *arg;
    args.size = 1;
    args.data = a;
  }
  wasm_val_vec_t results = {wasm_func_result_arity(f), r};
  CHECK(results.size <= 1);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  CHECK(trap == NULL);
  return r[0];
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "global.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_global_t* ci = new_global(store, WASM_I32, WASM_CONST, val_i32(-12));
  wasm_global_t* vi = new_global(store, WASM_I64, WASM_VAR, val_i64(INT64_C(1) << 33));
  wasm_global_t* cf = new_global(store, WASM_F64, WASM_CONST, val_f64(0.125));
  wasm_global_t* vf = new_global(store, WASM_F32, WASM_VAR, val_f32(-2.5f));
  printf("host const_i32: %s\n", check_type(ci, WASM_I32, WASM_CONST));
  printf("host var_i64: %s\n", check_type(vi, WASM_I64, WASM_VAR));
  printf("host const_f64: %s\n", check_type(cf, WASM_F64, WASM_CONST));
  printf("host var_f32: %s\n", check_type(vf, WASM_F32, WASM_VAR));
  wasm_val_t v = get(ci);
  CHECK(v.kind == WASM_I32 && v.of.i32 == -12);

  wasm_extern_t* list[4] = {wasm_global_as_extern(ci), wasm_global_as_extern(vi),
                            wasm_global_as_extern(cf), wasm_global_as_extern(vf)};
  wasm_instance_t* instance = new_instance(store, module, list, 4);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  wasm_global_t* vi_again = global_named(module, &exports, "var_i64_again");
  wasm_global_t* ei = global_named(module, &exports, "exp_var_i64");
  wasm_global_t* ef = global_named(module, &exports, "exp_var_f64");
  wasm_global_t* ec = global_named(module, &exports, "exp_const_i32");
  wasm_global_t* derived = global_named(module, &exports, "derived");
  printf("export var_i64_again: %s\n", check_type(vi_again, WASM_I64, WASM_VAR));
  printf("export exp_var_i64: %s\n", check_type(ei, WASM_I64, WASM_VAR));
  printf("export exp_var_f64: %s\n", check_type(ef, WASM_F64, WASM_VAR));
  printf("export exp_const_i32: %s\n", check_type(ec, WASM_I32, WASM_CONST));
  printf("export derived: %s\n", check_type(derived, WASM_I32, WASM_CONST));

  wasm_func_t* get_ci = func_named(module, &exports, "get_ci");
  wasm_func_t* get_vi = func_named(module, &exports, "get_vi");
  wasm_func_t* set_vi = func_named(module, &exports, "set_vi");
  wasm_func_t* get_cf = func_named(module, &exports, "get_cf");
  wasm_func_t* get_vf = func_named(module, &exports, "get_vf");
  wasm_func_t* set_vf = func_named(module, &exports, "set_vf");
  wasm_func_t* get_ei = func_named(module, &exports, "get_ei");
  wasm_func_t* set_ei = func_named(module, &exports, "set_ei");
  wasm_func_t* get_ef = func_named(module, &exports, "get_ef");
  wasm_func_t* set_ef = func_named(module, &exports, "set_ef");

  // Initial values, read from both sides.
  v = call(get_ci, NULL);
  CHECK(v.kind == WASM_I32 && v.of.i32 == -12);
  v = call(get_vi, NULL);
  CHECK(v.kind == WASM_I64 && v.of.i64 == INT64_C(8589934592));
  v = call(get_cf, NULL);
  CHECK(v.kind == WASM_F64 && v.of.f64 == 0.125);
  v = call(get_vf, NULL);
  CHECK(v.kind == WASM_F32 && v.of.f32 == -2.5f);
  printf("wasm reads imports: -12 8589934592 0.125 -2.5\n");
  v = get(ei);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -1);
  v = get(ef);
  CHECK(v.kind == WASM_F64 && v.of.f64 == 2.5);
  v = get(ec);
  CHECK(v.kind == WASM_I32 && v.of.i32 == 7);
  v = get(derived);
  CHECK(v.kind == WASM_I32 && v.of.i32 == -12);
  printf("host reads exports: -1 2.5 7 -12\n");

  // Host writes, Wasm reads.
  wasm_val_t nv = val_i64(INT64_MIN + 5);
  wasm_global_set(vi, &nv);
  v = call(get_vi, NULL);
  CHECK(v.kind == WASM_I64 && v.of.i64 == INT64_MIN + 5);
  v = get(vi_again);
  CHECK(v.kind == WASM_I64 && v.of.i64 == INT64_MIN + 5);
  nv = val_f32(1e10f);
  wasm_global_set(vf, &nv);
  v = call(get_vf, NULL);
  CHECK(v.kind == WASM_F32 && v.of.f32 == 1e10f);
  nv = val_i64(42);
  wasm_global_set(ei, &nv);
  v = call(get_ei, NULL);
  CHECK(v.kind == WASM_I64 && v.of.i64 == 42);
  nv = val_f64(-0.75);
  wasm_global_set(ef, &nv);
  v = call(get_ef, NULL);
  CHECK(v.kind == WASM_F64 && v.of.f64 == -0.75);
  printf("wasm sees host writes\n");

  // Wasm writes, host reads (through the host's own handle for imports).
  nv = val_i64(123456789012345);
  call(set_vi, &nv);
  v = get(vi);
  CHECK(v.kind == WASM_I64 && v.of.i64 == INT64_C(123456789012345));
  v = get(vi_again);
  CHECK(v.kind == WASM_I64 && v.of.i64 == INT64_C(123456789012345));
  nv = val_f32(0.5f);
  call(set_vf, &nv);
  v = get(vf);
  CHECK(v.kind == WASM_F32 && v.of.f32 == 0.5f);
  nv = val_i64(-99);
  call(set_ei, &nv);
  v = get(ei);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -99);
  nv = val_f64(6.25);
  call(set_ef, &nv);
  v = get(ef);
  CHECK(v.kind == WASM_F64 && v.of.f64 == 6.25);
  printf("host sees wasm writes\n");

  // Through the re-exported handle: the same global as the host's.
  nv = val_i64(7);
  wasm_global_set(vi_again, &nv);
  v = get(vi);
  CHECK(v.kind == WASM_I64 && v.of.i64 == 7);
  printf("re-exported global is the imported one\n");

  // A second instance with the same imports shares the mutable globals; its own
  // globals start afresh.
  wasm_instance_t* instance2 = new_instance(store, module, list, 4);
  wasm_extern_vec_t exports2;
  wasm_instance_exports(instance2, &exports2);
  wasm_func_t* get_vi2 = func_named(module, &exports2, "get_vi");
  wasm_func_t* get_ei2 = func_named(module, &exports2, "get_ei");
  nv = val_i64(-31);
  call(set_vi, &nv);
  v = call(get_vi2, NULL);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -31);
  v = call(get_ei2, NULL);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -1);
  v = call(get_ei, NULL);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -99);
  printf("second instance shares imports, not its own globals\n");

  wasm_extern_vec_delete(&exports2);
  wasm_instance_delete(instance2);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_global_delete(ci);
  wasm_global_delete(vi);
  wasm_global_delete(cf);
  wasm_global_delete(vf);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

// multi: multi-value functions: a host function with four results imported and called
// from Wasm, Wasm functions with two and three results; function type arities and kinds
// (wasm_functype_params/results, wasm_func_param_arity/result_arity).
#include "capi_test.h"

// Prints "name: (params) -> (results)" from wasm_func_type, checking it against the arities.
static void print_type(const char* name, const wasm_func_t* f) {
  wasm_functype_t* type = wasm_func_type(f);
  CHECK(type);
  const wasm_valtype_vec_t* ps = wasm_functype_params(type);
  const wasm_valtype_vec_t* rs = wasm_functype_results(type);
  CHECK(ps && rs);
  CHECK(ps->size == wasm_func_param_arity(f));
  CHECK(rs->size == wasm_func_result_arity(f));
  printf("%s: (", name);
  for (size_t i = 0; i < ps->size; i++)
    printf("%s%s", i ? " " : "", valkind_name(wasm_valtype_kind(ps->data[i])));
  printf(") -> (");
  for (size_t i = 0; i < rs->size; i++)
    printf("%s%s", i ? " " : "", valkind_name(wasm_valtype_kind(rs->data[i])));
  printf(")\n");
  wasm_functype_delete(type);
}

static int rotate_calls = 0;

// rotate(a, b, c, d) = (d * 2, a + 1, b - 1, c * 0.5)
static wasm_trap_t* rotate_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  rotate_calls++;
  CHECK(args->size == 4 && results->size == 4);
  CHECK(args->data[0].kind == WASM_I32 && args->data[1].kind == WASM_I64 &&
        args->data[2].kind == WASM_F32 && args->data[3].kind == WASM_F64);
  results->data[0].kind = WASM_F64;
  results->data[0].of.f64 = args->data[3].of.f64 * 2;
  results->data[1].kind = WASM_I32;
  results->data[1].of.i32 = args->data[0].of.i32 + 1;
  results->data[2].kind = WASM_I64;
  results->data[2].of.i64 = args->data[1].of.i64 - 1;
  results->data[3].kind = WASM_F32;
  results->data[3].of.f32 = args->data[2].of.f32 * 0.5f;
  return NULL;
}

static void set4(wasm_val_t* a, int32_t i, int64_t l, float f, double d) {
  memset(a, 0, 4 * sizeof *a);
  a[0].kind = WASM_I32;
  a[0].of.i32 = i;
  a[1].kind = WASM_I64;
  a[1].of.i64 = l;
  a[2].kind = WASM_F32;
  a[2].of.f32 = f;
  a[3].kind = WASM_F64;
  a[3].of.f64 = d;
}

static void check_rotated(const wasm_val_t* r) {
  CHECK(r[0].kind == WASM_F64 && r[0].of.f64 == 4.5);
  CHECK(r[1].kind == WASM_I32 && r[1].of.i32 == 11);
  CHECK(r[2].kind == WASM_I64 && r[2].of.i64 == INT64_C(19999999999));
  CHECK(r[3].kind == WASM_F32 && r[3].of.f32 == 0.75f);
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "multi.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_valtype_t* ps[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                           wasm_valtype_new_f32(), wasm_valtype_new_f64()};
  wasm_valtype_t* rs[4] = {wasm_valtype_new_f64(), wasm_valtype_new_i32(),
                           wasm_valtype_new_i64(), wasm_valtype_new_f32()};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 4, ps);
  wasm_valtype_vec_new(&results, 4, rs);
  wasm_functype_t* rotate_type = wasm_functype_new(&params, &results);
  CHECK(rotate_type);
  CHECK(wasm_functype_params(rotate_type)->size == 4);
  CHECK(wasm_functype_results(rotate_type)->size == 4);
  CHECK(wasm_valtype_kind(wasm_functype_results(rotate_type)->data[2]) == WASM_I64);
  wasm_functype_t* copy = wasm_functype_copy(rotate_type);
  CHECK(copy && copy != rotate_type);
  CHECK(wasm_functype_results(copy)->size == 4);
  CHECK(wasm_valtype_kind(wasm_functype_params(copy)->data[3]) == WASM_F64);
  wasm_functype_delete(copy);
  wasm_func_t* rotate = new_func(store, rotate_type, rotate_cb);
  CHECK(wasm_func_param_arity(rotate) == 4 && wasm_func_result_arity(rotate) == 4);
  print_type("host rotate", rotate);

  wasm_extern_t* list[1] = {wasm_func_as_extern(rotate)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* roundtrip = func_named(module, &exports, "roundtrip");
  wasm_func_t* swap = func_named(module, &exports, "swap");
  wasm_func_t* triple = func_named(module, &exports, "triple");
  wasm_func_t* divmod = func_named(module, &exports, "divmod");
  wasm_func_t* sum_rotated = func_named(module, &exports, "sum_rotated");
  print_type("roundtrip", roundtrip);
  print_type("swap", swap);
  print_type("triple", triple);
  print_type("divmod", divmod);
  print_type("sum_rotated", sum_rotated);

  wasm_val_t a[4], r[4];
  wasm_val_vec_t args = {4, a};
  wasm_val_vec_t res = {4, r};

  // The host function directly, then through Wasm.
  set4(a, 10, INT64_C(20000000000), 1.5f, 2.25);
  memset(r, 0, sizeof r);
  wasm_trap_t* trap = wasm_func_call(rotate, &args, &res);
  CHECK(trap == NULL);
  check_rotated(r);
  memset(r, 0, sizeof r);
  trap = wasm_func_call(roundtrip, &args, &res);
  CHECK(trap == NULL);
  check_rotated(r);
  CHECK(rotate_calls == 2);
  printf("roundtrip(10, 20000000000, 1.5, 2.25) = (%.2f, %" PRId32 ", %" PRId64 ", %.2f)\n",
         r[0].of.f64, r[1].of.i32, r[2].of.i64, (double)r[3].of.f32);

  // 11 + (i32)19999999999 + 0 + 4 (i32 wrap of 19999999999 = -1474836481).
  wasm_val_t one[1];
  memset(one, 0, sizeof one);
  wasm_val_vec_t one_res = {1, one};
  trap = wasm_func_call(sum_rotated, &args, &one_res);
  CHECK(trap == NULL);
  CHECK(one[0].kind == WASM_I32 && one[0].of.i32 == -1474836466);
  CHECK(rotate_calls == 3);
  printf("sum_rotated(...) = %" PRId32 "\n", one[0].of.i32);

  memset(a, 0, sizeof a);
  a[0].kind = WASM_I32;
  a[0].of.i32 = 1;
  a[1].kind = WASM_I32;
  a[1].of.i32 = 2;
  args.size = 2;
  res.size = 2;
  memset(r, 0, sizeof r);
  trap = wasm_func_call(swap, &args, &res);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 2 && r[1].kind == WASM_I32 && r[1].of.i32 == 1);
  printf("swap(1, 2) = (%" PRId32 ", %" PRId32 ")\n", r[0].of.i32, r[1].of.i32);

  a[0].of.i32 = 47;
  a[1].of.i32 = 5;
  memset(r, 0, sizeof r);
  trap = wasm_func_call(divmod, &args, &res);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 9 && r[1].kind == WASM_I32 && r[1].of.i32 == 2);
  printf("divmod(47, 5) = (%" PRId32 ", %" PRId32 ")\n", r[0].of.i32, r[1].of.i32);

  args.size = 0;
  args.data = NULL;
  res.size = 3;
  memset(r, 0, sizeof r);
  trap = wasm_func_call(triple, &args, &res);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 1);
  CHECK(r[1].kind == WASM_I64 && r[1].of.i64 == -2);
  CHECK(r[2].kind == WASM_F64 && r[2].of.f64 == 3.5);
  printf("triple() = (%" PRId32 ", %" PRId64 ", %.1f)\n", r[0].of.i32, r[1].of.i64, r[2].of.f64);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(rotate);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

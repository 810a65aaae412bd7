// wrong_types: wasm_func_call with arguments whose kinds do not match the function's
// parameters returns a trap (with a message) instead of running the function; the same
// functions called correctly afterwards still work. Also for a host function.
#include "capi_test.h"

static int twice_calls = 0;

static wasm_trap_t* twice_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  twice_calls++;
  if (args->size != 1 || args->data[0].kind != WASM_I64 || results->size != 1) {
    fprintf(stderr, "host function called with wrong arguments\n");
    exit(1);
  }
  results->data[0].kind = WASM_I64;
  results->data[0].of.i64 = args->data[0].of.i64 * 2;
  return NULL;
}

// The call must return a trap with a non-empty message.
static void expect_trap(const char* what, wasm_trap_t* trap) {
  if (!trap) {
    fprintf(stderr, "%s: no trap\n", what);
    exit(1);
  }
  check_message(trap, NULL);
  wasm_trap_delete(trap);
  printf("%s: trap returned, with a message\n", what);
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "wrong_types.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i64(), wasm_valtype_new_i64());
  wasm_func_t* twice = new_func(store, type, twice_cb);
  wasm_extern_t* list[1] = {wasm_func_as_extern(twice)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 2);
  wasm_func_t* add = wasm_extern_as_func(exports.data[0]);
  wasm_func_t* wasm_twice = wasm_extern_as_func(exports.data[1]);
  CHECK(add && wasm_twice);

  wasm_val_t a[2], r[1];
  wasm_val_vec_t args = {2, a};
  wasm_val_vec_t results = {1, r};

  // add(i32, i32) given (i64, i32), then (i32, f32), then (externref null, i32).
  memset(a, 0, sizeof a);
  memset(r, 0, sizeof r);
  a[0].kind = WASM_I64;
  a[0].of.i64 = 1;
  a[1].kind = WASM_I32;
  a[1].of.i32 = 2;
  expect_trap("add(i64, i32)", wasm_func_call(add, &args, &results));
  a[0].kind = WASM_I32;
  a[0].of.i32 = 1;
  a[1].kind = WASM_F32;
  a[1].of.f32 = 2.0f;
  expect_trap("add(i32, f32)", wasm_func_call(add, &args, &results));
  memset(a, 0, sizeof a);
  a[0].kind = WASM_EXTERNREF;
  a[0].of.ref = NULL;
  a[1].kind = WASM_I32;
  a[1].of.i32 = 2;
  expect_trap("add(externref, i32)", wasm_func_call(add, &args, &results));

  // twice(i64) given an f64, both the Wasm export and the host function itself; the host
  // callback must not run.
  args.size = 1;
  memset(a, 0, sizeof a);
  a[0].kind = WASM_F64;
  a[0].of.f64 = 3.0;
  expect_trap("wasm twice(f64)", wasm_func_call(wasm_twice, &args, &results));
  expect_trap("host twice(f64)", wasm_func_call(twice, &args, &results));
  CHECK(twice_calls == 0);

  // Correct calls work afterwards.
  args.size = 2;
  memset(a, 0, sizeof a);
  a[0].kind = WASM_I32;
  a[0].of.i32 = 40;
  a[1].kind = WASM_I32;
  a[1].of.i32 = 2;
  memset(r, 0, sizeof r);
  CHECK(wasm_func_call(add, &args, &results) == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 42);
  int32_t sum = r[0].of.i32;
  args.size = 1;
  a[0].kind = WASM_I64;
  a[0].of.i64 = 21;
  memset(r, 0, sizeof r);
  CHECK(wasm_func_call(wasm_twice, &args, &results) == NULL);
  CHECK(r[0].kind == WASM_I64 && r[0].of.i64 == 42);
  CHECK(twice_calls == 1);
  printf("correct calls: add(40, 2) = %" PRId32 ", twice(21) = %" PRId64 "\n", sum,
         r[0].of.i64);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(twice);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

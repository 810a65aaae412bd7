// hello: a host function imported into a module and called from Wasm; exports looked up
// by index in wasm_instance_exports; wasm_func_call on a Wasm and on a host function.
#include "capi_test.h"

static int hello_calls = 0;

static wasm_trap_t* hello_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  hello_calls++;
  if (args->size != 1 || args->data[0].kind != WASM_I32 || results->size != 0) {
    fprintf(stderr, "hello: unexpected arguments (%zu, %zu)\n", args->size, results->size);
    exit(1);
  }
  printf("host: hello, argument %" PRId32 "\n", args->data[0].of.i32);
  return NULL;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "hello.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);

  wasm_module_t* module = load_module(store, argv[1]);
  printf("module compiled\n");

  wasm_functype_t* hello_type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  CHECK(hello_type);
  wasm_func_t* hello = new_func(store, hello_type, hello_cb);
  CHECK(wasm_func_param_arity(hello) == 1);
  CHECK(wasm_func_result_arity(hello) == 0);

  wasm_extern_t* import_list[1] = {wasm_func_as_extern(hello)};
  CHECK(import_list[0]);
  wasm_instance_t* instance = new_instance(store, module, import_list, 1);
  printf("module instantiated\n");

  // Exports by index: the module's export types give the names, in the same order.
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(export_types.size == 2);
  CHECK(exports.size == 2);
  CHECK(name_is(wasm_exporttype_name(export_types.data[0]), "first"));
  CHECK(name_is(wasm_exporttype_name(export_types.data[1]), "run"));
  CHECK(wasm_extern_kind(exports.data[0]) == WASM_EXTERN_FUNC);
  CHECK(wasm_extern_kind(exports.data[1]) == WASM_EXTERN_FUNC);
  printf("exports: %zu\n", exports.size);

  wasm_func_t* first = wasm_extern_as_func(exports.data[0]);
  wasm_func_t* run = wasm_extern_as_func(exports.data[1]);
  CHECK(first && run);
  CHECK(wasm_func_param_arity(run) == 1);
  CHECK(wasm_func_result_arity(run) == 1);

  wasm_val_t res[1];
  memset(res, 0, sizeof res);
  wasm_val_vec_t no_args = {0, NULL};
  wasm_val_vec_t results = {1, res};
  wasm_trap_t* trap = wasm_func_call(first, &no_args, &results);
  CHECK(trap == NULL);
  CHECK(res[0].kind == WASM_I32 && res[0].of.i32 == 7);
  printf("wasm: first() = %" PRId32 "\n", res[0].of.i32);
  CHECK(hello_calls == 0);

  wasm_val_t arg[1] = {val_i32(41)};
  wasm_val_vec_t args = {1, arg};
  memset(res, 0, sizeof res);
  printf("calling run(41)\n");
  trap = wasm_func_call(run, &args, &results);
  CHECK(trap == NULL);
  CHECK(res[0].kind == WASM_I32 && res[0].of.i32 == 42);
  CHECK(hello_calls == 1);
  printf("wasm: run(41) = %" PRId32 "\n", res[0].of.i32);

  // A host function can be called through the API directly too.
  arg[0].of.i32 = -5;
  wasm_val_vec_t no_results = {0, NULL};
  trap = wasm_func_call(hello, &args, &no_results);
  CHECK(trap == NULL);
  CHECK(hello_calls == 2);

  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&export_types);
  wasm_instance_delete(instance);
  wasm_func_delete(hello);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

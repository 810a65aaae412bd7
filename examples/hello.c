/* hello: compile a module in-process (libkiln), give it a host function, call it. */
#include "common.h"

/* The host function: its environment counts the calls. */
static wasm_trap_t* log_number(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  int* calls = env;
  ++*calls;
  printf("log: %d\n", args->data[0].of.i32);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hello hello.wasm\n");
    return 2;
  }
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t bytes;
  read_file(argv[1], &bytes);
  wasm_module_t* module = wasm_module_new(store, &bytes);
  wasm_byte_vec_delete(&bytes);
  if (!module) die("compiling hello.wasm");

  int calls = 0;
  wasm_functype_t* type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* log = wasm_func_new_with_env(store, type, log_number, &calls, NULL);
  wasm_functype_delete(type);

  wasm_extern_t* imports[] = {wasm_func_as_extern(log)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, &trap);
  if (!instance) die("instantiating");

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* run = wasm_extern_as_func(exports.data[0]);
  for (int i = 1; i <= 3; ++i) {
    wasm_val_t args[1] = {WASM_I32_VAL(i * 10)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    wasm_val_vec_t arg_vec = WASM_ARRAY_VEC(args), result_vec = WASM_ARRAY_VEC(results);
    trap = wasm_func_call(run, &arg_vec, &result_vec);
    if (trap) {
      print_trap("run", trap);
      return 1;
    }
    printf("run(%d) = %d\n", i * 10, results[0].of.i32);
  }
  printf("host calls: %d\n", calls);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(log);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}

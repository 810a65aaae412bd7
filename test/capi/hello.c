// hello: a host function imported into a module and called from Wasm; exports looked up
// by index in wasm_instance_exports; wasm_func_call on a Wasm and on a host function.
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

static int name_is(const wasm_name_t* name, const char* s) {
  return name->size == strlen(s) && memcmp(name->data, s, name->size) == 0;
}

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
  if (argc < 2) {
    fprintf(stderr, "usage: %s hello.wasm\n", argv[0]);
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
  printf("module compiled\n");

  wasm_functype_t* hello_type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  CHECK(hello_type);
  wasm_func_t* hello = wasm_func_new(store, hello_type, hello_cb);
  wasm_functype_delete(hello_type);
  CHECK(hello);
  CHECK(wasm_func_param_arity(hello) == 1);
  CHECK(wasm_func_result_arity(hello) == 0);

  wasm_extern_t* import_list[1] = {wasm_func_as_extern(hello)};
  CHECK(import_list[0]);
  wasm_extern_vec_t imports = {1, import_list};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance);
  CHECK(trap == NULL);
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
  trap = wasm_func_call(first, &no_args, &results);
  CHECK(trap == NULL);
  CHECK(res[0].kind == WASM_I32 && res[0].of.i32 == 7);
  printf("wasm: first() = %" PRId32 "\n", res[0].of.i32);
  CHECK(hello_calls == 0);

  wasm_val_t arg[1];
  memset(arg, 0, sizeof arg);
  arg[0].kind = WASM_I32;
  arg[0].of.i32 = 41;
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

/* signed: the engine requires artifacts signed by a key; a signed one loads, an unsigned
 * one is refused before anything is mapped. */
#include "common.h"

static void try_load(wasm_store_t* store, const char* path, const char* label) {
  wasm_module_t* module = kiln_module_load_file(store, path);
  if (!module) {
    printf("%s: refused\n", label);
    return;
  }
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  wasm_extern_t* answer = instance ? kiln_instance_export(instance, "answer") : NULL;
  wasm_val_t result = WASM_INIT_VAL;
  wasm_val_vec_t args = WASM_EMPTY_VEC, results = {1, &result};
  wasm_trap_t* trap = answer ? wasm_func_call(wasm_extern_as_func(answer), &args, &results) : NULL;
  if (trap) wasm_trap_delete(trap);
  printf("%s: loaded, answer() = %d\n", label, result.of.i32);
  if (answer) wasm_extern_delete(answer);
  if (instance) wasm_instance_delete(instance);
  wasm_module_delete(module);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: signed KEY.pub signed.so unsigned.so\n");
    return 2;
  }
  wasm_config_t* config = wasm_config_new();
  if (!kiln_config_require_signature_file(config, argv[1])) die("reading the key");
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  try_load(store, argv[2], "signed");
  try_load(store, argv[3], "unsigned");
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}

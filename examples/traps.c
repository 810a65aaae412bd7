/* traps: every failure is a trap object with a message, a code and where it happened;
 * the process, the store and the instance carry on. */
#include <string.h>

#include "common.h"

static wasm_trap_t* fail(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_store_t* store = env;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "the host says no");
  wasm_trap_t* trap = wasm_trap_new(store, &message);
  wasm_byte_vec_delete(&message);
  return trap;
}

static void call(wasm_instance_t* instance, const char* name, wasm_val_t* args, size_t n) {
  wasm_extern_t* e = kiln_instance_export(instance, name);
  wasm_val_vec_t arg_vec = {n, args};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t result_vec = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(e), &arg_vec, &result_vec);
  if (!trap) {
    printf("%s: ok\n", name);
  } else {
    wasm_frame_t* origin = wasm_trap_origin(trap);
    if (origin) {
      wasm_name_t fn;
      kiln_frame_func_name(origin, &fn);
      printf("%s: code %d in function %u (%.*s) at byte 0x%zx of the module\n", name,
             (int)kiln_trap_get_code(trap), wasm_frame_func_index(origin), (int)fn.size,
             fn.data, wasm_frame_module_offset(origin));
      wasm_byte_vec_delete(&fn);
      wasm_frame_delete(origin);
      // The whole trace: the trapping frame, then each call that led to it.
      wasm_frame_vec_t trace;
      wasm_trap_trace(trap, &trace);
      for (size_t i = 1; i < trace.size; ++i)
        printf("%s:   called from function %u at byte 0x%zx\n", name,
               wasm_frame_func_index(trace.data[i]), wasm_frame_module_offset(trace.data[i]));
      wasm_frame_vec_delete(&trace);
    } else {
      printf("%s: code %d\n", name, (int)kiln_trap_get_code(trap));
    }
    print_trap(name, trap);
  }
  wasm_extern_delete(e);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t bytes;
  read_file(argv[1], &bytes);
  wasm_module_t* module = wasm_module_new(store, &bytes);
  wasm_byte_vec_delete(&bytes);
  if (!module) die("compiling traps.wasm");
  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* host = wasm_func_new_with_env(store, type, fail, store, NULL);
  wasm_functype_delete(type);
  wasm_extern_t* imports[] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
  if (!instance) die("instantiating");

  call(instance, "crash", NULL, 0);
  call(instance, "nested", NULL, 0);
  wasm_val_t div[2] = {WASM_I32_VAL(7), WASM_I32_VAL(0)};
  call(instance, "divide", div, 2);
  wasm_val_t load[1] = {WASM_I32_VAL(70000)};
  call(instance, "load", load, 1);
  call(instance, "host", NULL, 0);
  /* Wrong argument types are refused with a trap, never a crash. */
  wasm_val_t wrong[2] = {WASM_F64_VAL(1.5), WASM_I32_VAL(1)};
  call(instance, "divide", wrong, 2);
  /* And the instance still works. */
  wasm_val_t ok[2] = {WASM_I32_VAL(7), WASM_I32_VAL(2)};
  call(instance, "divide", ok, 2);

  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}

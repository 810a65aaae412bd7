// start: a module whose start function traps: wasm_instance_new returns NULL and hands the
// trap back through its out-parameter (with the message of `unreachable`, or of the host
// function that refused); a NULL out-parameter is allowed; the data segment was written
// before the start function ran. With a start function that succeeds, the instance is
// made and the start function's effects are visible.
#include "capi_test.h"

static int fail_calls = 0, log_calls = 0;
static int32_t logged = -1;

static wasm_trap_t* fail_cb(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  fail_calls++;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "start refused by host");
  wasm_trap_t* trap = wasm_trap_new((wasm_store_t*)env, &message);
  wasm_name_delete(&message);
  return trap;
}

static wasm_trap_t* log_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  CHECK(args->size == 1 && args->data[0].kind == WASM_I32);
  log_calls++;
  logged = args->data[0].of.i32;
  return NULL;
}

typedef struct host_t {
  wasm_func_t* fail;
  wasm_func_t* log;
  wasm_memory_t* mem;
} host_t;

// Instantiates with mode `mode`; returns the instance (or NULL) and the trap in *trap
// (when trap is not NULL).
static wasm_instance_t* instantiate(wasm_store_t* store, const wasm_module_t* module,
                                    const host_t* host, int32_t mode, wasm_trap_t** trap) {
  wasm_globaltype_t* type = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  CHECK(type);
  wasm_val_t v = val_i32(mode);
  wasm_global_t* g = wasm_global_new(store, type, &v);
  wasm_globaltype_delete(type);
  CHECK(g);
  wasm_extern_t* list[4] = {wasm_global_as_extern(g), wasm_func_as_extern(host->fail),
                            wasm_func_as_extern(host->log), wasm_memory_as_extern(host->mem)};
  wasm_extern_vec_t imports = {4, list};
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, trap);
  wasm_global_delete(g);
  return instance;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "start.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  host_t host;
  wasm_functype_t* t_fail = wasm_functype_new_0_0();
  wasm_functype_t* t_log = wasm_functype_new_1_0(wasm_valtype_new_i32());
  host.fail = wasm_func_new_with_env(store, t_fail, fail_cb, store, NULL);
  host.log = wasm_func_new(store, t_log, log_cb);
  wasm_functype_delete(t_fail);
  wasm_functype_delete(t_log);
  wasm_limits_t limits = {1, 1};
  wasm_memorytype_t* t_mem = wasm_memorytype_new(&limits);
  host.mem = wasm_memory_new(store, t_mem);
  wasm_memorytype_delete(t_mem);
  CHECK(host.fail && host.log && host.mem);
  char* data = wasm_memory_data(host.mem);
  CHECK(data && data[0] == 0 && data[1] == 0);

  // Mode 0: unreachable in the start function.
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = instantiate(store, module, &host, 0, &trap);
  CHECK(instance == NULL);
  CHECK(trap != NULL);
  check_message(trap, "unreachable");
  wasm_trap_delete(trap);
  CHECK(fail_calls == 0 && log_calls == 0);
  data = wasm_memory_data(host.mem);
  CHECK(data[0] == 'o' && data[1] == 'k');
  printf("mode 0: no instance, trap \"unreachable\"; data segment already written\n");

  // The same without a place for the trap.
  data[0] = data[1] = 0;
  instance = instantiate(store, module, &host, 0, NULL);
  CHECK(instance == NULL);
  CHECK(data[0] == 'o' && data[1] == 'k');
  printf("mode 0 without a trap out-parameter: no instance\n");

  // Mode 1: a host function called by the start function traps.
  trap = NULL;
  instance = instantiate(store, module, &host, 1, &trap);
  CHECK(instance == NULL);
  CHECK(trap != NULL);
  CHECK(fail_calls == 1 && log_calls == 0);
  check_message(trap, "start refused by host");
  wasm_trap_delete(trap);
  printf("mode 1: no instance, the host's trap\n");

  // Mode 2: the start function completes.
  trap = NULL;
  instance = instantiate(store, module, &host, 2, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);
  CHECK(log_calls == 1 && logged == 2);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 1 && wasm_extern_kind(exports.data[0]) == WASM_EXTERN_GLOBAL);
  wasm_val_t v;
  memset(&v, 0, sizeof v);
  wasm_global_get(wasm_extern_as_global(exports.data[0]), &v);
  CHECK(v.kind == WASM_I32 && v.of.i32 == 42);
  printf("mode 2: instance made, start logged %" PRId32 ", started = %" PRId32 "\n", logged,
         v.of.i32);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);

  wasm_func_delete(host.fail);
  wasm_func_delete(host.log);
  wasm_memory_delete(host.mem);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

/* limits: fuel, a wall-clock timeout and a memory cap, each ending in a trap or a refusal
 * while the store stays usable. */
#include "common.h"

static wasm_func_t* export_func(wasm_instance_t* instance, const char* name,
                                wasm_extern_t** keep) {
  *keep = kiln_instance_export(instance, name);
  return *keep ? wasm_extern_as_func(*keep) : NULL;
}

static void report(const char* what, wasm_trap_t* trap, const wasm_val_t* result) {
  if (!trap) {
    printf("%s: returned %d\n", what, result->of.i32);
    return;
  }
  printf("%s: code %d\n", what, (int)kiln_trap_get_code(trap));
  print_trap(what, trap);
}

struct guest {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module;
  wasm_instance_t* instance;
};

static struct guest start(const char* path, wasm_config_t* config, uint64_t max_pages) {
  struct guest g;
  g.engine = config ? wasm_engine_new_with_config(config) : wasm_engine_new();
  g.store = wasm_store_new(g.engine);
  if (max_pages) kiln_store_set_max_memory_pages(g.store, max_pages);
  wasm_byte_vec_t bytes;
  read_file(path, &bytes);
  g.module = wasm_module_new(g.store, &bytes);
  wasm_byte_vec_delete(&bytes);
  if (!g.module) die("compiling limits.wasm");
  g.instance = wasm_instance_new(g.store, g.module, NULL, NULL);
  if (!g.instance) die("instantiating");
  return g;
}

static void stop(struct guest* g) {
  wasm_instance_delete(g->instance);
  wasm_module_delete(g->module);
  wasm_store_delete(g->store);
  wasm_engine_delete(g->engine);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  wasm_val_t result = WASM_INIT_VAL;
  wasm_val_vec_t results = {1, &result};
  wasm_extern_t *e1, *e2, *e3;

  /* Fuel needs code that meters it: this engine compiles with fuel metering. */
  wasm_config_t* config = wasm_config_new();
  kiln_config_consume_fuel(config, true);
  struct guest metered = start(argv[1], config, 0);
  wasm_func_t* count = export_func(metered.instance, "count", &e1);
  kiln_store_set_fuel(metered.store, 10000);
  wasm_val_t small[1] = {WASM_I32_VAL(100)};
  wasm_val_vec_t small_args = WASM_ARRAY_VEC(small);
  report("count(100) with 10000 fuel", wasm_func_call(count, &small_args, &results), &result);
  uint64_t left = 0;
  kiln_store_get_fuel(metered.store, &left);
  printf("fuel used: %s\n", left < 10000 && left > 8000 ? "between 0 and 2000" : "unexpected");
  wasm_val_t big[1] = {WASM_I32_VAL(1000000)};
  wasm_val_vec_t big_args = WASM_ARRAY_VEC(big);
  report("count(1000000)", wasm_func_call(count, &big_args, &results), &result);
  /* More fuel, and the same store runs again. */
  kiln_store_set_fuel(metered.store, 10000);
  report("count(100) after refuelling", wasm_func_call(count, &small_args, &results), &result);
  wasm_extern_delete(e1);
  stop(&metered);

  /* A timeout (interruption by signal: no cost in the code) and a cap of 4 memory pages. */
  struct guest capped = start(argv[1], NULL, 4);
  wasm_func_t* forever = export_func(capped.instance, "forever", &e2);
  wasm_func_t* grow = export_func(capped.instance, "grow", &e3);
  kiln_store_set_timeout(capped.store, 100);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  report("forever with a 100 ms timeout", wasm_func_call(forever, &none, &results), &result);
  kiln_store_set_timeout(capped.store, 0);
  kiln_store_reset_interrupt(capped.store);
  /* memory.grow past the cap returns -1. */
  wasm_val_t two[1] = {WASM_I32_VAL(2)};
  wasm_val_vec_t two_args = WASM_ARRAY_VEC(two);
  report("grow(2)", wasm_func_call(grow, &two_args, &results), &result);
  report("grow(2) again", wasm_func_call(grow, &two_args, &results), &result);
  wasm_extern_delete(e2);
  wasm_extern_delete(e3);
  stop(&capped);
  return 0;
}

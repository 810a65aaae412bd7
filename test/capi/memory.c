// memory: an exported memory seen through wasm_memory_data / data_size / size / grow
// (growth up to the maximum and refused beyond it), loads and stores from Wasm and from
// the host seeing each other, out-of-bounds accesses trapping; then a host-made memory
// (wasm_memory_new) imported into a second module (argv[2]).
#include "capi_test.h"

// The call must trap with an out-of-bounds message.
static void call_oob(const wasm_func_t* f, int n, int32_t a0, int32_t a1) {
  wasm_trap_t* trap = call_i32(f, n, a0, a1, NULL);
  CHECK(trap != NULL);
  check_message(trap, "out of bounds");
  wasm_trap_delete(trap);
}

static void check_limits(const wasm_memory_t* mem, uint32_t min, uint32_t max) {
  wasm_memorytype_t* type = wasm_memory_type(mem);
  CHECK(type);
  const wasm_limits_t* limits = wasm_memorytype_limits(type);
  CHECK(limits && limits->min == min && limits->max == max);
  wasm_memorytype_delete(type);
}

static void exported_memory(wasm_store_t* store, const char* path) {
  wasm_module_t* module = load_module(store, path);
  wasm_instance_t* instance = new_instance(store, module, NULL, 0);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* memory = memory_named(module, &exports, "memory");
  wasm_func_t* size = func_named(module, &exports, "size");
  wasm_func_t* grow = func_named(module, &exports, "grow");
  wasm_func_t* load = func_named(module, &exports, "load");
  wasm_func_t* load32 = func_named(module, &exports, "load32");
  wasm_func_t* store_fn = func_named(module, &exports, "store");

  check_limits(memory, 2, 3);
  CHECK(wasm_memory_size(memory) == 2);
  CHECK(wasm_memory_data_size(memory) == 0x20000);
  byte_t* data = wasm_memory_data(memory);
  CHECK(data);
  CHECK(data[0] == 0 && data[0x1000] == 1 && data[0x1001] == 2 && data[0x1002] == 3 &&
        data[0x1003] == 4 && data[0x1004] == 0 && data[0x1ffff] == 0);
  printf("exported memory: %" PRIu32 " pages, %zu bytes, data segment in place\n",
         wasm_memory_size(memory), wasm_memory_data_size(memory));

  CHECK(call_ok(size, 0, 0, 0) == 2);
  CHECK(call_ok(load, 1, 0x1000, 0) == 1);
  CHECK((uint32_t)call_ok(load32, 1, 0x1000, 0) == 0x04030201u);
  data[0x1002] = 0x7f;
  CHECK(call_ok(load, 1, 0x1002, 0) == 127);
  data[0x1ffff] = (byte_t)0x80;
  CHECK(call_ok(load, 1, 0x1ffff, 0) == -128);
  call_ok(store_fn, 2, 0x1003, 5);
  CHECK(data[0x1003] == 5);
  call_ok(store_fn, 2, 0x1fffe, 0xab);
  CHECK((unsigned char)data[0x1fffe] == 0xab);
  printf("host and wasm see each other's stores\n");

  call_oob(load, 1, 0x20000, 0);
  call_oob(load32, 1, 0x1fffd, 0);
  call_oob(load, 1, -1, 0);
  call_oob(store_fn, 2, 0x20000, 1);
  CHECK(data[0x1fffe] == (byte_t)0xab);
  printf("out-of-bounds accesses trap\n");

  CHECK(call_ok(grow, 1, 0, 0) == 2);
  CHECK(wasm_memory_grow(memory, 1));
  CHECK(wasm_memory_size(memory) == 3);
  CHECK(wasm_memory_data_size(memory) == 0x30000);
  CHECK(call_ok(size, 0, 0, 0) == 3);
  data = wasm_memory_data(memory);
  CHECK(data);
  CHECK(data[0x1000] == 1 && data[0x1003] == 5 && data[0x20000] == 0 && data[0x2ffff] == 0);
  CHECK(call_ok(load, 1, 0x20000, 0) == 0);
  call_ok(store_fn, 2, 0x2ffff, 9);
  CHECK(data[0x2ffff] == 9);
  call_oob(load, 1, 0x30000, 0);
  printf("host grew memory to %" PRIu32 " pages\n", wasm_memory_size(memory));

  CHECK(!wasm_memory_grow(memory, 1));
  CHECK(wasm_memory_size(memory) == 3);
  CHECK(call_ok(grow, 1, 1, 0) == -1);
  CHECK(call_ok(grow, 1, 65536, 0) == -1);
  CHECK(wasm_memory_size(memory) == 3);
  CHECK(wasm_memory_data_size(memory) == 0x30000);
  CHECK(wasm_memory_grow(memory, 0));
  CHECK(call_ok(grow, 1, 0, 0) == 3);
  CHECK(wasm_memory_size(memory) == 3);
  printf("growing beyond the maximum fails\n");

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

static void host_memory(wasm_store_t* store, const char* path) {
  wasm_module_t* module = load_module(store, path);

  wasm_memory_t* memory = new_memory(store, 1, 2);
  check_limits(memory, 1, 2);
  CHECK(wasm_memory_size(memory) == 1);
  CHECK(wasm_memory_data_size(memory) == 0x10000);
  byte_t* data = wasm_memory_data(memory);
  CHECK(data);
  for (size_t i = 0; i < 0x10000; i++) CHECK(data[i] == 0);
  data[100] = 42;
  printf("host memory: %" PRIu32 " page, zeroed\n", wasm_memory_size(memory));

  // An import whose type does not match (minimum too small) is refused.
  wasm_memory_t* small = new_memory(store, 0, 2);
  wasm_extern_t* bad_list[1] = {wasm_memory_as_extern(small)};
  wasm_extern_vec_t bad_imports = {1, bad_list};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* bad = wasm_instance_new(store, module, &bad_imports, &trap);
  CHECK(bad == NULL);
  if (trap) wasm_trap_delete(trap);
  wasm_memory_delete(small);
  printf("a memory below the import's minimum is refused\n");

  wasm_extern_t* list[1] = {wasm_memory_as_extern(memory)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* size = func_named(module, &exports, "size");
  wasm_func_t* grow = func_named(module, &exports, "grow");
  wasm_func_t* load = func_named(module, &exports, "load");
  wasm_func_t* store_fn = func_named(module, &exports, "store");

  data = wasm_memory_data(memory);
  CHECK(data);
  CHECK(memcmp(data + 16, "kiln", 4) == 0);
  CHECK(call_ok(load, 1, 100, 0) == 42);
  CHECK(call_ok(load, 1, 17, 0) == 'i');
  call_ok(store_fn, 2, 200, 0xfe);
  CHECK((unsigned char)data[200] == 0xfe);
  printf("data segment written into the host memory; stores shared\n");

  // Wasm grows the host's memory; the host's handle sees it. The host memory's maximum
  // (2) applies, not the import's (4).
  CHECK(call_ok(size, 0, 0, 0) == 1);
  CHECK(call_ok(grow, 1, 1, 0) == 1);
  CHECK(wasm_memory_size(memory) == 2);
  CHECK(wasm_memory_data_size(memory) == 0x20000);
  data = wasm_memory_data(memory);
  CHECK(data && data[100] == 42 && data[0x1ffff] == 0);
  data[0x1ffff] = 3;
  CHECK(call_ok(load, 1, 0x1ffff, 0) == 3);
  CHECK(call_ok(grow, 1, 1, 0) == -1);
  CHECK(!wasm_memory_grow(memory, 1));
  CHECK(wasm_memory_size(memory) == 2);
  call_oob(load, 1, 0x20000, 0);
  printf("wasm grew the host memory to %" PRIu32 " pages, not beyond\n",
         wasm_memory_size(memory));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_memory_delete(memory);
  wasm_module_delete(module);
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 2, "memory.wasm memory_import.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  exported_memory(store, argv[1]);
  host_memory(store, argv[2]);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

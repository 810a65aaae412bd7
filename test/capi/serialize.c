// serialize: wasm_module_serialize, then wasm_module_deserialize in a fresh store after
// the original module and its store are gone; the deserialized module has the same
// imports and exports, instantiates and runs. Truncated or garbage bytes give NULL.
#include "capi_test.h"

static const char* kind_name(wasm_externkind_t k) {
  switch (k) {
    case WASM_EXTERN_FUNC: return "func";
    case WASM_EXTERN_GLOBAL: return "global";
    case WASM_EXTERN_TABLE: return "table";
    case WASM_EXTERN_MEMORY: return "memory";
  }
  return "?";
}

// "import host.base func; export memory memory; ..." in buf.
static void describe(const wasm_module_t* module, char* buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  for (size_t i = 0; i < imports.size; i++) {
    const wasm_name_t* m = wasm_importtype_module(imports.data[i]);
    const wasm_name_t* nm = wasm_importtype_name(imports.data[i]);
    int w = snprintf(buf + len, n - len, "import %.*s.%.*s %s; ", (int)m->size, m->data,
                     (int)nm->size, nm->data,
                     kind_name(wasm_externtype_kind(wasm_importtype_type(imports.data[i]))));
    CHECK(w > 0 && (size_t)w < n - len);
    len += (size_t)w;
  }
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  for (size_t i = 0; i < exports.size; i++) {
    const wasm_name_t* nm = wasm_exporttype_name(exports.data[i]);
    int w = snprintf(buf + len, n - len, "export %.*s %s; ", (int)nm->size, nm->data,
                     kind_name(wasm_externtype_kind(wasm_exporttype_type(exports.data[i]))));
    CHECK(w > 0 && (size_t)w < n - len);
    len += (size_t)w;
  }
  wasm_exporttype_vec_delete(&exports);
  if (len >= 2) buf[len - 2] = '\0';  // no trailing "; "
}

static wasm_trap_t* base_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 100;
  return NULL;
}

// Instantiates `module` and exercises it; prints what it saw.
static void run(wasm_store_t* store, const wasm_module_t* module, const char* label) {
  wasm_func_t* base = new_func(store, wasm_functype_new_0_1(wasm_valtype_new_i32()), base_cb);
  wasm_extern_t* list[1] = {wasm_func_as_extern(base)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 3);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  wasm_func_t* next = wasm_extern_as_func(exports.data[1]);
  wasm_func_t* fac = wasm_extern_as_func(exports.data[2]);
  CHECK(memory && next && fac);
  CHECK(memcmp(wasm_memory_data(memory) + 8, "serialized", 10) == 0);

  wasm_val_t r[1];
  wasm_val_vec_t none = {0, NULL};
  wasm_val_vec_t results = {1, r};
  int32_t n1, n2;
  memset(r, 0, sizeof r);
  CHECK(wasm_func_call(next, &none, &results) == NULL);
  CHECK(r[0].kind == WASM_I32);
  n1 = r[0].of.i32;
  CHECK(wasm_func_call(next, &none, &results) == NULL);
  n2 = r[0].of.i32;
  CHECK(n1 == 101 && n2 == 102);

  wasm_val_t a[1] = {val_i64(20)};
  wasm_val_vec_t args = {1, a};
  memset(r, 0, sizeof r);
  CHECK(wasm_func_call(fac, &args, &results) == NULL);
  CHECK(r[0].kind == WASM_I64 && r[0].of.i64 == INT64_C(2432902008176640000));
  printf("%s: data \"serialized\", next() = %" PRId32 ", %" PRId32 ", fac(20) = %" PRId64 "\n",
         label, n1, n2, r[0].of.i64);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(base);
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "serialize.wasm");
  wasm_engine_t* engine = new_engine();

  // Compile, run, serialize; then drop the module and its store.
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  char before[512], after[512];
  describe(module, before, sizeof before);
  printf("module: %s\n", before);
  run(store, module, "original");
  wasm_byte_vec_t serialized;
  wasm_module_serialize(module, &serialized);
  CHECK(serialized.size > 0 && serialized.data != NULL);
  printf("serialized\n");
  wasm_module_delete(module);
  wasm_store_delete(store);

  // Deserialize in a new store, twice from the same bytes.
  store = new_store(engine);
  wasm_module_t* restored = wasm_module_deserialize(store, &serialized);
  CHECK(restored);
  describe(restored, after, sizeof after);
  CHECK(strcmp(before, after) == 0);
  printf("deserialized: same imports and exports\n");
  run(store, restored, "deserialized");
  run(store, restored, "deserialized again");
  wasm_module_t* second = wasm_module_deserialize(store, &serialized);
  CHECK(second);
  run(store, second, "second copy");
  wasm_module_delete(second);

  // Serializing the deserialized module works too.
  wasm_byte_vec_t again;
  wasm_module_serialize(restored, &again);
  CHECK(again.size > 0);
  wasm_module_t* third = wasm_module_deserialize(store, &again);
  CHECK(third);
  run(store, third, "re-serialized");
  wasm_module_delete(third);
  wasm_byte_vec_delete(&again);

  // Damaged input is refused.
  wasm_byte_vec_t half;
  wasm_byte_vec_new(&half, serialized.size / 2, serialized.data);
  CHECK(wasm_module_deserialize(store, &half) == NULL);
  wasm_byte_vec_delete(&half);
  wasm_byte_vec_t garbage;
  wasm_byte_vec_new_uninitialized(&garbage, 4096);
  for (size_t i = 0; i < garbage.size; i++) garbage.data[i] = (char)(i * 37 + 11);
  CHECK(wasm_module_deserialize(store, &garbage) == NULL);
  wasm_byte_vec_delete(&garbage);
  wasm_byte_vec_t empty;
  wasm_byte_vec_new_empty(&empty);
  CHECK(wasm_module_deserialize(store, &empty) == NULL);
  wasm_byte_vec_delete(&empty);
  printf("truncated, garbage and empty input refused\n");

  wasm_module_delete(restored);
  wasm_byte_vec_delete(&serialized);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

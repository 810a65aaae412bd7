// finalize: 100,000 instances, in 4 stores, each given host info with a finalizer
// (wasm_instance_set_host_info_with_finalizer), called once and deleted; once each store
// is deleted, every finalizer of its instances has run exactly once (counted, and each
// info's id summed).
#include "capi_test.h"

enum { STORES = 4, PER_STORE = 25000 };

typedef struct info_t {
  uint32_t id;
  uint32_t finalized;
} info_t;

static uint64_t finalized = 0;
static uint64_t id_sum = 0;

static void finalize_info(void* p) {
  info_t* info = (info_t*)p;
  if (info->finalized++ != 0) {
    fprintf(stderr, "instance %" PRIu32 " finalized twice\n", info->id);
    exit(1);
  }
  finalized++;
  id_sum += info->id;
  free(info);
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "finalize.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_byte_vec_t binary;
  read_binary(argv[1], &binary);

  uint64_t created = 0, expected_sum = 0, calls_ok = 0;
  for (int s = 0; s < STORES; s++) {
    wasm_store_t* store = new_store(engine);
    wasm_module_t* module = wasm_module_new(store, &binary);
    CHECK(module);
    wasm_extern_vec_t no_imports = {0, NULL};
    for (int i = 0; i < PER_STORE; i++) {
      wasm_trap_t* trap = NULL;
      wasm_instance_t* instance = wasm_instance_new(store, module, &no_imports, &trap);
      if (!instance || trap) {
        fprintf(stderr, "instance %" PRIu64 " failed\n", created);
        return 1;
      }
      info_t* info = (info_t*)malloc(sizeof(info_t));
      CHECK(info);
      info->id = (uint32_t)(created + 1);
      info->finalized = 0;
      wasm_instance_set_host_info_with_finalizer(instance, info, finalize_info);
      CHECK(wasm_instance_get_host_info(instance) == info);
      created++;
      expected_sum += info->id;

      wasm_extern_vec_t exports;
      wasm_instance_exports(instance, &exports);
      CHECK(exports.size == 1);
      wasm_func_t* bump = wasm_extern_as_func(exports.data[0]);
      CHECK(bump);
      wasm_val_t a[1], r[1];
      memset(a, 0, sizeof a);
      memset(r, 0, sizeof r);
      a[0].kind = WASM_I32;
      a[0].of.i32 = i;
      wasm_val_vec_t args = {1, a};
      wasm_val_vec_t results = {1, r};
      trap = wasm_func_call(bump, &args, &results);
      CHECK(trap == NULL);
      // Each instance has its own global, starting at 0.
      if (r[0].kind == WASM_I32 && r[0].of.i32 == i) calls_ok++;
      wasm_extern_vec_delete(&exports);
      wasm_instance_delete(instance);
    }
    wasm_module_delete(module);
    wasm_store_delete(store);
    if (finalized != created) {
      fprintf(stderr, "after store %d: %" PRIu64 " finalizers run for %" PRIu64 " instances\n",
              s, finalized, created);
      return 1;
    }
    printf("store %d: %d instances, all finalized\n", s, PER_STORE);
  }
  CHECK(calls_ok == created);
  CHECK(id_sum == expected_sum);
  printf("instances: %" PRIu64 ", finalizers run: %" PRIu64 "\n", created, finalized);

  wasm_byte_vec_delete(&binary);
  wasm_engine_delete(engine);
  CHECK(finalized == created);
  printf("done\n");
  return 0;
}

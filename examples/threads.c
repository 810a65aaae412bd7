/* threads: one module, compiled once, shared with four threads (wasm_module_share and
 * wasm_module_obtain); each thread has a store of its own and runs its own instance. */
#include <pthread.h>

#include "common.h"

enum { kThreads = 4, kCalls = 1000 };

struct job {
  wasm_engine_t* engine;
  wasm_shared_module_t* shared;
  int id;
  long long total;
};

static wasm_trap_t* thread_id(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = *(int*)env;
  return NULL;
}

static void* run(void* arg) {
  struct job* job = arg;
  wasm_store_t* store = wasm_store_new(job->engine);
  wasm_module_t* module = wasm_module_obtain(store, job->shared);
  wasm_functype_t* type = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* id = wasm_func_new_with_env(store, type, thread_id, &job->id, NULL);
  wasm_functype_delete(type);
  wasm_extern_t* imports[] = {wasm_func_as_extern(id)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
  wasm_extern_t* sum = kiln_instance_export(instance, "sum");
  for (int i = 0; i < kCalls; ++i) {
    wasm_val_t args[1] = {WASM_I32_VAL(100)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    wasm_val_vec_t arg_vec = WASM_ARRAY_VEC(args), result_vec = WASM_ARRAY_VEC(results);
    wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(sum), &arg_vec, &result_vec);
    if (trap) {
      wasm_trap_delete(trap);
      job->total = -1;
      break;
    }
    job->total += results[0].of.i64;
  }
  wasm_extern_delete(sum);
  wasm_instance_delete(instance);
  wasm_func_delete(id);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t bytes;
  read_file(argv[1], &bytes);
  wasm_module_t* module = wasm_module_new(store, &bytes);
  wasm_byte_vec_delete(&bytes);
  if (!module) die("compiling threads.wasm");
  wasm_shared_module_t* shared = wasm_module_share(module);

  pthread_t threads[kThreads];
  struct job jobs[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    jobs[t] = (struct job){engine, shared, t + 1, 0};
    pthread_create(&threads[t], NULL, run, &jobs[t]);
  }
  for (int t = 0; t < kThreads; ++t) {
    pthread_join(threads[t], NULL);
    /* Each call: 1 + ... + 100 = 5050, plus the thread's id. */
    printf("thread %d: %lld (expected %lld)\n", t + 1, jobs[t].total,
           (long long)kCalls * (5050 + t + 1));
  }
  wasm_shared_module_delete(shared);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}

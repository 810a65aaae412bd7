// threads: a module compiled once on the main thread and shared with 4 threads
// (wasm_module_share / wasm_module_obtain); each thread has its own store, obtains the
// module, makes a host function whose environment is its own, instantiates several times
// and calls Wasm (which calls the host function) many times; sums and counts are checked
// per thread after joining.
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "capi_test.h"

enum { THREADS = 4, INSTANCES = 5, CALLS = 200, N = 50 };

typedef struct thread_t {
  int id;
  wasm_engine_t* engine;
  const wasm_shared_module_t* shared;
  // Results, read by the main thread after joining.
  int ok;
  int64_t callbacks;   // host calls seen through the environment
  int64_t sum;         // of run()'s results
  int64_t expected;    // computed in C
  int32_t runs_total;  // of each instance's "runs" global
  int finalized;       // the environment's finalizer ran
} thread_t;

static void finalize_env(void* p) { ((thread_t*)p)->finalized++; }

// cb(x) = 3x + id; counts its calls in the thread's own record.
static wasm_trap_t* cb(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  thread_t* t = (thread_t*)env;
  if (args->size != 1 || results->size != 1 || args->data[0].kind != WASM_I32) {
    t->ok = 0;
    return NULL;
  }
  t->callbacks++;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 3 * args->data[0].of.i32 + t->id;
  return NULL;
}

static void* thread_main(void* p) {
  thread_t* t = (thread_t*)p;
  t->ok = 1;
  wasm_store_t* store = wasm_store_new(t->engine);
  if (!store) {
    t->ok = 0;
    return NULL;
  }
  wasm_module_t* module = wasm_module_obtain(store, t->shared);
  if (!module) {
    t->ok = 0;
    wasm_store_delete(store);
    return NULL;
  }
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new_with_env(store, type, cb, t, finalize_env);
  wasm_functype_delete(type);
  if (!host) t->ok = 0;

  for (int inst = 0; inst < INSTANCES && t->ok; inst++) {
    wasm_extern_t* list[1] = {wasm_func_as_extern(host)};
    wasm_extern_vec_t imports = {1, list};
    wasm_trap_t* trap = NULL;
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
    if (!instance || trap) {
      t->ok = 0;
      if (trap) wasm_trap_delete(trap);
      break;
    }
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_global_t* runs = exports.size == 2 ? wasm_extern_as_global(exports.data[0]) : NULL;
    wasm_func_t* run = exports.size == 2 ? wasm_extern_as_func(exports.data[1]) : NULL;
    if (!runs || !run) t->ok = 0;
    for (int c = 0; c < CALLS && t->ok; c++) {
      int32_t k = t->id * 1000 + inst * 100 + c;
      wasm_val_t a[2] = {val_i32(N), val_i32(k)}, r[1];
      memset(r, 0, sizeof r);
      wasm_val_vec_t args = {2, a};
      wasm_val_vec_t results = {1, r};
      trap = wasm_func_call(run, &args, &results);
      if (trap || r[0].kind != WASM_I32) {
        t->ok = 0;
        if (trap) wasm_trap_delete(trap);
        break;
      }
      t->sum += r[0].of.i32;
      for (int32_t i = 0; i < N; i++) t->expected += 3 * (i + k) + t->id;
    }
    if (runs) {
      wasm_val_t v;
      memset(&v, 0, sizeof v);
      wasm_global_get(runs, &v);
      if (v.kind != WASM_I32) t->ok = 0;
      t->runs_total += v.of.i32;
    }
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  if (host) wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return NULL;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "threads.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_shared_module_t* shared = wasm_module_share(module);
  CHECK(shared);
  // The main thread's module is not needed by the threads once shared.
  wasm_module_delete(module);
  printf("module compiled and shared\n");

  thread_t threads[THREADS];
  pthread_t handles[THREADS];
  memset(threads, 0, sizeof threads);
  for (int i = 0; i < THREADS; i++) {
    threads[i].id = i + 1;
    threads[i].engine = engine;
    threads[i].shared = shared;
    CHECK(pthread_create(&handles[i], NULL, thread_main, &threads[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) CHECK(pthread_join(handles[i], NULL) == 0);

  int failed = 0;
  for (int i = 0; i < THREADS; i++) {
    thread_t* t = &threads[i];
    int good = t->ok && t->sum == t->expected &&
               t->callbacks == (int64_t)INSTANCES * CALLS * N &&
               t->runs_total == INSTANCES * CALLS && t->finalized == 1;
    if (!good) {
      fprintf(stderr,
              "thread %d: ok %d, sum %" PRId64 " (expected %" PRId64 "), callbacks %" PRId64
              ", runs %" PRId32 ", finalized %d\n",
              t->id, t->ok, t->sum, t->expected, t->callbacks, t->runs_total, t->finalized);
      failed = 1;
    }
    printf("thread %d: %d instances, %" PRId32 " runs, %" PRId64 " callbacks, sum %s\n", t->id,
           INSTANCES, t->runs_total, t->callbacks, t->sum == t->expected ? "right" : "WRONG");
  }

  // The shared module still serves a new store on the main thread.
  wasm_store_t* store2 = new_store(engine);
  wasm_module_t* again = wasm_module_obtain(store2, shared);
  CHECK(again);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(again, &exports);
  CHECK(exports.size == 2);
  wasm_exporttype_vec_delete(&exports);
  wasm_module_delete(again);
  wasm_store_delete(store2);

  wasm_shared_module_delete(shared);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  if (failed) return 1;
  printf("done\n");
  return 0;
}

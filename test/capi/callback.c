// callback: host functions made with wasm_func_new and wasm_func_new_with_env; i32, i64,
// f32 and f64 parameters and results; an environment's finalizer runs exactly once, and
// not while its function is alive; a host callback that calls an exported Wasm function
// it reaches through its environment (Wasm -> host -> Wasm -> host ...).
#include "capi_test.h"

static wasm_functype_t* make_functype(const wasm_valkind_t* params, size_t n_params,
                                      const wasm_valkind_t* results, size_t n_results) {
  wasm_valtype_vec_t ps, rs;
  wasm_valtype_vec_new_uninitialized(&ps, n_params);
  for (size_t i = 0; i < n_params; i++) ps.data[i] = wasm_valtype_new(params[i]);
  wasm_valtype_vec_new_uninitialized(&rs, n_results);
  for (size_t i = 0; i < n_results; i++) rs.data[i] = wasm_valtype_new(results[i]);
  wasm_functype_t* type = wasm_functype_new(&ps, &rs);
  CHECK(type);
  return type;
}

static int bad_args = 0;  // a callback saw arguments of the wrong kind or value

// ---- Host functions without an environment.

static wasm_trap_t* add_i64_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  if (args->size != 2 || results->size != 1 || args->data[0].kind != WASM_I64 ||
      args->data[1].kind != WASM_I64) {
    bad_args++;
    return NULL;
  }
  results->data[0].kind = WASM_I64;
  results->data[0].of.i64 =
      (int64_t)((uint64_t)args->data[0].of.i64 + (uint64_t)args->data[1].of.i64);
  return NULL;
}

static wasm_trap_t* mix_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  if (args->size != 4 || results->size != 1 || args->data[0].kind != WASM_I32 ||
      args->data[1].kind != WASM_I64 || args->data[2].kind != WASM_F32 ||
      args->data[3].kind != WASM_F64) {
    bad_args++;
    return NULL;
  }
  if (args->data[0].of.i32 != 3 || args->data[1].of.i64 != INT64_C(-5000000000) ||
      args->data[2].of.f32 != 0.25f || args->data[3].of.f64 != 1.5) {
    bad_args++;
  }
  results->data[0].kind = WASM_F64;
  results->data[0].of.f64 = (double)args->data[0].of.i32 + (double)args->data[1].of.i64 +
                            (double)args->data[2].of.f32 + args->data[3].of.f64;
  return NULL;
}

// ---- Host functions with an environment.

enum { ENV_COUNTER = 1, ENV_REENTER = 2, ENV_UNUSED = 4 };
static int finalizer_runs = 0;
static int finalized_mask = 0;

typedef struct env_t {
  int id;  // one of ENV_*
  int value;
  int calls;
  int depth, max_depth;
  wasm_func_t* down;  // the exported Wasm function reenter calls
} env_t;

static void env_finalizer(void* p) {
  env_t* env = (env_t*)p;
  finalizer_runs++;
  if (finalized_mask & env->id) {
    fprintf(stderr, "finalizer of environment %d ran twice\n", env->id);
    exit(1);
  }
  finalized_mask |= env->id;
  free(env);
}

static env_t* env_new(int id) {
  env_t* env = (env_t*)calloc(1, sizeof(env_t));
  CHECK(env);
  env->id = id;
  return env;
}

static wasm_trap_t* counter_cb(void* p, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  env_t* env = (env_t*)p;
  if (env->id != ENV_COUNTER || args->size != 0 || results->size != 1) {
    bad_args++;
    return NULL;
  }
  env->value++;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = env->value;
  return NULL;
}

static wasm_trap_t* reenter_cb(void* p, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  env_t* env = (env_t*)p;
  if (env->id != ENV_REENTER || env->down == NULL || args->size != 1 || results->size != 1 ||
      args->data[0].kind != WASM_I32) {
    bad_args++;
    return NULL;
  }
  env->calls++;
  env->depth++;
  if (env->depth > env->max_depth) env->max_depth = env->depth;
  wasm_val_t arg[1], res[1];
  memset(arg, 0, sizeof arg);
  memset(res, 0, sizeof res);
  arg[0].kind = WASM_I32;
  arg[0].of.i32 = args->data[0].of.i32;
  wasm_val_vec_t a = {1, arg};
  wasm_val_vec_t r = {1, res};
  wasm_trap_t* trap = wasm_func_call(env->down, &a, &r);
  env->depth--;
  if (trap) return trap;  // passes the trap on to the Wasm caller
  if (res[0].kind != WASM_I32) bad_args++;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = res[0].of.i32;
  return NULL;
}

static int scale_factor = 3;

static wasm_trap_t* scale_cb(void* p, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  if (p != &scale_factor || args->size != 1 || results->size != 1 ||
      args->data[0].kind != WASM_F32) {
    bad_args++;
    return NULL;
  }
  results->data[0].kind = WASM_F32;
  results->data[0].of.f32 = args->data[0].of.f32 * (float)*(int*)p;
  return NULL;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "callback.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  const wasm_valkind_t i64x2[2] = {WASM_I64, WASM_I64};
  const wasm_valkind_t i64[1] = {WASM_I64};
  const wasm_valkind_t mixed[4] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
  const wasm_valkind_t f64[1] = {WASM_F64};
  const wasm_valkind_t f32[1] = {WASM_F32};
  const wasm_valkind_t i32[1] = {WASM_I32};

  wasm_functype_t* t_add = make_functype(i64x2, 2, i64, 1);
  wasm_functype_t* t_mix = make_functype(mixed, 4, f64, 1);
  wasm_functype_t* t_counter = make_functype(NULL, 0, i32, 1);
  wasm_functype_t* t_reenter = make_functype(i32, 1, i32, 1);
  wasm_functype_t* t_scale = make_functype(f32, 1, f32, 1);

  env_t* counter_env = env_new(ENV_COUNTER);
  env_t* reenter_env = env_new(ENV_REENTER);
  env_t* unused_env = env_new(ENV_UNUSED);

  wasm_func_t* f_add = wasm_func_new(store, t_add, add_i64_cb);
  wasm_func_t* f_mix = wasm_func_new(store, t_mix, mix_cb);
  wasm_func_t* f_counter =
      wasm_func_new_with_env(store, t_counter, counter_cb, counter_env, env_finalizer);
  wasm_func_t* f_reenter =
      wasm_func_new_with_env(store, t_reenter, reenter_cb, reenter_env, env_finalizer);
  wasm_func_t* f_unused =
      wasm_func_new_with_env(store, t_counter, counter_cb, unused_env, env_finalizer);
  // No finalizer at all is allowed too.
  wasm_func_t* f_scale = wasm_func_new_with_env(store, t_scale, scale_cb, &scale_factor, NULL);
  CHECK(f_add && f_mix && f_counter && f_reenter && f_unused && f_scale);
  wasm_functype_delete(t_add);
  wasm_functype_delete(t_mix);
  wasm_functype_delete(t_counter);
  wasm_functype_delete(t_reenter);
  wasm_functype_delete(t_scale);

  CHECK(wasm_func_param_arity(f_mix) == 4 && wasm_func_result_arity(f_mix) == 1);
  CHECK(wasm_func_param_arity(f_counter) == 0 && wasm_func_result_arity(f_counter) == 1);

  wasm_extern_t* list[4] = {wasm_func_as_extern(f_add), wasm_func_as_extern(f_mix),
                            wasm_func_as_extern(f_counter), wasm_func_as_extern(f_reenter)};
  wasm_instance_t* instance = new_instance(store, module, list, 4);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* add = func_named(module, &exports, "add");
  wasm_func_t* mix2 = func_named(module, &exports, "mix2");
  wasm_func_t* count3 = func_named(module, &exports, "count3");
  wasm_func_t* down = func_named(module, &exports, "down");
  reenter_env->down = down;

  wasm_val_t a[4], r[1];
  wasm_val_vec_t args, results = {1, r};
  wasm_trap_t* trap;

  // i64 through Wasm and the host, full width.
  memset(a, 0, sizeof a);
  memset(r, 0, sizeof r);
  a[0].kind = WASM_I64;
  a[0].of.i64 = INT64_C(1) << 40;
  a[1].kind = WASM_I64;
  a[1].of.i64 = -3;
  args.size = 2;
  args.data = a;
  trap = wasm_func_call(add, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I64 && r[0].of.i64 == INT64_C(1099511627773));
  printf("add(2^40, -3) = %" PRId64 "\n", r[0].of.i64);
  a[0].of.i64 = INT64_MAX;
  a[1].of.i64 = 1;
  trap = wasm_func_call(add, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I64 && r[0].of.i64 == INT64_MIN);
  printf("add(INT64_MAX, 1) = %" PRId64 "\n", r[0].of.i64);

  // Four kinds of parameters.
  memset(a, 0, sizeof a);
  a[0].kind = WASM_I32;
  a[0].of.i32 = 3;
  a[1].kind = WASM_I64;
  a[1].of.i64 = INT64_C(-5000000000);
  a[2].kind = WASM_F32;
  a[2].of.f32 = 0.25f;
  a[3].kind = WASM_F64;
  a[3].of.f64 = 1.5;
  args.size = 4;
  trap = wasm_func_call(mix2, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_F64 && r[0].of.f64 == -9999999990.5);
  printf("mix2(3, -5000000000, 0.25, 1.5) = %.2f\n", r[0].of.f64);

  // Environment: state kept between calls.
  args.size = 0;
  args.data = NULL;
  trap = wasm_func_call(count3, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 3);
  CHECK(counter_env->value == 3);
  printf("count3() = %" PRId32 "\n", r[0].of.i32);
  // The same host function called directly.
  trap = wasm_func_call(f_counter, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 4);
  printf("counter() = %" PRId32 "\n", r[0].of.i32);

  // Wasm -> host -> Wasm -> ... : down(5) = 5 + 4 + 3 + 2 + 1 + 0.
  memset(a, 0, sizeof a);
  a[0].kind = WASM_I32;
  a[0].of.i32 = 5;
  args.size = 1;
  args.data = a;
  trap = wasm_func_call(down, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_I32 && r[0].of.i32 == 15);
  CHECK(reenter_env->calls == 5 && reenter_env->max_depth == 5 && reenter_env->depth == 0);
  printf("down(5) = %" PRId32 " after %d host calls, nesting %d\n", r[0].of.i32,
         reenter_env->calls, reenter_env->max_depth);

  // An environment-carrying host function without a finalizer, called directly.
  memset(a, 0, sizeof a);
  a[0].kind = WASM_F32;
  a[0].of.f32 = 1.5f;
  trap = wasm_func_call(f_scale, &args, &results);
  CHECK(trap == NULL);
  CHECK(r[0].kind == WASM_F32 && r[0].of.f32 == 4.5f);
  printf("scale(1.5) = %.1f\n", (double)r[0].of.f32);

  CHECK(bad_args == 0);
  // Every function is still alive: no finalizer may have run.
  CHECK(finalizer_runs == 0);

  wasm_func_delete(f_unused);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(f_add);
  wasm_func_delete(f_mix);
  wasm_func_delete(f_counter);
  wasm_func_delete(f_reenter);
  wasm_func_delete(f_scale);
  wasm_module_delete(module);
  wasm_store_delete(store);
  // Once the functions and their store are gone, each finalizer has run exactly once.
  CHECK(finalizer_runs == 3);
  CHECK(finalized_mask == (ENV_COUNTER | ENV_REENTER | ENV_UNUSED));
  printf("finalizers run: %d\n", finalizer_runs);
  wasm_engine_delete(engine);
  CHECK(finalizer_runs == 3);
  printf("done\n");
  return 0;
}

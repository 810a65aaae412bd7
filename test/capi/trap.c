// trap: wasm_trap_new from a host callback (and directly), traps from `unreachable` and
// from division by zero; wasm_trap_message (NUL-terminated, the NUL counted in its size),
// wasm_trap_origin (function index), wasm_trap_trace (at least one frame, the origin
// first). Module offsets and full traces are frames.c's.
#include "capi_test.h"

// check_message, and the message holds no NUL but the last: it is a C string.
static void check_c_message(const wasm_trap_t* trap, const char* word) {
  check_message(trap, word);
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  CHECK(strlen(m.data) == m.size - 1);
  wasm_byte_vec_delete(&m);
}

// Checks a frame's function index (in the module's function index space, imports first).
static void check_frame(const wasm_frame_t* frame, uint32_t func_index) {
  CHECK(frame);
  uint32_t index = wasm_frame_func_index(frame);
  if (index != func_index) {
    fprintf(stderr, "frame in function %" PRIu32 ", expected %" PRIu32 "\n", index, func_index);
    exit(1);
  }
}

// The origin is function `func_index`; the trace has at least that frame, first.
static void check_origin_and_trace(const wasm_trap_t* trap, uint32_t func_index) {
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(origin);
  check_frame(origin, func_index);
  wasm_frame_t* copy = wasm_frame_copy(origin);
  CHECK(copy);
  check_frame(copy, func_index);
  CHECK(wasm_frame_module_offset(copy) == wasm_frame_module_offset(origin));
  wasm_frame_delete(copy);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size >= 1);
  check_frame(trace.data[0], func_index);
  wasm_frame_vec_delete(&trace);
  wasm_frame_delete(origin);
}

static int fail_calls = 0;

static wasm_trap_t* fail_cb(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_store_t* store = (wasm_store_t*)env;
  (void)args;
  (void)results;
  fail_calls++;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "host says no");
  wasm_trap_t* trap = wasm_trap_new(store, &message);
  wasm_name_delete(&message);
  return trap;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "trap.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  // A trap made by the host, never raised.
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "made by the host");
  wasm_trap_t* made = wasm_trap_new(store, &message);
  wasm_name_delete(&message);
  CHECK(made);
  check_c_message(made, "made by the host");
  wasm_trap_t* made_copy = wasm_trap_copy(made);
  CHECK(made_copy);
  check_c_message(made_copy, "made by the host");
  wasm_trap_delete(made_copy);
  wasm_trap_delete(made);
  printf("wasm_trap_new: message kept, NUL-terminated\n");

  wasm_functype_t* fail_type = wasm_functype_new_0_0();
  wasm_func_t* fail = wasm_func_new_with_env(store, fail_type, fail_cb, store, NULL);
  wasm_functype_delete(fail_type);
  CHECK(fail);
  wasm_extern_t* list[1] = {wasm_func_as_extern(fail)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* unreachable = func_named(module, &exports, "unreachable");
  wasm_func_t* div = func_named(module, &exports, "div");
  wasm_func_t* outer = func_named(module, &exports, "outer");
  wasm_func_t* call_host = func_named(module, &exports, "call_host");
  wasm_val_vec_t none = {0, NULL};

  // unreachable (opcode 0x00) in function 1.
  wasm_trap_t* trap = wasm_func_call(unreachable, &none, &none);
  CHECK(trap);
  check_c_message(trap, "unreachable");
  check_origin_and_trace(trap, 1);
  wasm_trap_delete(trap);
  printf("unreachable: trap, origin function 1\n");

  // The same, one call deeper (which frame is the origin is frames.c's concern).
  trap = wasm_func_call(outer, &none, &none);
  CHECK(trap);
  check_c_message(trap, "unreachable");
  wasm_trap_delete(trap);
  printf("outer: trap\n");

  // Division by zero (i32.div_s, opcode 0x6d) in function 2, and overflow.
  int32_t q = 0;
  trap = call_i32(div, 2, 1, 0, &q);
  CHECK(trap);
  check_c_message(trap, "divide");
  check_origin_and_trace(trap, 2);
  wasm_trap_delete(trap);
  trap = call_i32(div, 2, INT32_MIN, -1, &q);
  CHECK(trap);
  check_c_message(trap, "");
  check_origin_and_trace(trap, 2);
  wasm_trap_delete(trap);
  trap = call_i32(div, 2, 7, -2, &q);
  CHECK(trap == NULL && q == -3);
  printf("div: traps on zero and overflow, div(7, -2) = %" PRId32 "\n", q);

  // A trap returned by a host function, through Wasm and directly.
  trap = wasm_func_call(call_host, &none, &none);
  CHECK(trap);
  CHECK(fail_calls == 1);
  check_c_message(trap, "host says no");
  wasm_trap_delete(trap);
  trap = wasm_func_call(fail, &none, &none);
  CHECK(trap);
  CHECK(fail_calls == 2);
  check_c_message(trap, "host says no");
  wasm_trap_delete(trap);
  printf("host trap: message passed through\n");

  // The instance still works after all that.
  trap = call_i32(div, 2, 100, 7, &q);
  CHECK(trap == NULL && q == 14);
  printf("after traps: div(100, 7) = %" PRId32 "\n", q);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(fail);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

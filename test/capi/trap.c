// trap: wasm_trap_new from a host callback (and directly), traps from `unreachable` and
// from division by zero; wasm_trap_message (NUL-terminated, the NUL counted in its size),
// wasm_trap_origin (function index), wasm_trap_trace (at least one frame, the origin
// first). Module offsets and full traces are frames.c's.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);  \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

static void read_binary(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  CHECK(fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  CHECK(size > 0);
  CHECK(fseek(f, 0, SEEK_SET) == 0);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  CHECK(out->data != NULL);
  CHECK(fread(out->data, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
}

static wasm_func_t* func_named(const wasm_module_t* module, const wasm_extern_vec_t* exports,
                               const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  CHECK(types.size == exports->size);
  wasm_func_t* found = NULL;
  for (size_t i = 0; i < types.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) {
      found = wasm_extern_as_func(exports->data[i]);
    }
  }
  wasm_exporttype_vec_delete(&types);
  if (!found) {
    fprintf(stderr, "no exported function %s\n", name);
    exit(1);
  }
  return found;
}

// The trap's message must be NUL-terminated (the NUL counted) and contain `word`.
static void check_message(const wasm_trap_t* trap, const char* word) {
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  CHECK(m.size >= 1 && m.data != NULL);
  CHECK(m.data[m.size - 1] == '\0');
  CHECK(strlen(m.data) == m.size - 1);
  if (!strstr(m.data, word)) {
    fprintf(stderr, "trap message \"%s\" does not contain \"%s\"\n", m.data, word);
    exit(1);
  }
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

static wasm_trap_t* call2(const wasm_func_t* f, int32_t a, int32_t b, int32_t* out) {
  wasm_val_t args_[2], res_[1];
  memset(args_, 0, sizeof args_);
  memset(res_, 0, sizeof res_);
  args_[0].kind = WASM_I32;
  args_[0].of.i32 = a;
  args_[1].kind = WASM_I32;
  args_[1].of.i32 = b;
  wasm_val_vec_t args = {2, args_};
  wasm_val_vec_t results = {1, res_};
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (!trap) {
    CHECK(res_[0].kind == WASM_I32);
    *out = res_[0].of.i32;
  }
  return trap;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s trap.wasm\n", argv[0]);
    return 2;
  }
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store);
  wasm_byte_vec_t binary;
  read_binary(argv[1], &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module);

  // A trap made by the host, never raised.
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "made by the host");
  wasm_trap_t* made = wasm_trap_new(store, &message);
  wasm_name_delete(&message);
  CHECK(made);
  check_message(made, "made by the host");
  wasm_trap_t* made_copy = wasm_trap_copy(made);
  CHECK(made_copy);
  check_message(made_copy, "made by the host");
  wasm_trap_delete(made_copy);
  wasm_trap_delete(made);
  printf("wasm_trap_new: message kept, NUL-terminated\n");

  wasm_functype_t* fail_type = wasm_functype_new_0_0();
  wasm_func_t* fail = wasm_func_new_with_env(store, fail_type, fail_cb, store, NULL);
  wasm_functype_delete(fail_type);
  CHECK(fail);
  wasm_extern_t* list[1] = {wasm_func_as_extern(fail)};
  wasm_extern_vec_t imports = {1, list};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance && trap == NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* unreachable = func_named(module, &exports, "unreachable");
  wasm_func_t* div = func_named(module, &exports, "div");
  wasm_func_t* outer = func_named(module, &exports, "outer");
  wasm_func_t* call_host = func_named(module, &exports, "call_host");
  wasm_val_vec_t none = {0, NULL};

  // unreachable (opcode 0x00) in function 1.
  trap = wasm_func_call(unreachable, &none, &none);
  CHECK(trap);
  check_message(trap, "unreachable");
  check_origin_and_trace(trap, 1);
  wasm_trap_delete(trap);
  printf("unreachable: trap, origin function 1\n");

  // The same, one call deeper (which frame is the origin is frames.c's concern).
  trap = wasm_func_call(outer, &none, &none);
  CHECK(trap);
  check_message(trap, "unreachable");
  wasm_trap_delete(trap);
  printf("outer: trap\n");

  // Division by zero (i32.div_s, opcode 0x6d) in function 2, and overflow.
  int32_t q = 0;
  trap = call2(div, 1, 0, &q);
  CHECK(trap);
  check_message(trap, "divide");
  check_origin_and_trace(trap, 2);
  wasm_trap_delete(trap);
  trap = call2(div, INT32_MIN, -1, &q);
  CHECK(trap);
  check_message(trap, "");
  check_origin_and_trace(trap, 2);
  wasm_trap_delete(trap);
  trap = call2(div, 7, -2, &q);
  CHECK(trap == NULL && q == -3);
  printf("div: traps on zero and overflow, div(7, -2) = %" PRId32 "\n", q);

  // A trap returned by a host function, through Wasm and directly.
  trap = wasm_func_call(call_host, &none, &none);
  CHECK(trap);
  CHECK(fail_calls == 1);
  check_message(trap, "host says no");
  wasm_trap_delete(trap);
  trap = wasm_func_call(fail, &none, &none);
  CHECK(trap);
  CHECK(fail_calls == 2);
  check_message(trap, "host says no");
  wasm_trap_delete(trap);
  printf("host trap: message passed through\n");

  // The instance still works after all that.
  trap = call2(div, 100, 7, &q);
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

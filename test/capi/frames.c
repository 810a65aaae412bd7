// frames: what a trap's frames say, beyond trap.c: the origin is the innermost function
// even when it was called by another (no frame lost to inlining), the trace lists the
// callers innermost first, each frame's module offset is the byte offset in the binary of
// its instruction (the trapping one, or the call), its function offset lies within the
// function, and it names its instance.
#include "capi_test.h"

static wasm_byte_vec_t binary;

enum { OP_UNREACHABLE = 0x00, OP_CALL = 0x10, OP_I32_LOAD = 0x28 };

static void check_frame(const char* what, const wasm_frame_t* frame, uint32_t func_index,
                        unsigned char opcode) {
  CHECK(frame);
  uint32_t index = wasm_frame_func_index(frame);
  if (index != func_index) {
    fprintf(stderr, "%s: frame in function %" PRIu32 ", expected %" PRIu32 "\n", what, index,
            func_index);
    exit(1);
  }
  size_t module_offset = wasm_frame_module_offset(frame);
  size_t func_offset = wasm_frame_func_offset(frame);
  if (module_offset == 0 || module_offset >= binary.size ||
      (unsigned char)binary.data[module_offset] != opcode) {
    fprintf(stderr, "%s: function %" PRIu32 ": module offset %zu is not at opcode 0x%02x\n",
            what, func_index, module_offset, opcode);
    exit(1);
  }
  if (func_offset >= module_offset) {
    fprintf(stderr, "%s: function offset %zu not within the function (module offset %zu)\n",
            what, func_offset, module_offset);
    exit(1);
  }
  CHECK(wasm_frame_instance(frame) != NULL);
}

// Calls f (one i32 parameter if `with_arg`) expecting a trap whose trace is exactly the
// functions in `chain` (innermost first) at the opcodes `ops`.
static void expect_trace(const char* what, const wasm_func_t* f, int with_arg, int32_t arg,
                         const uint32_t* chain, const unsigned char* ops, size_t depth) {
  wasm_val_t a[1], r[1];
  memset(a, 0, sizeof a);
  memset(r, 0, sizeof r);
  a[0].kind = WASM_I32;
  a[0].of.i32 = arg;
  wasm_val_vec_t args = {with_arg ? 1u : 0u, with_arg ? a : NULL};
  wasm_val_vec_t results = {wasm_func_result_arity(f), r};
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (!trap) {
    fprintf(stderr, "%s: no trap\n", what);
    exit(1);
  }
  wasm_frame_t* origin = wasm_trap_origin(trap);
  check_frame(what, origin, chain[0], ops[0]);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  if (trace.size != depth) {
    fprintf(stderr, "%s: %zu frames in the trace, expected %zu\n", what, trace.size, depth);
    exit(1);
  }
  for (size_t i = 0; i < depth; i++) check_frame(what, trace.data[i], chain[i], ops[i]);
  CHECK(wasm_frame_module_offset(trace.data[0]) == wasm_frame_module_offset(origin));
  printf("%s: %zu frame%s:", what, depth, depth == 1 ? "" : "s");
  for (size_t i = 0; i < depth; i++) printf(" %" PRIu32, wasm_frame_func_index(trace.data[i]));
  printf("\n");
  wasm_frame_vec_delete(&trace);
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
}

static wasm_trap_t* unused_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  return NULL;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "frames.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  read_binary(argv[1], &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module);
  wasm_func_t* unused = new_func(store, wasm_functype_new_0_0(), unused_cb);
  wasm_extern_t* list[1] = {wasm_func_as_extern(unused)};
  wasm_instance_t* instance = new_instance(store, module, list, 1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  const uint32_t leaf_chain[1] = {1};
  const unsigned char leaf_ops[1] = {OP_UNREACHABLE};
  expect_trace("leaf", func_named(module, &exports, "leaf"), 0, 0, leaf_chain, leaf_ops, 1);
  const uint32_t middle_chain[2] = {1, 2};
  const unsigned char middle_ops[2] = {OP_UNREACHABLE, OP_CALL};
  expect_trace("middle", func_named(module, &exports, "middle"), 0, 0, middle_chain,
               middle_ops, 2);
  const uint32_t top_chain[3] = {1, 2, 3};
  const unsigned char top_ops[3] = {OP_UNREACHABLE, OP_CALL, OP_CALL};
  expect_trace("top", func_named(module, &exports, "top"), 1, 5, top_chain, top_ops, 3);
  const uint32_t load_chain[1] = {4};
  const unsigned char load_ops[1] = {OP_I32_LOAD};
  expect_trace("load", func_named(module, &exports, "load"), 1, 65535, load_chain, load_ops,
               1);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(unused);
  wasm_module_delete(module);
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

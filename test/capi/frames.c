// frames: what a trap's frames say, beyond trap.c: the origin is the innermost function
// even when it was called by another (no frame lost to inlining), the trace lists the
// callers innermost first, each frame's module offset is the byte offset in the binary of
// its instruction (the trapping one, or the call), its function offset lies within the
// function, and it names its instance.
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
  if (argc < 2) {
    fprintf(stderr, "usage: %s frames.wasm\n", argv[0]);
    return 2;
  }
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store);
  read_binary(argv[1], &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module);
  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* unused = wasm_func_new(store, type, unused_cb);
  wasm_functype_delete(type);
  CHECK(unused);
  wasm_extern_t* list[1] = {wasm_func_as_extern(unused)};
  wasm_extern_vec_t imports = {1, list};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance && trap == NULL);
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

// capi_test.h: helpers shared by the C API conformance programs (test/capi/NAME.c). Like
// them it uses the standard WebAssembly C API (wasm.h) and the C library only. A helper
// that checks something ends the program with status 1 and a line on stderr when it does
// not hold.
#ifndef KILN_TEST_CAPI_TEST_H
#define KILN_TEST_CAPI_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

// Ends the program (status 1) naming the place and the condition unless `c` holds.
#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);  \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

// Ends the program with status 2 and "usage: PROGRAM `args`" unless it was given at least
// `n` arguments.
static inline void check_usage(int argc, char** argv, int n, const char* args) {
  if (argc < n + 1) {
    fprintf(stderr, "usage: %s %s\n", argv[0], args);
    exit(2);
  }
}

// A new engine, and a new store in `engine`; both must be made.
static inline wasm_engine_t* new_engine(void) {
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine);
  return engine;
}
static inline wasm_store_t* new_store(wasm_engine_t* engine) {
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store);
  return store;
}

// Reads the whole (non-empty) file `path` into `out`, a new vector the caller deletes.
static inline void read_binary(const char* path, wasm_byte_vec_t* out) {
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

// Compiles the module in the file `path` (read_binary) in `store`; it must compile.
static inline wasm_module_t* load_module(wasm_store_t* store, const char* path) {
  wasm_byte_vec_t binary;
  read_binary(path, &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module);
  return module;
}

// Makes a host function of type `type` (deleted here) calling `cb`; it must be made.
static inline wasm_func_t* new_func(wasm_store_t* store, wasm_functype_t* type,
                                    wasm_func_callback_t cb) {
  wasm_func_t* f = wasm_func_new(store, type, cb);
  wasm_functype_delete(type);
  CHECK(f);
  return f;
}

// Makes a memory with the limits min..max; it must be made.
static inline wasm_memory_t* new_memory(wasm_store_t* store, uint32_t min, uint32_t max) {
  wasm_limits_t limits = {min, max};
  wasm_memorytype_t* type = wasm_memorytype_new(&limits);
  CHECK(type);
  wasm_memory_t* memory = wasm_memory_new(store, type);
  wasm_memorytype_delete(type);
  CHECK(memory);
  return memory;
}

// Instantiates `module` with the `n` imports in `list`; it must succeed (an instance and
// no trap).
static inline wasm_instance_t* new_instance(wasm_store_t* store, const wasm_module_t* module,
                                            wasm_extern_t** list, size_t n) {
  wasm_extern_vec_t imports = {n, n ? list : NULL};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance && trap == NULL);
  return instance;
}

// Whether `name` (not NUL-terminated) is the string `s`.
static inline int name_is(const wasm_name_t* name, const char* s) {
  return name->size == strlen(s) && memcmp(name->data, s, name->size) == 0;
}

// The export called `name` among `exports` (wasm_instance_exports of an instance of
// `module`), found through the module's export types, which must be as many.
static inline wasm_extern_t* export_named(const wasm_module_t* module,
                                          const wasm_extern_vec_t* exports, const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  CHECK(types.size == exports->size);
  wasm_extern_t* found = NULL;
  for (size_t i = 0; i < types.size; i++) {
    if (name_is(wasm_exporttype_name(types.data[i]), name)) found = exports->data[i];
  }
  wasm_exporttype_vec_delete(&types);
  if (!found) {
    fprintf(stderr, "no export %s\n", name);
    exit(1);
  }
  return found;
}

// func_named, global_named, table_named and memory_named: export_named for an export that
// must be a function, global, table or memory, converted (wasm_extern_as_func...).
#define CAPI_TEST_NAMED(what, kind)                                           \
  static inline wasm_##what##_t* what##_named(                                \
      const wasm_module_t* m, const wasm_extern_vec_t* e, const char* name) { \
    wasm_extern_t* ext = export_named(m, e, name);                            \
    CHECK(wasm_extern_kind(ext) == kind);                                     \
    wasm_##what##_t* converted = wasm_extern_as_##what(ext);                  \
    CHECK(converted);                                                         \
    return converted;                                                         \
  }
CAPI_TEST_NAMED(func, WASM_EXTERN_FUNC)
CAPI_TEST_NAMED(global, WASM_EXTERN_GLOBAL)
CAPI_TEST_NAMED(table, WASM_EXTERN_TABLE)
CAPI_TEST_NAMED(memory, WASM_EXTERN_MEMORY)
#undef CAPI_TEST_NAMED

// val_i32, val_i64, val_f32, val_f64 and val_externref: a value of that kind (all its other
// bytes zero).
#define CAPI_TEST_VAL(name, type, kind_, field)   \
  static inline wasm_val_t val_##name(type x) {   \
    wasm_val_t v;                                 \
    memset(&v, 0, sizeof v);                      \
    v.kind = kind_;                               \
    v.of.field = x;                               \
    return v;                                     \
  }
CAPI_TEST_VAL(i32, int32_t, WASM_I32, i32)
CAPI_TEST_VAL(i64, int64_t, WASM_I64, i64)
CAPI_TEST_VAL(f32, float, WASM_F32, f32)
CAPI_TEST_VAL(f64, double, WASM_F64, f64)
CAPI_TEST_VAL(externref, wasm_ref_t*, WASM_EXTERNREF, ref)
#undef CAPI_TEST_VAL

// The name of a value kind as the text format spells it ("i32", "funcref"...); "?" for a
// kind wasm.h does not define.
static inline const char* valkind_name(wasm_valkind_t k) {
  switch (k) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_EXTERNREF: return "externref";
    case WASM_FUNCREF: return "funcref";
  }
  return "?";
}

// Calls f with the first `n` (0 to 2) of the i32 arguments a0, a1; f has at most one
// result. Returns the trap (NULL on success); on success f's result, if it has one, must be
// an i32 and goes to *out (unless out is NULL).
static inline wasm_trap_t* call_i32(const wasm_func_t* f, int n, int32_t a0, int32_t a1,
                                    int32_t* out) {
  wasm_val_t a[2] = {val_i32(a0), val_i32(a1)}, r[1];
  memset(r, 0, sizeof r);
  wasm_val_vec_t args = {(size_t)n, n ? a : NULL};
  size_t nr = wasm_func_result_arity(f);
  CHECK(nr <= 1);
  wasm_val_vec_t results = {nr, nr ? r : NULL};
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (!trap && nr == 1) {
    CHECK(r[0].kind == WASM_I32);
    if (out) *out = r[0].of.i32;
  }
  return trap;
}

// call_i32 that must not trap; returns the result (0 when f has none).
static inline int32_t call_ok(const wasm_func_t* f, int n, int32_t a0, int32_t a1) {
  int32_t result = 0;
  wasm_trap_t* trap = call_i32(f, n, a0, a1, &result);
  if (trap) {
    wasm_message_t m;
    wasm_trap_message(trap, &m);
    fprintf(stderr, "unexpected trap: %.*s\n", (int)m.size, m.data);
    exit(1);
  }
  return result;
}

// The trap's message must be NUL-terminated (the NUL counted in its size) and contain
// `word` ("": any message; NULL: any non-empty message).
static inline void check_message(const wasm_trap_t* trap, const char* word) {
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  CHECK(m.size >= 1 && m.data != NULL && m.data[m.size - 1] == '\0');
  if (!word) {
    CHECK(m.size > 1);
  } else if (!strstr(m.data, word)) {
    fprintf(stderr, "trap message \"%s\" does not contain \"%s\"\n", m.data, word);
    exit(1);
  }
  wasm_byte_vec_delete(&m);
}

#endif  // KILN_TEST_CAPI_TEST_H

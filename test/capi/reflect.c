// reflect: wasm_module_imports / wasm_module_exports: import module and name, extern
// kinds, function types, global types, table and memory limits; a line per import and
// export. Then the instance's exports (wasm_extern_type) agree with the module's export
// types, and wasm_module_validate accepts the module and rejects garbage.
#include <stdarg.h>

#include "capi_test.h"

// valkind_name, for a kind wasm.h defines only.
static const char* kind_name(wasm_valkind_t k) {
  const char* name = valkind_name(k);
  if (strcmp(name, "?") == 0) {
    fprintf(stderr, "unknown value kind %d\n", (int)k);
    exit(1);
  }
  return name;
}

// Appends to buf (of size n) with bounds checking.
static void put(char* buf, size_t n, const char* fmt, ...) {
  size_t len = strlen(buf);
  CHECK(len < n);
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + len, n - len, fmt, ap);
  va_end(ap);
  CHECK(w >= 0 && (size_t)w < n - len);
}

static void put_limits(char* buf, size_t n, const wasm_limits_t* l) {
  CHECK(l);
  if (l->max == wasm_limits_max_default)
    put(buf, n, " min=%" PRIu32 " max=none", l->min);
  else
    put(buf, n, " min=%" PRIu32 " max=%" PRIu32, l->min, l->max);
}

// Describes an extern type, checking that only the matching as_*_const conversion works.
static void describe(const wasm_externtype_t* type, char* buf, size_t n) {
  buf[0] = '\0';
  CHECK(type);
  wasm_externkind_t kind = wasm_externtype_kind(type);
  const wasm_functype_t* ft = wasm_externtype_as_functype_const(type);
  const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(type);
  const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(type);
  const wasm_memorytype_t* mt = wasm_externtype_as_memorytype_const(type);
  CHECK((ft != NULL) == (kind == WASM_EXTERN_FUNC));
  CHECK((gt != NULL) == (kind == WASM_EXTERN_GLOBAL));
  CHECK((tt != NULL) == (kind == WASM_EXTERN_TABLE));
  CHECK((mt != NULL) == (kind == WASM_EXTERN_MEMORY));
  switch (kind) {
    case WASM_EXTERN_FUNC: {
      const wasm_valtype_vec_t* ps = wasm_functype_params(ft);
      const wasm_valtype_vec_t* rs = wasm_functype_results(ft);
      put(buf, n, "func (");
      for (size_t i = 0; i < ps->size; i++)
        put(buf, n, "%s%s", i ? " " : "", kind_name(wasm_valtype_kind(ps->data[i])));
      put(buf, n, ") -> (");
      for (size_t i = 0; i < rs->size; i++)
        put(buf, n, "%s%s", i ? " " : "", kind_name(wasm_valtype_kind(rs->data[i])));
      put(buf, n, ")");
      break;
    }
    case WASM_EXTERN_GLOBAL: {
      wasm_mutability_t mut = wasm_globaltype_mutability(gt);
      CHECK(mut == WASM_CONST || mut == WASM_VAR);
      put(buf, n, "global %s %s", mut == WASM_VAR ? "var" : "const",
          kind_name(wasm_valtype_kind(wasm_globaltype_content(gt))));
      break;
    }
    case WASM_EXTERN_TABLE:
      put(buf, n, "table %s", kind_name(wasm_valtype_kind(wasm_tabletype_element(tt))));
      put_limits(buf, n, wasm_tabletype_limits(tt));
      break;
    case WASM_EXTERN_MEMORY:
      put(buf, n, "memory");
      put_limits(buf, n, wasm_memorytype_limits(mt));
      break;
    default:
      fprintf(stderr, "unknown extern kind %d\n", (int)kind);
      exit(1);
  }
}

static wasm_trap_t* f_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_F32;
  results->data[0].of.f32 = 0;
  return NULL;
}

static wasm_trap_t* r_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_FUNCREF;
  results->data[0].of.ref = NULL;
  return NULL;
}

int main(int argc, char** argv) {
  check_usage(argc, argv, 1, "reflect.wasm");
  wasm_engine_t* engine = new_engine();
  wasm_store_t* store = new_store(engine);
  wasm_byte_vec_t binary;
  read_binary(argv[1], &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module);

  // Garbage and a truncated module do not validate (nor compile).
  wasm_byte_vec_t garbage;
  wasm_byte_vec_new(&garbage, 8, "\0asm\x02\0\0\0");
  CHECK(!wasm_module_validate(store, &garbage));
  wasm_byte_vec_delete(&garbage);
  wasm_byte_vec_t truncated;
  wasm_byte_vec_new(&truncated, binary.size - 3, binary.data);
  CHECK(!wasm_module_validate(store, &truncated));
  wasm_module_t* bad = wasm_module_new(store, &truncated);
  CHECK(bad == NULL);
  wasm_byte_vec_delete(&truncated);
  wasm_byte_vec_delete(&binary);
  printf("validate: module yes, garbage no, truncated no\n");

  char buf[256];
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  printf("imports: %zu\n", imports.size);
  for (size_t i = 0; i < imports.size; i++) {
    const wasm_importtype_t* it = imports.data[i];
    CHECK(it);
    const wasm_name_t* mod = wasm_importtype_module(it);
    const wasm_name_t* name = wasm_importtype_name(it);
    CHECK(mod && name);
    describe(wasm_importtype_type(it), buf, sizeof buf);
    printf("import %zu: %.*s.%.*s %s\n", i, (int)mod->size, mod->data, (int)name->size,
           name->data, buf);
  }

  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  printf("exports: %zu\n", exports.size);
  for (size_t i = 0; i < exports.size; i++) {
    const wasm_exporttype_t* et = exports.data[i];
    CHECK(et);
    const wasm_name_t* name = wasm_exporttype_name(et);
    CHECK(name);
    describe(wasm_exporttype_type(et), buf, sizeof buf);
    printf("export %zu: %.*s %s\n", i, (int)name->size, name->data, buf);
  }

  // Copies of import and export types describe the same thing.
  wasm_importtype_t* icopy = wasm_importtype_copy(imports.data[0]);
  CHECK(icopy);
  char buf2[256];
  describe(wasm_importtype_type(imports.data[0]), buf, sizeof buf);
  describe(wasm_importtype_type(icopy), buf2, sizeof buf2);
  CHECK(strcmp(buf, buf2) == 0);
  wasm_importtype_delete(icopy);

  // Instantiate with host objects of the imported types.
  wasm_functype_t* f_type = wasm_functype_copy(
      wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0])));
  wasm_functype_t* r_type = wasm_functype_copy(
      wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[5])));
  CHECK(f_type && r_type);
  wasm_func_t* f = new_func(store, f_type, f_cb);
  wasm_func_t* r = new_func(store, r_type, r_cb);
  wasm_globaltype_t* g_type = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_globaltype_t* gm_type = wasm_globaltype_new(wasm_valtype_new_f64(), WASM_VAR);
  CHECK(g_type && gm_type);
  wasm_val_t v;
  memset(&v, 0, sizeof v);
  v.kind = WASM_I32;
  v.of.i32 = 1;
  wasm_global_t* g = wasm_global_new(store, g_type, &v);
  v.kind = WASM_F64;
  v.of.f64 = 1;
  wasm_global_t* gm = wasm_global_new(store, gm_type, &v);
  wasm_globaltype_delete(g_type);
  wasm_globaltype_delete(gm_type);
  CHECK(g && gm);
  wasm_limits_t t_limits = {1, wasm_limits_max_default};
  wasm_tabletype_t* t_type = wasm_tabletype_new(wasm_valtype_new_funcref(), &t_limits);
  CHECK(t_type);
  wasm_table_t* t = wasm_table_new(store, t_type, NULL);
  wasm_tabletype_delete(t_type);
  CHECK(t);
  wasm_memory_t* m = new_memory(store, 1, 2);

  wasm_extern_t* list[6] = {wasm_func_as_extern(f),  wasm_global_as_extern(g),
                            wasm_global_as_extern(gm), wasm_table_as_extern(t),
                            wasm_memory_as_extern(m), wasm_func_as_extern(r)};
  for (size_t i = 0; i < 6; i++) {
    CHECK(list[i]);
    wasm_externtype_t* et = wasm_extern_type(list[i]);
    CHECK(et);
    CHECK(wasm_externtype_kind(et) == wasm_extern_kind(list[i]));
    CHECK(wasm_externtype_kind(et) == wasm_externtype_kind(wasm_importtype_type(imports.data[i])));
    wasm_externtype_delete(et);
  }
  wasm_instance_t* instance = new_instance(store, module, list, 6);
  wasm_extern_vec_t externs;
  wasm_instance_exports(instance, &externs);
  CHECK(externs.size == exports.size);
  for (size_t i = 0; i < externs.size; i++) {
    CHECK(externs.data[i]);
    wasm_externtype_t* et = wasm_extern_type(externs.data[i]);
    CHECK(et);
    CHECK(wasm_extern_kind(externs.data[i]) == wasm_externtype_kind(et));
    describe(et, buf, sizeof buf);
    describe(wasm_exporttype_type(exports.data[i]), buf2, sizeof buf2);
    if (strcmp(buf, buf2) != 0) {
      fprintf(stderr, "export %zu: instance has %s, module says %s\n", i, buf, buf2);
      return 1;
    }
    wasm_externtype_delete(et);
  }
  printf("instance exports match the module's export types\n");

  // An extern type made from scratch converts both ways.
  wasm_limits_t m_limits = {1, 2};
  wasm_memorytype_t* mt = wasm_memorytype_new(&m_limits);
  CHECK(mt);
  wasm_externtype_t* as_extern = wasm_memorytype_as_externtype(mt);
  CHECK(as_extern && wasm_externtype_kind(as_extern) == WASM_EXTERN_MEMORY);
  CHECK(wasm_externtype_as_memorytype(as_extern) != NULL);
  CHECK(wasm_externtype_as_functype(as_extern) == NULL);
  wasm_memorytype_delete(mt);

  wasm_extern_vec_delete(&externs);
  wasm_instance_delete(instance);
  wasm_func_delete(f);
  wasm_func_delete(r);
  wasm_global_delete(g);
  wasm_global_delete(gm);
  wasm_table_delete(t);
  wasm_memory_delete(m);
  wasm_exporttype_vec_delete(&exports);
  wasm_importtype_vec_delete(&imports);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}

// wasm.h: vectors, names, value and external types.
#include <cstdlib>
#include <cstring>
#include <new>

#include "Objects.h"

namespace {

// Vectors own their array (malloc'd: a C program may hand us one it built).
template <typename Vec, typename T>
void VecNewUninitialized(Vec* out, size_t size) {
  out->size = size;
  out->data = size == 0 ? nullptr : static_cast<T*>(std::calloc(size, sizeof(T)));
  if (size != 0 && out->data == nullptr) out->size = 0;
}

template <typename Vec, typename T>
void VecNew(Vec* out, size_t size, const T* data) {
  VecNewUninitialized<Vec, T>(out, size);
  if (out->size != 0) std::memcpy(out->data, data, size * sizeof(T));
}

}  // namespace

extern "C" {

// ---- Vectors of plain values ---------------------------------------------------------

void wasm_byte_vec_new_empty(wasm_byte_vec_t* out) { VecNewUninitialized<wasm_byte_vec_t, wasm_byte_t>(out, 0); }
void wasm_byte_vec_new_uninitialized(wasm_byte_vec_t* out, size_t size) {
  VecNewUninitialized<wasm_byte_vec_t, wasm_byte_t>(out, size);
}
void wasm_byte_vec_new(wasm_byte_vec_t* out, size_t size, const wasm_byte_t data[]) {
  VecNew(out, size, data);
}
void wasm_byte_vec_copy(wasm_byte_vec_t* out, const wasm_byte_vec_t* in) {
  VecNew(out, in->size, in->data);
}
void wasm_byte_vec_delete(wasm_byte_vec_t* v) {
  if (v == nullptr) return;
  std::free(v->data);
  v->data = nullptr;
  v->size = 0;
}

// ---- Value types ----------------------------------------------------------------------

wasm_valtype_t* wasm_valtype_new(wasm_valkind_t kind) {
  switch (kind) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_EXTERNREF:
    case WASM_FUNCREF:
      return new (std::nothrow) wasm_valtype_t{kind};
    default:
      return nullptr;
  }
}
void wasm_valtype_delete(wasm_valtype_t* t) { delete t; }
wasm_valtype_t* wasm_valtype_copy(const wasm_valtype_t* t) { return t ? new wasm_valtype_t{*t} : nullptr; }
wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t* t) { return t->kind; }

}  // extern "C"

// Vectors of owned pointers: `copy` deep-copies, `delete` deletes the elements.
#define KILN_PTR_VEC(name)                                                                 \
  extern "C" void wasm_##name##_vec_new_empty(wasm_##name##_vec_t* out) {                  \
    VecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, 0);                     \
  }                                                                                        \
  extern "C" void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t* out,            \
                                                      size_t size) {                       \
    VecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, size);                  \
  }                                                                                        \
  extern "C" void wasm_##name##_vec_new(wasm_##name##_vec_t* out, size_t size,             \
                                        wasm_##name##_t* const data[]) {                   \
    VecNew<wasm_##name##_vec_t, wasm_##name##_t*>(out, size, data);                         \
  }                                                                                        \
  extern "C" void wasm_##name##_vec_copy(wasm_##name##_vec_t* out,                         \
                                         const wasm_##name##_vec_t* in) {                  \
    VecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, in->size);              \
    for (size_t i = 0; i < out->size; ++i)                                                 \
      out->data[i] = in->data[i] ? wasm_##name##_copy(in->data[i]) : nullptr;              \
  }                                                                                        \
  extern "C" void wasm_##name##_vec_delete(wasm_##name##_vec_t* v) {                       \
    if (v == nullptr) return;                                                              \
    for (size_t i = 0; i < v->size; ++i)                                                   \
      if (v->data[i]) wasm_##name##_delete(v->data[i]);                                    \
    std::free(v->data);                                                                    \
    v->data = nullptr;                                                                     \
    v->size = 0;                                                                           \
  }

KILN_PTR_VEC(valtype)
KILN_PTR_VEC(functype)
KILN_PTR_VEC(globaltype)
KILN_PTR_VEC(tabletype)
KILN_PTR_VEC(memorytype)
KILN_PTR_VEC(externtype)
KILN_PTR_VEC(importtype)
KILN_PTR_VEC(exporttype)
KILN_PTR_VEC(frame)
KILN_PTR_VEC(extern)

wasm_functype_t::~wasm_functype_t() {
  wasm_valtype_vec_delete(&params);
  wasm_valtype_vec_delete(&results);
}

extern "C" {

// ---- Function, global, table, memory types ------------------------------------------

wasm_functype_t* wasm_functype_new(wasm_valtype_vec_t* params, wasm_valtype_vec_t* results) {
  auto* t = new wasm_functype_t;
  t->params = *params;
  t->results = *results;
  params->size = 0;
  params->data = nullptr;
  results->size = 0;
  results->data = nullptr;
  return t;
}
void wasm_functype_delete(wasm_functype_t* t) { delete t; }
wasm_functype_t* wasm_functype_copy(const wasm_functype_t* t) {
  auto* c = new wasm_functype_t;
  wasm_valtype_vec_copy(&c->params, &t->params);
  wasm_valtype_vec_copy(&c->results, &t->results);
  return c;
}
const wasm_valtype_vec_t* wasm_functype_params(const wasm_functype_t* t) { return &t->params; }
const wasm_valtype_vec_t* wasm_functype_results(const wasm_functype_t* t) { return &t->results; }

wasm_globaltype_t* wasm_globaltype_new(wasm_valtype_t* content, wasm_mutability_t mutability) {
  if (content == nullptr) return nullptr;
  auto* t = new wasm_globaltype_t;
  t->content = content;
  t->mutability = mutability;
  return t;
}
void wasm_globaltype_delete(wasm_globaltype_t* t) { delete t; }
wasm_globaltype_t* wasm_globaltype_copy(const wasm_globaltype_t* t) {
  return wasm_globaltype_new(wasm_valtype_copy(t->content), t->mutability);
}
const wasm_valtype_t* wasm_globaltype_content(const wasm_globaltype_t* t) { return t->content; }
wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t* t) { return t->mutability; }

wasm_tabletype_t* wasm_tabletype_new(wasm_valtype_t* element, const wasm_limits_t* limits) {
  if (element == nullptr || limits == nullptr) return nullptr;
  auto* t = new wasm_tabletype_t;
  t->element = element;
  t->limits = *limits;
  return t;
}
void wasm_tabletype_delete(wasm_tabletype_t* t) { delete t; }
wasm_tabletype_t* wasm_tabletype_copy(const wasm_tabletype_t* t) {
  return wasm_tabletype_new(wasm_valtype_copy(t->element), &t->limits);
}
const wasm_valtype_t* wasm_tabletype_element(const wasm_tabletype_t* t) { return t->element; }
const wasm_limits_t* wasm_tabletype_limits(const wasm_tabletype_t* t) { return &t->limits; }

wasm_memorytype_t* wasm_memorytype_new(const wasm_limits_t* limits) {
  if (limits == nullptr) return nullptr;
  auto* t = new wasm_memorytype_t;
  t->limits = *limits;
  return t;
}
void wasm_memorytype_delete(wasm_memorytype_t* t) { delete t; }
wasm_memorytype_t* wasm_memorytype_copy(const wasm_memorytype_t* t) {
  return wasm_memorytype_new(&t->limits);
}
const wasm_limits_t* wasm_memorytype_limits(const wasm_memorytype_t* t) { return &t->limits; }

// ---- External types ---------------------------------------------------------------------

void wasm_externtype_delete(wasm_externtype_t* t) { delete t; }
wasm_externtype_t* wasm_externtype_copy(const wasm_externtype_t* t) {
  switch (t->kind) {
    case WASM_EXTERN_FUNC: return wasm_functype_copy(static_cast<const wasm_functype_t*>(t));
    case WASM_EXTERN_GLOBAL: return wasm_globaltype_copy(static_cast<const wasm_globaltype_t*>(t));
    case WASM_EXTERN_TABLE: return wasm_tabletype_copy(static_cast<const wasm_tabletype_t*>(t));
    default: return wasm_memorytype_copy(static_cast<const wasm_memorytype_t*>(t));
  }
}
wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t* t) { return t->kind; }

#define KILN_EXTERNTYPE_CASTS(name, KIND)                                                   \
  wasm_externtype_t* wasm_##name##_as_externtype(wasm_##name##_t* t) { return t; }          \
  const wasm_externtype_t* wasm_##name##_as_externtype_const(const wasm_##name##_t* t) {    \
    return t;                                                                               \
  }                                                                                         \
  wasm_##name##_t* wasm_externtype_as_##name(wasm_externtype_t* t) {                        \
    return t != nullptr && t->kind == KIND ? static_cast<wasm_##name##_t*>(t) : nullptr;    \
  }                                                                                         \
  const wasm_##name##_t* wasm_externtype_as_##name##_const(const wasm_externtype_t* t) {    \
    return t != nullptr && t->kind == KIND ? static_cast<const wasm_##name##_t*>(t)         \
                                           : nullptr;                                       \
  }
KILN_EXTERNTYPE_CASTS(functype, WASM_EXTERN_FUNC)
KILN_EXTERNTYPE_CASTS(globaltype, WASM_EXTERN_GLOBAL)
KILN_EXTERNTYPE_CASTS(tabletype, WASM_EXTERN_TABLE)
KILN_EXTERNTYPE_CASTS(memorytype, WASM_EXTERN_MEMORY)

// ---- Import and export types -------------------------------------------------------

wasm_importtype_t* wasm_importtype_new(wasm_name_t* module, wasm_name_t* name,
                                       wasm_externtype_t* type) {
  auto* t = new wasm_importtype_t;
  t->module = *module;
  t->name = *name;
  t->type = type;
  *module = {0, nullptr};
  *name = {0, nullptr};
  return t;
}
void wasm_importtype_delete(wasm_importtype_t* t) {
  if (t == nullptr) return;
  wasm_byte_vec_delete(&t->module);
  wasm_byte_vec_delete(&t->name);
  wasm_externtype_delete(t->type);
  delete t;
}
wasm_importtype_t* wasm_importtype_copy(const wasm_importtype_t* t) {
  auto* c = new wasm_importtype_t;
  wasm_byte_vec_copy(&c->module, &t->module);
  wasm_byte_vec_copy(&c->name, &t->name);
  c->type = wasm_externtype_copy(t->type);
  return c;
}
const wasm_name_t* wasm_importtype_module(const wasm_importtype_t* t) { return &t->module; }
const wasm_name_t* wasm_importtype_name(const wasm_importtype_t* t) { return &t->name; }
const wasm_externtype_t* wasm_importtype_type(const wasm_importtype_t* t) { return t->type; }

wasm_exporttype_t* wasm_exporttype_new(wasm_name_t* name, wasm_externtype_t* type) {
  auto* t = new wasm_exporttype_t;
  t->name = *name;
  t->type = type;
  *name = {0, nullptr};
  return t;
}
void wasm_exporttype_delete(wasm_exporttype_t* t) {
  if (t == nullptr) return;
  wasm_byte_vec_delete(&t->name);
  wasm_externtype_delete(t->type);
  delete t;
}
wasm_exporttype_t* wasm_exporttype_copy(const wasm_exporttype_t* t) {
  auto* c = new wasm_exporttype_t;
  wasm_byte_vec_copy(&c->name, &t->name);
  c->type = wasm_externtype_copy(t->type);
  return c;
}
const wasm_name_t* wasm_exporttype_name(const wasm_exporttype_t* t) { return &t->name; }
const wasm_externtype_t* wasm_exporttype_type(const wasm_exporttype_t* t) { return t->type; }

// ---- Frames ------------------------------------------------------------------------------

void wasm_frame_delete(wasm_frame_t* f) { delete f; }
wasm_frame_t* wasm_frame_copy(const wasm_frame_t* f) { return new wasm_frame_t{f->data}; }
wasm_instance_t* wasm_frame_instance(const wasm_frame_t* f) { return f->data.instance.get(); }
uint32_t wasm_frame_func_index(const wasm_frame_t* f) { return f->data.func_index; }
size_t wasm_frame_func_offset(const wasm_frame_t* f) { return f->data.func_offset; }
size_t wasm_frame_module_offset(const wasm_frame_t* f) { return f->data.module_offset; }

}  // extern "C"

// kiln.hh: a thin C++17 layer over wasm.h and kiln.h: owning handles (move-only), values,
// and calls that return a result or a trap instead of raw pointers. Header-only; links
// against libkiln or libkiln-runtime like the C API. No exceptions are thrown.
//
//   kiln::Engine engine;
//   kiln::Store store(engine);
//   auto module = kiln::Module::Compile(store, wasm_bytes);       // or LoadFile
//   auto instance = kiln::Instance::Create(store, *module, {});
//   auto result = instance->Func("add").Call({kiln::Val::I32(1), kiln::Val::I32(2)});
//   if (result) std::cout << (*result)[0].i32();   else std::cout << result.error();
#ifndef KILN_HH
#define KILN_HH

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kiln.h"
#include "wasm.h"

namespace kiln {

// A value or the reason there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}                            // NOLINT
  static Result Error(std::string message) { return Result(std::move(message), 0); }
  explicit operator bool() const { return value_.has_value(); }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }
  const std::string& error() const { return error_; }

 private:
  Result(std::string message, int) : error_(std::move(message)) {}
  std::optional<T> value_;
  std::string error_;
};

// Numbers only (references go through the C API).
class Val {
 public:
  static Val I32(int32_t v) { Val x; x.v_.kind = WASM_I32; x.v_.of.i32 = v; return x; }
  static Val I64(int64_t v) { Val x; x.v_.kind = WASM_I64; x.v_.of.i64 = v; return x; }
  static Val F32(float v) { Val x; x.v_.kind = WASM_F32; x.v_.of.f32 = v; return x; }
  static Val F64(double v) { Val x; x.v_.kind = WASM_F64; x.v_.of.f64 = v; return x; }
  wasm_valkind_t kind() const { return v_.kind; }
  int32_t i32() const { return v_.of.i32; }
  int64_t i64() const { return v_.of.i64; }
  float f32() const { return v_.of.f32; }
  double f64() const { return v_.of.f64; }
  const wasm_val_t& raw() const { return v_; }
  static Val FromRaw(const wasm_val_t& v) { Val x; x.v_ = v; return x; }

 private:
  wasm_val_t v_{};
};

// The trap's message, and deletes it.
inline std::string TakeTrapMessage(wasm_trap_t* trap) {
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  std::string s(m.data, m.size > 0 ? m.size - 1 : 0);
  wasm_byte_vec_delete(&m);
  wasm_trap_delete(trap);
  return s;
}

class Engine {
 public:
  Engine() : e_(wasm_engine_new()) {}
  explicit Engine(wasm_config_t* config) : e_(wasm_engine_new_with_config(config)) {}
  ~Engine() { if (e_) wasm_engine_delete(e_); }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  wasm_engine_t* raw() const { return e_; }

 private:
  wasm_engine_t* e_;
};

class Store {
 public:
  explicit Store(Engine& engine) : s_(wasm_store_new(engine.raw())) {}
  ~Store() { if (s_) wasm_store_delete(s_); }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  wasm_store_t* raw() const { return s_; }
  bool SetFuel(uint64_t fuel) { return kiln_store_set_fuel(s_, fuel); }
  bool SetTimeout(uint64_t ms) { return kiln_store_set_timeout(s_, ms); }

 private:
  wasm_store_t* s_;
};

class Module {
 public:
  static Result<Module> Compile(Store& store, const std::vector<uint8_t>& wasm) {
    wasm_byte_vec_t bytes;
    wasm_byte_vec_new(&bytes, wasm.size(), reinterpret_cast<const wasm_byte_t*>(wasm.data()));
    wasm_module_t* m = wasm_module_new(store.raw(), &bytes);
    wasm_byte_vec_delete(&bytes);
    if (!m) return Result<Module>::Error(kiln_last_error());
    return Module(m);
  }
  static Result<Module> LoadFile(Store& store, const std::string& path) {
    wasm_module_t* m = kiln_module_load_file(store.raw(), path.c_str());
    if (!m) return Result<Module>::Error(kiln_last_error());
    return Module(m);
  }
  Module(Module&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  ~Module() { if (m_) wasm_module_delete(m_); }
  wasm_module_t* raw() const { return m_; }

 private:
  explicit Module(wasm_module_t* m) : m_(m) {}
  wasm_module_t* m_;
};

class Func {
 public:
  explicit Func(wasm_extern_t* e) : e_(e) {}
  Func(Func&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  ~Func() { if (e_) wasm_extern_delete(e_); }
  explicit operator bool() const { return e_ && wasm_extern_as_func(e_); }
  // Type-checked: wrong argument count or types come back as an error, not a crash.
  Result<std::vector<Val>> Call(const std::vector<Val>& args) const {
    wasm_func_t* f = e_ ? wasm_extern_as_func(e_) : nullptr;
    if (!f) return Result<std::vector<Val>>::Error("not a function");
    std::vector<wasm_val_t> in;
    for (const Val& v : args) in.push_back(v.raw());
    std::vector<wasm_val_t> out(wasm_func_result_arity(f));
    wasm_val_vec_t in_vec{in.size(), in.data()}, out_vec{out.size(), out.data()};
    if (wasm_trap_t* trap = wasm_func_call(f, &in_vec, &out_vec))
      return Result<std::vector<Val>>::Error(TakeTrapMessage(trap));
    std::vector<Val> results;
    for (const wasm_val_t& v : out) results.push_back(Val::FromRaw(v));
    return results;
  }

 private:
  wasm_extern_t* e_;
};

class Instance {
 public:
  static Result<Instance> Create(Store& store, const Module& module,
                                 const std::vector<wasm_extern_t*>& imports) {
    wasm_extern_vec_t vec{imports.size(), const_cast<wasm_extern_t**>(imports.data())};
    wasm_trap_t* trap = nullptr;
    wasm_instance_t* i = wasm_instance_new(store.raw(), module.raw(), &vec, &trap);
    if (!i) return Result<Instance>::Error(trap ? TakeTrapMessage(trap) : kiln_last_error());
    return Instance(i);
  }
  Instance(Instance&& o) noexcept : i_(std::exchange(o.i_, nullptr)) {}
  ~Instance() { if (i_) wasm_instance_delete(i_); }
  Func GetFunc(const std::string& name) const { return Func(kiln_instance_export(i_, name.c_str())); }
  wasm_instance_t* raw() const { return i_; }

 private:
  explicit Instance(wasm_instance_t* i) : i_(i) {}
  wasm_instance_t* i_;
};

}  // namespace kiln

#endif  // KILN_HH

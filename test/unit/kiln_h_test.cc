// kiln.h, kiln's extensions to wasm.h: errors come back as NULL/false with a message (never
// a crash), and each extension does what kiln.h says. Modules come from text through
// kiln's own reader, compiled in-process by wasm_module_new.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kiln.h"
#include "kiln.hh"
#include "kiln/text/Wat.h"
#include "wasm.h"

namespace {

std::vector<uint8_t> Wasm(const std::string& wat) {
  auto bytes = kiln::text::parseWat(wat, "test.wat");
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

struct Env {
  wasm_engine_t* engine;
  wasm_store_t* store;
  explicit Env(wasm_config_t* config = nullptr)
      : engine(config ? wasm_engine_new_with_config(config) : wasm_engine_new()),
        store(wasm_store_new(engine)) {}
  ~Env() {
    wasm_store_delete(store);
    wasm_engine_delete(engine);
  }
  wasm_module_t* Module(const std::string& wat) {
    std::vector<uint8_t> w = Wasm(wat);
    wasm_byte_vec_t v;
    wasm_byte_vec_new(&v, w.size(), reinterpret_cast<const wasm_byte_t*>(w.data()));
    wasm_module_t* m = wasm_module_new(store, &v);
    wasm_byte_vec_delete(&v);
    return m;
  }
};

// Calls export `name` with i32 arguments; the trap's message, or "" when it returned
// (then *result holds the first result).
std::string CallI32(wasm_instance_t* inst, const char* name, std::vector<int32_t> args,
                    int32_t* result = nullptr) {
  wasm_extern_t* e = kiln_instance_export(inst, name);
  if (e == nullptr) return "no export";
  std::vector<wasm_val_t> in;
  for (int32_t a : args) {
    wasm_val_t v;
    v.kind = WASM_I32;
    v.of.i32 = a;
    in.push_back(v);
  }
  wasm_val_t out[4] = {};
  wasm_val_vec_t in_vec{in.size(), in.data()}, out_vec{4, out};
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(e), &in_vec, &out_vec);
  wasm_extern_delete(e);
  if (trap == nullptr) {
    if (result) *result = out[0].of.i32;
    return "";
  }
  return kiln::TakeTrapMessage(trap);
}

TEST(KilnH, ErrorsAreReportedNotFatal) {
  Env env;
  wasm_byte_vec_t junk;
  wasm_byte_vec_new(&junk, 5, "\0asmX");
  EXPECT_EQ(wasm_module_new(env.store, &junk), nullptr);
  EXPECT_NE(std::string(kiln_last_error()), "");
  EXPECT_EQ(wasm_module_deserialize(env.store, &junk), nullptr);
  EXPECT_FALSE(wasm_module_validate(env.store, &junk));
  wasm_byte_vec_delete(&junk);
  EXPECT_EQ(kiln_module_load_file(env.store, "/nonexistent/app.so"), nullptr);
  EXPECT_NE(std::string(kiln_last_error()).find("/nonexistent/app.so"), std::string::npos);
  wasm_config_t* config = wasm_config_new();
  EXPECT_FALSE(kiln_config_require_signature_file(config, "/nonexistent/key.pub"));
  wasm_config_delete(config);
  EXPECT_FALSE(kiln_store_set_max_stack(env.store, 100));
  wasi_config_t* wasi = wasi_config_new();
  EXPECT_FALSE(wasi_config_preopen_dir(wasi, "/nonexistent/dir", "/d", true));
  wasi_config_delete(wasi);
  kiln_linker_t* linker = kiln_linker_new(env.store);
  EXPECT_FALSE(kiln_linker_define_wasi(linker));  // no WASI state yet
  kiln_linker_delete(linker);
}

TEST(KilnH, LinkerDefinesFunctionsAndInstancesByName) {
  Env env;
  wasm_module_t* lib = env.Module(R"((module (func (export "twice") (param i32) (result i32)
                                       (i32.mul (local.get 0) (i32.const 2)))))");
  wasm_module_t* app = env.Module(R"((module
      (import "lib" "twice" (func $twice (param i32) (result i32)))
      (import "host" "add1" (func $add1 (param i32) (result i32)))
      (func (export "run") (param i32) (result i32) (call $add1 (call $twice (local.get 0))))))");
  ASSERT_TRUE(lib && app);
  kiln_linker_t* linker = kiln_linker_new(env.store);
  wasm_instance_t* lib_inst = kiln_linker_instantiate(linker, lib, nullptr);
  ASSERT_NE(lib_inst, nullptr);
  EXPECT_TRUE(kiln_linker_define_instance(linker, "lib", lib_inst));
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  static std::atomic<int> finalized{0};
  EXPECT_TRUE(kiln_linker_define_func(
      linker, "host", "add1", type,
      [](void*, const wasm_val_vec_t* args, wasm_val_vec_t* results) -> wasm_trap_t* {
        results->data[0].kind = WASM_I32;
        results->data[0].of.i32 = args->data[0].of.i32 + 1;
        return nullptr;
      },
      nullptr, [](void*) { ++finalized; }));
  // A name is defined once.
  EXPECT_FALSE(kiln_linker_define_func(linker, "host", "add1", type,
                                       [](void*, const wasm_val_vec_t*, wasm_val_vec_t*) -> wasm_trap_t* {
                                         return nullptr;
                                       },
                                       nullptr, nullptr));
  wasm_functype_delete(type);
  wasm_trap_t* trap = nullptr;
  wasm_instance_t* inst = kiln_linker_instantiate(linker, app, &trap);
  ASSERT_NE(inst, nullptr);
  int32_t r = 0;
  EXPECT_EQ(CallI32(inst, "run", {20}, &r), "");
  EXPECT_EQ(r, 41);
  // An import the linker does not have: NULL and a trap naming it.
  kiln_linker_t* empty = kiln_linker_new(env.store);
  EXPECT_EQ(kiln_linker_instantiate(empty, app, &trap), nullptr);
  ASSERT_NE(trap, nullptr);
  EXPECT_NE(kiln::TakeTrapMessage(trap).find("unknown import"), std::string::npos);
  kiln_linker_delete(empty);
  wasm_instance_delete(inst);
  wasm_instance_delete(lib_inst);
  kiln_linker_delete(linker);
  wasm_module_delete(app);
  wasm_module_delete(lib);
  EXPECT_EQ(finalized.load(), 1);
}

TEST(KilnH, ImportPolicyRefusesBeforeAnyCodeRuns) {
  Env env;
  wasm_module_t* m = env.Module(R"((module (import "env" "secret" (func))))");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(kiln_store_approve_import(env.store, "env::other"));
  EXPECT_FALSE(kiln_store_approve_import(env.store, "no separator"));
  kiln_linker_t* linker = kiln_linker_new(env.store);
  wasm_functype_t* type = wasm_functype_new_0_0();
  kiln_linker_define_func(linker, "env", "secret", type,
                          [](void*, const wasm_val_vec_t*, wasm_val_vec_t*) -> wasm_trap_t* {
                            return nullptr;
                          },
                          nullptr, nullptr);
  wasm_functype_delete(type);
  wasm_trap_t* trap = nullptr;
  EXPECT_EQ(kiln_linker_instantiate(linker, m, &trap), nullptr);
  ASSERT_NE(trap, nullptr);
  EXPECT_NE(kiln::TakeTrapMessage(trap).find("not approved"), std::string::npos);
  kiln_linker_delete(linker);
  wasm_module_delete(m);
}

TEST(KilnH, StackCapAndInterruptFromAnotherThread) {
  Env env;
  wasm_module_t* m = env.Module(R"((module
      (func $rec (export "rec") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
      (func (export "spin") (loop $l (br $l)))))");
  ASSERT_NE(m, nullptr);
  wasm_instance_t* inst = wasm_instance_new(env.store, m, nullptr, nullptr);
  ASSERT_NE(inst, nullptr);
  int32_t r = 0;
  EXPECT_EQ(CallI32(inst, "rec", {100000}, &r), "");
  EXPECT_EQ(r, 100000);
  EXPECT_TRUE(kiln_store_set_max_stack(env.store, 64 * 1024));
  EXPECT_EQ(CallI32(inst, "rec", {100000}), "call stack exhausted");
  EXPECT_EQ(CallI32(inst, "rec", {100}, &r), "");
  kiln_interrupt_handle_t* handle = kiln_interrupt_handle_new(env.store);
  std::thread stopper([handle] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    kiln_interrupt_handle_interrupt(handle);
  });
  EXPECT_EQ(CallI32(inst, "spin", {}), "interrupted");
  stopper.join();
  EXPECT_EQ(CallI32(inst, "rec", {1}), "interrupted");  // until reset
  kiln_store_reset_interrupt(env.store);
  EXPECT_EQ(CallI32(inst, "rec", {1}, &r), "");
  kiln_interrupt_handle_delete(handle);
  wasm_instance_delete(inst);
  wasm_module_delete(m);
}

TEST(KilnH, WasiStdinArgsAndTheSandboxModuleSwitch) {
  Env env;
  // Reads stdin into memory and writes it back to stdout, then exits 7.
  wasm_module_t* echo = env.Module(R"((module
      (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 64))
        (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (call $exit (i32.const 7)))))");
  ASSERT_NE(echo, nullptr);
  wasi_config_t* wasi = wasi_config_new();
  wasm_byte_vec_t in;
  wasm_byte_vec_new(&in, 5, "ping\n");
  EXPECT_TRUE(wasi_config_set_stdin_bytes(wasi, &in));
  wasm_byte_vec_delete(&in);
  wasi_config_capture_output(wasi);
  wasi_config_allow_sandbox_module(wasi, false);
  ASSERT_TRUE(kiln_store_set_wasi(env.store, wasi));
  kiln_linker_t* linker = kiln_linker_new(env.store);
  ASSERT_TRUE(kiln_linker_define_wasi(linker));
  wasm_trap_t* trap = nullptr;
  EXPECT_EQ(kiln_linker_run_command(linker, echo, &trap), 7);
  EXPECT_EQ(trap, nullptr);
  wasm_byte_vec_t out;
  kiln_wasi_stdout(env.store, &out);
  EXPECT_EQ(std::string(out.data, out.size), "ping\n");
  wasm_byte_vec_delete(&out);
  // kiln_sandbox switched off: a module importing it does not link.
  wasm_module_t* sandboxed = env.Module(
      R"((module (import "kiln_sandbox" "drop" (func (param i32) (result i32)))))");
  ASSERT_NE(sandboxed, nullptr);
  EXPECT_EQ(kiln_linker_instantiate(linker, sandboxed, &trap), nullptr);
  ASSERT_NE(trap, nullptr);
  EXPECT_NE(kiln::TakeTrapMessage(trap).find("kiln_sandbox"), std::string::npos);
  kiln_linker_delete(linker);
  wasm_module_delete(sandboxed);
  wasm_module_delete(echo);
}

TEST(KilnH, CompiledArtifactsLoadFromFilesAndSerialize) {
  Env env;
  std::vector<uint8_t> w = Wasm(R"((module (func (export "answer") (result i32) (i32.const 42))))");
  wasm_byte_vec_t wasm, artifact;
  wasm_byte_vec_new(&wasm, w.size(), reinterpret_cast<const wasm_byte_t*>(w.data()));
  ASSERT_TRUE(kiln_compile(env.engine, &wasm, &artifact));
  wasm_byte_vec_delete(&wasm);
  const std::string path = std::filesystem::temp_directory_path() /
                           ("kiln-h-test-" + std::to_string(getpid()) + ".so");
  std::ofstream(path, std::ios::binary).write(artifact.data, static_cast<std::streamsize>(artifact.size));
  wasm_module_t* m = kiln_module_load_file(env.store, path.c_str());
  ASSERT_NE(m, nullptr) << kiln_last_error();
  wasm_byte_vec_t again;
  wasm_module_serialize(m, &again);
  EXPECT_EQ(std::string(again.data, again.size), std::string(artifact.data, artifact.size));
  wasm_byte_vec_delete(&again);
  wasm_instance_t* inst = wasm_instance_new(env.store, m, nullptr, nullptr);
  int32_t r = 0;
  EXPECT_EQ(CallI32(inst, "answer", {}, &r), "");
  EXPECT_EQ(r, 42);
  wasm_instance_delete(inst);
  wasm_module_delete(m);
  wasm_byte_vec_delete(&artifact);
  std::filesystem::remove(path);
}

TEST(KilnH, CppLayerCallsAreTypeChecked) {
  kiln::Engine engine;
  kiln::Store store(engine);
  auto module = kiln::Module::Compile(
      store, Wasm(R"((module (func (export "add") (param i32 i32) (result i32)
                     (i32.add (local.get 0) (local.get 1)))))"));
  ASSERT_TRUE(module) << module.error();
  auto instance = kiln::Instance::Create(store, *module, {});
  ASSERT_TRUE(instance) << instance.error();
  kiln::Func add = instance->GetFunc("add");
  auto ok = add.Call({kiln::Val::I32(2), kiln::Val::I32(3)});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ((*ok)[0].i32(), 5);
  auto wrong = add.Call({kiln::Val::I64(2), kiln::Val::I32(3)});
  EXPECT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("type mismatch"), std::string::npos);
  auto few = add.Call({kiln::Val::I32(2)});
  EXPECT_FALSE(few);
  EXPECT_FALSE(instance->GetFunc("missing"));
}

}  // namespace

// The hostile modules of test/security, run through the loader library in ONE process:
// each must end in the trap or error it deserves, and after each the same process still
// runs a good instance correctly, while an instance created before all of them keeps its
// state. The whole list runs twice (trap handling is reusable, nothing leaks into later
// instances).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/compiler/Compiler.h"
#include "kiln/loader.h"
#include "kiln/text/Wat.h"
#include "kiln/wasi/WasiModule.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

kiln_val I32(uint32_t v) {
  kiln_val x{};
  x.i32 = v;
  return x;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compiles WAT (a file of test/security or inline text) once and loads it.
std::shared_ptr<const Artifact> Build(const std::string& wat, const std::string& name) {
  static std::map<std::string, std::shared_ptr<const Artifact>> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  auto wasm = text::parseWat(wat, name);
  EXPECT_TRUE(wasm.ok()) << name << ": " << wasm.status();
  if (!wasm.ok()) return nullptr;
  const fs::path out =
      fs::temp_directory_path() / ("kiln-hostile-" + std::to_string(getpid()) + "-" + name + ".so");
  CompileOptions options;
  options.features = wasm::Features::wasm3();
  absl::Status s = compileToFile(*wasm, options, out.string());
  EXPECT_TRUE(s.ok()) << name << ": " << s;
  if (!s.ok()) return nullptr;
  auto artifact = Artifact::LoadFile(out.string());
  fs::remove(out);
  EXPECT_TRUE(artifact.ok()) << name << ": " << artifact.status();
  if (!artifact.ok()) return nullptr;
  cache[name] = *artifact;
  return *artifact;
}

std::shared_ptr<const Artifact> BuildFile(const std::string& file) {
  return Build(ReadFile(fs::path(KILN_SECURITY_DIR) / file), file);
}

constexpr const char* kGood = R"(
  (module
    (memory (export "memory") 1)
    (data (i32.const 100) "\2a\00\00\00")
    (global $g (mut i32) (i32.const 0))
    (func (export "set") (param i32) (global.set $g (local.get 0)))
    (func (export "get") (result i32) (global.get $g))
    (func (export "work") (param i32) (result i32)
      (local $i i32) (local $acc i32)
      (loop $l
        (local.set $acc (i32.add (local.get $acc) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
      (i32.add (local.get $acc) (i32.load (i32.const 100)))))
)";

// One hostile case: instantiate `file` (fresh instance) and call `fn` with `args`.
struct Case {
  std::string file;
  std::string fn;
  std::vector<uint32_t> args;
  std::string trap;                  // expected trap text, or empty
  std::optional<int32_t> result;     // expected i32 result when it does not trap
  std::optional<uint64_t> max_pages;  // --max-memory
  bool timeout = false;              // interrupted by a timer after 100 ms
  bool wasi = false;                 // bind WASI (with a pre-opened directory as fd 3)
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // Out of bounds at every edge.
      {"oob-edge.wat", "load", {65533}, "out of bounds memory access"},
      {"oob-edge.wat", "load", {65536}, "out of bounds memory access"},
      {"oob-edge.wat", "load", {65532}, "", 0},
      {"oob-edge.wat", "far_load", {0xFFFFFFFF}, "out of bounds memory access"},
      {"oob-edge.wat", "far_store", {0xFFFFFFFF}, "out of bounds memory access"},
      {"oob-edge.wat", "far_load", {1}, "out of bounds memory access"},
      // Straddling the end after memory.grow.
      {"grow-then-oob.wat", "grow_and_load", {131069}, "out of bounds memory access"},
      {"grow-then-oob.wat", "grow_and_load", {131072}, "out of bounds memory access"},
      {"grow-then-oob.wat", "grow_and_load", {131068}, "", 0},
      // Tables: out of bounds, null, signature mismatch.
      {"indirect-calls.wat", "call", {3}, "undefined element"},
      {"indirect-calls.wat", "call", {0xFFFFFFFF}, "undefined element"},
      {"indirect-calls.wat", "call", {2}, "uninitialized element"},
      {"indirect-calls.wat", "call", {1}, "indirect call type mismatch"},
      {"indirect-calls.wat", "get", {3}, "out of bounds table access"},
      {"typed-ref-confusion.wat", "confuse", {}, "indirect call type mismatch"},
      {"typed-ref-confusion.wat", "null_call", {}, "null function reference"},
      // Stack exhaustion: deep recursion, mutual recursion, large frames.
      {"stack-overflow.wat", "recurse", {0}, "call stack exhausted"},
      {"stack-overflow.wat", "mutual", {0}, "call stack exhausted"},
      {"stack-overflow.wat", "big_frames", {0}, "call stack exhausted"},
      // Arithmetic.
      {"arithmetic-traps.wat", "div", {1, 0}, "integer divide by zero"},
      {"arithmetic-traps.wat", "div", {0x80000000, 0xFFFFFFFF}, "integer overflow"},
      {"arithmetic-traps.wat", "unreachable", {}, "unreachable"},
      // An infinite loop without calls, stopped by the timer.
      {"timeout.wat", "spin", {}, "interrupted", std::nullopt, std::nullopt, true, true},
      // ... and loops that spend their time in builtins and host functions.
      {"timeout.wat", "fill", {}, "interrupted", std::nullopt, std::nullopt, true, true},
      {"timeout.wat", "copy", {}, "interrupted", std::nullopt, std::nullopt, true, true},
      {"timeout.wat", "host", {}, "interrupted", std::nullopt, std::nullopt, true, true},
      // Unbounded growth under a 1 MiB cap: memory.grow fails, the guest goes on.
      {"max-memory.wat", "grow_all", {}, "", 16, 16},
      // WASI calls with wild pointers and lengths: an errno, never a fault.
      {"wasi-wild-pointers.wat", "iovec_array_past_end", {}, "", 21, {}, false, true},
      {"wasi-wild-pointers.wat", "iovec_buffer_wraps", {}, "", 21, {}, false, true},
      {"wasi-wild-pointers.wat", "read_into_past_end", {}, "", 21, {}, false, true},
      {"wasi-wild-pointers.wat", "random_wraps", {}, "", 21, {}, false, true},
      {"wasi-wild-pointers.wat", "poll_past_end", {}, "", 21, {}, false, true},
      {"wasi-wild-pointers.wat", "too_many_iovecs", {}, "", 28, {}, false, true},
      {"wasi-wild-pointers.wat", "path_past_end", {}, "", 21, {}, false, true},
  };
  return cases;
}

class HostileInOneProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-hostile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ / "config.txt") << "threads=4\n";
    good_ = Build(kGood, "good");
    ASSERT_NE(good_, nullptr);
    auto survivor = Instance::Instantiate(good_, ImportResolver());
    ASSERT_TRUE(survivor.ok()) << survivor.status();
    survivor_ = *survivor;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<wasi::WasiModule> Wasi() {
    wasi::WasiConfig config;
    config.args = {"hostile"};
    auto ctx = std::make_shared<wasi::WasiContext>(config);
    EXPECT_TRUE(ctx->PreopenDirectory(dir_.string(), "/d").ok());
    return std::make_shared<wasi::WasiModule>(ctx);
  }

  // After every hostile case: a fresh good instance computes the right answer.
  void ExpectGoodInstanceWorks(const std::string& after) {
    auto inst = Instance::Instantiate(good_, ImportResolver());
    ASSERT_TRUE(inst.ok()) << "after " << after << ": " << inst.status();
    auto work = (*inst)->GetExport("work");
    ASSERT_TRUE(work.has_value());
    const kiln_val arg = I32(1000);
    auto r = Call(*work, {&arg, 1});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_FALSE(r->trap.has_value()) << "after " << after << ": " << r->trap->Describe();
    EXPECT_EQ(r->results[0].i32, 499500u + 42u) << "after " << after;
  }

  void RunCase(const Case& c) {
    const std::string label = c.file + " " + c.fn;
    SCOPED_TRACE(label);
    auto artifact = BuildFile(c.file);
    ASSERT_NE(artifact, nullptr);
    InstanceOptions options;
    options.max_memory_pages = c.max_pages;
    options.interrupt = std::make_shared<InterruptHandle>();
    ImportMap imports;
    std::shared_ptr<wasi::WasiModule> wasi;
    if (c.wasi) {
      wasi = Wasi();
      imports.SetFallback(wasi::WasiModule::AsResolver(wasi));
    }
    options.run_start = false;
    auto inst = Instance::Instantiate(artifact, imports.AsResolver(), options);
    ASSERT_TRUE(inst.ok()) << inst.status();
    auto fn = (*inst)->GetExport(c.fn);
    ASSERT_TRUE(fn.has_value());
    std::vector<kiln_val> args;
    for (uint32_t a : c.args) args.push_back(I32(a));
    std::thread timer;
    const auto start = std::chrono::steady_clock::now();
    if (c.timeout) {
      timer = std::thread([handle = options.interrupt] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        handle->Interrupt();
      });
    }
    auto r = Call(*fn, args);
    if (timer.joinable()) timer.join();
    ASSERT_TRUE(r.ok()) << r.status();
    if (!c.trap.empty()) {
      ASSERT_TRUE(r->trap.has_value()) << "no trap";
      EXPECT_EQ(r->trap->message, c.trap) << r->trap->Describe();
    } else {
      ASSERT_FALSE(r->trap.has_value()) << r->trap->Describe();
      ASSERT_EQ(r->results.size(), 1u);
      EXPECT_EQ(static_cast<int32_t>(r->results[0].i32), *c.result);
    }
    if (c.timeout) {
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    }
  }

  fs::path dir_;
  std::shared_ptr<const Artifact> good_;
  std::shared_ptr<Instance> survivor_;
};

TEST_F(HostileInOneProcess, EveryHostileModuleIsContainedAndTheProcessGoesOn) {
  auto set = survivor_->GetExport("set");
  ASSERT_TRUE(set.has_value());
  const kiln_val marker = I32(0x5eed);
  ASSERT_TRUE(Call(*set, {&marker, 1}).ok());

  for (int round = 0; round < 2; ++round) {
    for (const Case& c : Cases()) {
      RunCase(c);
      ExpectGoodInstanceWorks(c.file + " " + c.fn);
      if (HasFatalFailure()) return;
    }
  }
  auto get = survivor_->GetExport("get");
  auto r = Call(*get, {});
  ASSERT_TRUE(r.ok() && !r->trap.has_value());
  EXPECT_EQ(r->results[0].i32, 0x5eedu) << "an instance created before them all lost its state";
}

// An import outside the approved set: instantiation fails naming it and its type, and no
// guest code ran (the start function would have called the approved "host" "ran").
TEST_F(HostileInOneProcess, UnapprovedImportFailsBeforeAnyGuestCode) {
  auto artifact = Build(R"(
    (module
      (import "host" "ran" (func $ran))
      (import "env" "system" (func $system (param i32) (result i32)))
      (func $start (call $ran) (drop (call $system (i32.const 0))))
      (start $start))
  )",
                        "unapproved");
  ASSERT_NE(artifact, nullptr);
  std::atomic<int> ran{0}, system_called{0};
  ImportMap imports;
  imports.Add("host", "ran", Extern::Func(HostFunction::Create({{}, {}}, [&](HostCall&) { ++ran; })));
  imports.Add("env", "system",
              Extern::Func(HostFunction::Create({{KILN_I32}, {KILN_I32}},
                                                [&](HostCall&) { ++system_called; })));
  ImportPolicy policy;
  policy.Approve("host", "*");
  InstanceOptions options;
  options.import_policy = &policy;
  for (int i = 0; i < 3; ++i) {
    auto inst = Instance::Instantiate(artifact, imports.AsResolver(), options);
    ASSERT_FALSE(inst.ok());
    EXPECT_NE(inst.status().message().find(
                  "import \"env\" \"system\" (func (i32) -> (i32)) is not approved"),
              std::string::npos)
        << inst.status();
    ExpectGoodInstanceWorks("unapproved import");
  }
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(system_called.load(), 0);
}

// Rights used after the guest dropped them: ENOTCAPABLE (76) whatever it tries, in this
// instance; a new instance with its own WASI context is not affected.
TEST_F(HostileInOneProcess, RightsUsedAfterTheyWereDroppedAreRefused) {
  auto artifact = Build(R"(
    (module
      (import "kiln_sandbox" "drop" (func $drop (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_open"
        (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "config.txt")
      (func $open (export "open") (result i32)
        (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 10) (i32.const 0)
          (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 64)))
      (func (export "drop_fs_then_open") (result i32)
        (if (i32.ne (call $open) (i32.const 0)) (then (return (i32.const -1))))
        (drop (call $drop (i32.const 7)))
        (call $open))
      (func (export "drop_random_then_get") (result i32)
        (drop (call $drop (i32.const 32)))
        (call $random_get (i32.const 128) (i32.const 16))))
  )",
                        "dropped-rights");
  ASSERT_NE(artifact, nullptr);
  for (const auto& [fn, expected] :
       std::vector<std::pair<std::string, int32_t>>{{"drop_fs_then_open", 76},
                                                    {"drop_random_then_get", 76},
                                                    {"open", 0}}) {
    SCOPED_TRACE(fn);
    auto wasi = Wasi();
    ImportMap imports;
    imports.SetFallback(wasi::WasiModule::AsResolver(wasi));
    auto inst = Instance::Instantiate(artifact, imports.AsResolver());
    ASSERT_TRUE(inst.ok()) << inst.status();
    auto f = (*inst)->GetExport(fn);
    auto r = Call(*f, {});
    ASSERT_TRUE(r.ok() && !r->trap.has_value());
    EXPECT_EQ(static_cast<int32_t>(r->results[0].i32), expected);
    ExpectGoodInstanceWorks(fn);
  }
}

}  // namespace
}  // namespace kiln

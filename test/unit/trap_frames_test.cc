// Trap backtraces from the artifact's code map: every kind of trap (a fault in the guard
// pages, a division fault, an explicit trap call, a builtin, a host function, stack
// exhaustion, an interrupt) reports the trapping instruction's byte offset in the binary
// and every Wasm frame up to the host's call, innermost first, also where the optimiser
// inlined the trapping function into its callers, and across instances.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/Extern.h"
#include "kiln/HostFunction.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Instance.h"
#include "kiln/Store.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/text/Wat.h"

namespace kiln {
namespace {

enum : uint8_t {
  kUnreachable = 0x00,
  kCall = 0x10,
  kCallIndirect = 0x11,
  kI32Load = 0x28,
  kI32DivS = 0x6d,
  kPrefixFC = 0xfc,
};

// Functions: 0 host.fail (import), 1 $deep, 2 $div, 3 $indirect, 4 $fill, 5 $rec,
// 6 $spin, 7 $a, 8 $b, 9 $c (a -> b -> c -> deep), 10 $host_caller, 11 $wide.
constexpr const char* kModule = R"(
  (module
    (import "host" "fail" (func $fail (param i32)))
    (memory 1)
    (table 4 funcref)
    (global $g (mut i32) (i32.const 0))
    (func $deep (param i32) (result i32) (i32.load (local.get 0)))
    (func $div (param i32) (result i32) (i32.div_s (i32.const 7) (local.get 0)))
    (func $indirect (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
    (func $fill (param i32) (memory.fill (local.get 0) (i32.const 1) (i32.const 100)))
    (func $rec (param i32) (result i32)
      (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
    (func $spin (param i32) (result i32)
      (loop $l (global.set $g (i32.add (global.get $g) (local.get 0))) (br $l))
      (i32.const 0))
    (func $a (export "a") (param i32) (result i32) (i32.add (call $b (local.get 0)) (i32.const 1)))
    (func $b (param i32) (result i32) (i32.mul (call $c (local.get 0)) (i32.const 3)))
    (func $c (param i32) (result i32)
      (if (result i32) (i32.eq (local.get 0) (i32.const 1))
        (then (call $div (i32.const 0)))
        (else (if (result i32) (i32.eq (local.get 0) (i32.const 2))
          (then (call $indirect (i32.const 3)))
          (else (if (result i32) (i32.eq (local.get 0) (i32.const 3))
            (then (call $fill (i32.const 65500)) (i32.const 0))
            (else (if (result i32) (i32.eq (local.get 0) (i32.const 4))
              (then (call $rec (i32.const 0)))
              (else (if (result i32) (i32.eq (local.get 0) (i32.const 5))
                (then (call $spin (i32.const 1)))
                (else (call $deep (local.get 0)))))))))))))
    (func $host_caller (export "host_caller") (param i32) (result i32)
      (call $fail (local.get 0))
      (i32.add (local.get 0) (i32.const 1)))
    ;; Many values live across the call: a frame with spills, and callee-saved registers.
    (func $wide (export "wide") (param i32) (result i32)
      (local f64 f64 f64 f64 f64 f64)
      (local.set 1 (f64.convert_i32_s (local.get 0)))
      (local.set 2 (f64.mul (local.get 1) (local.get 1)))
      (local.set 3 (f64.add (local.get 2) (local.get 1)))
      (local.set 4 (f64.sub (local.get 3) (local.get 2)))
      (local.set 5 (f64.div (local.get 4) (f64.const 3)))
      (local.set 6 (f64.sqrt (local.get 5)))
      (i32.add
        (call $a (local.get 0))
        (i32.trunc_f64_s (f64.add (f64.add (local.get 1) (local.get 2))
                                  (f64.add (f64.add (local.get 3) (local.get 4))
                                           (f64.add (local.get 5) (local.get 6)))))))
  )
)";

constexpr uint32_t kDeep = 1, kDiv = 2, kIndirect = 3, kFill = 4, kRec = 5, kSpin = 6, kA = 7,
                   kB = 8, kC = 9, kHostCaller = 10, kWide = 11;

struct Compiled {
  std::vector<uint8_t> wasm;
  std::shared_ptr<const Artifact> artifact;
};

Compiled Compile(const std::string& wat, int opt, bool code_map = true) {
  Compiled c;
  auto wasm = text::parseWat(wat, "frames.wat");
  EXPECT_TRUE(wasm.ok()) << wasm.status();
  if (!wasm.ok()) return c;
  c.wasm = *wasm;
  CompileOptions options;
  options.optLevel = opt;
  options.codeMap = code_map;
  static int counter = 0;
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() /
      ("kiln-frames-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".so");
  absl::Status s = compileToFile(c.wasm, options, out.string());
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) return c;
  auto artifact = Artifact::LoadFile(out.string());
  std::filesystem::remove(out);
  EXPECT_TRUE(artifact.ok()) << artifact.status();
  if (artifact.ok()) c.artifact = *artifact;
  return c;
}

kiln_val I32(int32_t v) {
  kiln_val x{};
  x.i32 = static_cast<uint32_t>(v);
  return x;
}

std::shared_ptr<Instance> Instantiate(const Compiled& c, const InstanceOptions& options = {}) {
  ImportMap imports;
  imports.Add("host", "fail",
              Extern::Func(HostFunction::Create({{KILN_I32}, {}}, [](HostCall& call) {
                if (call.values[0].i32 != 0) call.Trap(KILN_TRAP_HOST, "host says no");
              })));
  auto inst = Instance::Instantiate(c.artifact, imports.AsResolver(), options);
  EXPECT_TRUE(inst.ok()) << inst.status();
  return inst.ok() ? *inst : nullptr;
}

Trap CallTrapping(Instance& inst, const char* name, int32_t arg) {
  std::optional<Extern> e = inst.GetExport(name);
  EXPECT_TRUE(e.has_value()) << name;
  if (!e) return Trap{};
  const kiln_val args[1] = {I32(arg)};
  absl::StatusOr<CallResult> r = Call(*e, args);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return Trap{};
  EXPECT_TRUE(r->trap.has_value()) << name << "(" << arg << ") did not trap";
  return r->trap.value_or(Trap{});
}

std::string Show(const Trap& t) {
  std::string out = t.message + ":";
  for (const Trap::Frame& f : t.frames)
    out += " " + std::to_string(f.func_index) + "@" + std::to_string(f.module_offset);
  return out;
}

// The trace is exactly `funcs` (innermost first); each frame's offset is at `ops[i]` in the
// binary and inside its function.
void ExpectTrace(const Compiled& c, const Trap& trap, const std::vector<uint32_t>& funcs,
                 const std::vector<uint8_t>& ops) {
  SCOPED_TRACE(Show(trap));
  ASSERT_EQ(trap.frames.size(), funcs.size());
  ASSERT_TRUE(trap.func_index.has_value());
  EXPECT_EQ(*trap.func_index, funcs[0]);
  for (size_t i = 0; i < funcs.size(); ++i) {
    const Trap::Frame& f = trap.frames[i];
    EXPECT_EQ(f.func_index, funcs[i]) << "frame " << i;
    ASSERT_GT(f.module_offset, 0u) << "frame " << i;
    ASSERT_LT(f.module_offset, c.wasm.size()) << "frame " << i;
    EXPECT_EQ(c.wasm[f.module_offset], ops[i]) << "frame " << i;
    EXPECT_GT(f.func_offset, 0u) << "frame " << i;
    EXPECT_LT(f.func_offset, f.module_offset) << "frame " << i;
    EXPECT_EQ(f.artifact, c.artifact.get()) << "frame " << i;
  }
}

class TrapFramesTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    c_ = Compile(kModule, GetParam());
    ASSERT_TRUE(c_.artifact);
    inst_ = Instantiate(c_);
    ASSERT_TRUE(inst_);
  }
  // Calling `name` with `arg` traps with `code` and exactly the trace `funcs` at `ops`.
  void Check(const char* name, int32_t arg, kiln_trap_code code,
             const std::vector<uint32_t>& funcs, const std::vector<uint8_t>& ops) {
    Trap t = CallTrapping(*inst_, name, arg);
    EXPECT_EQ(t.code, code);
    ExpectTrace(c_, t, funcs, ops);
  }
  Compiled c_;
  std::shared_ptr<Instance> inst_;
};

TEST_P(TrapFramesTest, FaultInGuardPages) {
  Check("a", 70000, KILN_TRAP_MEMORY_OOB, {kDeep, kC, kB, kA}, {kI32Load, kCall, kCall, kCall});
}

TEST_P(TrapFramesTest, DivisionFault) {
  Check("a", 1, KILN_TRAP_INT_DIV_ZERO, {kDiv, kC, kB, kA}, {kI32DivS, kCall, kCall, kCall});
}

TEST_P(TrapFramesTest, ExplicitTrapCall) {
  Check("a", 2, KILN_TRAP_UNINITIALIZED_ELEMENT, {kIndirect, kC, kB, kA},
        {kCallIndirect, kCall, kCall, kCall});
}

TEST_P(TrapFramesTest, BuiltinTrap) {
  Check("a", 3, KILN_TRAP_MEMORY_OOB, {kFill, kC, kB, kA}, {kPrefixFC, kCall, kCall, kCall});
}

TEST_P(TrapFramesTest, HostFunctionTrap) {
  Check("host_caller", 1, KILN_TRAP_HOST, {kHostCaller}, {kCall});
}

TEST_P(TrapFramesTest, ThroughAFrameWithSpills) {
  Check("wide", 70000, KILN_TRAP_MEMORY_OOB, {kDeep, kC, kB, kA, kWide},
        {kI32Load, kCall, kCall, kCall, kCall});
}

TEST_P(TrapFramesTest, StackExhaustion) {
  const Compiled& c = c_;
  Trap t = CallTrapping(*inst_, "a", 4);
  EXPECT_EQ(t.code, KILN_TRAP_STACK_EXHAUSTED);
  // The innermost frames, all of the recursion (the trace keeps the deepest ones).
  ASSERT_GE(t.frames.size(), 100u) << Show(t);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(t.frames[i].func_index, kRec) << i;
  for (size_t i = 1; i < 100; ++i) EXPECT_EQ(c.wasm[t.frames[i].module_offset], kCall) << i;
}

TEST_P(TrapFramesTest, Interrupt) {
  const Compiled& c = c_;
  auto store = Store::Create();
  InstanceOptions options;
  options.store = store;
  auto inst = Instantiate(c, options);
  ASSERT_TRUE(inst);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    store->interrupt_handle()->Interrupt();
  });
  Trap t = CallTrapping(*inst, "a", 5);
  stopper.join();
  EXPECT_EQ(t.code, KILN_TRAP_INTERRUPTED);
  SCOPED_TRACE(Show(t));
  // Somewhere in the loop of $spin, called from $c, $b, $a.
  ASSERT_EQ(t.frames.size(), 4u);
  EXPECT_EQ(t.frames[0].func_index, kSpin);
  const std::vector<uint32_t> callers = {kC, kB, kA};
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(t.frames[i].func_index, callers[i - 1]);
    EXPECT_EQ(c.wasm[t.frames[i].module_offset], kCall);
  }
}

TEST_P(TrapFramesTest, AcrossInstances) {
  // B's trap, called from A: B's frames then A's, each with its own artifact.
  Compiled callee = Compile(R"(
    (module
      (func $inner (param i32) (result i32) (if (local.get 0) (then (unreachable))) (i32.const 1))
      (func (export "outer") (param i32) (result i32) (call $inner (local.get 0))))
  )", GetParam());
  Compiled caller = Compile(R"(
    (module
      (import "b" "outer" (func $outer (param i32) (result i32)))
      (func $x (export "x") (param i32) (result i32) (i32.add (call $outer (local.get 0)) (i32.const 2))))
  )", GetParam());
  ASSERT_TRUE(callee.artifact && caller.artifact);
  auto b = Instance::Instantiate(callee.artifact, [](const ImportRequest&) { return std::nullopt; });
  ASSERT_TRUE(b.ok()) << b.status();
  ImportMap imports;
  imports.AddInstance("b", **b);
  auto a = Instance::Instantiate(caller.artifact, imports.AsResolver());
  ASSERT_TRUE(a.ok()) << a.status();
  Trap t = CallTrapping(**a, "x", 1);
  SCOPED_TRACE(Show(t));
  ASSERT_EQ(t.frames.size(), 3u);
  EXPECT_EQ(t.frames[0].func_index, 0u);
  EXPECT_EQ(t.frames[0].artifact, callee.artifact.get());
  EXPECT_EQ(callee.wasm[t.frames[0].module_offset], kUnreachable);
  EXPECT_EQ(t.frames[1].func_index, 1u);
  EXPECT_EQ(t.frames[1].artifact, callee.artifact.get());
  EXPECT_EQ(callee.wasm[t.frames[1].module_offset], kCall);
  EXPECT_EQ(t.frames[2].func_index, 1u);
  EXPECT_EQ(t.frames[2].artifact, caller.artifact.get());
  EXPECT_EQ(caller.wasm[t.frames[2].module_offset], kCall);
}

TEST_P(TrapFramesTest, StartFunction) {
  // A trap during instantiation comes back in the status, with its frames.
  Compiled c = Compile(R"(
    (module
      (func $boom (unreachable))
      (func $start (call $boom))
      (start $start))
  )", GetParam());
  ASSERT_TRUE(c.artifact);
  auto inst = Instance::Instantiate(c.artifact, [](const ImportRequest&) { return std::nullopt; });
  ASSERT_FALSE(inst.ok());
  std::optional<Trap> t = TrapFromStatus(inst.status());
  ASSERT_TRUE(t.has_value()) << inst.status();
  SCOPED_TRACE(Show(*t));
  ASSERT_EQ(t->frames.size(), 2u);
  EXPECT_EQ(t->frames[0].func_index, 0u);
  EXPECT_EQ(c.wasm[t->frames[0].module_offset], kUnreachable);
  EXPECT_EQ(t->frames[0].func_name, "boom");
  EXPECT_EQ(t->frames[1].func_index, 1u);
  EXPECT_EQ(c.wasm[t->frames[1].module_offset], kCall);
  EXPECT_EQ(t->frames[1].func_name, "start");
  EXPECT_EQ(t->frames[1].artifact, c.artifact.get());
}

INSTANTIATE_TEST_SUITE_P(OptLevels, TrapFramesTest, ::testing::Values(0, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "O" + std::to_string(info.param);
                         });

TEST(TrapFramesNoMap, FunctionOnly) {
  // Without a code map: the trap names the function its pc is in, and no frames.
  Compiled c = Compile(kModule, 2, /*code_map=*/false);
  ASSERT_TRUE(c.artifact);
  EXPECT_FALSE(c.artifact->has_code_map());
  auto inst = Instantiate(c);
  ASSERT_TRUE(inst);
  Trap t = CallTrapping(*inst, "host_caller", 1);
  EXPECT_EQ(t.code, KILN_TRAP_HOST);
  EXPECT_TRUE(t.frames.empty());
  Trap fault = CallTrapping(*inst, "a", 70000);
  EXPECT_EQ(fault.code, KILN_TRAP_MEMORY_OOB);
  EXPECT_TRUE(fault.frames.empty());
  EXPECT_TRUE(fault.func_index.has_value());
}

// A damaged code map is refused at load when its structure is wrong, and read safely when
// only its contents are (the location streams are checked as they are read).
class DamagedCodeMap : public ::testing::Test {
 protected:
  void SetUp() override {
    auto wasm = text::parseWat(kModule, "frames.wat");
    ASSERT_TRUE(wasm.ok()) << wasm.status();
    wasm_ = *wasm;
    const std::filesystem::path out = std::filesystem::temp_directory_path() /
                                      ("kiln-damaged-" + std::to_string(getpid()) + ".so");
    CompileOptions options;
    ASSERT_TRUE(compileToFile(wasm_, options, out.string()).ok());
    std::ifstream in(out, std::ios::binary);
    file_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove(out);
    const std::string magic = "KILNCMAP";
    auto it = std::search(file_.begin(), file_.end(), magic.begin(), magic.end());
    ASSERT_NE(it, file_.end());
    map_ = static_cast<size_t>(it - file_.begin());
    std::memcpy(&header_, &file_[map_], sizeof header_);
  }
  template <typename T>
  void Put(size_t offset, T value) {
    std::memcpy(&file_[map_ + offset], &value, sizeof value);
  }
  absl::StatusOr<std::shared_ptr<const Artifact>> Load() {
    return Artifact::LoadBytes(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(file_.data()), file_.size()),
        "damaged.so");
  }
  std::vector<uint8_t> wasm_;
  std::vector<char> file_;
  size_t map_ = 0;
  kiln_code_map header_{};
};

TEST_F(DamagedCodeMap, Intact) {
  auto a = Load();
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE((*a)->has_code_map());
}

TEST_F(DamagedCodeMap, CountsBeyondTheMapAreRefused) {
  Put(offsetof(kiln_code_map, num_funcs), uint32_t{0xffffffff});
  auto a = Load();
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("code map"), std::string::npos) << a.status();
}

TEST_F(DamagedCodeMap, SizeBeyondTheImageIsRefused) {
  Put(offsetof(kiln_code_map, size), uint32_t{0x7fffffff});
  auto a = Load();
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("code map"), std::string::npos) << a.status();
}

TEST_F(DamagedCodeMap, FrameRulesOutOfOrderAreRefused) {
  // The first function's first rule must be at offset 0.
  kiln_code_map_func f;
  std::memcpy(&f, &file_[map_ + header_.funcs_offset], sizeof f);
  Put(header_.rules_offset + sizeof(kiln_code_map_rule) * f.first_rule, uint32_t{3});
  auto a = Load();
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("code map"), std::string::npos) << a.status();
}

TEST_F(DamagedCodeMap, GarbageLocationsAndCyclesAreReadSafely) {
  // Every location byte a continuation byte, every inlined node its own parent: the
  // artifact loads (the streams are not validated up front), and traps still come back
  // with the function of the trapping code, never a crash or a hang.
  for (uint32_t i = 0; i < header_.locations_size; ++i)
    file_[map_ + header_.locations_offset + i] = static_cast<char>(0xff);
  for (uint32_t i = 0; i < header_.num_inlined; ++i)
    Put(header_.inlined_offset + sizeof(kiln_code_map_inlined) * i + 8, i);
  auto a = Load();
  ASSERT_TRUE(a.ok()) << a.status();
  Compiled c{wasm_, *a};
  auto inst = Instantiate(c);
  ASSERT_TRUE(inst);
  Trap t = CallTrapping(*inst, "a", 70000);
  EXPECT_EQ(t.code, KILN_TRAP_MEMORY_OOB);
  for (const Trap::Frame& f : t.frames) EXPECT_LT(f.func_index, 12u);
}

TEST(TrapFrameText, NamesAreInert) {
  Trap::Frame f;
  f.func_index = 3;
  f.func_name = "evil\x1b[2J\nname\\";
  f.module_offset = 0x41;
  EXPECT_EQ(Trap::DescribeFrame(f), "function 3 $evil\\x1b[2J\\x0aname\\x5c at offset 0x41");
  // UTF-8 stays; C1 controls (U+009B is CSI), stray or overlong bytes do not.
  f.func_name = "caf\xc3\xa9 \xc2\x9b \x9b \xc0\xaf";
  EXPECT_EQ(Trap::DescribeFrame(f),
            "function 3 $caf\xc3\xa9 \\xc2\\x9b \\x9b \\xc0\\xaf at offset 0x41");
  f.func_name = "evil\x1b[2J\nname\\";
  Trap t;
  t.code = KILN_TRAP_UNREACHABLE;
  t.message = "unreachable";
  t.func_index = 3;
  t.func_name = f.func_name;
  EXPECT_EQ(t.Describe(), "unreachable (in function 3 $evil\\x1b[2J\\x0aname\\x5c)");
}

}  // namespace
}  // namespace kiln

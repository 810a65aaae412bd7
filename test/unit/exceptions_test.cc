// Wasm exceptions through the whole pipeline (text -> kilnc -> artifact -> loader), and
// across host frames: a host function that calls back into Wasm sees an exception the
// callee did not catch as the trap "uncaught exception" carrying the exception; it may
// rethrow it to its own Wasm caller, whose try_table then catches it with its payload.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/Extern.h"
#include "kiln/HostFunction.h"
#include "kiln/Instance.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/text/Wat.h"
#include "wat_artifact.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

// Compiles `wat` (Wasm 3.0 features without typed function references) and loads it.
std::shared_ptr<const Artifact> Build(const std::string& wat) {
  CompileOptions options;
  options.features = wasm::Features::wasm3();
  options.features.functionReferences = false;
  return testing::CompileWatForTest(wat, options);
}

constexpr const char* kModule = R"(
  (module
    (import "host" "call_back" (func $call_back (param i32) (result i32)))
    (tag $e (export "e") (param i32))
    (func $thrower (export "thrower") (param i32) (result i32)
      (throw $e (i32.mul (local.get 0) (i32.const 10))))
    ;; Calls the host, which calls back into $thrower; catches what comes back.
    (func (export "outer") (param i32) (result i32)
      (block $caught (result i32)
        (try_table (result i32) (catch $e $caught)
          (call $call_back (local.get 0)))
        (return))
      (i32.add (i32.const 1)))
    ;; Nested try_tables: the inner one does not match and is left by the throw, the outer
    ;; one catches; locals keep the values they had at the throw.
    (tag $other)
    (func (export "nested") (result i32)
      (local $x i32)
      (block $outer (result i32)
        (try_table (catch $e $outer)
          (block $inner
            (try_table (catch $other $inner)
              (local.set $x (i32.const 40))
              (throw $e (i32.const 2))))
          (local.set $x (i32.const -1)))
        (i32.const -100))
      (i32.add (local.get $x)))
    ;; Throws and catches n times; with $keep the exnref is taken (catch_all_ref) and
    ;; dropped, otherwise caught with a plain catch_all.
    (func (export "loop") (param $n i32) (param $keep i32)
      (loop $l
        (if (local.get $keep)
          (then
            (block $h (result exnref)
              (try_table (catch_all_ref $h) (throw $e (i32.const 1)))
              (unreachable))
            (drop))
          (else
            (block $h
              (try_table (catch_all $h) (throw $e (i32.const 1))))))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  )
)";

class ExceptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    artifact_ = Build(kModule);
    ASSERT_NE(artifact_, nullptr);
    // The host function: calls back into "thrower" and, if configured, rethrows what
    // escapes from it.
    auto callBack = HostFunction::Create(
        FuncType{{KILN_I32}, {KILN_I32}},
        [this](HostCall& call) {
          ++host_calls_;
          std::optional<Extern> thrower = instance_->GetExport("thrower");
          ASSERT_TRUE(thrower.has_value());
          kiln_val arg{};
          arg.i32 = call.values[0].i32;
          auto r = Call(*thrower, {&arg, 1});
          ASSERT_TRUE(r.ok());
          ASSERT_TRUE(r->trap.has_value());
          seen_code_ = r->trap->code;
          ASSERT_NE(r->trap->exception, nullptr);
          if (rethrow_) {
            call.Rethrow(r->trap->exception);
          } else {
            call.values[0].i32 = -7;
          }
        },
        "host.call_back");
    ImportMap imports;
    imports.Add("host", "call_back", Extern::Func(callBack));
    auto inst = Instance::Instantiate(artifact_, imports.AsResolver());
    ASSERT_TRUE(inst.ok()) << inst.status();
    instance_ = *inst;
  }

  int32_t Invoke(const char* name, std::span<const kiln_val> args, std::optional<Trap>* trap) {
    std::optional<Extern> f = instance_->GetExport(name);
    EXPECT_TRUE(f.has_value());
    auto r = Call(*f, args);
    EXPECT_TRUE(r.ok()) << r.status();
    *trap = r->trap;
    return r->trap ? 0 : r->results[0].i32;
  }

  std::shared_ptr<const Artifact> artifact_;
  std::shared_ptr<Instance> instance_;
  int host_calls_ = 0;
  uint32_t seen_code_ = 0;
  bool rethrow_ = true;
};

TEST_F(ExceptionsTest, UncaughtExceptionIsATrapCarryingTheException) {
  kiln_val arg{};
  arg.i32 = 4;
  std::optional<Trap> trap;
  Invoke("thrower", {&arg, 1}, &trap);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_UNCAUGHT_EXCEPTION);
  ASSERT_NE(trap->exception, nullptr);
  // The exception's tag is the exported tag, and its payload is the thrown value.
  std::optional<Extern> tag = instance_->GetExport("e");
  ASSERT_TRUE(tag.has_value());
  ASSERT_EQ(tag->kind, ExternKind::kTag);
  EXPECT_EQ(trap->exception->tag, tag->tag.get());
  ASSERT_EQ(trap->exception->num_values, 1u);
  EXPECT_EQ(trap->exception->values[0].i32, 40);
}

TEST_F(ExceptionsTest, HostRethrowReachesTheWasmCallersHandler) {
  kiln_val arg{};
  arg.i32 = 5;
  std::optional<Trap> trap;
  // outer -> host -> thrower throws 50; the nested call ends "uncaught" at the host frame,
  // the host rethrows, and outer's try_table catches 50 and adds 1.
  EXPECT_EQ(Invoke("outer", {&arg, 1}, &trap), 51);
  EXPECT_FALSE(trap.has_value());
  EXPECT_EQ(host_calls_, 1);
  EXPECT_EQ(seen_code_, KILN_TRAP_UNCAUGHT_EXCEPTION);
  // The outer Wasm handler chain was not visible to the nested call and is intact: the
  // same call works again.
  EXPECT_EQ(Invoke("outer", {&arg, 1}, &trap), 51);
}

TEST_F(ExceptionsTest, HostThatDoesNotRethrowReturnsNormally) {
  rethrow_ = false;
  kiln_val arg{};
  arg.i32 = 5;
  std::optional<Trap> trap;
  EXPECT_EQ(Invoke("outer", {&arg, 1}, &trap), -7);
  EXPECT_FALSE(trap.has_value());
}

TEST_F(ExceptionsTest, NestedTryTablesAndLocalsAtTheThrow) {
  std::optional<Trap> trap;
  // The inner try_table ($other) does not match; the outer one catches payload 2 and the
  // local set just before the throw (40) is what the handler sees.
  EXPECT_EQ(Invoke("nested", {}, &trap), 42);
  EXPECT_FALSE(trap.has_value());
}

TEST_F(ExceptionsTest, CaughtExceptionsAreFreedUnlessAnExnrefEscaped) {
  std::optional<Trap> trap;
  kiln_val args[2] = {};
  args[0].i32 = 10000;
  args[1].i32 = 0;
  std::optional<Extern> loop = instance_->GetExport("loop");
  ASSERT_TRUE(loop.has_value());
  auto r = Call(*loop, {args, 2});
  ASSERT_TRUE(r.ok() && r->ok());
  // A plain catch_all of an exception nobody else can see frees it: no growth.
  EXPECT_EQ(instance_->live_exceptions(), 0u);
  // An exnref that escaped into Wasm keeps its exception (until the instance ends).
  args[0].i32 = 3;
  args[1].i32 = 1;
  r = Call(*loop, {args, 2});
  ASSERT_TRUE(r.ok() && r->ok());
  EXPECT_EQ(instance_->live_exceptions(), 3u);
}

}  // namespace
}  // namespace kiln

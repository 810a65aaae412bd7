// The execution limits follow the thread that runs and the store that called, not the
// instance whose code happens to run: instance A running on one thread and calling into
// instance B (made on another thread, in another store) checks the running thread's
// stack, charges the caller's fuel and stops when the caller's store is interrupted.
// Nested host -> Wasm -> host -> Wasm calls restore what they change.
//
// Multithreaded: CI also runs this test under ThreadSanitizer (utils/sanitize.sh).
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/Extern.h"
#include "kiln/HostFunction.h"
#include "kiln/Instance.h"
#include "kiln/compiler/Compiler.h"
#include "wat_artifact.h"

namespace kiln {
namespace {

// B: plain recursion, a counted loop, a loop that never ends.
constexpr const char* kCallee = R"(
  (module
    (func $rec (export "rec") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0))
        (then (i32.const 0))
        (else (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
    (func (export "spin") (param i32) (result i32)
      (local $acc i32)
      (block $done
        (loop $l
          (br_if $done (i32.eqz (local.get 0)))
          (local.set $acc (i32.add (local.get $acc) (local.get 0)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br $l)))
      (local.get $acc))
    (func (export "forever") (loop $l (br $l))))
)";

// A: calls B's functions, and a host function ("host" "h") that may call back into Wasm.
constexpr const char* kCaller = R"(
  (module
    (import "b" "rec" (func $rec (param i32) (result i32)))
    (import "b" "spin" (func $spin (param i32) (result i32)))
    (import "b" "forever" (func $forever))
    (import "host" "h" (func $h (param i32) (result i32)))
    (func $own (export "own_rec") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0))
        (then (i32.const 0))
        (else (i32.add (call $own (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
    (func (export "run") (param i32) (result i32) (call $rec (local.get 0)))
    (func (export "spin") (param i32) (result i32) (call $spin (local.get 0)))
    (func (export "forever") (call $forever))
    ;; The host call, then a recursion of the same depth in A's own code.
    (func (export "via_host") (param i32) (result i32)
      (i32.add (call $h (local.get 0)) (call $own (local.get 0)))))
)";

kiln_val I32(int32_t v) {
  kiln_val x{};
  x.i32 = static_cast<uint32_t>(v);
  return x;
}

struct Outcome {
  bool ok = false;         // the call was made (no API error)
  bool trapped = false;
  kiln_trap_code code = KILN_TRAP_NONE;
  int32_t value = 0;
};

Outcome Invoke(Instance& inst, const char* name, std::vector<kiln_val> args) {
  Outcome out;
  std::optional<Extern> e = inst.GetExport(name);
  if (!e) return out;
  absl::StatusOr<CallResult> r = Call(*e, args);
  if (!r.ok()) return out;
  out.ok = true;
  out.trapped = r->trap.has_value();
  if (out.trapped) out.code = r->trap->code;
  if (!out.trapped && !r->results.empty()) out.value = static_cast<int32_t>(r->results[0].i32);
  return out;
}

std::shared_ptr<const Artifact> Build(const char* wat, bool fuel = false, bool epochs = false) {
  CompileOptions options;
  options.fuel = fuel;
  options.epochChecks = epochs;
  return testing::CompileWatForTest(wat, options);
}

// A pair of instances: B, and A importing B and a host function.
struct Pair {
  std::shared_ptr<Instance> b;
  std::shared_ptr<Instance> a;
};

Pair MakePair(const InstanceOptions& b_options, const InstanceOptions& a_options,
              HostCallback h = nullptr, bool fuel = false, bool epochs = false) {
  Pair p;
  auto callee = Build(kCallee, fuel, epochs);
  auto caller = Build(kCaller, fuel, epochs);
  if (!callee || !caller) return p;
  auto b = Instance::Instantiate(callee, [](const ImportRequest&) { return std::nullopt; },
                                 b_options);
  EXPECT_TRUE(b.ok()) << b.status();
  if (!b.ok()) return p;
  p.b = *b;
  if (!h) h = [](HostCall& call) { call.values[0].i32 = 0; };
  ImportMap imports;
  imports.AddInstance("b", *p.b);
  imports.Add("host", "h", Extern::Func(HostFunction::Create({{KILN_I32}, {KILN_I32}}, h)));
  auto a = Instance::Instantiate(caller, imports.AsResolver(), a_options);
  EXPECT_TRUE(a.ok()) << a.status();
  if (a.ok()) p.a = *a;
  return p;
}

// Runs `body` on a thread with a stack of `stack_bytes`.
void RunOnThread(size_t stack_bytes, std::function<void()> body) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, stack_bytes), 0);
  pthread_t thread;
  auto* fn = new std::function<void()>(std::move(body));
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* arg) -> void* {
                  std::unique_ptr<std::function<void()>> f(
                      static_cast<std::function<void()>*>(arg));
                  (*f)();
                  return nullptr;
                },
                fn),
            0);
  pthread_attr_destroy(&attr);
  pthread_join(thread, nullptr);
}

// Both instances made on this thread; called from two other threads at once, with
// different stack sizes, directly and through each other, shallow and too deep.
TEST(ThreadLimits, CrossInstanceCallsCheckTheRunningThreadsStack) {
  Pair p = MakePair({}, {});
  ASSERT_TRUE(p.a && p.b);
  std::atomic<int> failures{0};
  auto work = [&](const char* who) {
    for (int round = 0; round < 20; ++round) {
      for (const char* fn : {"run", "own_rec"}) {
        Outcome shallow = Invoke(*p.a, fn, {I32(2000)});
        if (!shallow.ok || shallow.trapped || shallow.value != 2000) {
          ADD_FAILURE() << who << " " << fn << "(2000): trapped " << shallow.trapped
                        << " code " << shallow.code << " value " << shallow.value;
          ++failures;
        }
        Outcome deep = Invoke(*p.a, fn, {I32(50'000'000)});
        if (!deep.ok || !deep.trapped || deep.code != KILN_TRAP_STACK_EXHAUSTED) {
          ADD_FAILURE() << who << " " << fn << "(50M): trapped " << deep.trapped << " code "
                        << deep.code;
          ++failures;
        }
      }
      Outcome direct = Invoke(*p.b, "rec", {I32(2000)});
      if (!direct.ok || direct.trapped || direct.value != 2000) {
        ADD_FAILURE() << who << " rec(2000) directly";
        ++failures;
      }
      if (failures > 4) return;
    }
  };
  std::thread t1([&] { RunOnThread(1 << 20, [&] { work("1 MiB thread"); }); });
  std::thread t2([&] { RunOnThread(16 << 20, [&] { work("16 MiB thread"); }); });
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
}

// A's stack cap applies to B's code when A calls it; B called directly has none.
TEST(ThreadLimits, StackCapFollowsTheCaller) {
  InstanceOptions capped;
  capped.max_stack_bytes = 64 * 1024;
  Pair p = MakePair({}, capped);
  ASSERT_TRUE(p.a && p.b);
  RunOnThread(16 << 20, [&] {
    Outcome through_a = Invoke(*p.a, "run", {I32(100'000)});
    EXPECT_TRUE(through_a.trapped);
    EXPECT_EQ(through_a.code, KILN_TRAP_STACK_EXHAUSTED);
    Outcome direct = Invoke(*p.b, "rec", {I32(100'000)});
    EXPECT_FALSE(direct.trapped) << direct.code;
    EXPECT_EQ(direct.value, 100'000);
  });
}

// host -> A -> host -> C (capped store) traps; A's code after it has its own limit back.
TEST(ThreadLimits, NestedCallsRestoreTheLimits) {
  InstanceOptions capped;
  capped.max_stack_bytes = 64 * 1024;
  auto callee = Build(kCallee);
  ASSERT_TRUE(callee);
  auto c = Instance::Instantiate(callee, [](const ImportRequest&) { return std::nullopt; },
                                 capped);
  ASSERT_TRUE(c.ok()) << c.status();
  std::shared_ptr<Instance> c_inst = *c;
  std::atomic<int> nested_code{-1};
  Pair p = MakePair({}, {}, [&](HostCall& call) {
    Outcome inner = Invoke(*c_inst, "rec", {I32(static_cast<int32_t>(call.values[0].i32))});
    nested_code = inner.trapped ? inner.code : KILN_TRAP_NONE;
    call.values[0].i32 = 0;
  });
  ASSERT_TRUE(p.a && p.b);
  RunOnThread(16 << 20, [&] {
    Outcome r = Invoke(*p.a, "via_host", {I32(100'000)});
    EXPECT_EQ(nested_code.load(), KILN_TRAP_STACK_EXHAUSTED);
    EXPECT_FALSE(r.trapped) << r.code;
    EXPECT_EQ(r.value, 100'000);
    // A nested call within its cap succeeds.
    nested_code = -1;
    Outcome small = Invoke(*p.a, "via_host", {I32(100)});
    EXPECT_EQ(nested_code.load(), KILN_TRAP_NONE);
    EXPECT_EQ(small.value, 100);
  });
}

// B's instructions are charged to A's fuel when A calls them.
TEST(ThreadLimits, FuelFollowsTheCaller) {
  InstanceOptions a_options, b_options;
  a_options.fuel = 1'000'000;
  b_options.fuel = 1'000'000'000;
  Pair p = MakePair(b_options, a_options, nullptr, /*fuel=*/true);
  ASSERT_TRUE(p.a && p.b);
  const int64_t b_before = p.b->fuel_left();
  Outcome r = Invoke(*p.a, "spin", {I32(1000)});
  ASSERT_FALSE(r.trapped) << r.code;
  EXPECT_EQ(r.value, 500'500);
  EXPECT_EQ(p.b->fuel_left(), b_before) << "B's fuel was charged for A's call";
  const int64_t used = 1'000'000 - p.a->fuel_left();
  EXPECT_GT(used, 1000 * 5) << "A was not charged for B's loop";
  EXPECT_LT(used, 1000 * 20);
  // Enough of it and A runs out, though B has plenty.
  Outcome out = Invoke(*p.a, "spin", {I32(1'000'000)});
  EXPECT_TRUE(out.trapped);
  EXPECT_EQ(out.code, KILN_TRAP_OUT_OF_FUEL);
  // B called directly spends its own.
  Outcome direct = Invoke(*p.b, "spin", {I32(1000)});
  EXPECT_FALSE(direct.trapped);
  EXPECT_LT(p.b->fuel_left(), b_before);
}

void CheckInterruptFollowsTheCaller(bool epoch_checks) {
  InstanceOptions a_options, b_options;
  a_options.interrupt = std::make_shared<InterruptHandle>();
  b_options.interrupt = std::make_shared<InterruptHandle>();
  Pair p = MakePair(b_options, a_options, nullptr, false, epoch_checks);
  ASSERT_TRUE(p.a && p.b);
  // B's store interrupted: A's call into B is not (it runs under A's store).
  b_options.interrupt->Interrupt();
  Outcome r = Invoke(*p.a, "spin", {I32(100'000)});
  EXPECT_FALSE(r.trapped) << r.code;
  Outcome direct = Invoke(*p.b, "spin", {I32(10)});
  EXPECT_TRUE(direct.trapped);
  EXPECT_EQ(direct.code, KILN_TRAP_INTERRUPTED);
  b_options.interrupt->Reset();
  // A's store interrupted while B's endless loop runs under A's call: it stops.
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    a_options.interrupt->Interrupt();
  });
  Outcome stopped = Invoke(*p.a, "forever", {});
  stopper.join();
  EXPECT_TRUE(stopped.trapped);
  EXPECT_EQ(stopped.code, KILN_TRAP_INTERRUPTED);
}

TEST(ThreadLimits, InterruptFollowsTheCallersStore) { CheckInterruptFollowsTheCaller(false); }
TEST(ThreadLimits, InterruptFollowsTheCallersStoreWithEpochChecks) {
  CheckInterruptFollowsTheCaller(true);
}

// host -> A -> host -> C (another store) looping forever: interrupting A's store stops the
// nested call too, and then A.
TEST(ThreadLimits, InterruptReachesNestedCallsOfOtherStores) {
  auto callee = Build(kCallee);
  ASSERT_TRUE(callee);
  auto c = Instance::Instantiate(callee, [](const ImportRequest&) { return std::nullopt; });
  ASSERT_TRUE(c.ok()) << c.status();
  std::shared_ptr<Instance> c_inst = *c;
  std::atomic<int> nested_code{-1};
  InstanceOptions a_options;
  a_options.interrupt = std::make_shared<InterruptHandle>();
  Pair p = MakePair({}, a_options, [&](HostCall& call) {
    Outcome inner = Invoke(*c_inst, "forever", {});
    nested_code = inner.trapped ? inner.code : KILN_TRAP_NONE;
    if (inner.trapped) call.Trap(inner.code);
  });
  ASSERT_TRUE(p.a && p.b);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    a_options.interrupt->Interrupt();
  });
  Outcome r = Invoke(*p.a, "via_host", {I32(1)});
  stopper.join();
  EXPECT_EQ(nested_code.load(), KILN_TRAP_INTERRUPTED);
  EXPECT_TRUE(r.trapped);
  EXPECT_EQ(r.code, KILN_TRAP_INTERRUPTED);
}

}  // namespace
}  // namespace kiln

// Host calls: a Wasm loop calling a trivial imported host function (i32) -> i32, against
// a native loop calling the same kind of function through a pointer. Reports ns per call.
#include <string>

#include "BenchUtil.h"
#include "kiln/Call.h"
#include "kiln/HostFunction.h"
#include "kiln/Instance.h"

namespace kiln::bench {
namespace {

constexpr int kCalls = 1000000;

__attribute__((noinline)) int32_t NativeInc(int32_t x) { return x + 1; }
int32_t (*volatile g_native_inc)(int32_t) = NativeInc;

void BM_NativeCallThroughPointer(benchmark::State& state) {
  for (auto _ : state) {
    int32_t x = 0;
    int32_t (*f)(int32_t) = g_native_inc;
    for (int i = 0; i < kCalls; ++i) x = f(x);
    benchmark::DoNotOptimize(x);
  }
  state.counters["ns_per_call"] = benchmark::Counter(
      double(kCalls) * state.iterations(), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_NativeCallThroughPointer)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WasmCallsHostFunction(benchmark::State& state) {
  static std::shared_ptr<const Artifact> artifact = CompileWat(
      "(module (import \"env\" \"inc\" (func $inc (param i32) (result i32)))\n"
      "  (func (export \"loop\") (param $n i32) (result i32) (local $x i32)\n"
      "    (block $done (loop $l\n"
      "      (br_if $done (i32.eqz (local.get $n)))\n"
      "      (local.set $x (call $inc (local.get $x)))\n"
      "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
      "      (br $l)))\n"
      "    (local.get $x)))");
  ImportMap imports;
  imports.Add("env", "inc",
              Extern::Func(HostFunction::Create({{KILN_I32}, {KILN_I32}}, [](HostCall& call) {
                call.values[0].i32 = call.values[0].i32 + 1;
              })));
  auto inst = Instance::Instantiate(artifact, imports.AsResolver());
  if (!inst.ok()) {
    state.SkipWithError(std::string(inst.status().message()).c_str());
    return;
  }
  std::optional<Extern> loop = (*inst)->GetExport("loop");
  kiln_val arg{};
  arg.i32 = kCalls;
  for (auto _ : state) {
    absl::StatusOr<CallResult> r = Call(*loop, std::span<const kiln_val>(&arg, 1));
    if (!r.ok() || r->trap || r->results[0].i32 != kCalls) {
      state.SkipWithError("wrong result");
      return;
    }
  }
  state.counters["ns_per_call"] = benchmark::Counter(
      double(kCalls) * state.iterations(), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_WasmCallsHostFunction)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace kiln::bench

BENCHMARK_MAIN();

// Instantiation: instantiate, call a trivial export, destroy, for a module with a 1 MiB
// data segment and 16 MiB of memory; p50/p99 per iteration. Single- and multi-threaded.
#include <optional>
#include <string>

#include "BenchUtil.h"
#include "kiln/Call.h"
#include "kiln/GuardedMemory.h"
#include "kiln/Instance.h"

namespace kiln::bench {
namespace {

std::shared_ptr<const Artifact> DataModule() {
  static std::shared_ptr<const Artifact> artifact = [] {
    // 1 MiB of data (not all zeros, so nothing can skip it) at 64 KiB, 16 MiB of memory.
    std::string data;
    data.reserve(1 << 20);
    for (int i = 0; i < (1 << 20); ++i) data.push_back(static_cast<char>('a' + (i * 7) % 26));
    return CompileWat("(module (memory (export \"memory\") 256)\n"
                      "  (data (i32.const 65536) \"" + data + "\")\n"
                      "  (func (export \"get\") (param i32) (result i32)\n"
                      "    (i32.load8_u (local.get 0))))");
  }();
  return artifact;
}

std::optional<Extern> NoImports(const ImportRequest&) { return std::nullopt; }

// state.range(0): 0 plain (fresh 8 GiB reservation, data copied), 1 pooled reservations,
// 2 pooled + copy-on-write image (the default).
void Configure(benchmark::State& state) {
  const int64_t mode = state.range(0);
  GuardedMemory::SetPoolCapacity(mode >= 1 ? kDefaultMemoryPoolCapacity : 0);
  GuardedMemory::SetCopyOnWriteImages(mode >= 2);
  state.SetLabel(mode == 0 ? "plain" : mode == 1 ? "pool" : "pool+cow");
}

void BM_InstantiateCallDestroy(benchmark::State& state) {
  std::shared_ptr<const Artifact> artifact = DataModule();
  Configure(state);
  Latencies lat;
  kiln_val arg{};
  arg.i32 = 65536 + 5;
  for (auto _ : state) {
    const auto t0 = Latencies::Clock::now();
    {
      absl::StatusOr<std::shared_ptr<Instance>> inst = Instance::Instantiate(artifact, NoImports);
      if (!inst.ok()) {
        state.SkipWithError(std::string(inst.status().message()).c_str());
        return;
      }
      std::optional<Extern> get = (*inst)->GetExport("get");
      absl::StatusOr<CallResult> r = Call(*get, std::span<const kiln_val>(&arg, 1));
      if (!r.ok() || r->trap || r->results[0].i32 != 'a' + (5 * 7) % 26) {
        state.SkipWithError("wrong result");
        return;
      }
    }
    lat.Add(Latencies::Clock::now() - t0);
  }
  lat.Report(state);
}
BENCHMARK(BM_InstantiateCallDestroy)->DenseRange(0, 2)->UseRealTime();
BENCHMARK(BM_InstantiateCallDestroy)->DenseRange(0, 2)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace kiln::bench

BENCHMARK_MAIN();

// Instantiation: instantiate, call a trivial export, destroy, for a module with a 1 MiB
// data segment and 16 MiB of memory; p50/p99 per iteration. Single- and multi-threaded.
#include <optional>
#include <string>

#include "BenchUtil.h"
#include "kiln/Call.h"
#include "kiln/GuardedMemory.h"
#include "kiln/Instance.h"
#include "kiln.h"
#include "wasm.h"

namespace kiln::bench {
namespace {

// 1 MiB of data (not all zeros, so nothing can skip it) at 64 KiB, 16 MiB of memory.
std::string DataModuleWat() {
  std::string data;
  data.reserve(1 << 20);
  for (int i = 0; i < (1 << 20); ++i) data.push_back(static_cast<char>('a' + (i * 7) % 26));
  return "(module (memory (export \"memory\") 256)\n"
         "  (data (i32.const 65536) \"" + data + "\")\n"
         "  (func (export \"get\") (param i32) (result i32)\n"
         "    (i32.load8_u (local.get 0))))";
}

std::shared_ptr<const Artifact> DataModule() {
  static std::shared_ptr<const Artifact> artifact = CompileWat(DataModuleWat());
  return artifact;
}

// DataModule's artifact as a wasm.h module of `store` (its file's bytes, deserialized).
wasm_module_t* CApiModule(wasm_store_t* store) {
  static const std::vector<uint8_t> bytes = [] { return ArtifactBytes(DataModuleWat()); }();
  wasm_byte_vec_t v;
  wasm_byte_vec_new(&v, bytes.size(), reinterpret_cast<const wasm_byte_t*>(bytes.data()));
  wasm_module_t* m = wasm_module_deserialize(store, &v);
  wasm_byte_vec_delete(&v);
  return m;
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

// The same through the C API: wasm_instance_new, export lookup, wasm_func_call,
// wasm_instance_delete, in one long-lived store (pool + copy-on-write, the default).
void BM_CApiInstantiateCallDestroy(benchmark::State& state) {
  Configure(state);
  static wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = CApiModule(store);
  if (module == nullptr) {
    state.SkipWithError("cannot make the C API module");
    return;
  }
  Latencies lat;
  for (auto _ : state) {
    const auto t0 = Latencies::Clock::now();
    {
      wasm_extern_vec_t imports = WASM_EMPTY_VEC;
      wasm_instance_t* inst = wasm_instance_new(store, module, &imports, nullptr);
      if (inst == nullptr) {
        state.SkipWithError(kiln_last_error());
        return;
      }
      wasm_extern_t* get = kiln_instance_export(inst, "get");
      wasm_val_t args[1] = {WASM_I32_VAL(65536 + 5)};
      wasm_val_t results[1] = {WASM_INIT_VAL};
      wasm_val_vec_t arg_vec = WASM_ARRAY_VEC(args), result_vec = WASM_ARRAY_VEC(results);
      wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(get), &arg_vec, &result_vec);
      if (trap != nullptr || results[0].of.i32 != 'a' + (5 * 7) % 26) {
        state.SkipWithError("wrong result");
        return;
      }
      wasm_extern_delete(get);
      wasm_instance_delete(inst);
    }
    lat.Add(Latencies::Clock::now() - t0);
  }
  lat.Report(state);
  wasm_module_delete(module);
  wasm_store_delete(store);
}
BENCHMARK(BM_CApiInstantiateCallDestroy)->Arg(2)->UseRealTime();
BENCHMARK(BM_CApiInstantiateCallDestroy)->Arg(2)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace kiln::bench

BENCHMARK_MAIN();

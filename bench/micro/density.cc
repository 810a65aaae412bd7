// Density: how many live instances fit in one process, each with its own 8 GiB guarded
// memory reservation, and what an idle instance costs in resident memory. Creates N
// instances (default 10,000; argv[1]), calls each one (a store and a load in its memory),
// keeps them all alive, calls every one again, and reports the count and the resident
// memory per instance. Exits 1 if any instance could not be created or gave a wrong answer.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "BenchUtil.h"  // CompileWat (this program does not use Google Benchmark)
#include "kiln/Call.h"
#include "kiln/GuardedMemory.h"
#include "kiln/Instance.h"

namespace {

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

int32_t Touch(kiln::Instance& inst, int32_t value) {
  std::optional<kiln::Extern> f = inst.GetExport("touch");
  kiln_val arg{};
  arg.i32 = value;
  absl::StatusOr<kiln::CallResult> r = kiln::Call(*f, std::span<const kiln_val>(&arg, 1));
  if (!r.ok() || r->trap) return -1;
  return r->results[0].i32;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  // Keep no spare reservations: every instance here holds its own.
  kiln::GuardedMemory::SetPoolCapacity(0);
  std::shared_ptr<const kiln::Artifact> artifact = kiln::bench::CompileWat(
      "(module (memory 1) (global $g (mut i32) (i32.const 0))\n"
      "  (func (export \"touch\") (param i32) (result i32)\n"
      "    (i32.store (i32.const 1024) (i32.add (i32.load (i32.const 1024)) (local.get 0)))\n"
      "    (global.set $g (i32.add (global.get $g) (i32.const 1)))\n"
      "    (i32.add (i32.load (i32.const 1024)) (global.get $g))))");
  const uint64_t before = ResidentBytes();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<kiln::Instance>> live;
  live.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto inst = kiln::Instance::Instantiate(
        artifact, [](const kiln::ImportRequest&) { return std::nullopt; });
    if (!inst.ok()) {
      std::printf("instance %d of %d failed: %s\n", i + 1, n,
                  std::string(inst.status().message()).c_str());
      return 1;
    }
    if (Touch(**inst, i) != i + 1) {
      std::printf("instance %d gave a wrong answer\n", i + 1);
      return 1;
    }
    live.push_back(*std::move(inst));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t after = ResidentBytes();
  // All still usable, each with its own state.
  for (int i = 0; i < n; ++i) {
    if (Touch(*live[i], 1) != i + 3) {  // memory i + 1, global 2
      std::printf("instance %d lost its state\n", i + 1);
      return 1;
    }
  }
  std::printf("live instances: %d (each with an 8 GiB reservation: %.1f TiB of address space)\n",
              n, n * 8.0 / 1024);
  std::printf("created and called in %.3f s (%.1f us each)\n", seconds, seconds * 1e6 / n);
  std::printf("resident memory per idle instance: %.1f KiB (after one call touched a page)\n",
              (after - before) / 1024.0 / n);
  std::printf("all %d instances answered again with their own state\n", n);
  return 0;
}

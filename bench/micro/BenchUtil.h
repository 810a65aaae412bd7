// Shared by the micro-benchmarks: compile a module from text in-process, per-iteration
// latency percentiles as benchmark counters.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "kiln/Artifact.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/text/Wat.h"

namespace kiln::bench {

// Compiles `wat` with kilnc's library at -O2 and returns the artifact file's bytes.
inline std::vector<uint8_t> ArtifactBytes(const std::string& wat) {
  absl::StatusOr<std::vector<uint8_t>> bytes = text::parseWat(wat, "bench.wat");
  if (!bytes.ok()) std::exit(1);
  char path[] = "/tmp/kiln-bench-XXXXXX.so";
  const int fd = mkstemps(path, 3);
  if (fd < 0) std::exit(1);
  close(fd);
  CompileOptions options;
  options.optLevel = 2;
  if (!compileToFile(*bytes, options, path).ok()) std::exit(1);
  std::vector<uint8_t> out;
  if (FILE* f = std::fopen(path, "rb")) {
    uint8_t buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
  }
  std::remove(path);
  return out;
}

// Compiles `wat` with kilnc's library at -O2 into a temporary artifact and loads it.
inline std::shared_ptr<const Artifact> CompileWat(const std::string& wat) {
  absl::StatusOr<std::vector<uint8_t>> bytes = text::parseWat(wat, "bench.wat");
  if (!bytes.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(bytes.status().message()).c_str());
    std::exit(1);
  }
  char path[] = "/tmp/kiln-bench-XXXXXX.so";
  const int fd = mkstemps(path, 3);
  if (fd < 0) std::exit(1);
  close(fd);
  CompileOptions options;
  options.optLevel = 2;
  absl::Status s = compileToFile(*bytes, options, path);
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
  absl::StatusOr<std::shared_ptr<const Artifact>> a = Artifact::LoadFile(path);
  std::remove(path);
  if (!a.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(a.status().message()).c_str());
    std::exit(1);
  }
  return *a;
}

// Per-iteration latencies, reported as p50/p99 counters (microseconds).
class Latencies {
 public:
  using Clock = std::chrono::steady_clock;
  void Add(Clock::duration d) { samples_.push_back(std::chrono::duration<double, std::micro>(d).count()); }
  void Report(benchmark::State& state) {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    auto at = [&](double q) { return samples_[std::min(samples_.size() - 1, size_t(q * samples_.size()))]; };
    // Averaged over the benchmark's threads (each thread reports its own percentiles).
    state.counters["p50_us"] = benchmark::Counter(at(0.50), benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(at(0.99), benchmark::Counter::kAvgThreads);
  }

 private:
  std::vector<double> samples_;
};

}  // namespace kiln::bench

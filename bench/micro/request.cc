// Fresh instance per request: bench/request/handler.c answers one request per run. Each
// request gets a new kiln instance of the precompiled handler (new WASI context with the
// request as argv[1], instantiate, run _start, destroy), against starting the natively
// built handler as a new process (fork + exec, and posix_spawn), the way a CGI-style
// server isolates requests. Every mode answers the same requests, writing to /dev/null;
// before timing, each mode's answers are checked to be exactly the native process's.
//
//   kiln-bench-request HANDLER.so NATIVE_HANDLER [REQUESTS]
//
// Prints one line per mode: "MODE p50_us=X p99_us=Y mean_us=Z" (latency of one whole
// request, microseconds).
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Instance.h"
#include "kiln/wasi/WasiModule.h"
#include "kiln.h"
#include "wasm.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "kiln-bench-request: %s\n", msg.c_str());
  std::exit(1);
}

std::vector<std::string> Requests() {
  static const char* items[] = {"anvil", "bolt", "crate", "drill", "gear", "hinge",
                                "lamp",  "nail", "pulley", "rope", "spring", "widget"};
  static const char* currencies[] = {"USD", "EUR", "GBP"};
  std::vector<std::string> out;
  for (int i = 0; i < 36; ++i) {
    out.push_back(std::string("GET /price?item=") + items[i % 12] + "&qty=" +
                  std::to_string(1 + (i * 37) % 150) + "&currency=" + currencies[i % 3]);
  }
  return out;
}

// Output of one request written to fd `out`; returns the exit status.
using Runner = std::function<int(const std::string& request, int out)>;

int RunKiln(const std::shared_ptr<const kiln::Artifact>& artifact, const kiln::ImportPolicy& policy,
            const std::string& request, int out) {
  kiln::wasi::WasiConfig config;
  config.args = {"handler", request};
  config.stdin_host_fd = -1;
  config.stdout_host_fd = out;
  config.stderr_host_fd = out;
  auto wasi = std::make_shared<kiln::wasi::WasiModule>(
      std::make_shared<kiln::wasi::WasiContext>(std::move(config)));
  kiln::ImportMap imports;
  imports.SetFallback(kiln::wasi::WasiModule::AsResolver(wasi));
  kiln::InstanceOptions options;
  options.import_policy = &policy;
  auto instance = kiln::Instance::Instantiate(artifact, imports.AsResolver(), options);
  if (!instance.ok()) Die(std::string(instance.status().message()));
  std::optional<kiln::Extern> start = (*instance)->GetExport("_start");
  if (!start.has_value()) Die("the handler has no _start");
  absl::StatusOr<kiln::CallResult> r = kiln::Call(*start, {});
  if (!r.ok()) Die(std::string(r.status().message()));
  if (r->trap.has_value()) return r->trap->is_exit() ? r->trap->exit_code : 134;
  return 0;
}

// The same through the C API (wasm.h + kiln.h), as an embedder would: a store per
// request with its WASI state, the module obtained from a shared one, a linker, _start.
int RunCApi(wasm_engine_t* engine, const wasm_shared_module_t* shared, const std::string& request,
            int out) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_obtain(store, shared);
  if (module == nullptr) Die(std::string("wasm_module_obtain: ") + kiln_last_error());
  kiln_store_approve_import(store, "wasi_snapshot_preview1::*");
  wasi_config_t* wasi = wasi_config_new();
  const char* argv[] = {"handler", request.c_str()};
  wasi_config_set_argv(wasi, 2, argv);
  wasi_config_set_stdio_fds(wasi, -1, out, out);
  if (!kiln_store_set_wasi(store, wasi)) Die(std::string("kiln_store_set_wasi: ") + kiln_last_error());
  kiln_linker_t* linker = kiln_linker_new(store);
  kiln_linker_define_wasi(linker);
  wasm_trap_t* trap = nullptr;
  int status = kiln_linker_run_command(linker, module, &trap);
  if (trap != nullptr) {
    status = 134;
    wasm_trap_delete(trap);
  }
  kiln_linker_delete(linker);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return status;
}

int RunForkExec(const std::string& native, const std::string& request, int out) {
  const pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    dup2(out, 1);
    dup2(out, 2);
    execl(native.c_str(), native.c_str(), request.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int RunSpawn(const std::string& native, const std::string& request, int out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  posix_spawn_file_actions_adddup2(&fa, out, 2);
  std::string arg0 = native;
  std::string arg1 = request;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, native.c_str(), &fa, nullptr, argv, environ) != 0) Die("posix_spawn failed");
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// What `run` writes for `request`, and its exit status appended.
std::string Capture(const Runner& run, const std::string& request) {
  const int fd = memfd_create("answer", 0);
  if (fd < 0) Die("memfd_create failed");
  const int status = run(request, fd);
  std::string text;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fd);
  return text + "exit " + std::to_string(status);
}

void Measure(const char* mode, const Runner& run, const std::vector<std::string>& requests,
             int count, int devnull) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(count));
  for (int i = 0; i < std::max(1, count / 10); ++i) run(requests[i % requests.size()], devnull);
  for (int i = 0; i < count; ++i) {
    const auto t0 = Clock::now();
    run(requests[i % requests.size()], devnull);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  double sum = 0;
  for (double v : us) sum += v;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  std::printf("%s p50_us=%.2f p99_us=%.2f mean_us=%.2f\n", mode, at(0.50), at(0.99),
              sum / static_cast<double>(us.size()));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: kiln-bench-request HANDLER.so NATIVE_HANDLER [REQUESTS]\n");
    return 2;
  }
  const std::string native = argv[2];
  const int count = argc == 4 ? std::atoi(argv[3]) : 2000;
  if (count <= 0) Die("REQUESTS must be a positive number");
  absl::StatusOr<std::shared_ptr<const kiln::Artifact>> artifact = kiln::Artifact::LoadFile(argv[1]);
  if (!artifact.ok()) Die(std::string(artifact.status().message()));
  kiln::ImportPolicy policy;
  policy.Approve(kiln::wasi::kModuleName, "*");
  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) Die("cannot open /dev/null");

  const std::vector<std::string> requests = Requests();
  const Runner kiln = [&](const std::string& r, int out) { return RunKiln(*artifact, policy, r, out); };
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* loader_store = wasm_store_new(engine);
  wasm_module_t* capi_module = kiln_module_load_file(loader_store, argv[1]);
  if (capi_module == nullptr) Die(std::string("kiln_module_load_file: ") + kiln_last_error());
  wasm_shared_module_t* shared = wasm_module_share(capi_module);
  const Runner capi = [&](const std::string& r, int out) { return RunCApi(engine, shared, r, out); };
  const Runner fork_exec = [&](const std::string& r, int out) { return RunForkExec(native, r, out); };
  const Runner spawn = [&](const std::string& r, int out) { return RunSpawn(native, r, out); };
  for (const std::string& r : requests) {
    const std::string want = Capture(fork_exec, r);
    if (want.rfind("{\"status\":200", 0) != 0) Die("the native handler failed on: " + r);
    for (const Runner* run : {&kiln, &capi, &spawn}) {
      if (Capture(*run, r) != want) Die("answers differ from the native handler's for: " + r);
    }
  }
  // Interleaved, twice, so that neither side gets the quieter moment of a shared machine.
  for (int round = 0; round < 2; ++round) {
    Measure("kiln-instance", kiln, requests, count, devnull);
    Measure("kiln-capi-instance", capi, requests, count, devnull);
  }
  Measure("native-fork-exec", fork_exec, requests, std::max(1, count / 4), devnull);
  Measure("native-posix-spawn", spawn, requests, std::max(1, count / 4), devnull);
  wasm_shared_module_delete(shared);
  wasm_module_delete(capi_module);
  wasm_store_delete(loader_store);
  wasm_engine_delete(engine);
  return 0;
}

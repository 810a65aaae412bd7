// kiln: runs a kilnc artifact (.so) in a guarded sandbox.
//
//   kiln run app.so [-- PROGRAM-ARGS...]          WASI command: runs _start
//   kiln run app.so --invoke NAME [ARGS...]       calls one export, prints its results
//   kiln run app.so --dir HOST[::GUEST] --ro-dir HOST[::GUEST] --env K=V --tcplisten H:P
//                                                 what the guest may reach (nothing else)
//
// Exit status: the program's (0 when _start returns, n on proc_exit(n)); 134 on a trap
// ("kiln: trap: <spec text> (in function N $name)" on stderr); 1 on errors (unreadable or
// rejected artifact, missing export, unknown import, ...); 2 on usage errors; 159 when an
// --isolate child made a forbidden system call.
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstring>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "Isolate.h"
#include "ServeCommand.h"
#include "ValueText.h"
#include "absl/strings/str_cat.h"
#include "kiln/loader.h"
#include "kiln/serve/Units.h"
#include "kiln/wasi/WasiModule.h"

namespace {

using kiln::serve::ParseBytes;
using kiln::serve::ParseDuration;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitTrap = 134;

int Error(const std::string& message, int code = kExitError) {
  std::fflush(stdout);
  std::fprintf(stderr, "kiln: error: %s\n", message.c_str());
  return code;
}

int ReportTrap(const kiln::Trap& trap) {
  if (trap.is_exit()) return trap.exit_code;
  std::fflush(stdout);
  std::fprintf(stderr, "kiln: trap: %s\n", trap.Describe().c_str());
  if (trap.frames.size() > 1 || (trap.frames.size() == 1 && trap.frames[0].module_offset != 0)) {
    std::fprintf(stderr, "kiln: wasm backtrace (innermost first):\n");
    constexpr size_t kShown = 32;  // a stack overflow has hundreds
    for (size_t i = 0; i < trap.frames.size() && i < kShown; ++i)
      std::fprintf(stderr, "kiln:   %zu: %s\n", i, kiln::Trap::DescribeFrame(trap.frames[i]).c_str());
    if (trap.frames.size() > kShown)
      std::fprintf(stderr, "kiln:   ... %zu more\n", trap.frames.size() - kShown);
  }
  return kExitTrap;
}

struct RunOptions {
  std::string artifact;
  std::string invoke;
  std::vector<std::string> env;
  std::vector<std::string> args;  // invoke arguments, or the program's arguments
  std::vector<std::string> dirs;     // HOST[::GUEST]
  std::vector<std::string> ro_dirs;  // HOST[::GUEST], read-only
  std::vector<std::string> listen;   // HOST:PORT
  std::optional<std::string> argv0;
  std::vector<std::string> allow_imports;  // MODULE::NAME
  std::vector<std::string> deny_imports;
  std::string import_policy_file;
  bool allow_terminal_escapes = false;
  std::optional<uint64_t> max_memory_pages;
  std::string max_memory;      // BYTES with an optional K/M/G suffix
  std::string timeout;         // DURATION: 100ms, 2s, 1.5m
  std::optional<int64_t> fuel;
  std::string max_stack;       // BYTES
  uint32_t max_open_files = 1024;
  bool isolate = false;
  bool test_hooks = false;  // hidden: the kiln_test import module
  std::string require_signature;  // PUB key file
  bool perf_map = false;
};

// --timeout: interrupts the instance at the deadline. Wasm code traps "interrupted" at its
// next function entry or loop header; a guest blocked in a host call past a grace period
// ends the process with the same report.
class Watchdog {
 public:
  Watchdog(std::chrono::nanoseconds timeout, std::shared_ptr<kiln::InterruptHandle> handle)
      : thread_([this, timeout, handle] {
          std::unique_lock<std::mutex> lock(mu_);
          if (cv_.wait_for(lock, timeout, [this] { return done_; })) return;
          handle->Interrupt();
          if (cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; })) return;
          std::fflush(stdout);
          std::fprintf(stderr, "kiln: trap: interrupted (the guest was in a host call)\n");
          std::_Exit(kExitTrap);
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// "HOST::GUEST" or "HOST" (the guest sees it under the same name).
std::pair<std::string, std::string> SplitDir(const std::string& spec) {
  const size_t sep = spec.find("::");
  if (sep == std::string::npos) return {spec, spec};
  return {spec.substr(0, sep), spec.substr(sep + 2)};
}

// A listening TCP socket on HOST:PORT ("[::1]:8080" for IPv6), or an error message.
absl::StatusOr<int> Listen(const std::string& spec) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    return absl::InvalidArgumentError("--tcplisten expects HOST:PORT, got \"" + spec + "\"");
  }
  std::string host = spec.substr(0, colon);
  const std::string port = spec.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  // getaddrinfo takes any number as a port and keeps its low 16 bits (99999 -> 34463).
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return absl::InvalidArgumentError("--tcplisten " + spec + ": the port must be a number from 0 to 65535");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (int e = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); e != 0) {
    return absl::InvalidArgumentError("--tcplisten " + spec + ": " + gai_strerror(e));
  }
  std::string why = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 128) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  return absl::InvalidArgumentError("--tcplisten " + spec + ": " + why);
}

// Hidden `--test-hooks`: kiln_test.syscall(which) -> i32 makes a system call a WASI
// program never makes, so the tests can show what --isolate does with it: 0 socket(2),
// 1 open("/etc/passwd") by absolute path, 2 execve of a program that does not exist,
// 3 fork (the new process ends at once). Returns the call's
// result (a descriptor is closed again) or -errno.
std::shared_ptr<kiln::HostFunction> TestSyscallHook() {
  return kiln::HostFunction::Create(
      {{KILN_I32}, {KILN_I32}},
      [](kiln::HostCall& call) {
        long r = -1;
        switch (call.values[0].i32) {
          case 0: r = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0); break;
          case 1: r = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC); break;
          case 2: {
            char* const argv[] = {const_cast<char*>("kiln-test"), nullptr};
            r = syscall(SYS_execve, "/nonexistent/kiln-test", argv, nullptr);
            break;
          }
          case 3:
            r = syscall(SYS_fork);
            if (r == 0) _exit(0);
            break;
          default: errno = EINVAL; break;
        }
        if (r >= 0 && call.values[0].i32 != 3) close(static_cast<int>(r));
        call.values[0].i64 = 0;
        call.values[0].i32 = r < 0 ? -errno : static_cast<int32_t>(r > 0 ? 1 : 0);
      },
      "kiln_test.syscall");
}

int Run(const RunOptions& opts) {
  // --isolate: everything below happens in a child process; this one relays its stdio.
  if (opts.isolate) {
    if (std::optional<int> status = kiln::cli::ForkIsolated()) return *status;
  }
  kiln::LoadOptions load_options;
  if (!opts.require_signature.empty()) {
    absl::StatusOr<kiln::PublicKey> key = kiln::ReadPublicKeyFile(opts.require_signature);
    if (!key.ok()) {
      return Error("--require-signature: " + std::string(key.status().message()), kExitUsage);
    }
    load_options.required_signer = *key;
  }
  absl::StatusOr<std::shared_ptr<const kiln::Artifact>> artifact =
      kiln::Artifact::LoadFile(opts.artifact, load_options);
  if (!artifact.ok()) return Error(std::string(artifact.status().message()));
  if (opts.perf_map) {
    // perf looks up addresses in anonymous executable memory in /tmp/perf-PID.map.
    const std::string path = absl::StrCat("/tmp/perf-", getpid(), ".map");
    FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return Error(path + ": " + std::strerror(errno));
    const std::string lines = (*artifact)->PerfMapLines();
    const bool ok = std::fwrite(lines.data(), 1, lines.size(), f) == lines.size();
    if (std::fclose(f) != 0 || !ok) return Error(path + ": write failed");
  }

  for (const std::string& kv : opts.env) {
    if (kv.find('=') == std::string::npos || kv.front() == '=') {
      return Error("--env expects KEY=VALUE, got \"" + kv + "\"", kExitUsage);
    }
  }
  kiln::wasi::WasiConfig config;
  config.args.push_back(opts.argv0.value_or(opts.artifact));
  if (opts.invoke.empty()) config.args.insert(config.args.end(), opts.args.begin(), opts.args.end());
  config.env = opts.env;
  config.allow_terminal_escapes = opts.allow_terminal_escapes;
  config.max_open_files = opts.max_open_files;
  auto context = std::make_shared<kiln::wasi::WasiContext>(std::move(config));
  // Pre-opens get descriptors 3, 4, ... in the order given: --dir, --ro-dir, --tcplisten.
  for (const auto& [list, read_only] : {std::pair{&opts.dirs, false}, std::pair{&opts.ro_dirs, true}}) {
    for (const std::string& spec : *list) {
      auto [host, guest] = SplitDir(spec);
      if (host.empty() || guest.empty()) {
        return Error(std::string(read_only ? "--ro-dir" : "--dir") + " expects HOST[::GUEST], got \"" +
                         spec + "\"", kExitUsage);
      }
      if (absl::Status s = context->PreopenDirectory(host, guest, read_only); !s.ok()) {
        return Error(std::string(s.message()));
      }
    }
  }
  for (const std::string& spec : opts.listen) {
    absl::StatusOr<int> fd = Listen(spec);
    if (!fd.ok()) return Error(std::string(fd.status().message()));
    if (absl::Status s = context->PreopenListeningSocket(*fd); !s.ok()) {
      return Error(std::string(s.message()));
    }
  }
  auto wasi = std::make_shared<kiln::wasi::WasiModule>(context);
  kiln::ImportMap imports;
  imports.SetFallback(kiln::wasi::WasiModule::AsResolver(wasi));
  if (opts.test_hooks) imports.Add("kiln_test", "syscall", kiln::Extern::Func(TestSyscallHook()));

  // The approved imports: all of WASI preview 1 and of kiln_sandbox (which can only take
  // rights away) unless --allow-import or a policy file with approve lines says exactly
  // which; --deny-import and deny lines take names away.
  kiln::ImportPolicy policy;
  policy.Approve(kiln::wasi::kModuleName, "*");
  policy.Approve(kiln::wasi::kSandboxModuleName, "*");
  if (opts.test_hooks) policy.Approve("kiln_test", "*");
  if (!opts.import_policy_file.empty()) {
    if (absl::Status s = policy.LoadFile(opts.import_policy_file); !s.ok()) {
      return Error(std::string(s.message()), kExitUsage);
    }
  }
  for (const auto& [list, approve] :
       {std::pair{&opts.allow_imports, true}, std::pair{&opts.deny_imports, false}}) {
    bool first = true;
    for (const std::string& spec : *list) {
      absl::StatusOr<std::pair<std::string, std::string>> name = kiln::ImportPolicy::ParseName(spec);
      if (!name.ok()) {
        return Error(std::string(approve ? "--allow-import " : "--deny-import ") +
                         std::string(name.status().message()),
                     kExitUsage);
      }
      if (approve) {
        if (first) policy.ClearApproved();
        policy.Approve(name->first, name->second);
      } else {
        policy.Deny(name->first, name->second);
      }
      first = false;
    }
  }

  kiln::InstanceOptions instance_options;
  instance_options.import_policy = &policy;
  instance_options.max_memory_pages = opts.max_memory_pages;
  if (!opts.max_memory.empty()) {
    std::optional<uint64_t> bytes = ParseBytes(opts.max_memory);
    if (!bytes.has_value()) {
      return Error("--max-memory expects BYTES (e.g. 64M, 1G), got \"" + opts.max_memory + "\"",
                   kExitUsage);
    }
    const uint64_t pages = *bytes / 65536;
    if (!instance_options.max_memory_pages.has_value() || pages < *instance_options.max_memory_pages) {
      instance_options.max_memory_pages = pages;
    }
  }
  if (!opts.max_stack.empty()) {
    std::optional<uint64_t> bytes = ParseBytes(opts.max_stack);
    if (!bytes.has_value() || *bytes < 16384) {
      return Error("--max-stack expects BYTES of at least 16K, got \"" + opts.max_stack + "\"",
                   kExitUsage);
    }
    instance_options.max_stack_bytes = *bytes;
  }
  instance_options.fuel = opts.fuel;
  instance_options.interrupt = std::make_shared<kiln::InterruptHandle>();
  std::unique_ptr<Watchdog> watchdog;
  if (!opts.timeout.empty()) {
    std::optional<std::chrono::nanoseconds> t = ParseDuration(opts.timeout);
    if (!t.has_value()) {
      return Error("--timeout expects a DURATION (e.g. 100ms, 2s, 1m), got \"" + opts.timeout +
                       "\"",
                   kExitUsage);
    }
    watchdog = std::make_unique<Watchdog>(*t, instance_options.interrupt);
    kiln::StartInterruptResender();  // now: --isolate allows no new threads later
  }
  if (opts.isolate) {
    // Everything is open; no guest code has run. From here on the process holds only
    // what the operator granted.
    kiln::cli::IsolationGrants grants;
    for (uint32_t fd = 0; fd < context->table_size(); ++fd) {
      const kiln::wasi::WasiContext::Descriptor* d = context->Get(fd);
      if (d == nullptr || fd <= 2) continue;
      if (d->is_preopen) {
        grants.directories.emplace_back(d->host_fd, d->read_only);
      } else {
        grants.keep_fds.push_back(d->host_fd);
        grants.sockets = true;
      }
    }
    if (!opts.timeout.empty()) grants.timeout = ParseDuration(opts.timeout);
    if (instance_options.max_memory_pages.has_value()) {
      grants.max_memory_bytes = *instance_options.max_memory_pages * 65536ull *
                                std::max<uint32_t>(1, (*artifact)->desc().num_memories);
    }
    grants.max_open_files = opts.max_open_files;
    // Released memories are reset through /proc/self/pagemap: open it while files can be.
    if (const int pagemap = kiln::GuardedMemory::PrepareResetInPlace(); pagemap >= 0)
      grants.keep_fds.push_back(pagemap);
    kiln::PrepareThreadForWasm();
    if (absl::Status s = kiln::cli::EnterIsolation(grants); !s.ok()) {
      return Error(std::string(s.message()));
    }
  }
  absl::StatusOr<std::shared_ptr<kiln::Instance>> instance =
      kiln::Instance::Instantiate(*artifact, imports.AsResolver(), instance_options);
  if (!instance.ok()) {
    if (std::optional<kiln::Trap> trap = kiln::TrapFromStatus(instance.status())) {
      return ReportTrap(*trap);
    }
    return Error(absl::StrCat(opts.artifact, ": ", instance.status().message()));
  }

  if (opts.invoke.empty()) {
    std::optional<kiln::Extern> start = (*instance)->GetExport("_start");
    if (!start.has_value() || start->kind != kiln::ExternKind::kFunc) {
      return Error(opts.artifact + ": no _start function to run (use --invoke NAME)");
    }
    absl::StatusOr<kiln::CallResult> r = kiln::Call(*start, {});
    if (!r.ok()) return Error(std::string(r.status().message()));
    if (r->trap.has_value()) return ReportTrap(*r->trap);
    return 0;
  }

  std::optional<kiln::Extern> func = (*instance)->GetExport(opts.invoke);
  if (!func.has_value()) return Error(opts.artifact + ": no export named \"" + opts.invoke + "\"");
  if (func->kind != kiln::ExternKind::kFunc) {
    return Error(opts.artifact + ": export \"" + opts.invoke + "\" is a " +
                 kiln::ExternKindName(func->kind) + ", not a function");
  }
  const kiln::FuncType type = func->func_type();
  if (opts.args.size() != type.params.size()) {
    return Error(absl::StrCat("\"", opts.invoke, "\" has type ", type.ToString(), " and takes ",
                              type.params.size(), " argument(s), got ", opts.args.size()),
                 kExitUsage);
  }
  std::vector<kiln_val> args;
  for (size_t i = 0; i < opts.args.size(); ++i) {
    absl::StatusOr<kiln_val> v = kiln::cli::ParseValue(type.params[i], opts.args[i]);
    if (!v.ok()) return Error(absl::StrCat("argument ", i + 1, ": ", v.status().message()), kExitUsage);
    args.push_back(*v);
  }
  // A reactor module wants _initialize before any other export.
  if (std::optional<kiln::Extern> init = (*instance)->GetExport("_initialize");
      init.has_value() && init->kind == kiln::ExternKind::kFunc && opts.invoke != "_initialize") {
    absl::StatusOr<kiln::CallResult> r = kiln::Call(*init, {});
    if (!r.ok()) return Error(std::string(r.status().message()));
    if (r->trap.has_value()) return ReportTrap(*r->trap);
  }
  absl::StatusOr<kiln::CallResult> r = kiln::Call(*func, args);
  if (!r.ok()) return Error(std::string(r.status().message()));
  if (r->trap.has_value()) return ReportTrap(*r->trap);
  for (size_t i = 0; i < r->results.size(); ++i) {
    std::printf("%s\n", kiln::cli::FormatValue(type.results[i], r->results[i]).c_str());
  }
  return 0;
}

// kiln inspect: what an artifact is and what it needs and offers.
// The input module's SHA-256 in hex, as the descriptor records it.
std::string ModuleSha256(const kiln_module_desc& d) {
  std::string sha;
  for (uint8_t b : d.module_sha256) absl::StrAppend(&sha, absl::Hex(b, absl::kZeroPad2));
  return sha;
}

// A JSON string: quotes, backslashes and control characters escaped, invalid UTF-8 shown
// as U+FFFD.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      bool valid = len != 0 && c <= 0xF4 && i + len <= text.size();
      for (size_t k = 1; valid && k < len; ++k) {
        valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      }
      if (valid) {
        out.append(text.substr(i, len));
        i += len;
      } else {
        out += "\\ufffd";
        ++i;
      }
    }
  }
  return out + "\"";
}

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i ? ", " : "", items[i]);
  return out + "]";
}

// kiln inspect: what an artifact is, what it needs and offers, and who signed it.
int Inspect(const std::string& path, const std::string& key_path, bool json) {
  kiln::LoadOptions options;
  if (!key_path.empty()) {
    absl::StatusOr<kiln::PublicKey> key = kiln::ReadPublicKeyFile(key_path);
    if (!key.ok()) return Error("--key: " + std::string(key.status().message()), kExitUsage);
    options.required_signer = *key;
  }
  absl::StatusOr<std::shared_ptr<const kiln::Artifact>> loaded =
      kiln::Artifact::LoadFile(path, options);
  if (!loaded.ok()) return Error(std::string(loaded.status().message()));
  const kiln::Artifact& a = **loaded;
  const kiln_module_desc& d = a.desc();
  const std::string sha = ModuleSha256(d);
  const char* compiler = d.compiler_version ? d.compiler_version : "?";
  const char* cpu = d.target_cpu ? d.target_cpu : "?";
  const char* features = d.target_features ? d.target_features : "";
  const std::string cpu_features = kiln::CpuFeatureNames(d.cpu_features);
  const bool epoch = d.flags & KILN_MODULE_EPOCH_CHECKS, fuel = d.flags & KILN_MODULE_FUEL;
  std::string sig_status = "unsigned", sig_key;
  if (a.signature().has_value()) {
    sig_key = a.signature()->signer.Id();
    sig_status = a.signature_verified() ? "valid" : "signed, not checked (no --key given)";
  }

  if (json) {
    std::vector<std::string> imports, exports, memories, cpu_list;
    for (uint32_t i = 0; i < d.num_imports; ++i) {
      imports.push_back(absl::StrCat("{\"module\": ", JsonString(a.import_module(i)),
                                     ", \"name\": ", JsonString(a.import_name(i)),
                                     ", \"type\": ", JsonString(a.DescribeImport(i)), "}"));
    }
    for (uint32_t i = 0; i < d.num_exports; ++i) {
      exports.push_back(absl::StrCat("{\"name\": ", JsonString(a.export_name(i)),
                                     ", \"type\": ", JsonString(a.DescribeExport(i)), "}"));
    }
    for (uint32_t i = 0; i < d.num_memories; ++i) {
      memories.push_back(absl::StrCat(
          "{\"type\": ", JsonString(a.DescribeExtern(KILN_EXTERN_MEMORY, i)),
          ", \"imported\": ", i < d.num_imported_memories ? "true" : "false",
          ", \"bounds\": ",
          d.memories[i].bounds_strategy == KILN_BOUNDS_EXPLICIT ? "\"explicit\"" : "\"guard\"",
          "}"));
    }
    for (uint64_t bit = 1; bit != 0; bit <<= 1) {
      if (d.cpu_features & bit) cpu_list.push_back(JsonString(kiln::CpuFeatureNames(bit)));
    }
    std::string signature = "{\"status\": \"unsigned\"}";
    if (a.signature().has_value()) {
      signature = absl::StrCat("{\"status\": ", a.signature_verified() ? "\"valid\"" : "\"signed\"",
                               ", \"key_id\": ", JsonString(sig_key), "}");
    }
    std::printf(
        "{\n  \"artifact\": %s,\n  \"module\": %s,\n  \"input_sha256\": \"%s\",\n"
        "  \"compiler\": %s,\n  \"abi\": \"%u.%u\",\n  \"target_cpu\": %s,\n"
        "  \"target_features\": %s,\n  \"cpu_features\": %s,\n"
        "  \"options\": {\"opt_level\": %u, \"epoch_checks\": %s, \"fuel\": %s, "
        "\"code_map_bytes\": %u},\n"
        "  \"signature\": %s,\n  \"imports\": %s,\n  \"exports\": %s,\n  \"memories\": %s,\n"
        "  \"functions\": {\"total\": %u, \"imported\": %u}\n}\n",
        JsonString(path).c_str(),
        d.module_name != nullptr ? JsonString(d.module_name).c_str() : "null", sha.c_str(),
        JsonString(compiler).c_str(), d.abi_major, d.abi_minor, JsonString(cpu).c_str(),
        JsonString(features).c_str(), JsonList(cpu_list).c_str(), d.opt_level,
        epoch ? "true" : "false", fuel ? "true" : "false",
        d.code_map != nullptr ? d.code_map->size : 0u, signature.c_str(),
        JsonList(imports).c_str(), JsonList(exports).c_str(), JsonList(memories).c_str(),
        d.num_funcs, d.num_imported_funcs);
    return 0;
  }
  std::printf("artifact      %s\n", path.c_str());
  std::printf("module        %s\n", d.module_name != nullptr ? d.module_name : "(no name)");
  std::printf("input sha256  %s\n", sha.c_str());
  std::printf("compiler      %s, -O%u\n", compiler, d.opt_level);
  std::printf("abi           %u.%u\n", d.abi_major, d.abi_minor);
  std::printf("target cpu    %s (uses %s)\n", cpu, cpu_features.empty() ? "baseline x86-64" : cpu_features.c_str());
  std::printf("options       epoch checks %s, fuel %s\n", epoch ? "on" : "off", fuel ? "on" : "off");
  if (d.code_map != nullptr) {
    std::printf("code map      %u bytes (traps report Wasm offsets and backtraces)\n",
                d.code_map->size);
  } else {
    std::printf("code map      none (traps name the function only)\n");
  }
  std::printf("signature     %s%s%s\n", sig_status.c_str(), sig_key.empty() ? "" : ", key ",
              sig_key.c_str());
  std::printf("imports       %u\n", d.num_imports);
  for (uint32_t i = 0; i < d.num_imports; ++i) {
    std::printf("  %s %s: %s\n", std::string(a.import_module(i)).c_str(),
                std::string(a.import_name(i)).c_str(), a.DescribeImport(i).c_str());
  }
  std::printf("exports       %u\n", d.num_exports);
  for (uint32_t i = 0; i < d.num_exports; ++i) {
    std::printf("  %s: %s\n", std::string(a.export_name(i)).c_str(), a.DescribeExport(i).c_str());
  }
  std::printf("memories      %u\n", d.num_memories);
  for (uint32_t i = 0; i < d.num_memories; ++i) {
    std::printf("  %u: %s%s, bounds %s\n", i, a.DescribeExtern(KILN_EXTERN_MEMORY, i).c_str(),
                i < d.num_imported_memories ? " (imported)" : "",
                d.memories[i].bounds_strategy == KILN_BOUNDS_EXPLICIT ? "checked explicitly"
                                                                      : "by guard pages");
  }
  std::printf("functions     %u (%u imported)\n", d.num_funcs, d.num_imported_funcs);
  return 0;
}

// kiln keygen: a new Ed25519 key pair for signing artifacts.
int Keygen(const std::string& path) {
  const kiln::SecretKey key = kiln::GenerateKey();
  if (absl::Status s = kiln::WriteKeyFiles(path, key); !s.ok()) {
    return Error(std::string(s.message()));
  }
  std::printf("secret key %s (keep it private; sign with kilnc --sign %s)\n", path.c_str(),
              path.c_str());
  std::printf("public key %s.pub, key %s (check with kiln verify --key %s.pub)\n", path.c_str(),
              key.Public().Id().c_str(), path.c_str());
  return 0;
}

// kiln verify: the signature, then everything the loader checks, without running anything.
int Verify(const std::string& path, const std::string& key_path) {
  absl::StatusOr<kiln::PublicKey> key = kiln::ReadPublicKeyFile(key_path);
  if (!key.ok()) return Error("--key: " + std::string(key.status().message()), kExitUsage);
  kiln::LoadOptions options;
  options.required_signer = *key;
  absl::StatusOr<std::shared_ptr<const kiln::Artifact>> loaded =
      kiln::Artifact::LoadFile(path, options);
  if (!loaded.ok()) return Error(std::string(loaded.status().message()));
  const kiln_module_desc& d = (*loaded)->desc();
  const std::string sha = ModuleSha256(d);
  std::printf("%s: signature valid (key %s); input sha256 %s, %s, target %s\n", path.c_str(),
              key->Id().c_str(), sha.c_str(), d.compiler_version ? d.compiler_version : "?",
              d.target_cpu ? d.target_cpu : "?");
  return 0;
}

// CLI11 reads "-inf", "-nan" and "-nan:0x..." as unknown options; such words are marked as
// values before parsing and unmarked after.
constexpr char kValueMark = '\x01';

bool IsNegativeFloatWord(const std::string& s) {
  return s == "-inf" || s == "-infinity" || s == "-nan" || s.rfind("-nan:0x", 0) == 0;
}

}  // namespace

int main(int raw_argc, char** raw_argv) {
  std::vector<std::string> words(raw_argv, raw_argv + raw_argc);
  for (size_t i = 1; i < words.size(); ++i) {
    if (IsNegativeFloatWord(words[i])) words[i].insert(words[i].begin(), kValueMark);
  }
  std::vector<char*> word_ptrs;
  for (std::string& w : words) word_ptrs.push_back(w.data());
  const int argc = raw_argc;
  char** argv = word_ptrs.data();

  CLI::App app{
      "kiln runs WebAssembly modules compiled ahead of time by kilnc (.so artifacts) inside a\n"
      "guarded sandbox: the artifact is verified before it is mapped, every linear memory\n"
      "sits in an 8 GiB guard region, and the module gets only WASI preview 1 (and\n"
      "kiln_sandbox, with which it can give rights up) as imports, with no ambient\n"
      "authority: stdio, the arguments after --, the --env variables, clocks,\n"
      "random, and only the directories and sockets pre-opened with --dir, --ro-dir and\n"
      "--tcplisten. No path can leave its pre-open (.., absolute paths and symlinks pointing\n"
      "out are refused)."};
  app.name("kiln");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("kiln ") + KILN_VERSION);

  RunOptions opts;
  uint64_t max_pages = 0;
  CLI::App* run = app.add_subcommand(
      "run",
      "Instantiate an artifact and run it.\n"
      "Without --invoke: runs the WASI command's _start; exits with its proc_exit code (0 if\n"
      "_start returns). With --invoke NAME ARGS...: calls export NAME with ARGS parsed per its\n"
      "parameter types (integers decimal or 0x-hex; floats decimal, hex-float, inf, nan,\n"
      "nan:0xPAYLOAD) and prints each result on its own line (integers signed decimal, floats\n"
      "as the shortest decimal that reads back exactly). Put arguments that start with '-'\n"
      "other than numbers after --.\n"
      "A trap prints \"kiln: trap: <message> (in function N $name)\" and exits 134; errors\n"
      "print \"kiln: error: ...\" and exit 1; usage errors exit 2; under --isolate, a\n"
      "forbidden system call exits 159.");
  run->add_option("artifact", opts.artifact, "The .so produced by kilnc")->required();
  run->add_option("--invoke", opts.invoke, "Call this exported function instead of _start");
  run->add_option("--env", opts.env, "Give the guest the environment variable KEY=VALUE "
                                     "(repeatable; nothing from the host environment is passed)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  run->add_option("--dir", opts.dirs,
                  "Pre-open host directory HOST for the guest, read-write, under the name GUEST\n"
                  "(default: HOST as written; --dir .::/ makes it the guest's root). Repeatable.")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false);
  run->add_option("--ro-dir", opts.ro_dirs,
                  "Like --dir, read-only: nothing under it can be written, created, renamed,\n"
                  "linked or removed.")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false);
  run->add_option("--tcplisten", opts.listen,
                  "Pre-open a TCP socket listening on HOST:PORT; the guest accepts connections\n"
                  "on it with sock_accept. Repeatable.")
      ->type_name("HOST:PORT")
      ->allow_extra_args(false);
  run->add_option("--allow-import", opts.allow_imports,
                  "Approve only these imports (repeatable; NAME may be *). Without it every\n"
                  "wasi_snapshot_preview1 and kiln_sandbox function is approved and nothing\n"
                  "else. An import outside the approved set fails before any guest code runs.")
      ->type_name("MODULE::NAME")
      ->allow_extra_args(false);
  run->add_option("--deny-import", opts.deny_imports,
                  "Take this import out of the approved set (repeatable; NAME may be *)")
      ->type_name("MODULE::NAME")
      ->allow_extra_args(false);
  run->add_option("--import-policy", opts.import_policy_file,
                  "Read approve/deny rules from FILE: one \"approve MODULE::NAME\" or \"deny\n"
                  "MODULE::NAME\" a line, # comments. Its approve lines replace the default\n"
                  "set; --allow-import and --deny-import apply on top.")
      ->type_name("FILE");
  run->add_option("--argv0", opts.argv0,
                  "The program name the guest sees as argv[0] (default: the artifact's path)");
  run->add_flag("--allow-terminal-escapes", opts.allow_terminal_escapes,
                "Pass the guest's escape and control sequences to a terminal unchanged. By\n"
                "default, when stdout or stderr is a terminal, ESC, CSI, OSC and other control\n"
                "characters (all but newline, tab and carriage return) are shown inert, as ^[\n"
                "or \\x9b; output to files and pipes is never changed.");
  run->add_option("--max-memory", opts.max_memory,
                  "Cap every memory the module defines at BYTES (64K, 16M, 1G...); memory.grow\n"
                  "past it returns -1, as the spec allows")
      ->type_name("BYTES");
  run->add_option("--timeout", opts.timeout,
                  "Stop the guest after DURATION (100ms, 2s, 1m) with the trap \"interrupted\"\n"
                  "(exit 134); generated code checks at function entries and loop headers")
      ->type_name("DURATION");
  run->add_option("--fuel", opts.fuel,
                  "Stop the guest with the trap \"all fuel consumed\" after N Wasm\n"
                  "instructions, at the same point on every run (needs `kilnc --fuel`)")
      ->type_name("N")
      ->check(CLI::Range(int64_t{0}, INT64_MAX));
  run->add_option("--max-stack", opts.max_stack,
                  "Native stack the guest may use (BYTES, at least 16K; default: the thread's\n"
                  "stack less a margin); deeper recursion traps \"call stack exhausted\"")
      ->type_name("BYTES");
  run->add_option("--max-open-files", opts.max_open_files,
                  "Descriptors the guest may hold open at once, stdio and pre-opens included\n"
                  "(default 1024); past it path_open and sock_accept get EMFILE")
      ->type_name("N")
      ->check(CLI::Range(3u, 1u << 20));
  run->add_option("--require-signature", opts.require_signature,
                  "Run the artifact only if it carries a valid signature by this public key\n"
                  "(kiln keygen, kilnc --sign); checked before any byte of it is mapped")
      ->type_name("PUB");
  run->add_flag("--perf-map", opts.perf_map,
                "Write the guest's function addresses to /tmp/perf-PID.map, where `perf report`\n"
                "finds them: profiles then show Wasm function names");
  run->add_flag("--isolate", opts.isolate,
                "Run the instance in a child process that holds only what was granted: stdio\n"
                "relayed through pipes, no privileges or capabilities, resource limits\n"
                "(setrlimit), Landlock confining it to the pre-opened directories where the\n"
                "kernel offers it, and a seccomp filter allowing only the system calls needed\n"
                "for what was granted. A forbidden system call stops the child and is reported\n"
                "(exit 159).");
  run->add_flag("--test-hooks", opts.test_hooks,
                "For kiln's own tests: provide the kiln_test import module")
      ->group("");
  run->add_option("--max-memory-pages", max_pages,
                  "Cap every memory the module defines at this many 64 KiB pages");
  run->add_option("args", opts.args,
                  "Arguments of the --invoke function, or (after --) the program's arguments");
  run->positionals_at_end(false);

  std::string inspect_path, inspect_key;
  bool inspect_json = false;
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Print what an artifact is (input hash, compiler, ABI, target CPU and\n"
                 "features, options, signature) and its imports, exports and memories with\n"
                 "their types.");
  inspect->add_option("artifact", inspect_path, "The .so produced by kilnc")->required();
  inspect->add_option("--key", inspect_key,
                      "Also check the signature against this public key (refused if invalid)")
      ->type_name("PUB");
  inspect->add_flag("--json", inspect_json, "Print JSON instead of text");

  std::string keygen_path;
  CLI::App* keygen = app.add_subcommand(
      "keygen", "Make an Ed25519 key pair for signing artifacts: KEY (secret, mode 0600) and\n"
                "KEY.pub. Existing files are never overwritten.");
  keygen->add_option("-o,--output", keygen_path, "Where to write the secret key")
      ->required()
      ->type_name("KEY");

  std::string verify_path, verify_key;
  CLI::App* verify = app.add_subcommand(
      "verify", "Check an artifact's signature against a public key, then everything the\n"
                "loader checks (ELF, descriptor, CPU features), without running it.\n"
                "Exit 0 when all holds; otherwise the reason and exit 1.");
  verify->add_option("artifact", verify_path, "The signed .so")->required();
  verify->add_option("--key", verify_key, "The signer's public key (KEY.pub)")
      ->required()
      ->type_name("PUB");

  kiln::cli::ServeOptions serve_options;
  CLI::App* serve = kiln::cli::AddServeCommand(app, serve_options);

  // CLI11 reports a misspelt command as "A subcommand is required"; name it instead.
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' && first != "run" && first != "inspect" &&
      first != "verify" && first != "keygen" && first != "serve") {
    std::fprintf(stderr, "kiln: unknown command '%s' (commands: run, serve, inspect, verify, "
                 "keygen; see kiln --help)\n", argv[1]);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help or the error
    return rc == 0 ? 0 : kExitUsage;
  }
  if (inspect->parsed()) return Inspect(inspect_path, inspect_key, inspect_json);
  if (keygen->parsed()) return Keygen(keygen_path);
  if (verify->parsed()) return Verify(verify_path, verify_key);
  if (serve->parsed()) return kiln::cli::Serve(serve_options);
  if (max_pages != 0) opts.max_memory_pages = max_pages;
  // A guest writing to a closed pipe gets EPIPE, as WASI has no signals to deliver.
  signal(SIGPIPE, SIG_IGN);
  for (std::string& a : opts.args) {
    if (!a.empty() && a[0] == kValueMark) a.erase(0, 1);
  }
  return Run(opts);
}

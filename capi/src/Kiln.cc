// kiln.h: kiln's extensions to wasm.h.
#include "kiln.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "Compile.h"
#include "Objects.h"
#include "kiln/Call.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Signature.h"
#include "kiln/wasi/WasiContext.h"
#include "kiln/wasi/WasiModule.h"

namespace kiln::capi {
namespace {
thread_local std::string t_last_error;

// Interrupts a store's handle at a deadline unless cancelled first.
class Deadline {
 public:
  Deadline(std::shared_ptr<kiln::InterruptHandle> handle, std::chrono::milliseconds after)
      : thread_([this, handle = std::move(handle), after] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, after, [this] { return cancelled_; })) handle->Interrupt();
        }) {}
  ~Deadline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

int MemFd(const char* name) { return memfd_create(name, MFD_CLOEXEC); }

void ReadFd(int fd, wasm_byte_vec_t* out) {
  std::string bytes;
  if (fd >= 0) {
    char buf[65536];
    off_t at = 0;
    ssize_t n;
    while ((n = pread(fd, buf, sizeof buf, at)) > 0) {
      bytes.append(buf, static_cast<size_t>(n));
      at += n;
    }
  }
  wasm_byte_vec_new(out, bytes.size(), bytes.data());
}

bool Fail(std::string message) {
  t_last_error = std::move(message);
  return false;
}

}  // namespace

struct StoreExtras {
  ~StoreExtras() {
    deadline.reset();
    for (int fd : owned_fds) close(fd);
  }
  kiln::ImportPolicy policy;
  bool has_policy = false;
  std::optional<uint64_t> max_memory_pages;
  uint64_t max_table_elements = kiln::kDefaultMaxTableElements;
  std::shared_ptr<kiln::wasi::WasiModule> wasi;
  bool sandbox_module = true;  // kiln_sandbox resolved along with WASI
  int stdout_fd = -1, stderr_fd = -1;
  std::vector<int> owned_fds;
  std::unique_ptr<Deadline> deadline;
};

void DeleteStoreExtras(StoreExtras* e) { delete e; }

StoreExtras& Extras(wasm_store_t* store) {
  if (store->extras == nullptr) store->extras = new StoreExtras;
  return *store->extras;
}

void SetLastError(std::string message) { t_last_error = std::move(message); }

kiln::LoadOptions LoadOptionsOf(const wasm_store_t* store) {
  kiln::LoadOptions options;
  if (store != nullptr && store->engine != nullptr) options.required_signer = store->engine->config.required_signer;
  return options;
}

kiln::InstanceOptions InstanceOptionsOf(const wasm_store_t* store) {
  kiln::InstanceOptions options;
  options.store = store->store;
  if (const StoreExtras* e = store->extras) {
    if (e->has_policy) options.import_policy = &e->policy;
    options.max_memory_pages = e->max_memory_pages;
    options.max_table_elements = e->max_table_elements;
  }
  return options;
}

}  // namespace kiln::capi

struct kiln_interrupt_handle_t {
  std::shared_ptr<kiln::InterruptHandle> handle;
};

struct wasi_config_t {
  kiln::wasi::WasiConfig config;
  std::vector<std::pair<std::string, std::pair<std::string, bool>>> dirs;
  std::vector<int> sockets;
  bool capture = false;
  int stdin_fd = -1;  // owned memfd with the stdin bytes
  bool sandbox_module = true;
  ~wasi_config_t() {
    if (stdin_fd >= 0) close(stdin_fd);
    for (int fd : sockets) close(fd);
  }
};

struct kiln_linker_t {
  wasm_store_t* store;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<kiln::capi::Object>> defs;
  bool wasi = false;
};

using namespace kiln::capi;

namespace {

// Runs `body`, turning a C++ exception into a failure: none crosses the C boundary.
template <typename T, typename F>
T Guard(T failed, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    SetLastError(std::string("internal error: ") + e.what());
  } catch (...) {
    SetLastError("internal error");
  }
  return failed;
}


}  // namespace

extern "C" {

const char* kiln_last_error(void) { return t_last_error.c_str(); }

void kiln_config_opt_level(wasm_config_t* c, int level) {
  c->opt_level = level < 0 ? 0 : level > 3 ? 3 : level;
}
void kiln_config_consume_fuel(wasm_config_t* c, bool enable) { c->fuel = enable; }
void kiln_config_epoch_checks(wasm_config_t* c, bool enable) { c->epoch_checks = enable; }
bool kiln_config_require_signature_file(wasm_config_t* c, const char* path) {
  return Guard(false, [&] {
    absl::StatusOr<kiln::PublicKey> key = kiln::ReadPublicKeyFile(path ? path : "");
    if (!key.ok()) return Fail(std::string(key.status().message()));
    c->required_signer = *key;
    return true;
  });
}

wasm_module_t* kiln_module_load_file(wasm_store_t* store, const char* path) {
  return Guard<wasm_module_t*>(nullptr, [&]() -> wasm_module_t* {
    if (store == nullptr || path == nullptr) return nullptr;
    auto loaded = kiln::Artifact::LoadFile(path, LoadOptionsOf(store));
    if (!loaded.ok()) {
      SetLastError(std::string(loaded.status().message()));
      return nullptr;
    }
    auto data = std::make_shared<ModuleData>();
    data->artifact = *loaded;
    data->path = path;
    return ModuleHandle(store, std::move(data));
  });
}

bool kiln_compile(wasm_engine_t* engine, const wasm_byte_vec_t* wasm, wasm_byte_vec_t* out) {
  return Guard(false, [&] {
    if (wasm == nullptr || out == nullptr) return Fail("kiln_compile: no input");
    const auto* p = reinterpret_cast<const uint8_t*>(wasm->data);
    CompileSettings settings;
    if (engine != nullptr) {
      settings.opt_level = engine->config.opt_level;
      settings.fuel = engine->config.fuel;
      settings.epoch_checks = engine->config.epoch_checks;
    }
    absl::StatusOr<std::vector<uint8_t>> a =
        CompileModule(std::vector<uint8_t>(p, p + wasm->size), settings);
    if (!a.ok()) return Fail(std::string(a.status().message()));
    wasm_byte_vec_new(out, a->size(), reinterpret_cast<const wasm_byte_t*>(a->data()));
    return true;
  });
}

bool kiln_store_set_fuel(wasm_store_t* store, uint64_t fuel) {
  if (fuel > static_cast<uint64_t>(INT64_MAX)) fuel = INT64_MAX;
  store->store->SetFuel(static_cast<int64_t>(fuel));
  return true;
}
bool kiln_store_get_fuel(const wasm_store_t* store, uint64_t* fuel_left) {
  if (!store->store->fuel_metered()) return Fail("the store does not meter fuel");
  const int64_t f = store->store->fuel();
  *fuel_left = f < 0 ? 0 : static_cast<uint64_t>(f);
  return true;
}
bool kiln_store_set_max_stack(wasm_store_t* store, uint64_t bytes) {
  if (bytes != 0 && bytes < 16 * 1024) return Fail("the stack cap must be at least 16 KiB");
  store->store->set_max_stack_bytes(bytes);
  return true;
}
void kiln_store_set_max_memory_pages(wasm_store_t* store, uint64_t pages) {
  Extras(store).max_memory_pages = pages == 0 ? std::nullopt : std::optional<uint64_t>(pages);
}
void kiln_store_set_max_table_elements(wasm_store_t* store, uint64_t elements) {
  Extras(store).max_table_elements = elements;
}

kiln_interrupt_handle_t* kiln_interrupt_handle_new(wasm_store_t* store) {
  return new kiln_interrupt_handle_t{store->store->interrupt_handle()};
}
void kiln_interrupt_handle_interrupt(kiln_interrupt_handle_t* h) { h->handle->Interrupt(); }
void kiln_interrupt_handle_delete(kiln_interrupt_handle_t* h) { delete h; }
void kiln_store_reset_interrupt(wasm_store_t* store) { store->store->interrupt_handle()->Reset(); }

bool kiln_store_set_timeout(wasm_store_t* store, uint64_t milliseconds) {
  return Guard(false, [&] {
    StoreExtras& e = Extras(store);
    e.deadline.reset();
    if (milliseconds != 0)
      e.deadline = std::make_unique<Deadline>(store->store->interrupt_handle(),
                                              std::chrono::milliseconds(milliseconds));
    return true;
  });
}

static bool PolicyRule(wasm_store_t* store, const char* text, bool approve) {
  return Guard(false, [&] {
    absl::StatusOr<std::pair<std::string, std::string>> rule =
        kiln::ImportPolicy::ParseName(text ? text : "");
    if (!rule.ok()) return Fail(std::string(rule.status().message()));
    StoreExtras& e = Extras(store);
    if (approve) e.policy.Approve(rule->first, rule->second);
    else e.policy.Deny(rule->first, rule->second);
    e.has_policy = true;
    return true;
  });
}
bool kiln_store_approve_import(wasm_store_t* store, const char* rule) {
  return PolicyRule(store, rule, true);
}
bool kiln_store_deny_import(wasm_store_t* store, const char* rule) {
  return PolicyRule(store, rule, false);
}

kiln_trap_code_t kiln_trap_get_code(const wasm_trap_t* trap) {
  return static_cast<kiln_trap_code_t>(static_cast<const TrapObject*>(trap->obj.get())->code);
}
const char* kiln_trap_code_message(kiln_trap_code_t code) { return kiln_trap_message(code); }
bool kiln_trap_exit_status(const wasm_trap_t* trap, int* status) {
  const auto* t = static_cast<const TrapObject*>(trap->obj.get());
  if (t->code != KILN_TRAP_EXIT) return false;
  if (status != nullptr) *status = t->exit_code;
  return true;
}
void kiln_frame_func_name(const wasm_frame_t* frame, wasm_name_t* out) {
  wasm_byte_vec_new(out, frame->data.func_name.size(), frame->data.func_name.data());
}

// ---- WASI ----

wasi_config_t* wasi_config_new(void) { return new wasi_config_t; }
void wasi_config_delete(wasi_config_t* c) { delete c; }
void wasi_config_set_argv(wasi_config_t* c, int argc, const char* const argv[]) {
  c->config.args.clear();
  for (int i = 0; i < argc; ++i) c->config.args.emplace_back(argv[i] ? argv[i] : "");
}
void wasi_config_set_env(wasi_config_t* c, int n, const char* const names[],
                         const char* const values[]) {
  c->config.env.clear();
  for (int i = 0; i < n; ++i)
    c->config.env.push_back(std::string(names[i] ? names[i] : "") + "=" + (values[i] ? values[i] : ""));
}
void wasi_config_set_stdio_fds(wasi_config_t* c, int in, int out, int err) {
  c->config.stdin_host_fd = in;
  c->config.stdout_host_fd = out;
  c->config.stderr_host_fd = err;
}
void wasi_config_capture_output(wasi_config_t* c) { c->capture = true; }
bool wasi_config_set_stdin_bytes(wasi_config_t* c, const wasm_byte_vec_t* bytes) {
  const int fd = MemFd("kiln-stdin");
  if (fd < 0) return Fail(std::string("memfd_create: ") + std::strerror(errno));
  size_t done = 0;
  while (bytes != nullptr && done < bytes->size) {
    const ssize_t n = write(fd, bytes->data + done, bytes->size - done);
    if (n <= 0) {
      close(fd);
      return Fail(std::string("writing stdin: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  if (c->stdin_fd >= 0) close(c->stdin_fd);
  c->stdin_fd = fd;
  c->config.stdin_host_fd = fd;
  return true;
}
bool wasi_config_preopen_dir(wasi_config_t* c, const char* host_path, const char* guest_path,
                             bool read_only) {
  if (host_path == nullptr || guest_path == nullptr) return Fail("preopen: no path");
  if (access(host_path, F_OK) != 0)
    return Fail(std::string("preopen ") + host_path + ": " + std::strerror(errno));
  c->dirs.push_back({host_path, {guest_path, read_only}});
  return true;
}
bool wasi_config_preopen_socket(wasi_config_t* c, int host_fd) {
  if (host_fd < 0) return Fail("preopen socket: bad descriptor");
  c->sockets.push_back(host_fd);
  return true;
}
void wasi_config_set_max_open_files(wasi_config_t* c, uint32_t files) { c->config.max_open_files = files; }
void wasi_config_allow_terminal_escapes(wasi_config_t* c, bool allow) {
  c->config.allow_terminal_escapes = allow;
}
void wasi_config_allow_sandbox_module(wasi_config_t* c, bool allow) { c->sandbox_module = allow; }

bool kiln_store_set_wasi(wasm_store_t* store, wasi_config_t* config) {
  std::unique_ptr<wasi_config_t> c(config);
  return Guard(false, [&] {
    if (c == nullptr) return Fail("no WASI configuration");
    StoreExtras& e = Extras(store);
    if (c->capture) {
      e.stdout_fd = MemFd("kiln-stdout");
      e.stderr_fd = MemFd("kiln-stderr");
      if (e.stdout_fd < 0 || e.stderr_fd < 0) return Fail("memfd_create failed");
      e.owned_fds.push_back(e.stdout_fd);
      e.owned_fds.push_back(e.stderr_fd);
      c->config.stdout_host_fd = e.stdout_fd;
      c->config.stderr_host_fd = e.stderr_fd;
    }
    if (c->stdin_fd >= 0) {
      e.owned_fds.push_back(c->stdin_fd);
      c->stdin_fd = -1;
    }
    auto ctx = std::make_shared<kiln::wasi::WasiContext>(c->config);
    for (auto& [host, guest] : c->dirs) {
      if (absl::Status s = ctx->PreopenDirectory(host, guest.first, guest.second); !s.ok())
        return Fail(std::string(s.message()));
    }
    for (int& fd : c->sockets) {
      absl::Status s = ctx->PreopenListeningSocket(fd);
      fd = -1;  // owned by the context now
      if (!s.ok()) return Fail(std::string(s.message()));
    }
    e.wasi = std::make_shared<kiln::wasi::WasiModule>(std::move(ctx));
    e.sandbox_module = c->sandbox_module;
    return true;
  });
}
void kiln_wasi_stdout(const wasm_store_t* store, wasm_byte_vec_t* out) {
  ReadFd(store->extras ? store->extras->stdout_fd : -1, out);
}
void kiln_wasi_stderr(const wasm_store_t* store, wasm_byte_vec_t* out) {
  ReadFd(store->extras ? store->extras->stderr_fd : -1, out);
}

// ---- Linker ----

kiln_linker_t* kiln_linker_new(wasm_store_t* store) { return new kiln_linker_t{store, {}, false}; }
void kiln_linker_delete(kiln_linker_t* l) { delete l; }

bool kiln_linker_define(kiln_linker_t* l, const char* module, const char* name,
                        const wasm_extern_t* e) {
  if (module == nullptr || name == nullptr || ExternOf(e) == nullptr)
    return Fail("kiln_linker_define: a module name, a name and an extern are needed");
  return l->defs.emplace(std::make_pair(std::string(module), std::string(name)), e->obj).second ||
         Fail(std::string("already defined: ") + module + "::" + name);
}

bool kiln_linker_define_func(kiln_linker_t* l, const char* module, const char* name,
                             const wasm_functype_t* type, wasm_func_callback_with_env_t cb,
                             void* env, void (*finalizer)(void*)) {
  wasm_func_t* f = wasm_func_new_with_env(l->store, type, cb, env, finalizer);
  if (f == nullptr) return Fail("kiln_linker_define_func: bad function");
  const bool ok = kiln_linker_define(l, module, name, wasm_func_as_extern(f));
  wasm_func_delete(f);
  return ok;
}

bool kiln_linker_define_instance(kiln_linker_t* l, const char* module,
                                 const wasm_instance_t* instance) {
  if (module == nullptr || instance == nullptr) return Fail("kiln_linker_define_instance: no instance");
  auto& inst = *static_cast<const InstanceObject*>(instance->obj.get())->instance;
  for (auto& [name, e] : inst.Exports()) {
    if (e.kind == kiln::ExternKind::kTag) continue;
    wasm_extern_t* h = ExternHandle(l->store, e);
    if (h == nullptr) continue;
    l->defs[{module, name}] = h->obj;
    wasm_extern_delete(h);
  }
  return true;
}

bool kiln_linker_define_wasi(kiln_linker_t* l) {
  if (l->store->extras == nullptr || !l->store->extras->wasi)
    return Fail("the store has no WASI state: call kiln_store_set_wasi first");
  l->wasi = true;
  return true;
}

wasm_instance_t* kiln_linker_instantiate(const kiln_linker_t* l, const wasm_module_t* module,
                                         wasm_trap_t** trap) {
  return Guard<wasm_instance_t*>(nullptr, [&]() -> wasm_instance_t* {
    if (module == nullptr) return nullptr;
    std::shared_ptr<kiln::wasi::WasiModule> wasi;
    if (l->wasi && l->store->extras) wasi = l->store->extras->wasi;
    kiln::ImportResolver resolver = [&](const kiln::ImportRequest& r) -> std::optional<kiln::Extern> {
      auto it = l->defs.find({std::string(r.module), std::string(r.name)});
      if (it != l->defs.end()) return static_cast<const ExternObject*>(it->second.get())->ext;
      if (wasi && (l->store->extras->sandbox_module || r.module != kiln::wasi::kSandboxModuleName))
        return wasi->Resolve(r);
      return std::nullopt;
    };
    return Instantiate(l->store, module, resolver, trap);
  });
}

int kiln_linker_run_command(const kiln_linker_t* l, const wasm_module_t* module,
                            wasm_trap_t** trap) {
  if (trap != nullptr) *trap = nullptr;
  wasm_trap_t* local = nullptr;
  wasm_instance_t* inst = kiln_linker_instantiate(l, module, &local);
  int status = -1;
  if (inst == nullptr) {
    // proc_exit in a start function is an exit, not a failure.
    if (local != nullptr && kiln_trap_exit_status(local, &status)) {
      wasm_trap_delete(local);
      return status;
    }
    if (trap != nullptr) *trap = local; else if (local) wasm_trap_delete(local);
    return -1;
  }
  wasm_extern_t* start = kiln_instance_export(inst, "_start");
  wasm_func_t* f = start ? wasm_extern_as_func(start) : nullptr;
  if (f == nullptr) {
    if (trap != nullptr) *trap = MessageTrap(l->store, "the module exports no _start function");
  } else {
    wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_EMPTY_VEC;
    wasm_trap_t* t = wasm_func_call(f, &args, &results);
    if (t == nullptr) {
      status = 0;
    } else if (kiln_trap_exit_status(t, &status)) {
      wasm_trap_delete(t);
    } else if (trap != nullptr) {
      *trap = t;
    } else {
      wasm_trap_delete(t);
    }
  }
  if (start) wasm_extern_delete(start);
  wasm_instance_delete(inst);
  return status;
}

wasm_extern_t* kiln_instance_export(const wasm_instance_t* instance, const char* name) {
  if (instance == nullptr || name == nullptr) return nullptr;
  auto& inst = *static_cast<const InstanceObject*>(instance->obj.get())->instance;
  std::optional<kiln::Extern> e = inst.GetExport(name);
  if (!e || e->kind == kiln::ExternKind::kTag) return nullptr;
  return ExternHandle(instance->store, *e);
}

}  // extern "C"

// kiln-wast: runs one WebAssembly spec script (.wast) through the real compiler and loader.
//
// The script is converted with wabt's wast2json; every module is compiled by kilnc's
// pipeline into a .so, verified, mapped and instantiated by the loader with the `spectest`
// host module, and every command is checked. The closing line is
//   N passed, M failed, K skipped
// where each assert_* command counts once; a `module`, `register` or `action` command that
// fails also counts as failed. Exit status: 0 if nothing failed, 1 if something failed,
// 3 if wast2json cannot convert the script.
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/Extern.h"
#include "kiln/Global.h"
#include "kiln/GuardedMemory.h"
#include "kiln/HostFunction.h"
#include "kiln/Instance.h"
#include "kiln/Table.h"
#include "kiln/Trap.h"
#include "kiln/Types.h"
#include "kiln/compiler/Compiler.h"
#include "nlohmann/json.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Options {
  std::string file;
  std::string wast2json = "wast2json";
  int optLevel = 2;
  bool keep = false;
  bool verbose = false;
};

// An expected value: exact bits, a NaN class, or a reference expectation.
struct Expected {
  uint8_t type = KILN_I32;
  enum Kind { Bits, CanonicalNan, ArithmeticNan, NullRef, NonNullRef, HostRef } kind = Bits;
  uint64_t bits = 0;
};

std::optional<uint8_t> parseType(const std::string& s) {
  if (s == "i32") return KILN_I32;
  if (s == "i64") return KILN_I64;
  if (s == "f32") return KILN_F32;
  if (s == "f64") return KILN_F64;
  if (s == "v128") return KILN_V128;
  if (s == "funcref") return KILN_FUNCREF;
  if (s == "externref") return KILN_EXTERNREF;
  return std::nullopt;
}

// Host references from the script (`ref.extern N`) are the opaque pointers N + 1, so that
// N = 0 is distinct from null.
void* hostRef(uint64_t n) { return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1)); }

class WastRunner {
 public:
  WastRunner(Options opts, fs::path dir) : opts_(std::move(opts)), dir_(std::move(dir)) {}

  int run(const json& script);

 private:
  struct Failure {};

  void pass() { ++passed_; }
  void fail(int line, const std::string& what) {
    ++failed_;
    std::fprintf(stderr, "%s:%d: FAIL: %s\n", opts_.file.c_str(), line, what.c_str());
  }
  void skip(int line, const std::string& what) {
    ++skipped_;
    if (opts_.verbose) std::fprintf(stderr, "%s:%d: skip: %s\n", opts_.file.c_str(), line, what.c_str());
  }

  void setUpSpectest();
  absl::StatusOr<std::shared_ptr<const kiln::Artifact>> compile(const std::string& wasmFile);
  absl::StatusOr<std::shared_ptr<kiln::Instance>> instantiate(
      std::shared_ptr<const kiln::Artifact> artifact);
  std::shared_ptr<kiln::Instance> instanceFor(const json& cmd, int line);
  // Performs an action; returns results, a trap, or an error message.
  struct ActionOutcome {
    std::optional<std::vector<kiln_val>> results;
    std::vector<uint8_t> resultTypes;
    std::optional<kiln::Trap> trap;
    std::string error;
  };
  ActionOutcome perform(const json& action, int line);
  static std::optional<kiln_val> parseValue(const json& v, std::string* error);
  static std::optional<Expected> parseExpected(const json& v, std::string* error);
  static bool matches(const Expected& e, const kiln_val& v, uint8_t actualType);
  static std::string show(const kiln_val& v, uint8_t type);
  static bool trapTextMatches(const std::string& actual, const std::string& expected);

  void commandModule(const json& cmd, int line);
  void commandAssertReturn(const json& cmd, int line);
  void commandAssertTrap(const json& cmd, int line, bool exhaustion);
  void commandAssertInvalid(const json& cmd, int line, const char* kind);
  std::optional<absl::StatusOr<std::shared_ptr<kiln::Instance>>> compileAndInstantiate(
      const json& cmd, int line, const char* what);
  void commandAssertUnlinkable(const json& cmd, int line);
  void commandAssertUninstantiable(const json& cmd, int line);

  Options opts_;
  fs::path dir_;
  kiln::ImportMap imports_;
  std::shared_ptr<kiln::Instance> current_;
  std::map<std::string, std::shared_ptr<kiln::Instance>> named_;
  std::vector<std::shared_ptr<kiln::Instance>> all_;  // keep every instance alive
  int passed_ = 0, failed_ = 0, skipped_ = 0;
  int compiled_ = 0;
};

void WastRunner::setUpSpectest() {
  using kiln::Extern;
  using kiln::FuncType;
  auto addFunc = [&](const char* name, std::vector<uint8_t> params) {
    auto f = kiln::HostFunction::Create(FuncType{params, {}}, [](kiln::HostCall&) {},
                                        std::string("spectest.") + name);
    imports_.Add("spectest", name, Extern::Func(f));
  };
  addFunc("print", {});
  addFunc("print_i32", {KILN_I32});
  addFunc("print_i64", {KILN_I64});
  addFunc("print_f32", {KILN_F32});
  addFunc("print_f64", {KILN_F64});
  addFunc("print_i32_f32", {KILN_I32, KILN_F32});
  addFunc("print_f64_f64", {KILN_F64, KILN_F64});
  auto addGlobal = [&](const char* name, uint8_t type, kiln_val v) {
    imports_.Add("spectest", name,
                 Extern::FromGlobal(kiln::Global::Create(kiln::GlobalType{type, false}, v)));
  };
  kiln_val v{};
  v.i32 = 666;
  addGlobal("global_i32", KILN_I32, v);
  v = {};
  v.i64 = 666;
  addGlobal("global_i64", KILN_I64, v);
  v = {};
  v.f32 = 666.6f;
  addGlobal("global_f32", KILN_F32, v);
  v = {};
  v.f64 = 666.6;
  addGlobal("global_f64", KILN_F64, v);
  kiln::TableType tt;
  tt.elem_type = KILN_FUNCREF;
  tt.limits = {10, 20};
  auto table = kiln::Table::Create(tt);
  if (table.ok()) imports_.Add("spectest", "table", Extern::FromTable(*table));
  kiln::MemoryType mt;
  mt.limits = {1, 2};
  auto mem = kiln::GuardedMemory::Create(mt);
  if (mem.ok()) imports_.Add("spectest", "memory", Extern::FromMemory(*mem));
}

absl::StatusOr<std::shared_ptr<const kiln::Artifact>> WastRunner::compile(
    const std::string& wasmFile) {
  fs::path in = dir_ / wasmFile;
  std::ifstream f(in, std::ios::binary);
  if (!f) return absl::NotFoundError("cannot read " + in.string());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  kiln::CompileOptions options;
  options.optLevel = opts_.optLevel;
  options.inputName = wasmFile;
  options.features = kiln::wasm::Features::wasm2();
  fs::path out = dir_ / absl::StrCat("m", compiled_++, ".so");
  if (absl::Status s = kiln::compileToFile(bytes, options, out.string()); !s.ok()) return s;
  return kiln::Artifact::LoadFile(out.string());
}

absl::StatusOr<std::shared_ptr<kiln::Instance>> WastRunner::instantiate(
    std::shared_ptr<const kiln::Artifact> artifact) {
  auto inst = kiln::Instance::Instantiate(std::move(artifact), imports_.AsResolver());
  if (inst.ok()) all_.push_back(*inst);
  return inst;
}

std::shared_ptr<kiln::Instance> WastRunner::instanceFor(const json& cmd, int line) {
  if (cmd.contains("module")) {
    auto it = named_.find(cmd["module"].get<std::string>());
    if (it == named_.end()) return nullptr;
    return it->second;
  }
  return current_;
}

std::optional<kiln_val> WastRunner::parseValue(const json& v, std::string* error) {
  std::optional<uint8_t> type = parseType(v.value("type", ""));
  if (!type) {
    *error = "unsupported value type " + v.value("type", "");
    return std::nullopt;
  }
  kiln_val out{};
  if (*type == KILN_V128) {
    *error = "v128 values are not supported yet";
    return std::nullopt;
  }
  const std::string s = v["value"].is_string() ? v["value"].get<std::string>() : "";
  if (*type == KILN_FUNCREF || *type == KILN_EXTERNREF) {
    if (s == "null") {
      out.ref = nullptr;
    } else if (*type == KILN_EXTERNREF) {
      out.ref = hostRef(std::stoull(s));
    } else {
      *error = "funcref argument values are not supported";
      return std::nullopt;
    }
    return out;
  }
  uint64_t bits = std::stoull(s);
  if (*type == KILN_I32 || *type == KILN_F32)
    out.i32 = static_cast<uint32_t>(bits);
  else
    out.i64 = bits;
  return out;
}

std::optional<Expected> WastRunner::parseExpected(const json& v, std::string* error) {
  std::optional<uint8_t> type = parseType(v.value("type", ""));
  if (!type || *type == KILN_V128) {
    *error = "unsupported expected type " + v.value("type", "");
    return std::nullopt;
  }
  Expected e;
  e.type = *type;
  std::string s = v.contains("value") && v["value"].is_string() ? v["value"].get<std::string>() : "";
  if (*type == KILN_FUNCREF || *type == KILN_EXTERNREF) {
    if (s == "null") {
      e.kind = Expected::NullRef;
    } else if (*type == KILN_EXTERNREF && !s.empty()) {
      e.kind = Expected::HostRef;
      e.bits = std::stoull(s);
    } else {
      e.kind = Expected::NonNullRef;
    }
    return e;
  }
  if (s == "nan:canonical") {
    e.kind = Expected::CanonicalNan;
  } else if (s == "nan:arithmetic") {
    e.kind = Expected::ArithmeticNan;
  } else {
    e.bits = std::stoull(s);
  }
  return e;
}

bool WastRunner::matches(const Expected& e, const kiln_val& v, uint8_t actualType) {
  if (actualType != e.type) return false;
  switch (e.kind) {
    case Expected::NullRef: return v.ref == nullptr;
    case Expected::NonNullRef: return v.ref != nullptr;
    case Expected::HostRef: return v.ref == hostRef(e.bits);
    case Expected::CanonicalNan:
      if (e.type == KILN_F32) return (v.i32 & 0x7fffffffu) == 0x7fc00000u;
      return (v.i64 & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    case Expected::ArithmeticNan:
      if (e.type == KILN_F32) return (v.i32 & 0x7fc00000u) == 0x7fc00000u;
      return (v.i64 & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    case Expected::Bits:
      if (e.type == KILN_I32 || e.type == KILN_F32) return v.i32 == static_cast<uint32_t>(e.bits);
      return v.i64 == e.bits;
  }
  return false;
}

std::string WastRunner::show(const kiln_val& v, uint8_t type) {
  switch (type) {
    case KILN_I32: return absl::StrFormat("i32:%u", v.i32);
    case KILN_I64: return absl::StrFormat("i64:%u", v.i64);
    case KILN_F32: return absl::StrFormat("f32:%g (0x%08x)", v.f32, v.i32);
    case KILN_F64: return absl::StrFormat("f64:%g (0x%016x)", v.f64, v.i64);
    default: return absl::StrFormat("%s:%p", kiln::ValueTypeName(type), v.ref);
  }
}

bool WastRunner::trapTextMatches(const std::string& actual, const std::string& expected) {
  // The spec scripts give the reference interpreter's text, sometimes abbreviated.
  return actual.rfind(expected, 0) == 0 || expected.rfind(actual, 0) == 0;
}

WastRunner::ActionOutcome WastRunner::perform(const json& action, int line) {
  ActionOutcome out;
  std::shared_ptr<kiln::Instance> inst = instanceFor(action, line);
  if (!inst) {
    out.error = "no module instance for this action";
    return out;
  }
  std::string field = action.value("field", "");
  std::optional<kiln::Extern> ex = inst->GetExport(field);
  if (!ex) {
    out.error = "no export named \"" + field + "\"";
    return out;
  }
  std::string type = action.value("type", "");
  if (type == "get") {
    if (ex->kind != kiln::ExternKind::kGlobal) {
      out.error = "export \"" + field + "\" is not a global";
      return out;
    }
    out.results = std::vector<kiln_val>{ex->global->value()};
    out.resultTypes = {ex->global->type().type};
    return out;
  }
  if (type != "invoke") {
    out.error = "unknown action type " + type;
    return out;
  }
  if (ex->kind != kiln::ExternKind::kFunc) {
    out.error = "export \"" + field + "\" is not a function";
    return out;
  }
  std::vector<kiln_val> args;
  for (const json& a : action.value("args", json::array())) {
    std::optional<kiln_val> v = parseValue(a, &out.error);
    if (!v) return out;
    args.push_back(*v);
  }
  kiln::FuncType ft = ex->func_type();
  out.resultTypes = ft.results;
  absl::StatusOr<kiln::CallResult> r = kiln::Call(*ex, args);
  if (!r.ok()) {
    out.error = std::string(r.status().message());
    return out;
  }
  if (r->trap) {
    out.trap = r->trap;
    return out;
  }
  out.results = r->results;
  return out;
}

void WastRunner::commandModule(const json& cmd, int line) {
  auto artifact = compile(cmd["filename"].get<std::string>());
  if (!artifact.ok()) {
    current_ = nullptr;
    fail(line, "module failed to compile: " + std::string(artifact.status().message()));
    return;
  }
  auto inst = instantiate(*artifact);
  if (!inst.ok()) {
    current_ = nullptr;
    fail(line, "module failed to instantiate: " + std::string(inst.status().message()));
    return;
  }
  current_ = *inst;
  if (cmd.contains("name")) named_[cmd["name"].get<std::string>()] = current_;
}

void WastRunner::commandAssertReturn(const json& cmd, int line) {
  ActionOutcome o = perform(cmd["action"], line);
  std::string field = cmd["action"].value("field", "");
  if (!o.error.empty()) return fail(line, field + ": " + o.error);
  if (o.trap) return fail(line, field + ": unexpected trap: " + o.trap->Describe());
  const json& expected = cmd.value("expected", json::array());
  if (expected.size() != o.results->size())
    return fail(line, absl::StrFormat("%s: expected %d results, got %d", field, expected.size(),
                                      o.results->size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string err;
    std::optional<Expected> e = parseExpected(expected[i], &err);
    if (!e) return skip(line, err);
    if (!matches(*e, (*o.results)[i], o.resultTypes[i]))
      return fail(line, absl::StrFormat("%s: result %d: got %s, expected %s", field, i,
                                        show((*o.results)[i], o.resultTypes[i]),
                                        expected[i].dump()));
  }
  pass();
}

void WastRunner::commandAssertTrap(const json& cmd, int line, bool exhaustion) {
  std::string text = cmd.value("text", "");
  if (cmd.contains("filename")) {  // a module whose instantiation traps
    return commandAssertUninstantiable(cmd, line);
  }
  ActionOutcome o = perform(cmd["action"], line);
  std::string field = cmd["action"].value("field", "");
  if (!o.error.empty()) return fail(line, field + ": " + o.error);
  if (!o.trap) return fail(line, field + ": expected trap \"" + text + "\", but it returned");
  if (exhaustion && o.trap->code != KILN_TRAP_STACK_EXHAUSTED)
    return fail(line, field + ": expected stack exhaustion, got " + o.trap->Describe());
  if (!trapTextMatches(o.trap->message, text))
    return fail(line, field + ": expected trap \"" + text + "\", got " + o.trap->Describe());
  pass();
}

void WastRunner::commandAssertInvalid(const json& cmd, int line, const char* kind) {
  if (cmd.value("module_type", "binary") != "binary")
    return skip(line, std::string(kind) + " on a text module needs the text reader");
  fs::path in = dir_ / cmd["filename"].get<std::string>();
  std::ifstream f(in, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  absl::Status s = kiln::validateOnly(bytes, kiln::wasm::Features::wasm2());
  if (s.ok())
    return fail(line, std::string(kind) + ": module was accepted, expected \"" +
                          cmd.value("text", "") + "\"");
  if (opts_.verbose)
    std::fprintf(stderr, "%s:%d: ok: %s (expected %s)\n", opts_.file.c_str(), line,
                 std::string(s.message()).c_str(), cmd.value("text", "").c_str());
  pass();
}

// Compiles the command's module (which must compile) and tries to instantiate it.
std::optional<absl::StatusOr<std::shared_ptr<kiln::Instance>>> WastRunner::compileAndInstantiate(
    const json& cmd, int line, const char* what) {
  auto artifact = compile(cmd["filename"].get<std::string>());
  if (!artifact.ok()) {
    fail(line, std::string(what) + ": module failed to compile: " +
                   std::string(artifact.status().message()));
    return std::nullopt;
  }
  return instantiate(*artifact);
}

void WastRunner::commandAssertUnlinkable(const json& cmd, int line) {
  auto inst = compileAndInstantiate(cmd, line, "assert_unlinkable");
  if (!inst) return;
  if (inst->ok()) return fail(line, "assert_unlinkable: module linked");
  if (kiln::TrapFromStatus(inst->status()))
    return fail(line, "assert_unlinkable: instantiation trapped instead: " +
                          std::string(inst->status().message()));
  pass();
}

void WastRunner::commandAssertUninstantiable(const json& cmd, int line) {
  auto inst = compileAndInstantiate(cmd, line, "assert_uninstantiable");
  if (!inst) return;
  if (inst->ok()) return fail(line, "assert_uninstantiable: module instantiated");
  std::optional<kiln::Trap> trap = kiln::TrapFromStatus(inst->status());
  if (!trap)
    return fail(line, "assert_uninstantiable: failed without a trap: " +
                          std::string(inst->status().message()));
  std::string text = cmd.value("text", "");
  if (!trapTextMatches(trap->message, text))
    return fail(line, "assert_uninstantiable: expected \"" + text + "\", got " + trap->Describe());
  pass();
}

int WastRunner::run(const json& script) {
  setUpSpectest();
  for (const json& cmd : script.value("commands", json::array())) {
    std::string type = cmd.value("type", "");
    int line = cmd.value("line", 0);
    if (type == "module") {
      commandModule(cmd, line);
    } else if (type == "register") {
      std::shared_ptr<kiln::Instance> inst = instanceFor(cmd, line);
      if (!inst) {
        fail(line, "register: no such module instance");
        continue;
      }
      imports_.AddInstance(cmd["as"].get<std::string>(), *inst);
    } else if (type == "action") {
      ActionOutcome o = perform(cmd["action"], line);
      if (!o.error.empty()) fail(line, "action: " + o.error);
      else if (o.trap) fail(line, "action trapped: " + o.trap->Describe());
    } else if (type == "assert_return") {
      commandAssertReturn(cmd, line);
    } else if (type == "assert_trap") {
      commandAssertTrap(cmd, line, false);
    } else if (type == "assert_exhaustion") {
      commandAssertTrap(cmd, line, true);
    } else if (type == "assert_invalid") {
      commandAssertInvalid(cmd, line, "assert_invalid");
    } else if (type == "assert_malformed") {
      commandAssertInvalid(cmd, line, "assert_malformed");
    } else if (type == "assert_unlinkable") {
      commandAssertUnlinkable(cmd, line);
    } else if (type == "assert_uninstantiable") {
      commandAssertUninstantiable(cmd, line);
    } else {
      fail(line, "unknown command type " + type);
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed_, failed_, skipped_);
  return failed_ ? 1 : 0;
}

// Runs wast2json; returns its diagnostics on failure.
std::optional<std::string> convert(const std::string& tool, const std::string& wast,
                                   const fs::path& jsonOut) {
  fs::path log = jsonOut;
  log += ".log";
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    FILE* l = std::freopen(log.c_str(), "w", stderr);
    (void)l;
    std::freopen(log.c_str(), "a", stdout);
    execlp(tool.c_str(), tool.c_str(), wast.c_str(), "-o", jsonOut.c_str(), (char*)nullptr);
    std::fprintf(stderr, "cannot run %s: %s\n", tool.c_str(), std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  std::ifstream f(log);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (text.size() > 2000) text.resize(2000);
  return text.empty() ? std::string("wast2json failed") : text;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  CLI::App app{"kiln-wast: run a WebAssembly spec script (.wast) through kilnc and the kiln "
               "loader. Prints 'N passed, M failed, K skipped'; exits 1 if anything failed, 3 "
               "if wast2json cannot convert the script.",
               "kiln-wast"};
  app.add_option("file", opts.file, "The .wast script")->required();
  app.add_option("-O", opts.optLevel, "Optimisation level for the modules (default 2)")
      ->check(CLI::Range(0, 3));
  app.add_option("--wast2json", opts.wast2json, "wast2json to use (default: from PATH)");
  app.add_flag("--keep", opts.keep, "Keep the temporary directory with .wasm/.so files");
  app.add_flag("-v,--verbose", opts.verbose, "Print every skip and every expected failure");
  CLI11_PARSE(app, argc, argv);

  char tmpl[] = "/tmp/kiln-wast-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("kiln-wast: mkdtemp");
    return 2;
  }
  fs::path dir = tmpl;
  fs::path jsonPath = dir / "script.json";
  int rc;
  if (std::optional<std::string> err = convert(opts.wast2json, opts.file, jsonPath)) {
    std::fprintf(stderr, "kiln-wast: %s: wast2json cannot convert this script:\n%s\n",
                 opts.file.c_str(), err->c_str());
    rc = 3;
  } else {
    std::ifstream f(jsonPath);
    json script = json::parse(f, nullptr, /*allow_exceptions=*/false);
    if (script.is_discarded()) {
      std::fprintf(stderr, "kiln-wast: cannot parse %s\n", jsonPath.c_str());
      rc = 2;
    } else {
      WastRunner runner(opts, dir);
      rc = runner.run(script);
    }
  }
  if (opts.keep) {
    std::fprintf(stderr, "kiln-wast: files kept in %s\n", dir.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return rc;
}

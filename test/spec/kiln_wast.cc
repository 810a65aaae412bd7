// kiln-wast: runs one WebAssembly spec script (.wast) through the real compiler and loader.
//
// The script is read by kiln's own text reader (kiln_text). Every module is compiled by
// kilnc's pipeline into a .so, verified, mapped and instantiated by the loader with the
// `spectest` host module, and every command is checked. The closing line is
//   N passed, M failed, K skipped
// where each assert_* command counts once; a `module`, `register` or action command that
// fails also counts as failed. A script that cannot be read is a failure. Exit status: 0 if
// nothing failed, 1 otherwise (2 for usage errors).
//
// --wasm=3 (default, the current spec) reads and compiles with the WebAssembly 3.0 rules
// and feature set (without GC and threads), --wasm=2 with those of the frozen 2.0.
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
#include <sstream>
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
#include "kiln/text/Wast.h"
#include "kiln/text/Wat.h"

namespace fs = std::filesystem;
using kiln::text::Command;
using kiln::text::Expected;
using kiln::text::NanClass;
using kiln::text::ScriptModule;
using kiln::text::Shape;

namespace {

struct Options {
  std::string file;
  int optLevel = 2;
  int wasm = 3;
  bool keep = false;
  unsigned codegenParts = 0;
  bool verbose = false;
};

// Host references from the script (`ref.extern N`) are the opaque pointers N + 1, so that
// N = 0 is distinct from null.
void* hostRef(uint64_t n) { return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1)); }

class WastRunner {
 public:
  WastRunner(Options opts, fs::path dir)
      : opts_(std::move(opts)),
        dir_(std::move(dir)),
        features_(opts_.wasm == 3 ? kiln::wasm::Features::wasm3()
                                  : kiln::wasm::Features::wasm2()) {
    textOptions_.version =
        opts_.wasm == 3 ? kiln::text::TextVersion::Wasm3 : kiln::text::TextVersion::Wasm2;
  }

  int run(const std::string& text);

 private:
  void pass() { ++passed_; }
  void fail(int line, const std::string& what) {
    ++failed_;
    std::fprintf(stderr, "%s:%d: FAIL: %s\n", opts_.file.c_str(), line, what.c_str());
  }
  void note(int line, const std::string& what) {
    if (opts_.verbose) std::fprintf(stderr, "%s:%d: ok: %s\n", opts_.file.c_str(), line, what.c_str());
  }

  void setUpSpectest();
  // The binary of a script module: parses quoted text; reports text parse errors.
  absl::StatusOr<std::vector<uint8_t>> moduleBytes(const ScriptModule& m);
  absl::StatusOr<std::shared_ptr<const kiln::Artifact>> compile(const std::vector<uint8_t>& bytes);
  absl::StatusOr<std::shared_ptr<kiln::Instance>> instantiate(
      std::shared_ptr<const kiln::Artifact> artifact);
  std::shared_ptr<kiln::Instance> instanceFor(const std::optional<std::string>& name);

  struct ActionOutcome {
    std::optional<std::vector<kiln_val>> results;
    std::vector<uint8_t> resultTypes;
    std::optional<kiln::Trap> trap;
    std::string error;
  };
  ActionOutcome perform(const kiln::text::Action& action);
  static kiln_val toVal(const kiln::text::Value& v);
  static bool matches(const Expected& e, const kiln_val& v, uint8_t actualType);
  static std::string show(const kiln_val& v, uint8_t type);
  static std::string show(const Expected& e);
  static bool trapTextMatches(const std::string& actual, const std::string& expected);

  void commandModule(const Command& c);
  void commandModuleInstance(const Command& c);
  void commandAssertReturn(const Command& c);
  void commandAssertTrap(const Command& c, bool exhaustion);
  void commandAssertException(const Command& c);
  void commandAssertInvalid(const Command& c);
  void commandAssertMalformed(const Command& c);
  std::optional<absl::StatusOr<std::shared_ptr<kiln::Instance>>> compileAndInstantiate(
      const Command& c, const char* what);
  void commandAssertUnlinkable(const Command& c);
  void commandAssertUninstantiable(const Command& c);

  Options opts_;
  fs::path dir_;
  kiln::wasm::Features features_;
  kiln::text::TextOptions textOptions_;
  kiln::ImportMap imports_;
  std::shared_ptr<kiln::Instance> current_;
  std::map<std::string, std::shared_ptr<kiln::Instance>> named_;
  std::map<std::string, std::shared_ptr<const kiln::Artifact>> definitions_;
  std::shared_ptr<const kiln::Artifact> lastDefinition_;
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
  tt.is64 = true;
  auto table64 = kiln::Table::Create(tt);
  if (table64.ok()) imports_.Add("spectest", "table64", Extern::FromTable(*table64));
  kiln::MemoryType mt;
  mt.limits = {1, 2};
  auto mem = kiln::GuardedMemory::Create(mt);
  if (mem.ok()) imports_.Add("spectest", "memory", Extern::FromMemory(*mem));
}

absl::StatusOr<std::vector<uint8_t>> WastRunner::moduleBytes(const ScriptModule& m) {
  return kiln::text::moduleBinary(m, absl::StrCat(opts_.file, ":", m.line), textOptions_);
}

absl::StatusOr<std::shared_ptr<const kiln::Artifact>> WastRunner::compile(
    const std::vector<uint8_t>& bytes) {
  kiln::CompileOptions options;
  options.optLevel = opts_.optLevel;
  options.inputName = absl::StrCat("module", compiled_, ".wasm");
  options.features = features_;
  options.codegenParts = opts_.codegenParts;
  if (opts_.keep) {
    std::ofstream w(dir_ / absl::StrCat("m", compiled_, ".wasm"), std::ios::binary);
    w.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
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

std::shared_ptr<kiln::Instance> WastRunner::instanceFor(const std::optional<std::string>& name) {
  if (name) {
    auto it = named_.find(*name);
    return it == named_.end() ? nullptr : it->second;
  }
  return current_;
}

kiln_val WastRunner::toVal(const kiln::text::Value& v) {
  kiln_val out{};
  switch (v.kind) {
    case kiln::text::Value::Kind::Num:
      if (v.type == kiln::text::kI32 || v.type == kiln::text::kF32)
        out.i32 = static_cast<uint32_t>(v.bits);
      else
        out.i64 = v.bits;
      break;
    case kiln::text::Value::Kind::V128:
      std::memcpy(out.v128, v.v128, 16);
      break;
    case kiln::text::Value::Kind::RefNull:
      out.ref = nullptr;
      break;
    case kiln::text::Value::Kind::RefExtern:
    case kiln::text::Value::Kind::RefHost:
      out.ref = hostRef(v.bits);
      break;
  }
  return out;
}

namespace {

bool floatMatches(NanClass nan, uint64_t expectedBits, uint64_t actual, bool is32) {
  switch (nan) {
    case NanClass::Canonical:
      if (is32) return (actual & 0x7fffffffu) == 0x7fc00000u;
      return (actual & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    case NanClass::Arithmetic:
      if (is32) return (actual & 0x7fc00000u) == 0x7fc00000u;
      return (actual & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    case NanClass::None:
      return actual == expectedBits;
  }
  return false;
}

uint64_t laneOf(const kiln_val& v, int lane, int bytes) {
  uint64_t x = 0;
  for (int b = 0; b < bytes; ++b) x |= uint64_t{v.v128[lane * bytes + b]} << (8 * b);
  return x;
}

}  // namespace

bool WastRunner::matches(const Expected& e, const kiln_val& v, uint8_t actualType) {
  switch (e.kind) {
    case Expected::Kind::Either:
      for (const Expected& alt : e.alternatives)
        if (matches(alt, v, actualType)) return true;
      return false;
    case Expected::Kind::Num: {
      if (actualType != e.type) return false;
      bool is32 = e.type == KILN_I32 || e.type == KILN_F32;
      uint64_t actual = is32 ? v.i32 : v.i64;
      if (e.type == KILN_F32 || e.type == KILN_F64) return floatMatches(e.nan, e.bits, actual, is32);
      return actual == (is32 ? (e.bits & 0xffffffffu) : e.bits);
    }
    case Expected::Kind::V128: {
      if (actualType != KILN_V128) return false;
      int lanes = kiln::text::laneCount(e.shape);
      int bytes = 16 / lanes;
      bool isFloat = e.shape == Shape::F32x4 || e.shape == Shape::F64x2;
      for (int i = 0; i < lanes; ++i) {
        uint64_t actual = laneOf(v, i, bytes);
        uint64_t mask = bytes == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1;
        if (isFloat ? !floatMatches(e.laneNans[i], e.lanes[i], actual, bytes == 4)
                    : actual != (e.lanes[i] & mask))
          return false;
      }
      return true;
    }
    case Expected::Kind::RefNull:
      return kiln::IsReferenceType(actualType) && v.ref == nullptr;
    case Expected::Kind::RefFunc:
      return actualType == KILN_FUNCREF && v.ref != nullptr;
    case Expected::Kind::RefExtern:
    case Expected::Kind::RefHost:
      if (!kiln::IsReferenceType(actualType) || v.ref == nullptr) return false;
      return !e.hasValue || v.ref == hostRef(e.bits);
    case Expected::Kind::RefOther:
      return false;  // GC references: not supported by kiln
  }
  return false;
}

std::string WastRunner::show(const kiln_val& v, uint8_t type) {
  switch (type) {
    case KILN_I32: return absl::StrFormat("i32:%u", v.i32);
    case KILN_I64: return absl::StrFormat("i64:%u", v.i64);
    case KILN_F32: return absl::StrFormat("f32:%g (0x%08x)", v.f32, v.i32);
    case KILN_F64: return absl::StrFormat("f64:%g (0x%016x)", v.f64, v.i64);
    case KILN_V128: {
      std::string s = "v128:i32x4";
      for (int i = 0; i < 4; ++i) absl::StrAppend(&s, absl::StrFormat(" 0x%08x", laneOf(v, i, 4)));
      return s;
    }
    default: return absl::StrFormat("%s:%p", kiln::ValueTypeName(type), v.ref);
  }
}

std::string WastRunner::show(const Expected& e) {
  auto nanText = [](NanClass n) { return n == NanClass::Canonical ? "nan:canonical" : "nan:arithmetic"; };
  switch (e.kind) {
    case Expected::Kind::Num:
      if (e.nan != NanClass::None) return absl::StrCat(kiln::ValueTypeName(e.type), ":", nanText(e.nan));
      return absl::StrFormat("%s:0x%x", kiln::ValueTypeName(e.type), e.bits);
    case Expected::Kind::V128: {
      static const char* kShapes[] = {"i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"};
      std::string s = absl::StrCat("v128:", kShapes[static_cast<int>(e.shape)]);
      for (size_t i = 0; i < e.lanes.size(); ++i)
        absl::StrAppend(&s, " ", e.laneNans[i] != NanClass::None ? std::string(nanText(e.laneNans[i]))
                                                                 : absl::StrFormat("0x%x", e.lanes[i]));
      return s;
    }
    case Expected::Kind::RefNull: return "ref.null";
    case Expected::Kind::RefFunc: return "ref.func";
    case Expected::Kind::RefExtern:
      return e.hasValue ? absl::StrCat("ref.extern ", e.bits) : "ref.extern";
    case Expected::Kind::RefHost: return absl::StrCat("ref.host ", e.bits);
    case Expected::Kind::RefOther: return e.refName + " (GC references are not supported)";
    case Expected::Kind::Either: {
      std::string s = "either(";
      for (size_t i = 0; i < e.alternatives.size(); ++i)
        absl::StrAppend(&s, i ? " | " : "", show(e.alternatives[i]));
      return s + ")";
    }
  }
  return "?";
}

bool WastRunner::trapTextMatches(const std::string& actual, const std::string& expected) {
  // The spec scripts give the reference interpreter's text, sometimes abbreviated.
  return actual.rfind(expected, 0) == 0 || expected.rfind(actual, 0) == 0;
}

WastRunner::ActionOutcome WastRunner::perform(const kiln::text::Action& action) {
  ActionOutcome out;
  std::shared_ptr<kiln::Instance> inst = instanceFor(action.module);
  if (!inst) {
    out.error = action.module ? "no module instance $" + *action.module
                              : std::string("no module instance for this action");
    return out;
  }
  std::optional<kiln::Extern> ex = inst->GetExport(action.field);
  if (!ex) {
    out.error = "no export named \"" + action.field + "\"";
    return out;
  }
  if (action.kind == kiln::text::Action::Kind::Get) {
    if (ex->kind != kiln::ExternKind::kGlobal) {
      out.error = "export \"" + action.field + "\" is not a global";
      return out;
    }
    out.results = std::vector<kiln_val>{ex->global->value()};
    out.resultTypes = {ex->global->type().type};
    return out;
  }
  if (ex->kind != kiln::ExternKind::kFunc) {
    out.error = "export \"" + action.field + "\" is not a function";
    return out;
  }
  std::vector<kiln_val> args;
  for (const kiln::text::Value& a : action.args) args.push_back(toVal(a));
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

void WastRunner::commandModule(const Command& c) {
  const ScriptModule& m = *c.module;
  absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(m);
  if (!bytes.ok()) {
    if (!m.definition) current_ = nullptr;
    return fail(c.line, "module does not parse: " + std::string(bytes.status().message()));
  }
  auto artifact = compile(*bytes);
  if (!artifact.ok()) {
    if (!m.definition) current_ = nullptr;
    return fail(c.line, "module failed to compile: " + std::string(artifact.status().message()));
  }
  if (m.definition) {
    lastDefinition_ = *artifact;
    if (m.name) definitions_[*m.name] = *artifact;
    return;
  }
  auto inst = instantiate(*artifact);
  if (!inst.ok()) {
    current_ = nullptr;
    return fail(c.line, "module failed to instantiate: " + std::string(inst.status().message()));
  }
  current_ = *inst;
  if (m.name) named_[*m.name] = current_;
}

void WastRunner::commandModuleInstance(const Command& c) {
  std::shared_ptr<const kiln::Artifact> def = lastDefinition_;
  if (c.definitionName) {
    auto it = definitions_.find(*c.definitionName);
    def = it == definitions_.end() ? nullptr : it->second;
  }
  if (!def) return fail(c.line, "module instance: no such module definition");
  auto inst = instantiate(def);
  if (!inst.ok()) {
    current_ = nullptr;
    return fail(c.line, "module instance failed to instantiate: " +
                            std::string(inst.status().message()));
  }
  current_ = *inst;
  if (c.instanceName) named_[*c.instanceName] = current_;
}

void WastRunner::commandAssertReturn(const Command& c) {
  ActionOutcome o = perform(*c.action);
  const std::string& field = c.action->field;
  if (!o.error.empty()) return fail(c.line, field + ": " + o.error);
  if (o.trap) return fail(c.line, field + ": unexpected trap: " + o.trap->Describe());
  if (c.expected.size() != o.results->size())
    return fail(c.line, absl::StrFormat("%s: expected %d results, got %d", field,
                                        c.expected.size(), o.results->size()));
  for (size_t i = 0; i < c.expected.size(); ++i) {
    if (!matches(c.expected[i], (*o.results)[i], o.resultTypes[i]))
      return fail(c.line, absl::StrFormat("%s: result %d: got %s, expected %s", field, i,
                                          show((*o.results)[i], o.resultTypes[i]),
                                          show(c.expected[i])));
  }
  pass();
}

void WastRunner::commandAssertTrap(const Command& c, bool exhaustion) {
  if (c.module) return commandAssertUninstantiable(c);  // a module whose instantiation traps
  ActionOutcome o = perform(*c.action);
  const std::string& field = c.action->field;
  if (!o.error.empty()) return fail(c.line, field + ": " + o.error);
  if (!o.trap) return fail(c.line, field + ": expected trap \"" + c.text + "\", but it returned");
  if (exhaustion && o.trap->code != KILN_TRAP_STACK_EXHAUSTED)
    return fail(c.line, field + ": expected stack exhaustion, got " + o.trap->Describe());
  if (!trapTextMatches(o.trap->message, c.text))
    return fail(c.line, field + ": expected trap \"" + c.text + "\", got " + o.trap->Describe());
  pass();
}

void WastRunner::commandAssertException(const Command& c) {
  ActionOutcome o = perform(*c.action);
  const std::string& field = c.action->field;
  if (!o.error.empty()) return fail(c.line, field + ": " + o.error);
  if (!o.trap) return fail(c.line, field + ": expected an uncaught exception, but it returned");
  if (o.trap->code != KILN_TRAP_UNCAUGHT_EXCEPTION)
    return fail(c.line, field + ": expected an uncaught exception, got " + o.trap->Describe());
  pass();
}

void WastRunner::commandAssertInvalid(const Command& c) {
  absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(*c.module);
  if (!bytes.ok())
    return fail(c.line, "assert_invalid: the module does not parse (it should be well-formed): " +
                            std::string(bytes.status().message()));
  absl::Status s = kiln::validateOnly(*bytes, features_);
  if (s.ok())
    return fail(c.line, "assert_invalid: module was accepted, expected \"" + c.text + "\"");
  note(c.line, absl::StrCat(s.message(), " (expected ", c.text, ")"));
  pass();
}

void WastRunner::commandAssertMalformed(const Command& c) {
  const ScriptModule& m = *c.module;
  if (m.kind != ScriptModule::Kind::Binary) {
    // Malformed text: the text reader itself must reject it.
    absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(m);
    if (bytes.ok())
      return fail(c.line, "assert_malformed: the text reader accepted the module, expected \"" +
                              c.text + "\"");
    note(c.line, absl::StrCat(bytes.status().message(), " (expected ", c.text, ")"));
    return pass();
  }
  absl::Status s = kiln::validateOnly(m.bytes, features_);
  if (s.ok())
    return fail(c.line, "assert_malformed: module was accepted, expected \"" + c.text + "\"");
  note(c.line, absl::StrCat(s.message(), " (expected ", c.text, ")"));
  pass();
}

// Compiles the command's module (which must compile) and tries to instantiate it.
std::optional<absl::StatusOr<std::shared_ptr<kiln::Instance>>> WastRunner::compileAndInstantiate(
    const Command& c, const char* what) {
  absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(*c.module);
  if (!bytes.ok()) {
    fail(c.line, std::string(what) + ": module does not parse: " +
                     std::string(bytes.status().message()));
    return std::nullopt;
  }
  auto artifact = compile(*bytes);
  if (!artifact.ok()) {
    fail(c.line, std::string(what) + ": module failed to compile: " +
                     std::string(artifact.status().message()));
    return std::nullopt;
  }
  return instantiate(*artifact);
}

void WastRunner::commandAssertUnlinkable(const Command& c) {
  auto inst = compileAndInstantiate(c, "assert_unlinkable");
  if (!inst) return;
  if (inst->ok()) return fail(c.line, "assert_unlinkable: module linked");
  if (kiln::TrapFromStatus(inst->status()))
    return fail(c.line, "assert_unlinkable: instantiation trapped instead: " +
                            std::string(inst->status().message()));
  pass();
}

void WastRunner::commandAssertUninstantiable(const Command& c) {
  auto inst = compileAndInstantiate(c, "assert_uninstantiable");
  if (!inst) return;
  if (inst->ok()) return fail(c.line, "assert_uninstantiable: module instantiated");
  std::optional<kiln::Trap> trap = kiln::TrapFromStatus(inst->status());
  if (!trap)
    return fail(c.line, "assert_uninstantiable: failed without a trap: " +
                            std::string(inst->status().message()));
  if (!trapTextMatches(trap->message, c.text))
    return fail(c.line, "assert_uninstantiable: expected \"" + c.text + "\", got " + trap->Describe());
  pass();
}

int WastRunner::run(const std::string& text) {
  absl::StatusOr<kiln::text::Script> script = kiln::text::parseWast(text, opts_.file, textOptions_);
  if (!script.ok()) {
    std::fprintf(stderr, "kiln-wast: cannot read the script: %s\n",
                 std::string(script.status().message()).c_str());
    ++failed_;
    std::printf("%d passed, %d failed, %d skipped\n", passed_, failed_, skipped_);
    return 1;
  }
  setUpSpectest();
  for (const Command& c : script->commands) {
    switch (c.kind) {
      case Command::Kind::Module:
        commandModule(c);
        break;
      case Command::Kind::ModuleInstance:
        commandModuleInstance(c);
        break;
      case Command::Kind::Register: {
        std::shared_ptr<kiln::Instance> inst = instanceFor(c.instanceName);
        if (!inst) {
          fail(c.line, "register: no such module instance");
          break;
        }
        imports_.AddInstance(c.registerName, *inst);
        break;
      }
      case Command::Kind::Action: {
        ActionOutcome o = perform(*c.action);
        if (!o.error.empty()) fail(c.line, "action: " + o.error);
        else if (o.trap) fail(c.line, "action trapped: " + o.trap->Describe());
        break;
      }
      case Command::Kind::AssertReturn:
        commandAssertReturn(c);
        break;
      case Command::Kind::AssertTrap:
        commandAssertTrap(c, false);
        break;
      case Command::Kind::AssertExhaustion:
        commandAssertTrap(c, true);
        break;
      case Command::Kind::AssertException:
        commandAssertException(c);
        break;
      case Command::Kind::AssertInvalid:
        commandAssertInvalid(c);
        break;
      case Command::Kind::AssertMalformed:
        commandAssertMalformed(c);
        break;
      case Command::Kind::AssertUnlinkable:
        commandAssertUnlinkable(c);
        break;
      case Command::Kind::AssertUninstantiable:
        commandAssertUninstantiable(c);
        break;
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed_, failed_, skipped_);
  return failed_ ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  CLI::App app{"kiln-wast: run a WebAssembly spec script (.wast) through kilnc and the kiln "
               "loader. Prints 'N passed, M failed, K skipped'; exits 1 if anything failed "
               "(a script that cannot be read counts as failed).",
               "kiln-wast"};
  app.add_option("file", opts.file, "The .wast script")->required();
  app.add_option("-O", opts.optLevel, "Optimisation level for the modules (default 2)")
      ->check(CLI::Range(0, 3));
  app.add_option("--wasm", opts.wasm,
                 "Spec version of the script: 3 (default: the current spec, WebAssembly 3.0 "
                 "without GC and threads) or 2 (the frozen 2.0 rules and features)")
      ->check(CLI::IsMember({2, 3}));
  app.add_option("--codegen-parts", opts.codegenParts,
                 "Split every module's code generation into this many parts (at most one per "
                 "function), to test split code generation on small modules");
  app.add_flag("--keep", opts.keep, "Keep the temporary directory with the .wasm and .so files");
  app.add_flag("-v,--verbose", opts.verbose, "Print every expected failure");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::error_code ec;
  std::ifstream in(opts.file, std::ios::binary);
  if (fs::is_directory(opts.file, ec) || !in) {
    std::fprintf(stderr, "kiln-wast: cannot read %s%s\n", opts.file.c_str(),
                 fs::is_directory(opts.file, ec) ? ": it is a directory" : "");
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    std::fprintf(stderr, "kiln-wast: cannot read %s\n", opts.file.c_str());
    return 2;
  }

  char tmpl[] = "/tmp/kiln-wast-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("kiln-wast: mkdtemp");
    return 2;
  }
  fs::path dir = tmpl;
  int rc;
  {
    WastRunner runner(opts, dir);
    rc = runner.run(text.str());
  }
  if (opts.keep) {
    std::fprintf(stderr, "kiln-wast: files kept in %s\n", dir.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return rc;
}

// kiln-fuzz-exec: the kiln side of the differential fuzzer (fuzz/README.md).
//
//   kiln-fuzz-exec ARTIFACT.so PLAN
//
// Loads an artifact made by kilnc, instantiates it with the host imports the fuzzer's
// modules use, performs the calls of PLAN in order and prints one line per observable
// event. fuzz/exec/v8_fuzz_exec.mjs does the same in V8 and prints the same lines, so
// the two outputs can be compared after fuzz/normalize.py. The line format (also in the
// .mjs, keep them in step):
//
//   instantiate ok | instantiate trap TEXT | instantiate error TEXT
//   call NAME                       NAME percent-encoded, as in the plan
//   host MODULE.NAME VALUE...       an imported function was called with these arguments
//   result VALUE...                 the call returned (VALUE: i32:8hex i64:16hex f32:8hex
//                                   f64:16hex, bits as stored; ref:null ref:func ref:extern)
//   trap TEXT                       the call trapped: the spec's text for the trap
//   skip REASON                     the plan asked for something the reference cannot do
//   mem NAME PAGES HASH             every exported memory, after instantiation and each call
//   global NAME TYPE VALUE          every exported global (v128 globals print "-")
//   table NAME SIZE                 every exported table
//
// PLAN (written by fuzz/plan.py) has one line per call, `call NAME ARG...`, ARG in the
// VALUE form above; its header lines (import ..., export ...) give the .mjs the types the
// JS API does not reflect, and are ignored here.
// Imports provided: "fuzzing-support" log-* (binaryen's -ttf modules) and the spec
// suite's "spectest" module (print*, global_*, table, memory); any other import is a
// link error. An imported function with a v128 parameter or result (binaryen's log-v128)
// traps "v128 at the JS boundary" when called, as it does in V8, where a JS function
// cannot take or return a v128 (a TypeError unwinds the Wasm frames like a trap).
#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

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

namespace {

constexpr const char* kV128Boundary = "v128 at the JS boundary";

void emit(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);  // a hang or crash later must not lose what came before
}

std::string hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*" PRIx64, digits, v);
  return buf;
}

std::string showValue(const kiln_val& v, uint8_t type) {
  switch (type) {
    case KILN_I32: return "i32:" + hex(v.i32, 8);
    case KILN_I64: return "i64:" + hex(v.i64, 16);
    case KILN_F32: return "f32:" + hex(v.i32, 8);
    case KILN_F64: return "f64:" + hex(v.i64, 16);
    case KILN_V128: {
      std::string s = "v128:";
      for (int i = 15; i >= 0; --i) s += hex(v.v128[i], 2);
      return s;
    }
    case KILN_FUNCREF: return v.ref ? "ref:func" : "ref:null";
    default: return v.ref ? "ref:extern" : "ref:null";
  }
}

// Names are percent-encoded in plans and outputs: [A-Za-z0-9_.-] stay, every other byte
// of the UTF-8 name is %XX.
std::string encodeName(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex(c, 2);
    }
  }
  return out;
}

std::string decodeName(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// "i32:0000002a" -> a value; only numbers and null references can be plan arguments.
std::optional<kiln_val> parseValue(const std::string& text) {
  kiln_val v{};
  size_t colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string type = text.substr(0, colon), bits = text.substr(colon + 1);
  if (type == "ref") {
    if (bits != "null") return std::nullopt;
    v.ref = nullptr;
    return v;
  }
  if (type == "v128") {
    if (bits.size() != 32) return std::nullopt;
    for (int i = 0; i < 16; ++i)
      v.v128[15 - i] = static_cast<uint8_t>(std::stoul(bits.substr(2 * i, 2), nullptr, 16));
    return v;
  }
  uint64_t x = std::stoull(bits, nullptr, 16);
  if (type == "i32" || type == "f32") {
    v.i32 = static_cast<uint32_t>(x);
  } else if (type == "i64" || type == "f64") {
    v.i64 = x;
  } else {
    return std::nullopt;
  }
  return v;
}

// FNV-1a over the memory's little-endian 32-bit words (the .mjs computes the same).
uint32_t hashMemory(const uint8_t* base, uint64_t bytes) {
  uint32_t h = 2166136261u;
  for (uint64_t i = 0; i + 4 <= bytes; i += 4) {
    uint32_t w;
    std::memcpy(&w, base + i, 4);
    h = (h ^ w) * 16777619u;
  }
  return h;
}

void printState(kiln::Instance& instance) {
  std::vector<std::pair<std::string, kiln::Extern>> exports;
  for (auto& [name, ext] : instance.Exports()) exports.emplace_back(encodeName(name), ext);
  std::sort(exports.begin(), exports.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [name, ext] : exports) {
    switch (ext.kind) {
      case kiln::ExternKind::kMemory: {
        const kiln::GuardedMemory& m = *ext.memory;
        emit("mem " + name + " " + std::to_string(m.pages()) + " " +
             hex(hashMemory(m.base(), m.size_bytes()), 8));
        break;
      }
      case kiln::ExternKind::kGlobal: {
        uint8_t type = ext.global->type().type;
        std::string value = type == KILN_V128 ? "-" : showValue(ext.global->value(), type);
        emit("global " + name + " " + kiln::ValueTypeName(type) + " " + value);
        break;
      }
      case kiln::ExternKind::kTable:
        emit("table " + name + " " + std::to_string(ext.table->size()));
        break;
      default:
        break;
    }
  }
}

std::string argsText(const kiln::HostCall& call) {
  std::string s;
  for (size_t i = 0; i < call.type->params.size(); ++i)
    s += " " + showValue(call.values[i], call.type->params[i]);
  return s;
}

// The host module: a function for every "fuzzing-support" or "spectest" function import
// (it prints its arguments and returns zeros), and the spectest globals, table, memory.
class Host {
 public:
  std::optional<kiln::Extern> Resolve(const kiln::ImportRequest& r) {
    std::string module(r.module), name(r.name);
    if (r.kind == kiln::ExternKind::kFunc && (module == "fuzzing-support" || module == "spectest")) {
      if (module == "spectest" && name.rfind("print", 0) != 0) return std::nullopt;
      std::string label = encodeName(module) + "." + encodeName(name);
      auto f = kiln::HostFunction::Create(
          *r.func_type,
          [label](kiln::HostCall& call) {
            const auto& t = *call.type;
            if (std::count(t.params.begin(), t.params.end(), KILN_V128) ||
                std::count(t.results.begin(), t.results.end(), KILN_V128)) {
              call.Trap(KILN_TRAP_HOST, kV128Boundary);
              return;
            }
            emit("host " + label + argsText(call));
            for (size_t i = 0; i < call.type->results.size(); ++i) call.values[i] = kiln_val{};
          },
          label);
      return kiln::Extern::Func(f);
    }
    if (module != "spectest") return std::nullopt;
    if (r.kind == kiln::ExternKind::kGlobal) {
      kiln_val v{};
      uint8_t type;
      if (name == "global_i32") {
        type = KILN_I32;
        v.i32 = 666;
      } else if (name == "global_i64") {
        type = KILN_I64;
        v.i64 = 666;
      } else if (name == "global_f32") {
        type = KILN_F32;
        v.f32 = 666.6f;
      } else if (name == "global_f64") {
        type = KILN_F64;
        v.f64 = 666.6;
      } else {
        return std::nullopt;
      }
      return kiln::Extern::FromGlobal(kiln::Global::Create(kiln::GlobalType{type, false}, v));
    }
    if (r.kind == kiln::ExternKind::kTable && name == "table") {
      if (!table_) {
        kiln::TableType tt;
        tt.elem_type = KILN_FUNCREF;
        tt.limits = {10, 20};
        auto t = kiln::Table::Create(tt);
        if (!t.ok()) return std::nullopt;
        table_ = *t;
      }
      return kiln::Extern::FromTable(table_);
    }
    if (r.kind == kiln::ExternKind::kMemory && name == "memory") {
      if (!memory_) {
        kiln::MemoryType mt;
        mt.limits = {1, 2};
        auto m = kiln::GuardedMemory::Create(mt);
        if (!m.ok()) return std::nullopt;
        memory_ = *m;
      }
      return kiln::Extern::FromMemory(memory_);
    }
    return std::nullopt;
  }

 private:
  std::shared_ptr<kiln::Table> table_;
  std::shared_ptr<kiln::GuardedMemory> memory_;
};

// One plan line: performs the call and prints its outcome.
void perform(kiln::Instance& instance, const std::string& line) {
  std::istringstream in(line);
  std::string word, name;
  in >> word >> name;
  if (word != "call") return;
  emit("call " + name);
  std::vector<kiln_val> args;
  std::string arg;
  while (in >> arg) {
    std::optional<kiln_val> v = parseValue(arg);
    if (!v) {
      emit("skip bad plan argument " + arg);
      return;
    }
    args.push_back(*v);
  }
  std::optional<kiln::Extern> ex = instance.GetExport(decodeName(name));
  if (!ex || ex->kind != kiln::ExternKind::kFunc) {
    emit("skip no function export");
    return;
  }
  kiln::FuncType type = ex->func_type();
  absl::StatusOr<kiln::CallResult> r = kiln::Call(*ex, args);
  if (!r.ok()) {
    emit("skip " + std::string(r.status().message()));
  } else if (r->trap) {
    emit("trap " + r->trap->message);
  } else {
    std::string s = "result";
    for (size_t i = 0; i < r->results.size(); ++i) s += " " + showValue(r->results[i], type.results[i]);
    emit(s);
  }
  printState(instance);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kiln-fuzz-exec ARTIFACT.so PLAN\n");
    return 2;
  }
  // A backstop against a module that never ends: fuzz/run kills a run on its timeout, but
  // a run started by wasm-reduce's test script outlives a killed parent (it has its own
  // process group). The CPU limit ends it anyway.
  const rlimit cpu{120, 121};
  setrlimit(RLIMIT_CPU, &cpu);
  std::ifstream planFile(argv[2]);
  if (!planFile) {
    std::fprintf(stderr, "kiln-fuzz-exec: cannot read %s\n", argv[2]);
    return 2;
  }
  auto artifact = kiln::Artifact::LoadFile(argv[1]);
  if (!artifact.ok()) {
    std::fprintf(stderr, "kiln-fuzz-exec: %s\n", std::string(artifact.status().message()).c_str());
    return 1;
  }
  Host host;
  auto instance = kiln::Instance::Instantiate(
      *artifact, [&host](const kiln::ImportRequest& r) { return host.Resolve(r); });
  if (!instance.ok()) {
    if (std::optional<kiln::Trap> trap = kiln::TrapFromStatus(instance.status())) {
      emit("instantiate trap " + trap->message);
    } else {
      emit("instantiate error " + std::string(instance.status().message()));
    }
    return 0;
  }
  emit("instantiate ok");
  printState(**instance);
  std::string line;
  while (std::getline(planFile, line)) perform(**instance, line);
  return 0;
}

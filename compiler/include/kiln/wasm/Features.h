// The set of WebAssembly features the decoder and the validator accept.
//
// Two presets matter: `wasm2()` is the frozen WebAssembly 2.0 core spec (MVP + sign
// extension, saturating float-to-int, multi-value, mutable-global import/export, bulk
// memory, reference types, fixed-width SIMD); `wasm3()` adds the non-GC features of
// WebAssembly 3.0. The spec scripts of each version must be run with their own preset,
// because later features turn some old "malformed" encodings into valid ones (e.g. a
// non-zero memory index byte with multi-memory).
//
// Every feature has its own flag. `unimplementedFeature()` names the first flag that is set
// but not yet supported; `decodeModule`/`validateModule` refuse to run with such a flag set
// rather than silently ignoring it. `defaults()` is what kilnc uses: every implemented
// feature.
#pragma once

#include <optional>
#include <string_view>

namespace kiln::wasm {

struct Features {
  // Implemented.
  bool multiMemory = false;  // more than one memory; memarg/memory.* carry a memory index
  bool simd = false;         // fixed-width SIMD: v128, 0xFD prefix
  bool relaxedSimd = false;  // relaxed SIMD (0xFD 0x100..), deterministic in kiln
  bool tailCall = false;     // return_call, return_call_indirect (+ return_call_ref)
  bool extendedConst = false;  // i32/i64 add, sub, mul in constant expressions; 3.0 rules
                               // for which globals constant expressions may read
  bool memory64 = false;     // i64-indexed memories and tables (explicit bounds checks)
  bool exceptions = false;   // tags, try_table, throw, throw_ref, exnref
  bool functionReferences = false;  // typed function references: (ref $t), call_ref, ...

  // Not implemented: refused up front. (GC types are refused where they appear.)
  bool threads = false;             // shared memories, atomics (0xFE prefix)

  // WebAssembly 2.0 (with SIMD, as the 2.0 spec has it).
  static Features wasm2() {
    Features f;
    f.simd = true;
    return f;
  }
  // WebAssembly 3.0 without garbage collection and without threads.
  static Features wasm3() {
    Features f = wasm2();
    f.multiMemory = f.relaxedSimd = f.memory64 = f.tailCall = f.exceptions =
        f.functionReferences = f.extendedConst = true;
    return f;
  }
  // What kilnc accepts by default: everything implemented.
  static Features defaults() { return wasm3(); }
};

// The name of the first enabled feature the front end does not support yet, if any.
inline std::optional<std::string_view> unimplementedFeature(const Features& f) {
  if (f.threads) return "threads";
  return std::nullopt;
}

}  // namespace kiln::wasm

// The set of WebAssembly proposals the decoder and the validator accept. The defaults are
// the frozen WebAssembly 2.0 core spec without SIMD (MVP + sign extension, saturating
// float-to-int, multi-value, mutable-global import/export, bulk memory, reference types).
//
// Every later feature has its own flag so it can be switched on per compilation once it is
// implemented. `unimplementedFeature()` names the first flag that is set but not yet
// supported; `decodeModule`/`validateModule` refuse to run with such a flag set rather than
// silently ignoring it.
#pragma once

#include <optional>
#include <string_view>

namespace kiln::wasm {

struct Features {
  // Implemented.
  bool multiMemory = false;  // more than one memory; memarg/memory.* carry a memory index

  // Not implemented yet: setting one of these makes decode/validate fail up front.
  bool simd = false;                // fixed-width SIMD: v128, 0xFD prefix
  bool memory64 = false;            // i64-indexed memories and tables
  bool tailCall = false;            // return_call, return_call_indirect
  bool exceptions = false;          // tags, try_table, throw, throw_ref
  bool functionReferences = false;  // typed function references: call_ref, ref.as_non_null
  bool extendedConst = false;       // i32/i64 add, sub, mul in constant expressions
  bool threads = false;             // shared memories, atomics (0xFE prefix)

  // The WebAssembly 2.0 feature set without SIMD (the defaults).
  static Features wasm2() { return Features{}; }
};

// The name of the first enabled feature the front end does not support yet, if any.
inline std::optional<std::string_view> unimplementedFeature(const Features& f) {
  if (f.simd) return "simd";
  if (f.memory64) return "memory64";
  if (f.tailCall) return "tail calls";
  if (f.exceptions) return "exception handling";
  if (f.functionReferences) return "typed function references";
  if (f.extendedConst) return "extended constant expressions";
  if (f.threads) return "threads";
  return std::nullopt;
}

}  // namespace kiln::wasm

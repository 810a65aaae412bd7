// kiln's reader of the WebAssembly text format (.wat): one module in, its binary encoding
// out. The text reader resolves names, expands every abbreviation and encodes; it does not
// type-check. Decode and validate the result with kiln::wasm (or compile it) as with any
// .wasm file.
//
// It rejects what the spec classes as malformed text (unknown operators, unbound or
// duplicate identifiers, constants out of range, malformed UTF-8, misplaced imports,
// type uses that contradict their inline signature, alignments that are not powers of two,
// unexpected tokens, ...) with `file:line:col: message`.
//
// Covered: the whole Wasm 2.0 text format (with SIMD) and the non-GC additions of Wasm 3.0
// (multi-memory, memory64/table64, tail calls, typed function references, exception
// handling, extended constant expressions, relaxed SIMD). GC type definitions (`rec`,
// `sub`, `struct`, `array`) are encoded so that the decoder can refuse them by name; GC
// instructions are not.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::text {

// The two versions' text grammars differ in one point the reader must know: memory
// offsets and memory/table limits are u32 literals in 2.0 (a larger one is malformed) and
// u64 literals in 3.0 (a too large one is left to the validator, which calls it invalid).
enum class TextVersion : uint8_t { Wasm2, Wasm3 };

struct TextOptions {
  TextVersion version = TextVersion::Wasm3;
};

// Parses one module, either `(module $id? field*)` or a bare sequence of module fields,
// and returns its binary encoding. `(module binary "...")` and `(module quote "...")` are
// accepted too. Errors are InvalidArgument with the message `fileName:line:col: message`.
absl::StatusOr<std::vector<uint8_t>> parseWat(std::string_view text, std::string_view fileName,
                                              const TextOptions& options = {});

// True if `bytes` starts with the binary magic `\0asm`.
inline bool looksLikeBinary(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 'a' && bytes[2] == 's' &&
         bytes[3] == 'm';
}

}  // namespace kiln::text

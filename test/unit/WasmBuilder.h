// A few helpers to assemble Wasm binaries byte by byte in unit tests, so each test shows
// exactly the bytes it feeds the decoder or validator.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln::test {

using Bytes = std::vector<uint8_t>;

inline Bytes uleb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

inline Bytes sleb(int64_t v) {
  Bytes out;
  for (;;) {
    uint8_t b = v & 0x7F;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done) return out;
  }
}

// Concatenation of byte strings.
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A length-prefixed name.
inline Bytes name(std::string_view s) {
  Bytes out = uleb(s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// A vector: element count, then the elements.
inline Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out = uleb(items.size());
  for (const Bytes& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}

inline Bytes section(uint8_t id, const Bytes& payload) {
  return cat({{id}, uleb(payload.size()), payload});
}

inline Bytes header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

inline Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out = header();
  for (const Bytes& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

inline Bytes funcType(const Bytes& params, const Bytes& results) {
  return cat({{0x60}, uleb(params.size()), params, uleb(results.size()), results});
}

// A code-section entry: size, local declarations (pairs of count and type), code.
using Locals = std::vector<std::pair<uint32_t, uint8_t>>;
inline Bytes body(const Locals& locals, const Bytes& code) {
  Bytes inner = uleb(locals.size());
  for (auto [n, t] : locals) {
    Bytes c = uleb(n);
    inner.insert(inner.end(), c.begin(), c.end());
    inner.push_back(t);
  }
  inner.insert(inner.end(), code.begin(), code.end());
  return cat({uleb(inner.size()), inner});
}

// Section ids.
enum : uint8_t {
  kCustomId = 0, kTypeId = 1, kImportId = 2, kFunctionId = 3, kTableId = 4, kMemoryId = 5,
  kGlobalId = 6, kExportId = 7, kStartId = 8, kElemId = 9, kCodeId = 10, kDataId = 11,
  kDataCountId = 12,
};

// Value type bytes.
enum : uint8_t { I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128 = 0x7B, FUNCREF = 0x70,
                 EXTERNREF = 0x6F };

// The offset of the first occurrence of `needle` in `hay` (hay.size() if absent).
inline size_t find(const Bytes& hay, const Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) - hay.begin();
}

}  // namespace kiln::test

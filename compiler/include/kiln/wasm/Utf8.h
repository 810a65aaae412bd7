// UTF-8 well-formedness as the Wasm binary format requires it for names: shortest-form
// encodings only, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln::wasm {

// Length of the UTF-8 sequence at s[i] (i < n) and its code point, or 0 if it is
// malformed (overlong, surrogate, above U+10FFFF, truncated, stray continuation byte).
inline size_t decodeUtf8(const uint8_t* s, size_t n, size_t i, uint32_t* cpOut) {
  const uint8_t b = s[i];
  if (b < 0x80) {
    *cpOut = b;
    return 1;
  }
  size_t len;
  uint32_t cp;
  uint32_t min;
  if ((b & 0xE0) == 0xC0) {
    len = 2, cp = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, cp = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, cp = b & 0x07, min = 0x10000;
  } else {
    return 0;  // continuation byte first, or 0xF8..0xFF
  }
  if (n - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t c = s[i + k];
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *cpOut = cp;
  return len;
}

inline bool isValidUtf8(const uint8_t* s, size_t n) {
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    const size_t len = decodeUtf8(s, n, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace kiln::wasm

#include "Numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kiln::text {
namespace {

bool isDigit(char c, bool hex) {
  if (c >= '0' && c <= '9') return true;
  return hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

// Consumes `digit ('_'? digit)*` at s[*i]; false if there is no digit or an underscore is
// not between two digits.
bool scanDigits(std::string_view s, size_t* i, bool hex) {
  size_t p = *i;
  if (p >= s.size() || !isDigit(s[p], hex)) return false;
  ++p;
  while (p < s.size()) {
    if (s[p] == '_') {
      if (p + 1 >= s.size() || !isDigit(s[p + 1], hex)) return false;
      p += 2;
    } else if (isDigit(s[p], hex)) {
      ++p;
    } else {
      break;
    }
  }
  *i = p;
  return true;
}

// Syntax of an unsigned integer (no sign): returns the digits' start and whether hex.
bool unsignedSyntax(std::string_view s, bool* hex) {
  size_t i = 0;
  *hex = s.size() > 2 && s[0] == '0' && s[1] == 'x';
  if (*hex) i = 2;
  return scanDigits(s, &i, *hex) && i == s.size();
}

// Value of an unsigned literal with the given syntax; false on overflow of 64 bits.
bool unsignedValue(std::string_view s, bool hex, uint64_t* out) {
  uint64_t v = 0;
  unsigned base = hex ? 16 : 10;
  for (size_t i = hex ? 2 : 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') continue;
    unsigned d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  *out = v;
  return true;
}

std::string withoutUnderscores(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s)
    if (c != '_') r.push_back(c);
  return r;
}

// Float syntax without the sign: `inf`, `nan`, `nan:0x...`, or a decimal/hex literal.
bool floatSyntax(std::string_view s) {
  if (s == "inf" || s == "nan") return true;
  if (s.substr(0, 6) == "nan:0x") {
    size_t i = 6;
    return scanDigits(s, &i, true) && i == s.size();
  }
  bool hex = s.size() > 2 && s[0] == '0' && s[1] == 'x';
  size_t i = hex ? 2 : 0;
  if (!scanDigits(s, &i, hex)) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i < s.size() && isDigit(s[i], hex) && !scanDigits(s, &i, hex)) return false;
  }
  if (i < s.size() && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!scanDigits(s, &i, false)) return false;
  }
  return i == s.size();
}

}  // namespace

NumberSyntax classifyNumber(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool hex;
  if (unsignedSyntax(s, &hex)) return NumberSyntax::Integer;
  if (floatSyntax(s)) return NumberSyntax::Float;
  return NumberSyntax::None;
}

NumberResult parseUnsigned(std::string_view text, uint64_t max, uint64_t* out) {
  bool hex;
  if (!unsignedSyntax(text, &hex)) return NumberResult::Syntax;
  uint64_t v;
  if (!unsignedValue(text, hex, &v) || v > max) return NumberResult::OutOfRange;
  *out = v;
  return NumberResult::Ok;
}

NumberResult parseInt(std::string_view text, int bits, uint64_t* out) {
  bool neg = false, sign = false;
  std::string_view s = text;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = true;
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  bool hex;
  if (!unsignedSyntax(s, &hex)) return NumberResult::Syntax;
  uint64_t v;
  if (!unsignedValue(s, hex, &v)) return NumberResult::OutOfRange;
  uint64_t umax = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  uint64_t smax = (uint64_t{1} << (bits - 1)) - 1;  // largest positive signed value
  if (neg) {
    if (v > smax + 1) return NumberResult::OutOfRange;
    v = (0 - v) & umax;
  } else if (v > (sign ? smax : umax)) {
    return NumberResult::OutOfRange;
  }
  *out = v;
  return NumberResult::Ok;
}

namespace {

// Shared float parsing: sign, inf, nan and nan payloads here; finite values by strtod/
// strtof on the literal without underscores (correctly rounded in glibc, hex included).
template <typename Bits, typename Float>
NumberResult parseFloat(std::string_view text, int mantBits, Bits* out,
                        Float (*conv)(const char*, char**)) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  const int totalBits = sizeof(Bits) * 8;
  const Bits signBit = Bits{1} << (totalBits - 1);
  const Bits expMask = ((Bits{1} << (totalBits - 1 - mantBits)) - 1) << mantBits;
  const Bits mantMask = (Bits{1} << mantBits) - 1;
  bool intHex;
  if (!floatSyntax(s) && !unsignedSyntax(s, &intHex)) return NumberResult::Syntax;
  if (s == "inf") {
    *out = (neg ? signBit : 0) | expMask;
    return NumberResult::Ok;
  }
  if (s == "nan") {
    *out = (neg ? signBit : 0) | expMask | (Bits{1} << (mantBits - 1));
    return NumberResult::Ok;
  }
  if (s.substr(0, 4) == "nan:") {
    uint64_t payload;
    if (!unsignedValue(s.substr(4), true, &payload) || payload == 0 || payload > mantMask)
      return NumberResult::OutOfRange;
    *out = (neg ? signBit : 0) | expMask | static_cast<Bits>(payload);
    return NumberResult::Ok;
  }
  std::string clean = withoutUnderscores(s);
  errno = 0;
  char* end = nullptr;
  Float f = conv(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return NumberResult::Syntax;
  if (std::isinf(f)) return NumberResult::OutOfRange;
  Bits bits;
  static_assert(sizeof(bits) == sizeof(f));
  std::memcpy(&bits, &f, sizeof(bits));
  *out = bits | (neg ? signBit : 0);
  return NumberResult::Ok;
}

}  // namespace

NumberResult parseF32(std::string_view text, uint32_t* out) {
  return parseFloat<uint32_t, float>(text, 23, out, &std::strtof);
}

NumberResult parseF64(std::string_view text, uint64_t* out) {
  return parseFloat<uint64_t, double>(text, 52, out, &std::strtod);
}

}  // namespace kiln::text

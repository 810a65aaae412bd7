#include "ValueText.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/Types.h"

namespace kiln::cli {
namespace {

absl::Status BadValue(uint8_t type, std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat("cannot parse \"", std::string(text),
                                                 "\" as ", ValueTypeName(type)));
}

// Parses an integer literal into a 64-bit pattern; `bits` is 32 or 64.
bool ParseInteger(std::string_view text, int bits, uint64_t* out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  const uint64_t unsigned_max = bits == 32 ? UINT32_MAX : UINT64_MAX;
  const uint64_t negative_max = uint64_t{1} << (bits - 1);  // |INT_MIN|
  if (negative ? magnitude > negative_max : magnitude > unsigned_max) return false;
  uint64_t v = negative ? uint64_t{0} - magnitude : magnitude;
  if (bits == 32) v &= 0xFFFFFFFFu;
  *out = v;
  return true;
}

template <typename Float, typename Bits>
bool ParseFloat(std::string_view text, Float* out) {
  constexpr int kMantissaBits = sizeof(Float) == 4 ? 23 : 52;
  constexpr Bits kExponentMask =
      static_cast<Bits>(sizeof(Float) == 4 ? 0x7F800000ull : 0x7FF0000000000000ull);
  constexpr Bits kMantissaMask = (Bits{1} << kMantissaBits) - 1;
  constexpr Bits kSignBit = Bits{1} << (sizeof(Float) * 8 - 1);
  bool negative = false;
  std::string_view rest = text;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "nan" || rest.rfind("nan:0x", 0) == 0) {
    Bits payload = Bits{1} << (kMantissaBits - 1);
    if (rest.size() > 3) {
      uint64_t p = 0;
      std::string_view hex = rest.substr(6);
      auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), p, 16);
      if (ec != std::errc() || end != hex.data() + hex.size() || p == 0 || p > kMantissaMask) {
        return false;
      }
      payload = static_cast<Bits>(p);
    }
    Bits bits = kExponentMask | payload | (negative ? kSignBit : 0);
    std::memcpy(out, &bits, sizeof bits);
    return true;
  }
  if (rest == "inf" || rest == "infinity") {
    Bits bits = kExponentMask | (negative ? kSignBit : 0);
    std::memcpy(out, &bits, sizeof bits);
    return true;
  }
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  if constexpr (sizeof(Float) == 4) {
    *out = std::strtof(s.c_str(), &end);
  } else {
    *out = std::strtod(s.c_str(), &end);
  }
  // Overflow to infinity is an error; underflow to a denormal or zero is fine.
  if (end != s.c_str() + s.size() || s.empty() || std::isinf(*out)) return false;
  return true;
}

template <typename Float, typename Bits>
std::string FormatFloat(Float f) {
  constexpr int kMantissaBits = sizeof(Float) == 4 ? 23 : 52;
  constexpr Bits kMantissaMask = (Bits{1} << kMantissaBits) - 1;
  constexpr Bits kSignBit = Bits{1} << (sizeof(Float) * 8 - 1);
  Bits bits;
  std::memcpy(&bits, &f, sizeof bits);
  const std::string sign = (bits & kSignBit) ? "-" : "";
  if (std::isnan(f)) {
    const Bits payload = bits & kMantissaMask;
    if (payload == (Bits{1} << (kMantissaBits - 1))) return sign + "nan";
    return absl::StrFormat("%snan:0x%x", sign, static_cast<uint64_t>(payload));
  }
  if (std::isinf(f)) return sign + "inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  return std::string(buf, end);
}

}  // namespace

absl::StatusOr<kiln_val> ParseValue(uint8_t type, std::string_view text) {
  kiln_val v;
  std::memset(&v, 0, sizeof v);
  switch (type) {
    case KILN_I32:
    case KILN_I64: {
      uint64_t x;
      if (!ParseInteger(text, type == KILN_I32 ? 32 : 64, &x)) return BadValue(type, text);
      if (type == KILN_I32) v.i32 = static_cast<uint32_t>(x);
      else v.i64 = x;
      return v;
    }
    case KILN_F32:
      if (!ParseFloat<float, uint32_t>(text, &v.f32)) return BadValue(type, text);
      return v;
    case KILN_F64:
      if (!ParseFloat<double, uint64_t>(text, &v.f64)) return BadValue(type, text);
      return v;
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
      if (text != "null") return BadValue(type, text);
      v.ref = nullptr;
      return v;
    default:
      return absl::UnimplementedError(
          absl::StrCat(ValueTypeName(type), " arguments are not supported on the command line"));
  }
}

std::string FormatValue(uint8_t type, const kiln_val& v) {
  switch (type) {
    case KILN_I32: return std::to_string(static_cast<int32_t>(v.i32));
    case KILN_I64: return std::to_string(static_cast<int64_t>(v.i64));
    case KILN_F32: return FormatFloat<float, uint32_t>(v.f32);
    case KILN_F64: return FormatFloat<double, uint64_t>(v.f64);
    case KILN_V128: {
      std::string out = "0x";
      for (int i = 15; i >= 0; --i) out += absl::StrFormat("%02x", v.v128[i]);
      return out;
    }
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
      if (v.ref == nullptr) return "null";
      return absl::StrFormat("ref:%p", v.ref);
    default: return "?";
  }
}

}  // namespace kiln::cli

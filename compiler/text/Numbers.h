// Numeric literals of the text format: syntax (with `_` separators, hex, signs) and
// conversion to integer and IEEE-754 bit patterns with the spec's range rules.
#pragma once

#include <cstdint>
#include <string_view>

namespace kiln::text {

enum class NumberSyntax : uint8_t { None, Integer, Float };

// Classifies a token text: Integer for `[+-]?(digits|0xhexdigits)`, Float for every other
// float literal (`1.5e3`, `0x1p-2`, `inf`, `nan`, `nan:0x7`, with optional sign), None if
// the text is not a number.
NumberSyntax classifyNumber(std::string_view text);

enum class NumberResult : uint8_t { Ok, Syntax, OutOfRange };

// An unsigned literal without sign (`uN`), at most `max`.
NumberResult parseUnsigned(std::string_view text, uint64_t max, uint64_t* out);

// An `iN` literal (N = 8, 16, 32 or 64): unsigned up to 2^N-1 or signed down to -2^(N-1);
// a literal with an explicit `+` is signed (at most 2^(N-1)-1). The result is the N-bit
// two's-complement pattern, zero-extended.
NumberResult parseInt(std::string_view text, int bits, uint64_t* out);

// Float literals (any integer literal is a float literal too) to IEEE-754 bits, rounded
// to nearest-even; a finite literal that rounds to infinity is OutOfRange, as is a NaN
// payload that is zero or does not fit the significand.
NumberResult parseF32(std::string_view text, uint32_t* out);
NumberResult parseF64(std::string_view text, uint64_t* out);

}  // namespace kiln::text

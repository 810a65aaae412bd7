// Text forms of Wasm values on the `kiln run --invoke` command line.
//
// Parsing (arguments):
//   i32 / i64   decimal or 0x-hex, optional sign; the range of both the signed and the
//               unsigned interpretation is accepted (-1 and 0xffffffff are the same i32).
//   f32 / f64   decimal or hex-float literals, "inf", "-inf", "nan", "-nan",
//               "nan:0x<payload>" (sets the mantissa bits).
//   funcref / externref   "null" only.
// Formatting (results, one per line):
//   i32 / i64   signed decimal ("42", "-1").
//   f32 / f64   the shortest decimal that reads back to the same bits ("0.1", "1e+30",
//               "-0"), "inf" / "-inf", "nan" for the canonical NaN, "nan:0x<payload>" for
//               other NaNs, with a leading "-" when the sign bit is set.
//   v128        "0x" and 32 hex digits, most significant byte first.
//   references  "null" or "ref:0x<address>".
#ifndef KILN_CLI_VALUE_TEXT_H
#define KILN_CLI_VALUE_TEXT_H

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kiln/abi.h"

namespace kiln::cli {

absl::StatusOr<kiln_val> ParseValue(uint8_t type, std::string_view text);
std::string FormatValue(uint8_t type, const kiln_val& value);

}  // namespace kiln::cli

#endif  // KILN_CLI_VALUE_TEXT_H

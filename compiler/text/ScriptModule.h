// Reading the module forms shared by .wat files and scripts:
//   (module $id? field*)            text
//   (module $id? binary "..."*)     binary: the strings concatenated
//   (module $id? quote "..."*)      quote: the strings concatenated, parsed later
//   (module definition $id? ...)    any of the above, not instantiated
#pragma once

#include <string_view>
#include <vector>

#include "Lexer.h"
#include "absl/status/status.h"
#include "kiln/text/Wast.h"

namespace kiln::text {

// Formats a ParseError as `file:line:col: message`.
absl::Status parseErrorStatus(const SourceMap& map, std::string_view fileName,
                              const ParseError& e);

// Reads the module expression opening at toks[*pos] (the '(' of `(module`), and advances
// *pos past its ')'. A parse error inside a text module is stored in textError (formatted
// with `map` and `fileName`); errors in the surrounding structure throw ParseError.
ScriptModule readModuleForm(const std::vector<Token>& toks, size_t* pos, const SourceMap& map,
                            std::string_view fileName, const TextOptions& options);

}  // namespace kiln::text

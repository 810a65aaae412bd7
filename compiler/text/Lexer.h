// The lexer of the WebAssembly text format (.wat and .wast): source text -> tokens.
//
// Whitespace, line comments `;; ...`, nested block comments `(; ... ;)` and annotations
// `(@id ...)` are dropped (annotations are still lexed, so that their content has to be
// well-formed). A token is a maximal run of identifier characters and strings; how such a
// run is classified (keyword, $identifier, number, string, or reserved) follows the spec's
// lexical grammar. Lexical errors are ParseErrors carrying the byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::text {

enum class TokenKind : uint8_t {
  LParen,
  RParen,
  Keyword,   // starts with a-z: `module`, `i32.add`, `offset=8`, `nan:0x1`, `inf`
  Id,        // `$name` or `$"name"`; `str` holds the name without the `$`
  String,    // `"..."`; `str` holds the decoded bytes
  Number,    // an integer or float literal (see Numbers.h), possibly signed
  Reserved,  // any other run of identifier characters and strings (always an error)
  Eof,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  uint32_t offset = 0;  // byte offset in the source
  std::string_view text;  // the raw source text of the token
  std::string str;        // decoded string bytes (String) or identifier name (Id)
};

// A parse or lexical error at a byte offset of the source.
struct ParseError {
  uint32_t offset;
  std::string message;
};

// Source text plus its line table, to turn byte offsets into line:column.
class SourceMap {
 public:
  explicit SourceMap(std::string_view src);
  // 1-based line and column (in bytes) of a byte offset.
  void position(uint32_t offset, uint32_t* line, uint32_t* col) const;
  uint32_t line(uint32_t offset) const {
    uint32_t l, c;
    position(offset, &l, &c);
    return l;
  }

 private:
  std::vector<uint32_t> lineStarts_;
};

// Lexes all of `src` (throws ParseError). The last token is Eof.
std::vector<Token> tokenize(std::string_view src);

// True if `s` is well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF).
bool isValidUtf8(std::string_view s);

// Appends the UTF-8 encoding of code point `cp` to `out`.
void appendUtf8(std::string* out, uint32_t cp);

}  // namespace kiln::text

#include "Lexer.h"

#include <algorithm>

#include "Numbers.h"
#include "kiln/wasm/Utf8.h"

namespace kiln::text {

SourceMap::SourceMap(std::string_view src) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\n' || (src[i] == '\r' && (i + 1 >= src.size() || src[i + 1] != '\n')))
      lineStarts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

void SourceMap::position(uint32_t offset, uint32_t* line, uint32_t* col) const {
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  size_t idx = static_cast<size_t>(it - lineStarts_.begin()) - 1;
  *line = static_cast<uint32_t>(idx + 1);
  *col = offset - lineStarts_[idx] + 1;
}

namespace {

// Length of the UTF-8 sequence at s[i] and its code point, or 0 if it is malformed.
size_t decodeUtf8(std::string_view s, size_t i, uint32_t* cpOut) {
  return wasm::decodeUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size(), i, cpOut);
}

bool isIdChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '/': case ':': case '<': case '=': case '>': case '?':
    case '@': case '\\': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    Token t;
    while (next(&t)) out.push_back(std::move(t));
    Token eof;
    eof.kind = TokenKind::Eof;
    eof.offset = static_cast<uint32_t>(src_.size());
    out.push_back(std::move(eof));
    return out;
  }

 private:
  [[noreturn]] void fail(size_t at, std::string msg) {
    throw ParseError{static_cast<uint32_t>(at), std::move(msg)};
  }

  // Skips whitespace and comments; false at the end of the input.
  bool skipSpace() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (isSpace(c)) {
        ++pos_;
      } else if (c == ';' && peekChar(1) == ';') {
        while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
      } else if (c == '(' && peekChar(1) == ';') {
        skipBlockComment();
      } else {
        return true;
      }
    }
    return false;
  }

  char peekChar(size_t k) const { return pos_ + k < src_.size() ? src_[pos_ + k] : '\0'; }

  void skipBlockComment() {
    size_t start = pos_;
    int depth = 0;
    while (pos_ < src_.size()) {
      if (src_[pos_] == '(' && peekChar(1) == ';') {
        ++depth;
        pos_ += 2;
      } else if (src_[pos_] == ';' && peekChar(1) == ')') {
        pos_ += 2;
        if (--depth == 0) return;
      } else {
        ++pos_;
      }
    }
    fail(start, "unclosed comment");
  }

  // Reads a string literal starting at the quote at pos_; returns its decoded bytes.
  std::string readString() {
    size_t start = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= src_.size()) fail(start, "unclosed string");
      char c = src_[pos_];
      uint8_t u = static_cast<uint8_t>(c);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\n' || c == '\r') fail(start, "unclosed string");
      if (u < 0x20 || u == 0x7F) fail(pos_, "illegal character in string");
      if (u >= 0x80) {
        uint32_t cp;
        size_t len = decodeUtf8(src_, pos_, &cp);
        if (len == 0) fail(pos_, "malformed UTF-8 encoding");
        out.append(src_.substr(pos_, len));
        pos_ += len;
        continue;
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      size_t escAt = pos_;
      char e = peekChar(1);
      pos_ += 2;
      switch (e) {
        case 't': out.push_back('\t'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case '"': out.push_back('"'); break;
        case '\'': out.push_back('\''); break;
        case '\\': out.push_back('\\'); break;
        case 'u': {
          if (peekChar(0) != '{') fail(escAt, "illegal escape");
          ++pos_;
          uint64_t cp = 0;
          bool any = false, lastUnderscore = true;
          while (pos_ < src_.size() && src_[pos_] != '}') {
            char h = src_[pos_];
            if (h == '_' && !lastUnderscore) {
              lastUnderscore = true;
              ++pos_;
              continue;
            }
            int v = hexValue(h);
            if (v < 0) fail(escAt, "illegal escape");
            cp = cp * 16 + v;
            if (cp > 0x10FFFF) fail(escAt, "illegal escape: code point out of range");
            any = true;
            lastUnderscore = false;
            ++pos_;
          }
          if (!any || lastUnderscore || pos_ >= src_.size()) fail(escAt, "illegal escape");
          ++pos_;  // '}'
          if (cp >= 0xD800 && cp <= 0xDFFF) fail(escAt, "illegal escape: surrogate code point");
          appendUtf8(&out, static_cast<uint32_t>(cp));
          break;
        }
        default: {
          int hi = hexValue(e), lo = hexValue(peekChar(0));
          if (hi < 0 || lo < 0) fail(escAt, "illegal escape");
          ++pos_;
          out.push_back(static_cast<char>(hi * 16 + lo));
          break;
        }
      }
    }
  }

  [[noreturn]] void illegal(size_t at) {
    uint8_t u = static_cast<uint8_t>(src_[at]);
    uint32_t cp;
    if (u >= 0x80 && decodeUtf8(src_, at, &cp) == 0) fail(at, "malformed UTF-8 encoding");
    fail(at, "illegal character");
  }

  // Lexes the next token into *t, skipping annotations; false at the end of the input.
  // Inside an annotation, `(@` is just a parenthesis.
  bool next(Token* t, bool inAnnotation = false) {
    while (true) {
      if (!skipSpace()) return false;
      if (!inAnnotation && src_[pos_] == '(' && peekChar(1) == '@') {
        skipAnnotation();
        continue;
      }
      lexToken(t);
      return true;
    }
  }

  void skipAnnotation() {
    size_t start = pos_;
    pos_ += 2;
    // The annotation id: identifier characters or one string, not empty.
    if (peekChar(0) == '"') {
      std::string id = readString();
      if (id.empty()) fail(start, "empty annotation id");
      if (!isValidUtf8(id)) fail(start, "malformed UTF-8 encoding in annotation id");
    } else {
      size_t idStart = pos_;
      while (pos_ < src_.size() && isIdChar(src_[pos_])) ++pos_;
      if (pos_ == idStart) fail(start, "empty annotation id");
    }
    int depth = 1;
    Token t;
    while (true) {
      if (!next(&t, /*inAnnotation=*/true)) fail(start, "unclosed annotation");
      if (t.kind == TokenKind::LParen) ++depth;
      if (t.kind == TokenKind::RParen && --depth == 0) return;
    }
  }

  void lexToken(Token* t) {
    size_t start = pos_;
    t->offset = static_cast<uint32_t>(start);
    t->str.clear();
    char c = src_[pos_];
    if (c == '(' || c == ')') {
      ++pos_;
      t->kind = c == '(' ? TokenKind::LParen : TokenKind::RParen;
      t->text = src_.substr(start, 1);
      return;
    }
    // A run of identifier characters, strings and the reserved punctuation.
    int strings = 0;
    size_t idChars = 0;
    std::string lastString;
    bool punct = false;
    while (pos_ < src_.size()) {
      char d = src_[pos_];
      if (d == '"') {
        lastString = readString();
        ++strings;
      } else if (isIdChar(d)) {
        ++idChars;
        ++pos_;
      } else if (d == ';' && peekChar(1) == ';') {
        break;
      } else if (d == ',' || d == ';' || d == '[' || d == ']' || d == '{' || d == '}') {
        punct = true;
        ++pos_;
      } else {
        break;
      }
    }
    if (pos_ == start) illegal(start);
    std::string_view text = src_.substr(start, pos_ - start);
    t->text = text;
    t->kind = TokenKind::Reserved;
    if (punct) return;
    if (strings == 1 && idChars == 0) {
      t->kind = TokenKind::String;
      t->str = std::move(lastString);
      return;
    }
    if (text[0] == '$') {
      if (strings == 0 && idChars > 1) {
        t->kind = TokenKind::Id;
        t->str = std::string(text.substr(1));
      } else if (strings == 1 && idChars == 1 && text[1] == '"') {
        // $"..." : any non-empty UTF-8 name.
        if (lastString.empty()) fail(start, "empty identifier");
        if (!isValidUtf8(lastString)) fail(start, "malformed UTF-8 encoding in identifier");
        t->kind = TokenKind::Id;
        t->str = std::move(lastString);
      } else if (strings == 0) {
        fail(start, "empty identifier");
      }
      return;
    }
    if (strings != 0) return;
    if (text[0] >= 'a' && text[0] <= 'z') {
      t->kind = TokenKind::Keyword;
      return;
    }
    if (classifyNumber(text) != NumberSyntax::None) t->kind = TokenKind::Number;
  }

  std::string_view src_;
  size_t pos_ = 0;
};

}  // namespace

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t len = decodeUtf8(s, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void appendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<Token> tokenize(std::string_view src) { return Lexer(src).run(); }

}  // namespace kiln::text

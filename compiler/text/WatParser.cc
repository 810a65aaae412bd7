#include <string>

#include "Lexer.h"
#include "ModuleParser.h"
#include "ScriptModule.h"
#include "absl/strings/str_cat.h"
#include "kiln/text/Wat.h"

namespace kiln::text {

absl::Status parseErrorStatus(const SourceMap& map, std::string_view fileName,
                              const ParseError& e) {
  uint32_t line, col;
  map.position(e.offset, &line, &col);
  return absl::InvalidArgumentError(absl::StrCat(std::string(fileName), ":", line, ":", col, ": ", e.message));
}

ScriptModule readModuleForm(const std::vector<Token>& toks, size_t* pos, const SourceMap& map,
                            std::string_view fileName, const TextOptions& options) {
  size_t open = *pos;
  size_t after = skipSexpr(toks, open);
  ScriptModule m;
  m.line = map.line(toks[open].offset);
  size_t p = open + 2;  // after `(module`
  if (toks[p].kind == TokenKind::Keyword && toks[p].text == "definition") {
    m.definition = true;
    ++p;
  }
  if (toks[p].kind == TokenKind::Id) m.name = toks[p++].str;
  const Token& t = toks[p];
  if (t.kind == TokenKind::Keyword && (t.text == "binary" || t.text == "quote")) {
    bool binary = t.text == "binary";
    m.kind = binary ? ScriptModule::Kind::Binary : ScriptModule::Kind::Quote;
    ++p;
    std::string all;
    while (toks[p].kind == TokenKind::String) all += toks[p++].str;
    if (toks[p].kind != TokenKind::RParen)
      failAt(toks[p], absl::StrCat("unexpected token \"", std::string(toks[p].text), "\" in a ",
                                   binary ? "binary" : "quote", " module"));
    if (binary)
      m.bytes.assign(all.begin(), all.end());
    else
      m.quote = std::move(all);
    *pos = after;
    return m;
  }
  m.kind = ScriptModule::Kind::Text;
  try {
    size_t end = 0;
    m.bytes = encodeModule(toks, p, &end, m.name, options.version == TextVersion::Wasm3);
    if (toks[end].kind != TokenKind::RParen)
      failAt(toks[end], "unexpected token \"" + std::string(toks[end].text) + "\"");
  } catch (const ParseError& e) {
    m.bytes.clear();
    m.textError = parseErrorStatus(map, fileName, e);
  }
  *pos = after;
  return m;
}

absl::StatusOr<std::vector<uint8_t>> parseWat(std::string_view text, std::string_view fileName,
                                              const TextOptions& options) {
  SourceMap map(text);
  try {
    std::vector<Token> toks = tokenize(text);
    if (toks.size() > 2 && toks[0].kind == TokenKind::LParen &&
        toks[1].kind == TokenKind::Keyword && toks[1].text == "module") {
      size_t pos = 0;
      ScriptModule m = readModuleForm(toks, &pos, map, fileName, options);
      if (toks[pos].kind != TokenKind::Eof)
        failAt(toks[pos], "unexpected token after the module");
      switch (m.kind) {
        case ScriptModule::Kind::Text:
          if (!m.textError.ok()) return m.textError;
          return m.bytes;
        case ScriptModule::Kind::Binary:
          return m.bytes;
        case ScriptModule::Kind::Quote:
          return parseWat(m.quote, fileName, options);
      }
    }
    size_t end = 0;
    std::vector<uint8_t> bytes =
        encodeModule(toks, 0, &end, std::nullopt, options.version == TextVersion::Wasm3);
    if (toks[end].kind != TokenKind::Eof)
      failAt(toks[end], "unexpected token \"" + std::string(toks[end].text) + "\"");
    return bytes;
  } catch (const ParseError& e) {
    return parseErrorStatus(map, fileName, e);
  }
}

}  // namespace kiln::text

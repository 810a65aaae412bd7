// Spec scripts: a sequence of commands, each a parenthesised expression.
#include <string>

#include "Lexer.h"
#include "ModuleParser.h"
#include "Numbers.h"
#include "ScriptModule.h"
#include "absl/strings/str_cat.h"
#include "kiln/text/Wast.h"

namespace kiln::text {

int laneCount(Shape s) {
  switch (s) {
    case Shape::I8x16: return 16;
    case Shape::I16x8: return 8;
    case Shape::I32x4: return 4;
    case Shape::I64x2: return 2;
    case Shape::F32x4: return 4;
    case Shape::F64x2: return 2;
  }
  return 0;
}

namespace {

int laneBits(Shape s) { return 128 / laneCount(s); }
bool isFloatShape(Shape s) { return s == Shape::F32x4 || s == Shape::F64x2; }

class ScriptParser {
 public:
  ScriptParser(const std::vector<Token>& toks, const SourceMap& map, std::string_view fileName,
               const TextOptions& options)
      : toks_(toks), map_(map), fileName_(fileName), options_(options) {}

  Script run() {
    Script script;
    // A script that starts with a module field is one module written without `(module)`.
    static const std::string_view kFields[] = {"type", "rec",    "import", "func",
                                               "table", "memory", "global", "tag",
                                               "export", "start", "elem",  "data"};
    for (std::string_view f : kFields) {
      if (tok().kind == TokenKind::LParen && isKw(1, f)) {
        Command c;
        c.kind = Command::Kind::Module;
        c.line = map_.line(tok().offset);
        ScriptModule m;
        m.line = c.line;
        try {
          size_t end = 0;
          m.bytes = encodeModule(toks_, 0, &end, std::nullopt,
                                 options_.version == TextVersion::Wasm3);
          if (toks_[end].kind != TokenKind::Eof) failAt(toks_[end], "unexpected token");
        } catch (const ParseError& e) {
          m.bytes.clear();
          m.textError = parseErrorStatus(map_, fileName_, e);
        }
        c.module = std::move(m);
        script.commands.push_back(std::move(c));
        return script;
      }
    }
    while (tok().kind != TokenKind::Eof) script.commands.push_back(parseCommand());
    return script;
  }

 private:
  const Token& tok(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  bool isKw(size_t k, std::string_view kw) const {
    return tok(k).kind == TokenKind::Keyword && tok(k).text == kw;
  }
  [[noreturn]] void unexpected(std::string_view expected) {
    const Token& t = tok();
    std::string what = t.kind == TokenKind::Eof ? "end of input" : "\"" + std::string(t.text) + "\"";
    failAt(t, "unexpected token " + what + ", expected " + std::string(expected));
  }
  void expect(TokenKind k, std::string_view what) {
    if (tok().kind != k) unexpected(what);
    ++pos_;
  }
  std::string expectString() {
    if (tok().kind != TokenKind::String) unexpected("a string");
    return toks_[pos_++].str;
  }
  std::optional<std::string> optId() {
    if (tok().kind != TokenKind::Id) return std::nullopt;
    return toks_[pos_++].str;
  }

  ScriptModule readModule() {
    if (!(tok().kind == TokenKind::LParen && isKw(1, "module"))) unexpected("a module");
    return readModuleForm(toks_, &pos_, map_, fileName_, options_);
  }

  Command parseCommand() {
    Command c;
    c.line = map_.line(tok().offset);
    if (tok().kind != TokenKind::LParen) unexpected("a command");
    const Token& kw = tok(1);
    if (kw.kind != TokenKind::Keyword) {
      ++pos_;
      unexpected("a command");
    }
    std::string_view k = kw.text;
    if (k == "module") {
      if (isKw(2, "instance")) {
        pos_ += 3;
        c.kind = Command::Kind::ModuleInstance;
        c.instanceName = optId();
        c.definitionName = optId();
        expect(TokenKind::RParen, "\")\"");
        return c;
      }
      c.kind = Command::Kind::Module;
      c.module = readModule();
      return c;
    }
    if (k == "register") {
      pos_ += 2;
      c.kind = Command::Kind::Register;
      c.registerName = expectString();
      c.instanceName = optId();
      expect(TokenKind::RParen, "\")\"");
      return c;
    }
    if (k == "invoke" || k == "get") {
      c.kind = Command::Kind::Action;
      c.action = parseAction();
      return c;
    }
    pos_ += 2;
    if (k == "assert_return") {
      c.kind = Command::Kind::AssertReturn;
      c.action = parseAction();
      while (tok().kind == TokenKind::LParen) c.expected.push_back(parseExpected());
    } else if (k == "assert_trap") {
      c.kind = Command::Kind::AssertTrap;
      if (isKw(1, "module"))
        c.module = readModule();
      else
        c.action = parseAction();
      c.text = expectString();
    } else if (k == "assert_exhaustion") {
      c.kind = Command::Kind::AssertExhaustion;
      c.action = parseAction();
      c.text = expectString();
    } else if (k == "assert_exception") {
      c.kind = Command::Kind::AssertException;
      c.action = parseAction();
    } else if (k == "assert_invalid" || k == "assert_malformed" || k == "assert_unlinkable" ||
               k == "assert_uninstantiable") {
      c.kind = k == "assert_invalid"      ? Command::Kind::AssertInvalid
               : k == "assert_malformed"  ? Command::Kind::AssertMalformed
               : k == "assert_unlinkable" ? Command::Kind::AssertUnlinkable
                                          : Command::Kind::AssertUninstantiable;
      c.module = readModule();
      c.text = expectString();
    } else {
      failAt(kw, "unknown command " + std::string(k));
    }
    expect(TokenKind::RParen, "\")\"");
    return c;
  }

  Action parseAction() {
    Action a;
    expect(TokenKind::LParen, "\"(\"");
    if (isKw(0, "invoke")) {
      a.kind = Action::Kind::Invoke;
    } else if (isKw(0, "get")) {
      a.kind = Action::Kind::Get;
    } else {
      unexpected("invoke or get");
    }
    ++pos_;
    a.module = optId();
    a.field = expectString();
    if (a.kind == Action::Kind::Invoke)
      while (tok().kind == TokenKind::LParen) a.args.push_back(parseValue());
    expect(TokenKind::RParen, "\")\"");
    return a;
  }

  std::optional<Shape> parseShape() {
    static const std::pair<std::string_view, Shape> kShapes[] = {
        {"i8x16", Shape::I8x16}, {"i16x8", Shape::I16x8}, {"i32x4", Shape::I32x4},
        {"i64x2", Shape::I64x2}, {"f32x4", Shape::F32x4}, {"f64x2", Shape::F64x2}};
    for (auto& [name, s] : kShapes) {
      if (isKw(0, name)) {
        ++pos_;
        return s;
      }
    }
    unexpected("a vector shape");
  }

  uint8_t parseHeapTypeKeyword() {
    static const std::pair<std::string_view, uint8_t> kHeap[] = {
        {"func", kHeapFunc},   {"extern", kHeapExtern},     {"any", kHeapAny},
        {"eq", kHeapEq},       {"i31", kHeapI31},           {"struct", kHeapStruct},
        {"array", kHeapArray}, {"exn", kHeapExn},           {"noexn", kHeapNoExn},
        {"nofunc", kHeapNoFunc}, {"noextern", kHeapNoExtern}, {"none", kHeapNone}};
    for (auto& [name, code] : kHeap) {
      if (isKw(0, name)) {
        ++pos_;
        return code;
      }
    }
    if (tok().kind == TokenKind::Id || tok().kind == TokenKind::Number) {
      ++pos_;
      return kHeapConcrete;
    }
    unexpected("a heap type");
  }

  uint64_t refValue() {
    const Token& t = tok();
    uint64_t v = 0;
    if (t.kind != TokenKind::Number || parseUnsigned(t.text, UINT64_MAX, &v) != NumberResult::Ok)
      unexpected("a host reference number");
    ++pos_;
    return v;
  }

  Value parseValue() {
    Value v;
    expect(TokenKind::LParen, "\"(\"");
    const Token& op = tok();
    if (op.kind != TokenKind::Keyword) unexpected("a constant");
    std::string_view k = op.text;
    ++pos_;
    if (k == "i32.const" || k == "i64.const" || k == "f32.const" || k == "f64.const") {
      v.kind = Value::Kind::Num;
      bool is32 = k[1] == '3';
      v.type = k[0] == 'i' ? (is32 ? kI32 : kI64) : (is32 ? kF32 : kF64);
      v.bits = k[0] == 'i' ? parseIntToken(tok(), is32 ? 32 : 64)
                           : parseFloatToken(tok(), is32 ? 32 : 64);
      ++pos_;
    } else if (k == "v128.const") {
      v.kind = Value::Kind::V128;
      Shape s = *parseShape();
      int bits = laneBits(s);
      for (int i = 0; i < laneCount(s); ++i) {
        uint64_t lane = isFloatShape(s) ? parseFloatToken(tok(), bits) : parseIntToken(tok(), bits);
        ++pos_;
        for (int b = 0; b < bits / 8; ++b) v.v128[i * bits / 8 + b] = static_cast<uint8_t>(lane >> (8 * b));
      }
    } else if (k == "ref.null") {
      v.kind = Value::Kind::RefNull;
      v.heapType = parseHeapTypeKeyword();
    } else if (k == "ref.extern" || k == "ref.host") {
      v.kind = k == "ref.extern" ? Value::Kind::RefExtern : Value::Kind::RefHost;
      v.bits = refValue();
    } else {
      failAt(op, "unknown constant " + std::string(k));
    }
    expect(TokenKind::RParen, "\")\"");
    return v;
  }

  // A float result: a value, nan:canonical or nan:arithmetic.
  NanClass parseNanClass() {
    if (isKw(0, "nan:canonical")) {
      ++pos_;
      return NanClass::Canonical;
    }
    if (isKw(0, "nan:arithmetic")) {
      ++pos_;
      return NanClass::Arithmetic;
    }
    return NanClass::None;
  }

  Expected parseExpected(int depth = 0) {
    Expected e;
    if (depth > 100) failAt(tok(), "results nested too deeply");
    expect(TokenKind::LParen, "\"(\"");
    const Token& op = tok();
    if (op.kind != TokenKind::Keyword) unexpected("a result");
    std::string_view k = op.text;
    ++pos_;
    if (k == "i32.const" || k == "i64.const" || k == "f32.const" || k == "f64.const") {
      e.kind = Expected::Kind::Num;
      bool is32 = k[1] == '3';
      e.type = k[0] == 'i' ? (is32 ? kI32 : kI64) : (is32 ? kF32 : kF64);
      if (k[0] == 'f') e.nan = parseNanClass();
      if (e.nan == NanClass::None) {
        e.bits = k[0] == 'i' ? parseIntToken(tok(), is32 ? 32 : 64)
                             : parseFloatToken(tok(), is32 ? 32 : 64);
        ++pos_;
      }
    } else if (k == "v128.const") {
      e.kind = Expected::Kind::V128;
      e.shape = *parseShape();
      int bits = laneBits(e.shape);
      for (int i = 0; i < laneCount(e.shape); ++i) {
        NanClass nan = isFloatShape(e.shape) ? parseNanClass() : NanClass::None;
        uint64_t lane = 0;
        if (nan == NanClass::None) {
          lane = isFloatShape(e.shape) ? parseFloatToken(tok(), bits) : parseIntToken(tok(), bits);
          ++pos_;
        }
        e.lanes.push_back(lane);
        e.laneNans.push_back(nan);
      }
    } else if (k == "ref.null") {
      e.kind = Expected::Kind::RefNull;
      if (tok().kind == TokenKind::RParen)
        e.anyNull = true;
      else
        e.heapType = parseHeapTypeKeyword();
    } else if (k == "ref.func") {
      e.kind = Expected::Kind::RefFunc;
      if (tok().kind != TokenKind::RParen) ++pos_;  // an optional function index
    } else if (k == "ref.extern" || k == "ref.host") {
      e.kind = k == "ref.extern" ? Expected::Kind::RefExtern : Expected::Kind::RefHost;
      if (tok().kind != TokenKind::RParen) {
        e.hasValue = true;
        e.bits = refValue();
      }
    } else if (k == "either") {
      e.kind = Expected::Kind::Either;
      while (tok().kind == TokenKind::LParen) e.alternatives.push_back(parseExpected(depth + 1));
    } else if (k.substr(0, 4) == "ref.") {
      e.kind = Expected::Kind::RefOther;
      e.refName = std::string(k);
      while (tok().kind != TokenKind::RParen && tok().kind != TokenKind::Eof) ++pos_;
    } else {
      failAt(op, "unknown result " + std::string(k));
    }
    expect(TokenKind::RParen, "\")\"");
    return e;
  }

  const std::vector<Token>& toks_;
  const SourceMap& map_;
  std::string_view fileName_;
  TextOptions options_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<Script> parseWast(std::string_view text, std::string_view fileName,
                                 const TextOptions& options) {
  SourceMap map(text);
  try {
    std::vector<Token> toks = tokenize(text);
    return ScriptParser(toks, map, fileName, options).run();
  } catch (const ParseError& e) {
    return parseErrorStatus(map, fileName, e);
  }
}

absl::StatusOr<std::vector<uint8_t>> moduleBinary(const ScriptModule& m, std::string_view where,
                                                  const TextOptions& options) {
  switch (m.kind) {
    case ScriptModule::Kind::Binary:
      return m.bytes;
    case ScriptModule::Kind::Text:
      if (!m.textError.ok()) return m.textError;
      return m.bytes;
    case ScriptModule::Kind::Quote:
      return parseWat(m.quote, std::string(where) + ":quote", options);
  }
  return absl::InternalError("unknown script module kind");
}

}  // namespace kiln::text

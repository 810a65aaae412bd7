// Module parsing in two passes over the token vector.
//
// Pass 1 (scanFields) finds the module fields, binds every identifier of the module-level
// index spaces (which may be used before their definition), records which memories and
// tables are 64-bit, and checks the import ordering and the single start function. It then
// parses the explicit type definitions, so that type uses can be checked against them and
// implicit types can be matched.
//
// Pass 2 walks the fields in text order and encodes each straight into its section:
// identifiers are resolved, abbreviations expanded, and function types that are used
// without a definition are appended to the type section in the order they occur.
#include "ModuleParser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "Binary.h"
#include "Instructions.h"
#include "Numbers.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace kiln::text {

void failAt(const Token& t, std::string message) {
  throw ParseError{t.offset, std::move(message)};
}

size_t skipSexpr(const std::vector<Token>& toks, size_t open) {
  int depth = 0;
  for (size_t i = open; i < toks.size(); ++i) {
    if (toks[i].kind == TokenKind::LParen) ++depth;
    if (toks[i].kind == TokenKind::RParen && --depth == 0) return i + 1;
    if (toks[i].kind == TokenKind::Eof) break;
  }
  failAt(toks[open], "unclosed parenthesis");
}

namespace {

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::Eof: return "end of input";
    case TokenKind::LParen: return "\"(\"";
    case TokenKind::RParen: return "\")\"";
    default: return "\"" + std::string(t.text) + "\"";
  }
}

bool isFloatToken(const Token& t) {
  return t.kind == TokenKind::Number ||
         (t.kind == TokenKind::Keyword && classifyNumber(t.text) == NumberSyntax::Float);
}

}  // namespace

uint64_t parseIntToken(const Token& t, int bits) {
  uint64_t v = 0;
  if (t.kind != TokenKind::Number) failAt(t, "unexpected token " + describe(t) + ", expected an integer");
  NumberResult r = parseInt(t.text, bits, &v);
  if (r == NumberResult::Syntax) failAt(t, "unexpected token " + describe(t) + ", expected an integer");
  if (r == NumberResult::OutOfRange) failAt(t, absl::StrCat("i", bits, " constant out of range"));
  return v;
}

uint64_t parseFloatToken(const Token& t, int bits) {
  if (!isFloatToken(t)) failAt(t, "unexpected token " + describe(t) + ", expected a float");
  NumberResult r;
  uint64_t v = 0;
  if (bits == 32) {
    uint32_t b = 0;
    r = parseF32(t.text, &b);
    v = b;
  } else {
    r = parseF64(t.text, &v);
  }
  if (r == NumberResult::Syntax) failAt(t, "unexpected token " + describe(t) + ", expected a float");
  if (r == NumberResult::OutOfRange) failAt(t, absl::StrCat("f", bits, " constant out of range"));
  return v;
}

namespace {

using ValType = std::string;  // a value type in its binary encoding

enum Space { kFuncs, kTables, kMemories, kGlobals, kTags, kTypes, kElems, kDatas, kSpaceCount };
const char* const kSpaceKeyword[] = {"func", "table", "memory", "global",
                                     "tag",  "type",  "elem",   "data"};
const char* const kSpaceName[] = {"function", "table", "memory",       "global",
                                  "tag",      "type",  "elem segment", "data segment"};

enum class FieldKind : uint8_t {
  Type, Rec, Import, Func, Table, Memory, Global, Tag, Export, Start, Elem, Data
};

struct Field {
  FieldKind kind;
  size_t begin;    // index of the '('
  uint32_t index;  // index in its space (Func/Table/Memory/Global/Tag/Elem/Data/Import)
};

struct FuncSig {
  std::vector<ValType> params, results;
  bool operator==(const FuncSig&) const = default;
};

struct TypeDef {
  bool isFunc = false;
  FuncSig sig;
  absl::flat_hash_map<std::string, uint32_t> fieldNames;  // struct types
  bool matchable = false;  // final, no supertypes, alone in its recursion group
};

struct IndexSpace {
  absl::flat_hash_map<std::string, uint32_t> names;
  uint32_t count = 0;
};

struct TypeUse {
  std::optional<uint32_t> index;
  bool hasInline = false;
  FuncSig sig;
  std::vector<std::optional<std::string>> paramNames;
  std::vector<size_t> paramNameTokens;
};

struct FuncCtx {
  absl::flat_hash_map<std::string, uint32_t> locals;
  uint32_t numLocals = 0;
  std::vector<std::optional<std::string>> labels;  // innermost last
};

struct ElemList {
  bool exprs = false;
  ValType type = ValType(1, '\x70');
  std::vector<uint32_t> funcs;
  std::vector<Bytes> items;
  size_t size() const { return exprs ? items.size() : funcs.size(); }
};

const absl::flat_hash_map<std::string_view, uint8_t>& valTypeKeywords() {
  static const auto* m = new absl::flat_hash_map<std::string_view, uint8_t>{
      {"i32", 0x7F},       {"i64", 0x7E},           {"f32", 0x7D},         {"f64", 0x7C},
      {"v128", 0x7B},      {"funcref", 0x70},       {"externref", 0x6F},   {"anyref", 0x6E},
      {"eqref", 0x6D},     {"i31ref", 0x6C},        {"structref", 0x6B},   {"arrayref", 0x6A},
      {"exnref", 0x69},    {"nullexnref", 0x74},    {"nullfuncref", 0x73}, {"nullexternref", 0x72},
      {"nullref", 0x71},
  };
  return *m;
}

const absl::flat_hash_map<std::string_view, uint8_t>& heapTypeKeywords() {
  static const auto* m = new absl::flat_hash_map<std::string_view, uint8_t>{
      {"func", 0x70},  {"extern", 0x6F}, {"any", 0x6E},    {"eq", 0x6D},
      {"i31", 0x6C},   {"struct", 0x6B}, {"array", 0x6A},  {"exn", 0x69},
      {"noexn", 0x74}, {"nofunc", 0x73}, {"noextern", 0x72}, {"none", 0x71},
  };
  return *m;
}

class ModuleParser {
 public:
  ModuleParser(const std::vector<Token>& toks, size_t begin, bool wide)
      : toks_(toks), pos_(begin), wide_(wide) {}

  std::vector<uint8_t> run(size_t* end, const std::optional<std::string>& name) {
    scanFields();
    *end = pos_;
    parseTypes();
    for (const Field& f : fields_) encodeField(f);
    return assemble(name);
  }

 private:
  // ---- Tokens ----
  const Token& tok(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  bool isKw(size_t k, std::string_view kw) const {
    const Token& t = tok(k);
    return t.kind == TokenKind::Keyword && t.text == kw;
  }
  bool peekSexpr(std::string_view kw) const {
    return tok().kind == TokenKind::LParen && isKw(1, kw);
  }
  [[noreturn]] void unexpected(const Token& t, std::string_view expected = {}) {
    std::string msg = "unexpected token " + describe(t);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    failAt(t, msg);
  }
  void expect(TokenKind k) {
    if (tok().kind != k) unexpected(tok(), k == TokenKind::LParen ? "\"(\"" : "\")\"");
    ++pos_;
  }
  void expectRParen() { expect(TokenKind::RParen); }
  void expectKeyword(std::string_view kw) {
    if (!isKw(0, kw)) unexpected(tok(), "\"" + std::string(kw) + "\"");
    ++pos_;
  }
  std::optional<std::string> optId() {
    if (tok().kind != TokenKind::Id) return std::nullopt;
    return toks_[pos_++].str;
  }
  // A name (import/export): a string that must be valid UTF-8.
  std::string expectName() {
    const Token& t = tok();
    if (t.kind != TokenKind::String) unexpected(t, "a name string");
    if (!isValidUtf8(t.str)) failAt(t, "malformed UTF-8 encoding");
    ++pos_;
    return t.str;
  }
  bool isIndexToken(size_t k = 0) const {
    const Token& t = tok(k);
    return t.kind == TokenKind::Id ||
           (t.kind == TokenKind::Number && t.text[0] >= '0' && t.text[0] <= '9' &&
            classifyNumber(t.text) == NumberSyntax::Integer);
  }
  uint64_t parseU(uint64_t max, std::string_view what) {
    const Token& t = tok();
    uint64_t v = 0;
    NumberResult r = t.kind == TokenKind::Number ? parseUnsigned(t.text, max, &v)
                                                 : NumberResult::Syntax;
    if (r == NumberResult::Syntax) unexpected(t, what);
    if (r == NumberResult::OutOfRange)
      failAt(t, max == UINT32_MAX ? "i32 constant out of range" : "constant out of range");
    ++pos_;
    return v;
  }
  uint32_t parseU32() { return static_cast<uint32_t>(parseU(UINT32_MAX, "a u32")); }

  // ---- Pass 1 ----
  // Binds the next index of space `s` (and its identifier, if any).
  void define(Space s, const Token* id) {
    IndexSpace& sp = spaces_[s];
    if (id) {
      if (!sp.names.emplace(id->str, sp.count).second)
        failAt(*id, absl::StrCat("duplicate ", kSpaceKeyword[s], " $", id->str));
    }
    ++sp.count;
  }
  const Token* idAt(size_t i) const {
    return i < toks_.size() && toks_[i].kind == TokenKind::Id ? &toks_[i] : nullptr;
  }
  bool kwAt(size_t i, std::string_view kw) const {
    return i < toks_.size() && toks_[i].kind == TokenKind::Keyword && toks_[i].text == kw;
  }
  bool sexprAt(size_t i, std::string_view kw) const {
    return i + 1 < toks_.size() && toks_[i].kind == TokenKind::LParen && kwAt(i + 1, kw);
  }
  bool refTypeAt(size_t i) const {
    if (i >= toks_.size()) return false;
    if (sexprAt(i, "ref")) return true;
    if (toks_[i].kind != TokenKind::Keyword) return false;
    auto it = valTypeKeywords().find(toks_[i].text);
    return it != valTypeKeywords().end() && it->second < 0x7B;
  }

  void noteImport(const Token& at) {
    if (firstDefinition_) failAt(at, absl::StrCat("import after ", firstDefinition_));
  }
  void noteDefinition(const char* kind) {
    if (!firstDefinition_) firstDefinition_ = kind;
  }

  void scanFields() {
    while (tok().kind == TokenKind::LParen) {
      size_t begin = pos_;
      size_t after = skipSexpr(toks_, begin);
      const Token& kw = tok(1);
      if (kw.kind != TokenKind::Keyword) unexpected(kw, "a module field");
      Field f{FieldKind::Type, begin, 0};
      size_t q = begin + 2;
      std::string_view k = kw.text;
      if (k == "type") {
        f.kind = FieldKind::Type;
        f.index = spaces_[kTypes].count;
        define(kTypes, idAt(q));
      } else if (k == "rec") {
        f.kind = FieldKind::Rec;
        f.index = spaces_[kTypes].count;
        for (size_t i = q; sexprAt(i, "type"); i = skipSexpr(toks_, i)) define(kTypes, idAt(i + 2));
      } else if (k == "import") {
        f.kind = FieldKind::Import;
        noteImport(kw);
        size_t d = q + 2;  // the descriptor, after the two names
        // A field cut short (`(import)`) ends at the end-of-input token, the last one.
        auto at = [&](size_t i) -> const Token& { return i < toks_.size() ? toks_[i] : toks_.back(); };
        if (at(q).kind != TokenKind::String) unexpected(at(q), "the import's module name");
        if (at(q + 1).kind != TokenKind::String) unexpected(at(q + 1), "the import's name");
        Space s = kSpaceCount;
        if (d + 1 < toks_.size() && toks_[d].kind == TokenKind::LParen) {
          for (int i = 0; i <= kTags; ++i)
            if (kwAt(d + 1, kSpaceKeyword[i])) s = static_cast<Space>(i);
        }
        if (s == kSpaceCount)
          unexpected(at(d).kind == TokenKind::LParen ? at(d + 1) : at(d), "an import descriptor");
        f.index = spaces_[s].count;
        size_t a = d + 2 + (idAt(d + 2) ? 1 : 0);
        if (s == kMemories) memory64_.push_back(kwAt(a, "i64"));
        if (s == kTables) table64_.push_back(kwAt(a, "i64"));
        define(s, idAt(d + 2));
      } else if (k == "func" || k == "table" || k == "memory" || k == "global" || k == "tag") {
        Space s = k == "func" ? kFuncs : k == "table" ? kTables : k == "memory" ? kMemories
                : k == "global" ? kGlobals : kTags;
        f.kind = s == kFuncs ? FieldKind::Func : s == kTables ? FieldKind::Table
               : s == kMemories ? FieldKind::Memory : s == kGlobals ? FieldKind::Global
               : FieldKind::Tag;
        f.index = spaces_[s].count;
        const Token* id = idAt(q);
        if (id) ++q;
        while (sexprAt(q, "export")) q = skipSexpr(toks_, q);
        bool isImport = sexprAt(q, "import");
        if (isImport) {
          noteImport(toks_[q + 1]);
          q = skipSexpr(toks_, q);
        } else {
          noteDefinition(s == kFuncs ? "function" : kSpaceKeyword[s]);
        }
        bool is64 = kwAt(q, "i64");
        if (kwAt(q, "i64") || kwAt(q, "i32")) ++q;
        if (s == kMemories) {
          memory64_.push_back(is64);
          if (!isImport && sexprAt(q, "data")) {
            define(kDatas, nullptr);
          }
        }
        if (s == kTables) {
          table64_.push_back(is64);
          if (!isImport && refTypeAt(q)) {
            size_t r = toks_[q].kind == TokenKind::LParen ? skipSexpr(toks_, q) : q + 1;
            if (sexprAt(r, "elem")) {
              define(kElems, nullptr);
            }
          }
        }
        define(s, id);
      } else if (k == "export") {
        f.kind = FieldKind::Export;
      } else if (k == "start") {
        f.kind = FieldKind::Start;
        if (hasStart_) failAt(kw, "multiple start sections");
        hasStart_ = true;
      } else if (k == "elem") {
        f.kind = FieldKind::Elem;
        f.index = spaces_[kElems].count;
        define(kElems, idAt(q));
      } else if (k == "data") {
        f.kind = FieldKind::Data;
        f.index = spaces_[kDatas].count;
        define(kDatas, idAt(q));
      } else {
        unexpected(kw, "a module field");
      }
      fields_.push_back(f);
      pos_ = after;
    }
  }

  // ---- Types ----
  ValType parseValType() {
    const Token& t = tok();
    if (t.kind == TokenKind::Keyword) {
      auto it = valTypeKeywords().find(t.text);
      if (it != valTypeKeywords().end()) {
        ++pos_;
        return ValType(1, static_cast<char>(it->second));
      }
    } else if (t.kind == TokenKind::LParen && isKw(1, "ref")) {
      pos_ += 2;
      bool nullable = false;
      if (isKw(0, "null")) {
        nullable = true;
        ++pos_;
      }
      std::string ht = parseHeapType();
      expectRParen();
      if (nullable && ht.size() == 1 && static_cast<uint8_t>(ht[0]) >= 0x69)
        return ht;  // (ref null func) is funcref, ...
      return std::string(1, static_cast<char>(nullable ? 0x63 : 0x64)) + ht;
    }
    unexpected(t, "a value type");
  }
  // A reference type's nullability and heap type (the short forms are nullable).
  static std::string splitRefType(const ValType& rt, bool* nullable) {
    uint8_t b = static_cast<uint8_t>(rt[0]);
    if (b == 0x63 || b == 0x64) {
      *nullable = b == 0x63;
      return rt.substr(1);
    }
    *nullable = true;
    return rt;
  }
  ValType parseRefType() {
    if (!refTypeAt(pos_)) unexpected(tok(), "a reference type");
    return parseValType();
  }
  std::string parseHeapType() {
    const Token& t = tok();
    if (t.kind == TokenKind::Keyword) {
      auto it = heapTypeKeywords().find(t.text);
      if (it == heapTypeKeywords().end()) unexpected(t, "a heap type");
      ++pos_;
      return std::string(1, static_cast<char>(it->second));
    }
    Bytes b;
    b.sleb(parseIndex(kTypes));
    return std::string(b.data.begin(), b.data.end());
  }
  // storagetype: valtype | i8 | i16
  ValType parseStorageType() {
    if (isKw(0, "i8")) { ++pos_; return ValType(1, '\x78'); }
    if (isKw(0, "i16")) { ++pos_; return ValType(1, '\x77'); }
    return parseValType();
  }
  void parseFieldType(Bytes& out) {
    if (peekSexpr("mut")) {
      pos_ += 2;
      out.raw(parseStorageType());
      out.u8(1);
      expectRParen();
    } else {
      out.raw(parseStorageType());
      out.u8(0);
    }
  }

  // comptype: (func ...) | (struct ...) | (array ...)
  void parseCompType(Bytes& out, TypeDef& def) {
    expect(TokenKind::LParen);
    const Token& kw = tok();
    if (isKw(0, "func")) {
      ++pos_;
      def.isFunc = true;
      while (peekSexpr("param")) {
        pos_ += 2;
        if (tok().kind == TokenKind::Id) {
          ++pos_;
          def.sig.params.push_back(parseValType());
        } else {
          while (tok().kind != TokenKind::RParen) def.sig.params.push_back(parseValType());
        }
        expectRParen();
      }
      while (peekSexpr("result")) {
        pos_ += 2;
        while (tok().kind != TokenKind::RParen) def.sig.results.push_back(parseValType());
        expectRParen();
      }
      out.u8(0x60);
      out.u32(def.sig.params.size());
      for (const ValType& v : def.sig.params) out.raw(v);
      out.u32(def.sig.results.size());
      for (const ValType& v : def.sig.results) out.raw(v);
    } else if (isKw(0, "struct")) {
      ++pos_;
      Bytes fields;
      uint32_t n = 0;
      while (peekSexpr("field")) {
        pos_ += 2;
        if (tok().kind == TokenKind::Id) {
          if (!def.fieldNames.emplace(tok().str, n).second)
            failAt(tok(), "duplicate field $" + tok().str);
          ++pos_;
          parseFieldType(fields);
          ++n;
        } else {
          while (tok().kind != TokenKind::RParen) {
            parseFieldType(fields);
            ++n;
          }
        }
        expectRParen();
      }
      out.u8(0x5F);
      out.u32(n);
      out.append(fields);
    } else if (isKw(0, "array")) {
      ++pos_;
      out.u8(0x5E);
      parseFieldType(out);
    } else {
      unexpected(kw, "func, struct or array");
    }
    expectRParen();
  }

  // subtype: (sub final? typeidx* comptype) | comptype
  void parseSubType(Bytes& out, TypeDef& def) {
    if (peekSexpr("sub")) {
      pos_ += 2;
      bool final = false;
      if (isKw(0, "final")) {
        final = true;
        ++pos_;
      }
      std::vector<uint32_t> supers;
      while (isIndexToken()) supers.push_back(parseIndex(kTypes));
      Bytes comp;
      parseCompType(comp, def);
      expectRParen();
      out.u8(final ? 0x4F : 0x50);
      out.u32(supers.size());
      for (uint32_t s : supers) out.u32(s);
      out.append(comp);
      def.matchable = final && supers.empty();
    } else {
      parseCompType(out, def);
      def.matchable = true;
    }
  }

  // (type $id? subtype)
  void parseTypeDef(Bytes& out) {
    expect(TokenKind::LParen);
    expectKeyword("type");
    optId();
    TypeDef def;
    parseSubType(out, def);
    expectRParen();
    types_.push_back(def);
  }

  void parseTypes() {
    for (const Field& f : fields_) {
      if (f.kind == FieldKind::Type) {
        pos_ = f.begin;
        parseTypeDef(typeSection_);
        ++typeEntries_;
      } else if (f.kind == FieldKind::Rec) {
        pos_ = f.begin + 2;
        Bytes group;
        size_t first = types_.size();
        uint32_t n = 0;
        while (tok().kind == TokenKind::LParen) {
          parseTypeDef(group);
          ++n;
        }
        expectRParen();
        if (n != 1)
          for (size_t i = first; i < types_.size(); ++i) types_[i].matchable = false;
        typeSection_.u8(0x4E);
        typeSection_.u32(n);
        typeSection_.append(group);
        ++typeEntries_;
      }
    }
  }

  // A type use: (type x)? (param ...)* (result ...)*.
  TypeUse parseTypeUse(bool allowNames) {
    TypeUse u;
    if (peekSexpr("type")) {
      pos_ += 2;
      u.index = parseIndex(kTypes);
      expectRParen();
    }
    while (peekSexpr("param")) {
      u.hasInline = true;
      pos_ += 2;
      if (tok().kind == TokenKind::Id) {
        if (!allowNames) unexpected(tok());
        size_t at = pos_++;
        u.sig.params.push_back(parseValType());
        u.paramNames.push_back(toks_[at].str);
        u.paramNameTokens.push_back(at);
      } else {
        while (tok().kind != TokenKind::RParen) {
          u.sig.params.push_back(parseValType());
          u.paramNames.push_back(std::nullopt);
          u.paramNameTokens.push_back(0);
        }
      }
      expectRParen();
    }
    while (peekSexpr("result")) {
      u.hasInline = true;
      pos_ += 2;
      while (tok().kind != TokenKind::RParen) u.sig.results.push_back(parseValType());
      expectRParen();
    }
    return u;
  }

  uint32_t findOrAddType(const FuncSig& sig) {
    for (size_t i = 0; i < types_.size(); ++i)
      if (types_[i].matchable && types_[i].isFunc && types_[i].sig == sig) return i;
    TypeDef def;
    def.isFunc = true;
    def.matchable = true;
    def.sig = sig;
    types_.push_back(def);
    typeSection_.u8(0x60);
    typeSection_.u32(sig.params.size());
    for (const ValType& v : sig.params) typeSection_.raw(v);
    typeSection_.u32(sig.results.size());
    for (const ValType& v : sig.results) typeSection_.raw(v);
    ++typeEntries_;
    return static_cast<uint32_t>(types_.size() - 1);
  }

  // Resolves a type use to a type index; fills in the signature of `(type x)` uses.
  uint32_t resolveTypeUse(TypeUse& u, const Token& at) {
    if (!u.index) return findOrAddType(u.sig);
    uint32_t x = *u.index;
    bool known = x < types_.size() && types_[x].isFunc;
    if (u.hasInline) {
      if (!known) failAt(at, x < types_.size() ? "inline function type" : "unknown type");
      if (!(types_[x].sig == u.sig)) failAt(at, "inline function type does not match its type use");
    } else if (known) {
      u.sig = types_[x].sig;
      u.paramNames.assign(u.sig.params.size(), std::nullopt);
    }
    return x;
  }

  // ---- Indices ----
  // table.init / memory.init: `target? segment`, encoded as segment, target (default 0).
  void segmentInto(Bytes& out, Space segments, Space targets) {
    uint32_t target = 0;
    if (isIndexToken(0) && isIndexToken(1)) target = parseIndex(targets);
    out.u32(parseIndex(segments));
    out.u32(target);
  }

  // table.copy / memory.copy: `(dst src)?`, both defaulting to 0.
  void copyPair(Bytes& out, Space s) {
    uint32_t dst = 0, src = 0;
    if (isIndexToken()) {
      dst = parseIndex(s);
      src = parseIndex(s);
    }
    out.u32(dst);
    out.u32(src);
  }

  uint32_t parseIndex(Space s) {
    const Token& t = tok();
    if (t.kind == TokenKind::Id) {
      auto it = spaces_[s].names.find(t.str);
      if (it == spaces_[s].names.end()) failAt(t, absl::StrCat("unknown ", kSpaceName[s], " $", t.str));
      ++pos_;
      return it->second;
    }
    if (!isIndexToken()) unexpected(t, absl::StrCat("a ", kSpaceName[s], " index"));
    return parseU32();
  }
  uint32_t parseLocal(FuncCtx& f) {
    const Token& t = tok();
    if (t.kind == TokenKind::Id) {
      auto it = f.locals.find(t.str);
      if (it == f.locals.end()) failAt(t, "unknown local $" + t.str);
      ++pos_;
      return it->second;
    }
    if (!isIndexToken()) unexpected(t, "a local index");
    return parseU32();
  }
  uint32_t parseLabel(FuncCtx& f) {
    const Token& t = tok();
    if (t.kind == TokenKind::Id) {
      for (size_t i = f.labels.size(); i-- > 0;) {
        if (f.labels[i] && *f.labels[i] == t.str) {
          ++pos_;
          return static_cast<uint32_t>(f.labels.size() - 1 - i);
        }
      }
      failAt(t, "unknown label $" + t.str);
    }
    if (!isIndexToken()) unexpected(t, "a label");
    return parseU32();
  }

  // ---- Instructions ----
  static void emitOp(Bytes& out, const InstrInfo& info) {
    if (info.prefix) {
      out.u8(info.prefix);
      out.u32(info.code);
    } else {
      out.u8(static_cast<uint8_t>(info.code));
    }
  }

  void parseBlockType(Bytes& out) {
    const Token& at = tok();
    TypeUse u = parseTypeUse(/*allowNames=*/false);
    if (!u.index && u.sig.params.empty() && u.sig.results.size() <= 1) {
      if (u.sig.results.empty())
        out.u8(0x40);
      else
        out.raw(u.sig.results[0]);
      return;
    }
    out.sleb(resolveTypeUse(u, at));
  }

  std::optional<std::string> optLabel() { return optId(); }

  // `end $l?` closing a block labelled `label`.
  void expectEnd(const std::optional<std::string>& label) {
    expectKeyword("end");
    checkLabelRepeat(label);
  }
  void checkLabelRepeat(const std::optional<std::string>& label) {
    if (tok().kind == TokenKind::Id) {
      if (!label || *label != tok().str) failAt(tok(), "mismatching label");
      ++pos_;
    }
  }

  // Instructions up to `)`, `end` or `else`.
  void parseInstrs(Bytes& out, FuncCtx& f) {
    while (true) {
      const Token& t = tok();
      if (t.kind == TokenKind::RParen || t.kind == TokenKind::Eof) return;
      if (t.kind == TokenKind::Keyword && (t.text == "end" || t.text == "else")) return;
      parseInstr(out, f);
    }
  }

  const InstrInfo& lookupOp(const Token& t) {
    if (t.kind != TokenKind::Keyword) unexpected(t, "an instruction");
    const InstrInfo* info = findInstruction(t.text);
    if (!info) failAt(t, "unknown operator " + std::string(t.text));
    return *info;
  }

  void parseCatches(Bytes& out, FuncCtx& f) {
    Bytes catches;
    uint32_t n = 0;
    while (tok().kind == TokenKind::LParen) {
      uint8_t kind;
      if (isKw(1, "catch")) kind = 0;
      else if (isKw(1, "catch_ref")) kind = 1;
      else if (isKw(1, "catch_all")) kind = 2;
      else if (isKw(1, "catch_all_ref")) kind = 3;
      else break;
      pos_ += 2;
      catches.u8(kind);
      if (kind < 2) catches.u32(parseIndex(kTags));
      catches.u32(parseLabel(f));
      expectRParen();
      ++n;
    }
    out.u32(n);
    out.append(catches);
  }

  // Nesting of blocks and folded instructions is bounded, so that hostile input cannot
  // exhaust the native stack of this recursive parser.
  static constexpr int kMaxNesting = 10000;
  struct NestingGuard {
    ModuleParser& p;
    NestingGuard(ModuleParser& parser, const Token& at) : p(parser) {
      if (++p.nesting_ > kMaxNesting)
        failAt(at, "instructions nested too deeply (more than 10000 levels)");
    }
    ~NestingGuard() { --p.nesting_; }
  };

  void parseInstr(Bytes& out, FuncCtx& f) {
    if (tok().kind == TokenKind::LParen) return parseFolded(out, f);
    NestingGuard guard(*this, tok());
    const Token& t = tok();
    const InstrInfo& info = lookupOp(t);
    ++pos_;
    switch (info.imm) {
      case Imm::Block:
      case Imm::If:
      case Imm::TryTable: {
        std::optional<std::string> label = optLabel();
        emitOp(out, info);
        parseBlockType(out);
        if (info.imm == Imm::TryTable) parseCatches(out, f);
        f.labels.push_back(label);
        parseInstrs(out, f);
        if (info.imm == Imm::If && isKw(0, "else")) {
          ++pos_;
          checkLabelRepeat(label);
          out.u8(0x05);
          parseInstrs(out, f);
        }
        expectEnd(label);
        f.labels.pop_back();
        out.u8(0x0B);
        return;
      }
      case Imm::Else:
      case Imm::End:
        unexpected(t);
      default:
        parseImmediates(out, info, f, t);
    }
  }

  void parseFolded(Bytes& out, FuncCtx& f) {
    NestingGuard guard(*this, tok());
    expect(TokenKind::LParen);
    const Token& t = tok();
    const InstrInfo& info = lookupOp(t);
    ++pos_;
    switch (info.imm) {
      case Imm::Block:
      case Imm::TryTable: {
        std::optional<std::string> label = optLabel();
        emitOp(out, info);
        parseBlockType(out);
        if (info.imm == Imm::TryTable) parseCatches(out, f);
        f.labels.push_back(label);
        parseInstrs(out, f);
        expectRParen();
        f.labels.pop_back();
        out.u8(0x0B);
        return;
      }
      case Imm::If: {
        std::optional<std::string> label = optLabel();
        Bytes bt;
        parseBlockType(bt);
        while (tok().kind == TokenKind::LParen && !isKw(1, "then")) parseFolded(out, f);
        emitOp(out, info);
        out.append(bt);
        f.labels.push_back(label);
        expect(TokenKind::LParen);
        expectKeyword("then");
        parseInstrs(out, f);
        expectRParen();
        if (peekSexpr("else")) {
          pos_ += 2;
          out.u8(0x05);
          parseInstrs(out, f);
          expectRParen();
        }
        expectRParen();
        f.labels.pop_back();
        out.u8(0x0B);
        return;
      }
      case Imm::Else:
      case Imm::End:
        unexpected(t);
      default: {
        Bytes self;
        parseImmediates(self, info, f, t);
        while (tok().kind == TokenKind::LParen) parseFolded(out, f);
        expectRParen();
        out.append(self);
        return;
      }
    }
  }

  bool isMemArgKeyword(const Token& t) const {
    return t.kind == TokenKind::Keyword &&
           (t.text.substr(0, 7) == "offset=" || t.text.substr(0, 6) == "align=");
  }

  void parseMemArg(Bytes& out, uint32_t mem, uint8_t naturalAlign) {
    uint64_t offset = 0;
    uint32_t alignLog2 = naturalAlign;
    if (tok().kind == TokenKind::Keyword && tok().text.substr(0, 7) == "offset=") {
      const Token& t = tok();
      bool is64 = wide_ || mem >= memory64_.size() || memory64_[mem];
      NumberResult r = parseUnsigned(t.text.substr(7), is64 ? UINT64_MAX : UINT32_MAX, &offset);
      if (r == NumberResult::Syntax) unexpected(t);
      if (r == NumberResult::OutOfRange) failAt(t, "offset out of range (i32 constant)");
      ++pos_;
    }
    if (tok().kind == TokenKind::Keyword && tok().text.substr(0, 6) == "align=") {
      const Token& t = tok();
      uint64_t a = 0;
      NumberResult r = parseUnsigned(t.text.substr(6), wide_ ? UINT64_MAX : UINT32_MAX, &a);
      if (r == NumberResult::Syntax) unexpected(t);
      if (r == NumberResult::OutOfRange || a == 0 || (a & (a - 1)) != 0)
        failAt(t, "alignment must be a power of two");
      alignLog2 = 0;
      while ((uint64_t{1} << alignLog2) < a) ++alignLog2;
      ++pos_;
    }
    out.u32(alignLog2 | (mem != 0 ? 0x40 : 0));
    if (mem != 0) out.u32(mem);
    out.u64(offset);
  }

  uint8_t parseLaneIndex() {
    const Token& t = tok();
    uint64_t v = 0;
    if (t.kind != TokenKind::Number || parseUnsigned(t.text, 255, &v) != NumberResult::Ok)
      failAt(t, "malformed lane index");
    ++pos_;
    return static_cast<uint8_t>(v);
  }

  void parseV128Const(Bytes& out) {
    const Token& shape = tok();
    int lanes = 0, bits = 0;
    bool isFloat = false;
    if (isKw(0, "i8x16")) lanes = 16, bits = 8;
    else if (isKw(0, "i16x8")) lanes = 8, bits = 16;
    else if (isKw(0, "i32x4")) lanes = 4, bits = 32;
    else if (isKw(0, "i64x2")) lanes = 2, bits = 64;
    else if (isKw(0, "f32x4")) lanes = 4, bits = 32, isFloat = true;
    else if (isKw(0, "f64x2")) lanes = 2, bits = 64, isFloat = true;
    else unexpected(shape, "a vector shape");
    ++pos_;
    for (int i = 0; i < lanes; ++i) {
      const Token& t = tok();
      if (t.kind != TokenKind::Number && !(isFloat && isFloatToken(t)))
        failAt(t, "wrong number of lane literals");
      uint64_t v = isFloat ? parseFloatToken(t, bits) : parseIntToken(t, bits);
      ++pos_;
      for (int b = 0; b < bits / 8; ++b) out.u8(static_cast<uint8_t>(v >> (8 * b)));
    }
    if (tok().kind == TokenKind::Number || isFloatToken(tok()))
      failAt(tok(), "wrong number of lane literals");
  }

  void parseImmediates(Bytes& out, const InstrInfo& info, FuncCtx& f, const Token& op) {
    if (info.imm == Imm::SelectT) {
      std::vector<ValType> types;
      bool any = false;
      while (peekSexpr("result")) {
        any = true;
        pos_ += 2;
        while (tok().kind != TokenKind::RParen) types.push_back(parseValType());
        expectRParen();
      }
      if (!any) {
        out.u8(0x1B);
      } else {
        out.u8(0x1C);
        out.u32(types.size());
        for (const ValType& v : types) out.raw(v);
      }
      return;
    }
    emitOp(out, info);
    switch (info.imm) {
      case Imm::None:
        return;
      case Imm::Label:
        out.u32(parseLabel(f));
        return;
      case Imm::BrTable: {
        std::vector<uint32_t> labels;
        while (isIndexToken()) labels.push_back(parseLabel(f));
        if (labels.empty()) unexpected(tok(), "a label");
        out.u32(labels.size() - 1);
        for (uint32_t l : labels) out.u32(l);
        return;
      }
      case Imm::Func:
        out.u32(parseIndex(kFuncs));
        return;
      case Imm::CallIndirect: {
        uint32_t table = isIndexToken() ? parseIndex(kTables) : 0;
        TypeUse u = parseTypeUse(/*allowNames=*/false);
        out.u32(resolveTypeUse(u, op));
        out.u32(table);
        return;
      }
      case Imm::Type:
        out.u32(parseIndex(kTypes));
        return;
      case Imm::Local:
        out.u32(parseLocal(f));
        return;
      case Imm::Global:
        out.u32(parseIndex(kGlobals));
        return;
      case Imm::Table:
        out.u32(isIndexToken() ? parseIndex(kTables) : 0);
        return;
      case Imm::TableInit:
        segmentInto(out, kElems, kTables);
        return;
      case Imm::TableCopy:
        copyPair(out, kTables);
        return;
      case Imm::Elem:
        out.u32(parseIndex(kElems));
        return;
      case Imm::Data:
        usesDataCount_ = true;
        out.u32(parseIndex(kDatas));
        return;
      case Imm::Memory:
        out.u32(isIndexToken() ? parseIndex(kMemories) : 0);
        return;
      case Imm::MemoryInit:
        usesDataCount_ = true;
        segmentInto(out, kDatas, kMemories);
        return;
      case Imm::MemoryCopy:
        copyPair(out, kMemories);
        return;
      case Imm::MemArg: {
        uint32_t mem = isIndexToken() ? parseIndex(kMemories) : 0;
        parseMemArg(out, mem, info.alignLog2);
        return;
      }
      case Imm::MemArgLane: {
        uint32_t mem = 0;
        if (tok().kind == TokenKind::Id ||
            (isIndexToken() && (tok(1).kind == TokenKind::Number || isMemArgKeyword(tok(1)))))
          mem = parseIndex(kMemories);
        parseMemArg(out, mem, info.alignLog2);
        out.u8(parseLaneIndex());
        return;
      }
      case Imm::I32:
        out.sleb(static_cast<int32_t>(static_cast<uint32_t>(parseIntToken(tok(), 32))));
        ++pos_;
        return;
      case Imm::I64:
        out.sleb(static_cast<int64_t>(parseIntToken(tok(), 64)));
        ++pos_;
        return;
      case Imm::F32:
        out.fixed32(static_cast<uint32_t>(parseFloatToken(tok(), 32)));
        ++pos_;
        return;
      case Imm::F64:
        out.fixed64(parseFloatToken(tok(), 64));
        ++pos_;
        return;
      case Imm::V128:
        parseV128Const(out);
        return;
      case Imm::HeapType:
        out.raw(parseHeapType());
        return;
      case Imm::Lane:
        out.u8(parseLaneIndex());
        return;
      case Imm::Shuffle:
        for (int i = 0; i < 16; ++i) {
          if (tok().kind != TokenKind::Number) failAt(tok(), "invalid lane length");
          out.u8(parseLaneIndex());
        }
        if (tok().kind == TokenKind::Number) failAt(tok(), "invalid lane length");
        return;
      case Imm::Tag:
        out.u32(parseIndex(kTags));
        return;
      case Imm::GcType:
        out.u32(parseIndex(kTypes));
        return;
      case Imm::GcField: {
        uint32_t type = parseIndex(kTypes);
        out.u32(type);
        const Token& t = tok();
        if (t.kind == TokenKind::Id) {
          if (type >= types_.size()) failAt(t, "unknown field $" + t.str);
          const auto& names = types_[type].fieldNames;
          auto it = names.find(t.str);
          if (it == names.end()) failAt(t, "unknown field $" + t.str);
          ++pos_;
          out.u32(it->second);
        } else {
          out.u32(parseU32());
        }
        return;
      }
      case Imm::GcTypeU32:
        out.u32(parseIndex(kTypes));
        out.u32(parseU32());
        return;
      case Imm::GcTypeData:
        usesDataCount_ = true;
        out.u32(parseIndex(kTypes));
        out.u32(parseIndex(kDatas));
        return;
      case Imm::GcTypeElem:
        out.u32(parseIndex(kTypes));
        out.u32(parseIndex(kElems));
        return;
      case Imm::GcTypeType:
        out.u32(parseIndex(kTypes));
        out.u32(parseIndex(kTypes));
        return;
      case Imm::RefCast: {
        // Re-encode: the nullability goes into the opcode, the heap type follows.
        bool nullable;
        std::string ht = splitRefType(parseRefType(), &nullable);
        out.data.back() += nullable ? 1 : 0;
        out.raw(ht);
        return;
      }
      case Imm::BrOnCast: {
        uint32_t label = parseLabel(f);
        bool null1, null2;
        std::string ht1 = splitRefType(parseRefType(), &null1);
        std::string ht2 = splitRefType(parseRefType(), &null2);
        out.u8((null1 ? 1 : 0) | (null2 ? 2 : 0));
        out.u32(label);
        out.raw(ht1);
        out.raw(ht2);
        return;
      }
      default:
        unexpected(op);
    }
  }

  // A constant expression: instructions up to `)`, then `end`.
  void parseConstExpr(Bytes& out) {
    FuncCtx none;
    parseInstrs(out, none);
    if (tok().kind != TokenKind::RParen) unexpected(tok());
    out.u8(0x0B);
  }
  // An offset: (offset instr*) or one folded instruction.
  void parseOffset(Bytes& out) {
    if (peekSexpr("offset")) {
      pos_ += 2;
      parseConstExpr(out);
      expectRParen();
    } else {
      FuncCtx none;
      parseFolded(out, none);
      out.u8(0x0B);
    }
  }
  // An element expression: (item instr*) or one folded instruction.
  Bytes parseElemExpr() {
    Bytes e;
    if (peekSexpr("item")) {
      pos_ += 2;
      parseConstExpr(e);
      expectRParen();
    } else {
      FuncCtx none;
      parseFolded(e, none);
      e.u8(0x0B);
    }
    return e;
  }

  // ---- Limits and memories/tables ----
  void parseLimits(Bytes& out, bool is64, bool allowShared, uint64_t* minOut = nullptr) {
    uint64_t max = is64 || wide_ ? UINT64_MAX : UINT32_MAX;
    uint64_t lo = parseU(max, "a limit");
    std::optional<uint64_t> hi;
    if (tok().kind == TokenKind::Number) hi = parseU(max, "a limit");
    bool shared = false;
    if (allowShared && isKw(0, "shared")) {
      shared = true;
      ++pos_;
    }
    out.u8((hi ? 1 : 0) | (shared ? 2 : 0) | (is64 ? 4 : 0));
    out.u64(lo);
    if (hi) out.u64(*hi);
    if (minOut) *minOut = lo;
  }
  bool parseAddrType() {
    if (isKw(0, "i64")) {
      ++pos_;
      return true;
    }
    if (isKw(0, "i32")) ++pos_;
    return false;
  }
  void parseTableType(Bytes& out) {
    bool is64 = parseAddrType();
    Bytes limits;
    parseLimits(limits, is64, false);
    out.raw(parseRefType());
    out.append(limits);
  }
  void parseMemoryType(Bytes& out) {
    bool is64 = parseAddrType();
    parseLimits(out, is64, true);
  }
  void parseGlobalType(Bytes& out) {
    if (peekSexpr("mut")) {
      pos_ += 2;
      out.raw(parseValType());
      out.u8(1);
      expectRParen();
    } else {
      out.raw(parseValType());
      out.u8(0);
    }
  }

  // ---- Pass 2: fields ----
  void inlineExports(uint8_t kind, uint32_t index) {
    while (peekSexpr("export")) {
      pos_ += 2;
      exports_.name(expectName());
      exports_.u8(kind);
      exports_.u32(index);
      ++exportCount_;
      expectRParen();
    }
  }
  // `(import "m" "n")` inside a definition: writes the two names, true if present.
  bool inlineImport() {
    if (!peekSexpr("import")) return false;
    pos_ += 2;
    imports_.name(expectName());
    imports_.name(expectName());
    expectRParen();
    ++importCount_;
    return true;
  }

  void encodeField(const Field& fd) {
    pos_ = fd.begin + 2;
    switch (fd.kind) {
      case FieldKind::Type:
      case FieldKind::Rec:
        return;
      case FieldKind::Import: return encodeImport();
      case FieldKind::Func: return encodeFunc(fd);
      case FieldKind::Table: return encodeTable(fd);
      case FieldKind::Memory: return encodeMemory(fd);
      case FieldKind::Global: return encodeGlobal(fd);
      case FieldKind::Tag: return encodeTag(fd);
      case FieldKind::Export: return encodeExport();
      case FieldKind::Start: {
        start_ = parseIndex(kFuncs);
        expectRParen();
        return;
      }
      case FieldKind::Elem: return encodeElem();
      case FieldKind::Data: return encodeData();
    }
  }

  void encodeImport() {
    imports_.name(expectName());
    imports_.name(expectName());
    ++importCount_;
    expect(TokenKind::LParen);
    const Token& kw = tok();
    ++pos_;
    std::optional<std::string> id = optId();
    if (kw.text == "func") {
      TypeUse u = parseTypeUse(true);
      imports_.u8(0x00);
      imports_.u32(resolveTypeUse(u, kw));
      noteFuncName(id);
    } else if (kw.text == "table") {
      imports_.u8(0x01);
      parseTableType(imports_);
    } else if (kw.text == "memory") {
      imports_.u8(0x02);
      parseMemoryType(imports_);
    } else if (kw.text == "global") {
      imports_.u8(0x03);
      parseGlobalType(imports_);
    } else if (kw.text == "tag") {
      TypeUse u = parseTypeUse(true);
      imports_.u8(0x04);
      imports_.u8(0x00);
      imports_.u32(resolveTypeUse(u, kw));
    } else {
      unexpected(kw, "an import descriptor");
    }
    expectRParen();
    expectRParen();
  }

  // Functions are numbered in text order (imports first is guaranteed by the import
  // ordering rule); named ones go into the `name` section.
  void noteFuncName(const std::optional<std::string>& id) {
    if (id) funcNames_.emplace_back(funcNameIndex_, *id);
    ++funcNameIndex_;
  }

  void encodeFunc(const Field& fd) {
    const Token& kw = tok(-1);
    std::optional<std::string> id = optId();
    noteFuncName(id);
    inlineExports(0x00, fd.index);
    if (inlineImport()) {
      TypeUse u = parseTypeUse(true);
      imports_.u8(0x00);
      imports_.u32(resolveTypeUse(u, kw));
      expectRParen();
      return;
    }
    TypeUse u = parseTypeUse(true);
    uint32_t typeIndex = resolveTypeUse(u, kw);
    functions_.u32(typeIndex);
    ++functionCount_;
    FuncCtx f;
    for (size_t i = 0; i < u.sig.params.size(); ++i) {
      if (i < u.paramNames.size() && u.paramNames[i]) {
        if (!f.locals.emplace(*u.paramNames[i], static_cast<uint32_t>(i)).second)
          failAt(toks_[u.paramNameTokens[i]], "duplicate local $" + *u.paramNames[i]);
      }
    }
    f.numLocals = static_cast<uint32_t>(u.sig.params.size());
    std::vector<std::pair<uint32_t, ValType>> runs;
    while (peekSexpr("local")) {
      pos_ += 2;
      auto add = [&](ValType t) {
        if (!runs.empty() && runs.back().second == t)
          ++runs.back().first;
        else
          runs.emplace_back(1, std::move(t));
        ++f.numLocals;
      };
      if (tok().kind == TokenKind::Id) {
        const Token& name = tok();
        ++pos_;
        if (!f.locals.emplace(name.str, f.numLocals).second)
          failAt(name, "duplicate local $" + name.str);
        add(parseValType());
      } else {
        while (tok().kind != TokenKind::RParen) add(parseValType());
      }
      expectRParen();
    }
    Bytes body;
    body.u32(runs.size());
    for (auto& [n, t] : runs) {
      body.u32(n);
      body.raw(t);
    }
    parseInstrs(body, f);
    expectRParen();
    body.u8(0x0B);
    code_.u32(body.size());
    code_.append(body);
  }

  void encodeTable(const Field& fd) {
    optId();
    inlineExports(0x01, fd.index);
    if (inlineImport()) {
      imports_.u8(0x01);
      parseTableType(imports_);
      expectRParen();
      return;
    }
    bool is64 = parseAddrType();
    ++tableCount_;
    if (refTypeAt(pos_)) {
      // (table reftype (elem ...)): limits from the number of elements.
      ValType type = parseValType();
      expect(TokenKind::LParen);
      expectKeyword("elem");
      ElemList list;
      if (tok().kind == TokenKind::LParen) {
        list.exprs = true;
        list.type = type;
        while (tok().kind == TokenKind::LParen) list.items.push_back(parseElemExpr());
      } else {
        while (isIndexToken()) list.funcs.push_back(parseIndex(kFuncs));
        if (type != ValType(1, '\x70')) {
          // A typed table: the function indices abbreviate (ref.func x) expressions of the
          // table's type (a plain index vector would have type (ref func)).
          list.exprs = true;
          list.type = type;
          for (uint32_t f : list.funcs) {
            Bytes e;
            e.u8(0xD2);
            e.u32(f);
            e.u8(0x0B);
            list.items.push_back(std::move(e));
          }
          list.funcs.clear();
        }
      }
      expectRParen();
      expectRParen();
      tables_.raw(type);
      tables_.u8(is64 ? 0x05 : 0x01);
      tables_.u64(list.size());
      tables_.u64(list.size());
      Bytes offset;
      offset.u8(is64 ? 0x42 : 0x41);
      offset.u8(0x00);
      offset.u8(0x0B);
      writeElem(0, fd.index, &offset, list);
      return;
    }
    Bytes limits;
    parseLimits(limits, is64, false);
    ValType type = parseRefType();
    if (tok().kind != TokenKind::RParen) {
      // A table with an initialiser expression.
      tables_.u8(0x40);
      tables_.u8(0x00);
      tables_.raw(type);
      tables_.append(limits);
      parseConstExpr(tables_);
    } else {
      tables_.raw(type);
      tables_.append(limits);
    }
    expectRParen();
  }

  void encodeMemory(const Field& fd) {
    optId();
    inlineExports(0x02, fd.index);
    if (inlineImport()) {
      imports_.u8(0x02);
      parseMemoryType(imports_);
      expectRParen();
      return;
    }
    ++memoryCount_;
    size_t save = pos_;
    bool is64 = parseAddrType();
    if (peekSexpr("data")) {
      pos_ += 2;
      std::string bytes;
      while (tok().kind == TokenKind::String) bytes += toks_[pos_++].str;
      expectRParen();
      expectRParen();
      uint64_t pages = (bytes.size() + 65535) / 65536;
      memories_.u8(is64 ? 0x05 : 0x01);
      memories_.u64(pages);
      memories_.u64(pages);
      if (fd.index == 0) {
        datas_.u8(0x00);
      } else {
        datas_.u8(0x02);
        datas_.u32(fd.index);
      }
      datas_.u8(is64 ? 0x42 : 0x41);
      datas_.u8(0x00);
      datas_.u8(0x0B);
      datas_.name(bytes);
      ++dataCount_;
      return;
    }
    pos_ = save;
    parseMemoryType(memories_);
    expectRParen();
  }

  void encodeGlobal(const Field& fd) {
    optId();
    inlineExports(0x03, fd.index);
    if (inlineImport()) {
      imports_.u8(0x03);
      parseGlobalType(imports_);
      expectRParen();
      return;
    }
    parseGlobalType(globals_);
    parseConstExpr(globals_);
    expectRParen();
    ++globalCount_;
  }

  void encodeTag(const Field& fd) {
    const Token& kw = tok(-1);
    optId();
    inlineExports(0x04, fd.index);
    if (inlineImport()) {
      TypeUse u = parseTypeUse(true);
      imports_.u8(0x04);
      imports_.u8(0x00);
      imports_.u32(resolveTypeUse(u, kw));
      expectRParen();
      return;
    }
    TypeUse u = parseTypeUse(true);
    tags_.u8(0x00);
    tags_.u32(resolveTypeUse(u, kw));
    expectRParen();
    ++tagCount_;
  }

  void encodeExport() {
    std::string name = expectName();
    expect(TokenKind::LParen);
    const Token& kw = tok();
    Space s = kSpaceCount;
    for (int i = 0; i <= kTags; ++i)
      if (isKw(0, kSpaceKeyword[i])) s = static_cast<Space>(i);
    if (s == kSpaceCount) unexpected(kw, "an export descriptor");
    ++pos_;
    uint32_t index = parseIndex(s);
    expectRParen();
    expectRParen();
    static const uint8_t kKind[] = {0x00, 0x01, 0x02, 0x03, 0x04};
    exports_.name(name);
    exports_.u8(kKind[s]);
    exports_.u32(index);
    ++exportCount_;
  }

  // elemlist: `func` funcidx* | reftype elemexpr* | funcidx* (legacy active form)
  ElemList parseElemList() {
    ElemList list;
    if (isKw(0, "func")) {
      ++pos_;
    } else if (refTypeAt(pos_)) {
      list.exprs = true;
      list.type = parseValType();
      while (tok().kind == TokenKind::LParen) list.items.push_back(parseElemExpr());
      return list;
    }
    while (isIndexToken()) list.funcs.push_back(parseIndex(kFuncs));
    return list;
  }

  // mode: 0 active, 1 passive, 2 declarative.
  void writeElem(int mode, uint32_t table, const Bytes* offset, const ElemList& list) {
    ++elemCount_;
    Bytes& o = elems_;
    if (!list.exprs) {
      if (mode == 0 && table == 0) {
        o.u8(0x00);
        o.append(*offset);
      } else if (mode == 0) {
        o.u8(0x02);
        o.u32(table);
        o.append(*offset);
        o.u8(0x00);
      } else {
        o.u8(mode == 1 ? 0x01 : 0x03);
        o.u8(0x00);
      }
      o.u32(list.funcs.size());
      for (uint32_t f : list.funcs) o.u32(f);
      return;
    }
    if (mode == 0 && table == 0 && list.type == ValType(1, '\x70')) {
      o.u8(0x04);
      o.append(*offset);
    } else if (mode == 0) {
      o.u8(0x06);
      o.u32(table);
      o.append(*offset);
      o.raw(list.type);
    } else {
      o.u8(mode == 1 ? 0x05 : 0x07);
      o.raw(list.type);
    }
    o.u32(list.items.size());
    for (const Bytes& e : list.items) o.append(e);
  }

  void encodeElem() {
    optId();
    if (isKw(0, "declare")) {
      ++pos_;
      ElemList list = parseElemList();
      expectRParen();
      writeElem(2, 0, nullptr, list);
      return;
    }
    std::optional<uint32_t> table;
    if (peekSexpr("table")) {
      pos_ += 2;
      table = parseIndex(kTables);
      expectRParen();
    } else if (tok().kind == TokenKind::Number) {
      table = parseIndex(kTables);  // legacy `(elem 0 (offset ...) ...)`
    }
    bool active = table.has_value() ||
                  (tok().kind == TokenKind::LParen && !peekSexpr("ref") && !peekSexpr("item"));
    if (!active) {
      ElemList list = parseElemList();
      expectRParen();
      writeElem(1, 0, nullptr, list);
      return;
    }
    Bytes offset;
    parseOffset(offset);
    ElemList list = parseElemList();
    expectRParen();
    writeElem(0, table.value_or(0), &offset, list);
  }

  void encodeData() {
    optId();
    std::optional<uint32_t> mem;
    if (peekSexpr("memory")) {
      pos_ += 2;
      mem = parseIndex(kMemories);
      expectRParen();
    } else if (isIndexToken()) {
      mem = parseIndex(kMemories);  // legacy `(data 0 (offset ...) ...)`
    }
    ++dataCount_;
    if (!mem && tok().kind != TokenKind::LParen) {
      std::string bytes;
      while (tok().kind == TokenKind::String) bytes += toks_[pos_++].str;
      expectRParen();
      datas_.u8(0x01);
      datas_.name(bytes);
      return;
    }
    Bytes offset;
    parseOffset(offset);
    std::string bytes;
    while (tok().kind == TokenKind::String) bytes += toks_[pos_++].str;
    expectRParen();
    if (mem.value_or(0) == 0) {
      datas_.u8(0x00);
    } else {
      datas_.u8(0x02);
      datas_.u32(*mem);
    }
    datas_.append(offset);
    datas_.name(bytes);
  }

  // ---- Assembly ----
  std::vector<uint8_t> assemble(const std::optional<std::string>& name) {
    Bytes out;
    out.raw(std::string_view("\0asm\1\0\0\0", 8));
    auto vecSection = [&](uint8_t id, uint32_t count, const Bytes& body) {
      if (count == 0) return;
      Bytes s;
      s.u32(count);
      s.append(body);
      out.section(id, s);
    };
    vecSection(1, typeEntries_, typeSection_);
    vecSection(2, importCount_, imports_);
    vecSection(3, functionCount_, functions_);
    vecSection(4, tableCount_, tables_);
    vecSection(5, memoryCount_, memories_);
    vecSection(13, tagCount_, tags_);
    vecSection(6, globalCount_, globals_);
    vecSection(7, exportCount_, exports_);
    if (start_) {
      Bytes s;
      s.u32(*start_);
      out.section(8, s);
    }
    vecSection(9, elemCount_, elems_);
    if (dataCount_ > 0 || usesDataCount_) {
      Bytes s;
      s.u32(dataCount_);
      out.section(12, s);
    }
    vecSection(10, functionCount_, code_);
    vecSection(11, dataCount_, datas_);
    if (name || !funcNames_.empty()) {
      Bytes s;
      s.name("name");
      if (name) {
        Bytes sub;
        sub.name(*name);
        s.u8(0);
        s.u32(sub.size());
        s.append(sub);
      }
      if (!funcNames_.empty()) {
        Bytes sub;
        sub.u32(funcNames_.size());
        for (auto& [index, n] : funcNames_) {
          sub.u32(index);
          sub.name(n);
        }
        s.u8(1);
        s.u32(sub.size());
        s.append(sub);
      }
      out.section(0, s);
    }
    return std::move(out.data);
  }

  const std::vector<Token>& toks_;
  size_t pos_;
  bool wide_;
  std::vector<Field> fields_;
  std::array<IndexSpace, kSpaceCount> spaces_;
  std::vector<bool> memory64_, table64_;
  const char* firstDefinition_ = nullptr;
  bool hasStart_ = false;
  std::vector<TypeDef> types_;
  bool usesDataCount_ = false;
  int nesting_ = 0;

  Bytes typeSection_, imports_, functions_, tables_, memories_, tags_, globals_, exports_,
      elems_, code_, datas_;
  uint32_t typeEntries_ = 0, importCount_ = 0, functionCount_ = 0, tableCount_ = 0,
           memoryCount_ = 0, tagCount_ = 0, globalCount_ = 0, exportCount_ = 0,
           elemCount_ = 0, dataCount_ = 0;
  std::optional<uint32_t> start_;
  uint32_t funcNameIndex_ = 0;
  std::vector<std::pair<uint32_t, std::string>> funcNames_;
};

}  // namespace

std::vector<uint8_t> encodeModule(const std::vector<Token>& toks, size_t begin, size_t* end,
                                  const std::optional<std::string>& name, bool wideImmediates) {
  return ModuleParser(toks, begin, wideImmediates).run(end, name);
}

}  // namespace kiln::text

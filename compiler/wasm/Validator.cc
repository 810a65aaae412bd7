// The validator. ModuleValidator checks the module-level rules (limits, indices, constant
// expressions, segments, exports, start) and runs a FunctionValidator on each body: the
// operand-stack + control-frame algorithm from the appendix of the core spec, with an
// "unknown" bottom type for the polymorphic stack after unreachable/br/br_table/return.
#include "kiln/wasm/Validator.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unordered_set>
#include "absl/strings/str_format.h"
#include "kiln/wasm/BodyReader.h"
#include "kiln/wasm/Opcodes.h"

namespace kiln::wasm {
namespace {

// The bottom type of the spec's algorithm: a value popped from the polymorphic stack of
// unreachable code, which matches every type.
constexpr ValType kUnknown{};

std::string typeName(ValType t) { return t == kUnknown ? "unknown" : valTypeName(t); }

std::string typeList(const std::vector<ValType>& ts) {
  std::string s = "[";
  for (size_t i = 0; i < ts.size(); ++i) {
    if (i) s += ' ';
    s += typeName(ts[i]);
  }
  return s + "]";
}

// Block types without a type index point at these instead of allocating per block.
const std::vector<ValType>& noTypes() {
  static const std::vector<ValType> empty;
  return empty;
}
const std::vector<ValType>& singleType(ValType t) {
  // One interned single-element vector per distinct type (types are few).
  static std::vector<std::unique_ptr<std::vector<ValType>>> interned;
  for (const auto& v : interned)
    if ((*v)[0] == t) return *v;
  interned.push_back(std::make_unique<std::vector<ValType>>(1, t));
  return *interned.back();
}

// Numeric instructions without immediates (0x45..0xC4): operand count, operand type,
// result type.
struct NumericSig {
  uint8_t arity = 0;  // 0: not a numeric instruction
  ValType in = ValType::I32;
  ValType out = ValType::I32;
};

constexpr std::array<NumericSig, 256> makeNumericSigs() {
  constexpr ValType I32 = ValType::I32, I64 = ValType::I64, F32 = ValType::F32,
                    F64 = ValType::F64;
  std::array<NumericSig, 256> t{};
  auto range = [&t](int lo, int hi, uint8_t arity, ValType in, ValType out) {
    for (int i = lo; i <= hi; ++i) t[i] = NumericSig{arity, in, out};
  };
  range(0x45, 0x45, 1, I32, I32);  // i32.eqz
  range(0x46, 0x4F, 2, I32, I32);  // i32 comparisons
  range(0x50, 0x50, 1, I64, I32);  // i64.eqz
  range(0x51, 0x5A, 2, I64, I32);  // i64 comparisons
  range(0x5B, 0x60, 2, F32, I32);  // f32 comparisons
  range(0x61, 0x66, 2, F64, I32);  // f64 comparisons
  range(0x67, 0x69, 1, I32, I32);  // i32 clz ctz popcnt
  range(0x6A, 0x78, 2, I32, I32);  // i32 arithmetic
  range(0x79, 0x7B, 1, I64, I64);
  range(0x7C, 0x8A, 2, I64, I64);
  range(0x8B, 0x91, 1, F32, F32);  // f32 abs .. sqrt
  range(0x92, 0x98, 2, F32, F32);
  range(0x99, 0x9F, 1, F64, F64);
  range(0xA0, 0xA6, 2, F64, F64);
  range(0xA7, 0xA7, 1, I64, I32);  // i32.wrap_i64
  range(0xA8, 0xA9, 1, F32, I32);  // i32.trunc_f32_s/u
  range(0xAA, 0xAB, 1, F64, I32);
  range(0xAC, 0xAD, 1, I32, I64);  // i64.extend_i32_s/u
  range(0xAE, 0xAF, 1, F32, I64);
  range(0xB0, 0xB1, 1, F64, I64);
  range(0xB2, 0xB3, 1, I32, F32);  // f32.convert_i32_s/u
  range(0xB4, 0xB5, 1, I64, F32);
  range(0xB6, 0xB6, 1, F64, F32);  // f32.demote_f64
  range(0xB7, 0xB8, 1, I32, F64);
  range(0xB9, 0xBA, 1, I64, F64);
  range(0xBB, 0xBB, 1, F32, F64);  // f64.promote_f32
  range(0xBC, 0xBC, 1, F32, I32);  // reinterpretations
  range(0xBD, 0xBD, 1, F64, I64);
  range(0xBE, 0xBE, 1, I32, F32);
  range(0xBF, 0xBF, 1, I64, F64);
  range(0xC0, 0xC1, 1, I32, I32);  // i32.extend8_s/16_s
  range(0xC2, 0xC4, 1, I64, I64);  // i64.extend8_s/16_s/32_s
  return t;
}
constexpr std::array<NumericSig, 256> kNumericSigs = makeNumericSigs();

// 0xFC 0..7: saturating truncations.
constexpr NumericSig kTruncSatSigs[8] = {
    {1, ValType::F32, ValType::I32}, {1, ValType::F32, ValType::I32},
    {1, ValType::F64, ValType::I32}, {1, ValType::F64, ValType::I32},
    {1, ValType::F32, ValType::I64}, {1, ValType::F32, ValType::I64},
    {1, ValType::F64, ValType::I64}, {1, ValType::F64, ValType::I64},
};

// Loads and stores (0x28..0x3E): value type, natural alignment (log2), store or load.
struct MemAccess {
  ValType type;
  uint8_t naturalLog2;
  bool store;
};
constexpr MemAccess kMemAccess[] = {
    {ValType::I32, 2, false}, {ValType::I64, 3, false}, {ValType::F32, 2, false},
    {ValType::F64, 3, false}, {ValType::I32, 0, false}, {ValType::I32, 0, false},
    {ValType::I32, 1, false}, {ValType::I32, 1, false}, {ValType::I64, 0, false},
    {ValType::I64, 0, false}, {ValType::I64, 1, false}, {ValType::I64, 1, false},
    {ValType::I64, 2, false}, {ValType::I64, 2, false}, {ValType::I32, 2, true},
    {ValType::I64, 3, true},  {ValType::F32, 2, true},  {ValType::F64, 3, true},
    {ValType::I32, 0, true},  {ValType::I32, 1, true},  {ValType::I64, 0, true},
    {ValType::I64, 1, true},  {ValType::I64, 2, true},
};

constexpr uint64_t kMaxMemoryPages = 65536;

uint32_t offsetAt(const std::vector<uint32_t>& offsets, size_t i) {
  return i < offsets.size() ? offsets[i] : 0;
}

// ---- Types: equivalence and subtyping ------------------------------------------------

// Canonical ids of the module's function types (iso-recursive equivalence): two types get
// the same id when their recursion groups have the same structure and they sit at the same
// position, references to earlier groups compared by canonical id and references inside
// the group by relative position. A plain type is a group of one.
std::vector<uint32_t> canonicalTypeIds(const Module& m) {
  std::vector<uint32_t> ids(m.types.size());
  std::map<std::vector<uint64_t>, uint32_t> groups;  // group structure -> first group start
  for (uint32_t start = 0; start < m.types.size();) {
    const TypeGroup g = m.group(start);
    const uint32_t end = std::min<uint32_t>(start + std::max<uint32_t>(g.size, 1),
                                            static_cast<uint32_t>(m.types.size()));
    std::vector<uint64_t> key;
    for (uint32_t i = start; i < end; ++i) {
      key.push_back(m.group(i).final ? 1 : 0);
      auto add = [&](ValType t) {
        uint64_t h = t.heap();
        if (t.isRef() && h < ValType::kAbstract) {
          h = h < start ? ids[h] : (uint64_t{1} << 40) | (h - start);  // inside the group
        }
        key.push_back(uint64_t{t.code()} << 48 | h);
      };
      for (ValType t : m.types[i].params) add(t);
      key.push_back(~uint64_t{0});
      for (ValType t : m.types[i].results) add(t);
      key.push_back(~uint64_t{1});
    }
    const uint32_t first = groups.try_emplace(std::move(key), start).first->second;
    for (uint32_t i = start; i < end; ++i) ids[i] = first + (i - start);
    start = end;
  }
  return ids;
}

// Subtyping of reference types without GC: within each hierarchy (func, extern, exn) the
// bottom type (nofunc, ...) is below every type and every function type index is below
// func; two type indices match when their types are equivalent.
class Subtyping {
 public:
  explicit Subtyping(const Module& m) : ids_(canonicalTypeIds(m)) {}
  bool heap(uint32_t a, uint32_t b) const {
    if (a == b) return true;
    const bool aIdx = a < ValType::kAbstract, bIdx = b < ValType::kAbstract;
    if (aIdx && bIdx) return a < ids_.size() && b < ids_.size() && ids_[a] == ids_[b];
    if (b == ValType::HeapFunc) return aIdx || a == ValType::HeapNoFunc;
    if (a == ValType::HeapNoFunc) return bIdx;
    if (b == ValType::HeapExtern) return a == ValType::HeapNoExtern;
    if (b == ValType::HeapExn) return a == ValType::HeapNoExn;
    return false;
  }
  bool operator()(ValType a, ValType b) const {
    if (a == b) return true;
    if (!a.isRef() || !b.isRef()) return false;
    if (a.nullable() && !b.nullable()) return false;
    return heap(a.heap(), b.heap());
  }
  bool all(const std::vector<ValType>& as, const std::vector<ValType>& bs) const {
    if (as.size() != bs.size()) return false;
    for (size_t i = 0; i < as.size(); ++i)
      if (!(*this)(as[i], bs[i])) return false;
    return true;
  }

 private:
  std::vector<uint32_t> ids_;
};

// A heap type index refers to a type of the module.
bool heapInRange(const Module& m, ValType t) {
  return !t.isRef() || t.heap() >= ValType::kAbstract || t.heap() < m.types.size();
}
bool defaultable(ValType t) { return !t.isRef() || t.nullable(); }

// ---- Function bodies ----------------------------------------------------------------

class FunctionValidator {
 public:
  FunctionValidator(const Module& m, const Features& features,
                    const std::vector<bool>& declaredFuncs, const Subtyping& sub)
      : m_(m), features_(features), declared_(declaredFuncs), sub_(sub) {}

  // Validates defined function `funcIndex`. On failure returns false and sets
  // errorOffset()/error().
  bool run(uint32_t funcIndex);
  size_t errorOffset() const { return errorOffset_; }
  const std::string& error() const { return error_; }

 private:
  struct ControlFrame {
    uint8_t opcode;  // Block, Loop, If, Else; Block for the function itself
    const std::vector<ValType>* params;
    const std::vector<ValType>* results;
    size_t height;
    bool unreachable;
    size_t initMark = 0;  // initLog_ size when the frame was pushed
    const std::vector<ValType>& labelTypes() const {
      return opcode == op::Loop ? *params : *results;
    }
  };

  bool fail(std::string msg) {
    error_ = std::move(msg);
    errorOffset_ = ins_.offset;
    return false;
  }

  void push(ValType t) { stack_.push_back(t); }
  void pushAll(const std::vector<ValType>& ts) { stack_.insert(stack_.end(), ts.begin(), ts.end()); }
  bool popAny(ValType& out, const std::string& expected);
  bool pop(ValType expected);
  bool popAll(const std::vector<ValType>& ts);
  bool popRef(ValType& out);
  void pushFrame(uint8_t opcode, const std::vector<ValType>& params,
                 const std::vector<ValType>& results);
  bool popFrame(ControlFrame& out);
  void setUnreachable();

  bool label(uint32_t depth, const ControlFrame*& out);
  bool resolveBlockType(const BlockType& bt, const std::vector<ValType>*& params,
                        const std::vector<ValType>*& results);
  bool checkMemory(uint32_t index);
  bool checkOffset();
  // The index type of a (checked) memory or table: i64 for memory64/table64, else i32.
  ValType memAddr(uint32_t mem) const {
    return m_.memories[mem].limits.is64 ? ValType::I64 : ValType::I32;
  }
  ValType tableAddr(uint32_t table) const {
    return m_.tables[table].limits.is64 ? ValType::I64 : ValType::I32;
  }
  bool tailResultsMatch(const FuncType& callee);
  bool checkTable(uint32_t index);
  bool checkElem(uint32_t index);
  bool checkData(uint32_t index);

  bool instruction();
  bool prefixFC();
  bool prefixFD();

  const Module& m_;
  const Features& features_;
  const std::vector<bool>& declared_;
  const Subtyping& sub_;
  Instruction ins_;
  // Non-defaultable locals (non-null references) must be set before they are read; a set
  // holds until the end of the block it happened in.
  std::vector<bool> localInit_;
  std::vector<uint32_t> initLog_;  // locals set, in order; frames remember the log size
  std::vector<ValType> locals_;
  std::vector<ValType> stack_;
  std::vector<ControlFrame> frames_;
  std::vector<ValType> scratch_;
  std::vector<uint64_t> checkedDepth_;  // br_table: stamp of the last check of each depth
  uint64_t brTableStamp_ = 0;
  const FuncType* funcType_ = nullptr;
  std::string error_;
  size_t errorOffset_ = 0;
};

bool FunctionValidator::popAny(ValType& out, const std::string& expected) {
  const ControlFrame& f = frames_.back();
  if (stack_.size() == f.height) {
    if (f.unreachable) {
      out = kUnknown;
      return true;
    }
    return fail(absl::StrFormat("type mismatch: expected %s but nothing is on the stack",
                                expected));
  }
  out = stack_.back();
  stack_.pop_back();
  return true;
}

bool FunctionValidator::pop(ValType expected) {
  ValType actual;
  if (!popAny(actual, typeName(expected))) return false;
  if (actual != kUnknown && expected != kUnknown && !sub_(actual, expected)) {
    return fail(absl::StrFormat("type mismatch: expected %s but got %s", typeName(expected),
                                typeName(actual)));
  }
  return true;
}

bool FunctionValidator::popAll(const std::vector<ValType>& ts) {
  for (size_t i = ts.size(); i-- > 0;) {
    if (!pop(ts[i])) return false;
  }
  return true;
}

bool FunctionValidator::popRef(ValType& out) {
  if (!popAny(out, "a reference")) return false;
  if (out != kUnknown && !isRefType(out)) {
    return fail(absl::StrFormat("type mismatch: expected a reference but got %s",
                                typeName(out)));
  }
  return true;
}

void FunctionValidator::pushFrame(uint8_t opcode, const std::vector<ValType>& params,
                                  const std::vector<ValType>& results) {
  frames_.push_back(ControlFrame{opcode, &params, &results, stack_.size(), false,
                                 initLog_.size()});
  pushAll(params);
}

bool FunctionValidator::popFrame(ControlFrame& out) {
  const ControlFrame& f = frames_.back();
  if (!popAll(*f.results)) return false;
  if (stack_.size() != f.height) {
    return fail(absl::StrFormat("type mismatch: %u value(s) left on the stack at the end of "
                                "a block of type %s",
                                stack_.size() - f.height, typeList(*f.results)));
  }
  out = f;
  // Local initialisations inside the block end with it.
  while (initLog_.size() > f.initMark) {
    localInit_[initLog_.back()] = false;
    initLog_.pop_back();
  }
  frames_.pop_back();
  return true;
}

void FunctionValidator::setUnreachable() {
  stack_.resize(frames_.back().height);
  frames_.back().unreachable = true;
}

bool FunctionValidator::label(uint32_t depth, const ControlFrame*& out) {
  if (depth >= frames_.size()) return fail(absl::StrFormat("unknown label %u", depth));
  out = &frames_[frames_.size() - 1 - depth];
  return true;
}

bool FunctionValidator::resolveBlockType(const BlockType& bt,
                                         const std::vector<ValType>*& params,
                                         const std::vector<ValType>*& results) {
  switch (bt.kind) {
    case BlockType::Kind::Empty:
      params = results = &noTypes();
      return true;
    case BlockType::Kind::Value:
      if (!heapInRange(m_, bt.value)) return fail(absl::StrFormat("unknown type %u", bt.value.heap()));
      params = &noTypes();
      results = &singleType(bt.value);
      return true;
    case BlockType::Kind::TypeIndex:
      if (bt.typeIndex >= m_.types.size()) {
        return fail(absl::StrFormat("unknown type %u", bt.typeIndex));
      }
      params = &m_.types[bt.typeIndex].params;
      results = &m_.types[bt.typeIndex].results;
      return true;
  }
  return false;
}

// A tail call returns the callee's results as the caller's own.
bool FunctionValidator::tailResultsMatch(const FuncType& callee) {
  if (sub_.all(callee.results, funcType_->results)) return true;
  return fail(absl::StrFormat("type mismatch: tail call to a function returning %s from a "
                              "function returning %s",
                              typeList(callee.results), typeList(funcType_->results)));
}

// A memarg offset must be an index of the memory: below 2^32 for a 32-bit memory.
bool FunctionValidator::checkOffset() {
  if (m_.memories[ins_.mem.memory].limits.is64 || ins_.mem.offset <= UINT32_MAX) return true;
  return fail(absl::StrFormat("offset out of range: %u does not fit a 32-bit memory",
                              ins_.mem.offset));
}

bool FunctionValidator::checkMemory(uint32_t index) {
  if (index >= m_.memories.size()) return fail(absl::StrFormat("unknown memory %u", index));
  return true;
}
bool FunctionValidator::checkTable(uint32_t index) {
  if (index >= m_.tables.size()) return fail(absl::StrFormat("unknown table %u", index));
  return true;
}
bool FunctionValidator::checkElem(uint32_t index) {
  if (index >= m_.elems.size()) return fail(absl::StrFormat("unknown elem segment %u", index));
  return true;
}
bool FunctionValidator::checkData(uint32_t index) {
  if (!m_.dataCount) return fail("data count section required");
  if (index >= *m_.dataCount) return fail(absl::StrFormat("unknown data segment %u", index));
  return true;
}

bool FunctionValidator::run(uint32_t funcIndex) {
  const Function& fn = m_.functions[funcIndex - m_.numImportedFuncs];
  funcType_ = &m_.types[fn.typeIndex];
  locals_ = funcType_->params;
  locals_.insert(locals_.end(), fn.locals.begin(), fn.locals.end());
  localInit_.assign(locals_.size(), true);
  for (size_t i = funcType_->params.size(); i < locals_.size(); ++i) {
    if (!heapInRange(m_, locals_[i])) {
      errorOffset_ = fn.bodyStart;
      error_ = absl::StrFormat("unknown type %u (in the type of local %u)", locals_[i].heap(), i);
      return false;
    }
    localInit_[i] = defaultable(locals_[i]);
  }
  initLog_.clear();
  stack_.clear();
  frames_.clear();
  ins_ = Instruction{};
  ins_.offset = fn.bodyStart;
  pushFrame(op::Block, noTypes(), funcType_->results);
  frames_.back().params = &noTypes();

  BodyReader r(m_.bytes.data(), fn.bodyStart, fn.bodyEnd);
  InstructionReader ir(r, features_);
  while (!frames_.empty()) {
    if (!ir.next(ins_)) {
      error_ = r.error();
      if (error_ == "unexpected end") error_ = "unexpected end of function body";
      errorOffset_ = r.errorOffset();
      return false;
    }
    if (!instruction()) return false;
  }
  if (!r.atEnd()) {
    errorOffset_ = r.pos();
    error_ = "function body continues after its final end";
    return false;
  }
  return true;
}

bool FunctionValidator::instruction() {
  const uint8_t opc = ins_.opcode;
  switch (opc) {
    case op::Unreachable:
      setUnreachable();
      return true;
    case op::Nop:
      return true;
    case op::Block: case op::Loop: case op::If: {
      const std::vector<ValType>* params;
      const std::vector<ValType>* results;
      if (!resolveBlockType(ins_.block, params, results)) return false;
      if (opc == op::If && !pop(ValType::I32)) return false;
      if (!popAll(*params)) return false;
      pushFrame(opc, *params, *results);
      return true;
    }
    case op::TryTable: {
      const std::vector<ValType>* params;
      const std::vector<ValType>* results;
      if (!resolveBlockType(ins_.block, params, results)) return false;
      // Catch labels are relative to the frames outside the try_table.
      for (const Catch& c : ins_.catches) {
        const ControlFrame* target;
        if (!label(c.label, target)) return false;
        scratch_.clear();
        if (c.kind == Catch::Tag || c.kind == Catch::TagRef) {
          if (c.tag >= m_.tags.size()) return fail(absl::StrFormat("unknown tag %u", c.tag));
          scratch_ = m_.types[m_.tags[c.tag]].params;
        }
        if (c.kind == Catch::TagRef || c.kind == Catch::AllRef) {
          scratch_.push_back(ValType::ref(ValType::HeapExn, /*nullable=*/false));  // (ref exn)
        }
        if (!sub_.all(scratch_, target->labelTypes())) {
          return fail(absl::StrFormat("type mismatch: catch clause delivers %s to a label "
                                      "expecting %s",
                                      typeList(scratch_), typeList(target->labelTypes())));
        }
      }
      if (!popAll(*params)) return false;
      pushFrame(op::TryTable, *params, *results);
      return true;
    }
    case op::Throw: {
      if (ins_.index >= m_.tags.size()) return fail(absl::StrFormat("unknown tag %u", ins_.index));
      if (!popAll(m_.types[m_.tags[ins_.index]].params)) return false;
      setUnreachable();
      return true;
    }
    case op::ThrowRef:
      if (!pop(ValType::ExnRef)) return false;
      setUnreachable();
      return true;
    case op::Else: {
      if (frames_.back().opcode != op::If) return fail("else without a matching if");
      ControlFrame f;
      if (!popFrame(f)) return false;
      pushFrame(op::Else, *f.params, *f.results);
      return true;
    }
    case op::End: {
      ControlFrame f;
      if (!popFrame(f)) return false;
      if (f.opcode == op::If && *f.params != *f.results) {
        return fail(absl::StrFormat("type mismatch: if without else must have matching "
                                    "parameter and result types, but has %s -> %s",
                                    typeList(*f.params), typeList(*f.results)));
      }
      pushAll(*f.results);
      return true;
    }
    case op::Br: {
      const ControlFrame* target;
      if (!label(ins_.index, target) || !popAll(target->labelTypes())) return false;
      setUnreachable();
      return true;
    }
    case op::BrIf: {
      const ControlFrame* target;
      if (!label(ins_.index, target) || !pop(ValType::I32)) return false;
      const std::vector<ValType>& ts = target->labelTypes();
      if (!popAll(ts)) return false;
      pushAll(ts);
      return true;
    }
    case op::BrTable: {
      if (!pop(ValType::I32)) return false;
      const ControlFrame* deflt;
      if (!label(ins_.index, deflt)) return false;
      const size_t arity = deflt->labelTypes().size();
      // Checking a target is idempotent, so each distinct depth is checked once: this keeps
      // huge tables linear in their size rather than in size x arity.
      ++brTableStamp_;
      if (checkedDepth_.size() < frames_.size()) checkedDepth_.resize(frames_.size(), 0);
      for (uint32_t depth : ins_.labels) {
        const ControlFrame* target;
        if (!label(depth, target)) return false;
        if (checkedDepth_[depth] == brTableStamp_) continue;
        checkedDepth_[depth] = brTableStamp_;
        const std::vector<ValType>& ts = target->labelTypes();
        if (ts.size() != arity) {
          return fail(absl::StrFormat("type mismatch: br_table target %u expects %u value(s) "
                                      "but the default target expects %u",
                                      depth, ts.size(), arity));
        }
        // Pop this label's types and push back what was actually there (which keeps the
        // unknown values of a polymorphic stack unknown).
        scratch_.assign(ts.size(), kUnknown);
        for (size_t i = ts.size(); i-- > 0;) {
          ValType actual;
          if (!popAny(actual, typeName(ts[i]))) return false;
          if (actual != kUnknown && !sub_(actual, ts[i])) {
            return fail(absl::StrFormat("type mismatch: expected %s but got %s",
                                        typeName(ts[i]), typeName(actual)));
          }
          scratch_[i] = actual;
        }
        pushAll(scratch_);
      }
      if (!popAll(deflt->labelTypes())) return false;
      setUnreachable();
      return true;
    }
    case op::Return:
      if (!popAll(funcType_->results)) return false;
      setUnreachable();
      return true;
    case op::Call: {
      if (ins_.index >= m_.funcTypes.size()) {
        return fail(absl::StrFormat("unknown function %u", ins_.index));
      }
      const FuncType& ft = m_.funcType(ins_.index);
      if (!popAll(ft.params)) return false;
      pushAll(ft.results);
      return true;
    }
    case op::ReturnCall: {
      if (ins_.index >= m_.funcTypes.size()) {
        return fail(absl::StrFormat("unknown function %u", ins_.index));
      }
      const FuncType& ft = m_.funcType(ins_.index);
      if (!tailResultsMatch(ft)) return false;
      if (!popAll(ft.params)) return false;
      setUnreachable();
      return true;
    }
    case op::ReturnCallIndirect:
    case op::CallIndirect: {
      if (!checkTable(ins_.index2)) return false;
      if (!sub_(m_.tables[ins_.index2].elem, ValType::FuncRef)) {
        return fail(absl::StrFormat("type mismatch: call_indirect needs a funcref table, "
                                    "table %u holds %s",
                                    ins_.index2, typeName(m_.tables[ins_.index2].elem)));
      }
      if (ins_.index >= m_.types.size()) {
        return fail(absl::StrFormat("unknown type %u", ins_.index));
      }
      const FuncType& ft = m_.types[ins_.index];
      if (opc == op::ReturnCallIndirect && !tailResultsMatch(ft)) return false;
      if (!pop(tableAddr(ins_.index2)) || !popAll(ft.params)) return false;
      if (opc == op::ReturnCallIndirect) {
        setUnreachable();
        return true;
      }
      pushAll(ft.results);
      return true;
    }
    case op::Drop: {
      ValType t;
      return popAny(t, "a value");
    }
    case op::Select: {
      ValType t1, t2;
      if (!pop(ValType::I32) || !popAny(t1, "a value") || !popAny(t2, "a value")) return false;
      auto numeric = [](ValType t) { return t == kUnknown || isNumType(t) || t == ValType::V128; };
      if (!numeric(t1) || !numeric(t2)) {
        return fail(absl::StrFormat("type mismatch: select without a type immediate needs "
                                    "numeric operands, got %s and %s",
                                    typeName(t2), typeName(t1)));
      }
      if (t1 != t2 && t1 != kUnknown && t2 != kUnknown) {
        return fail(absl::StrFormat("type mismatch: select operands differ: %s and %s",
                                    typeName(t2), typeName(t1)));
      }
      push(t1 == kUnknown ? t2 : t1);
      return true;
    }
    case op::SelectT: {
      if (ins_.types.size() != 1) {
        return fail(absl::StrFormat("invalid result arity: select has %u types, expected 1",
                                    ins_.types.size()));
      }
      const ValType t = ins_.types[0];
      if (!heapInRange(m_, t)) return fail(absl::StrFormat("unknown type %u", t.heap()));
      if (!pop(ValType::I32) || !pop(t) || !pop(t)) return false;
      push(t);
      return true;
    }
    case op::LocalGet: case op::LocalSet: case op::LocalTee: {
      if (ins_.index >= locals_.size()) {
        return fail(absl::StrFormat("unknown local %u", ins_.index));
      }
      const ValType t = locals_[ins_.index];
      if (opc == op::LocalGet) {
        if (!localInit_[ins_.index]) {
          return fail(absl::StrFormat("uninitialized local %u", ins_.index));
        }
        push(t);
        return true;
      }
      if (!pop(t)) return false;
      if (!localInit_[ins_.index]) {
        localInit_[ins_.index] = true;
        initLog_.push_back(ins_.index);
      }
      if (opc == op::LocalTee) push(t);
      return true;
    }
    case op::GlobalGet: case op::GlobalSet: {
      if (ins_.index >= m_.globals.size()) {
        return fail(absl::StrFormat("unknown global %u", ins_.index));
      }
      const GlobalType& g = m_.globals[ins_.index];
      if (opc == op::GlobalGet) {
        push(g.type);
        return true;
      }
      if (!g.mut) return fail(absl::StrFormat("global is immutable: global %u", ins_.index));
      return pop(g.type);
    }
    case op::TableGet:
      if (!checkTable(ins_.index) || !pop(tableAddr(ins_.index))) return false;
      push(m_.tables[ins_.index].elem);
      return true;
    case op::TableSet:
      return checkTable(ins_.index) && pop(m_.tables[ins_.index].elem) &&
             pop(tableAddr(ins_.index));
    case op::MemorySize:
      if (!checkMemory(ins_.index)) return false;
      push(memAddr(ins_.index));
      return true;
    case op::MemoryGrow:
      if (!checkMemory(ins_.index) || !pop(memAddr(ins_.index))) return false;
      push(memAddr(ins_.index));
      return true;
    case op::I32Const: push(ValType::I32); return true;
    case op::I64Const: push(ValType::I64); return true;
    case op::F32Const: push(ValType::F32); return true;
    case op::F64Const: push(ValType::F64); return true;
    case op::RefNull:
      if (!heapInRange(m_, ins_.refType)) {
        return fail(absl::StrFormat("unknown type %u", ins_.refType.heap()));
      }
      push(ins_.refType);
      return true;
    case op::RefAsNonNull: {
      ValType t;
      if (!popRef(t)) return false;
      push(t == kUnknown ? kUnknown : ValType::ref(t.heap(), false));
      return true;
    }
    case op::BrOnNull: case op::BrOnNonNull: {
      const ControlFrame* target;
      if (!label(ins_.index, target)) return false;
      ValType t;
      if (!popRef(t)) return false;
      const ValType nonNull = t == kUnknown ? kUnknown : ValType::ref(t.heap(), false);
      scratch_ = target->labelTypes();
      if (opc == op::BrOnNonNull) {
        // The label takes the operands below and the non-null reference last.
        if (scratch_.empty()) {
          return fail("type mismatch: br_on_non_null needs a label that takes a reference");
        }
        const ValType last = scratch_.back();
        if (nonNull != kUnknown && !sub_(nonNull, last)) {
          return fail(absl::StrFormat("type mismatch: br_on_non_null passes %s to a label "
                                      "expecting %s",
                                      typeName(nonNull), typeName(last)));
        }
        scratch_.pop_back();
      }
      const std::vector<ValType> rest = scratch_;
      if (!popAll(rest)) return false;
      pushAll(rest);
      if (opc == op::BrOnNull) push(nonNull);
      return true;
    }
    case op::CallRef: case op::ReturnCallRef: {
      if (ins_.index >= m_.types.size()) return fail(absl::StrFormat("unknown type %u", ins_.index));
      const FuncType& ft = m_.types[ins_.index];
      if (opc == op::ReturnCallRef && !tailResultsMatch(ft)) return false;
      if (!pop(ValType::ref(ins_.index, true)) || !popAll(ft.params)) return false;
      if (opc == op::ReturnCallRef) {
        setUnreachable();
        return true;
      }
      pushAll(ft.results);
      return true;
    }
    case op::RefIsNull: {
      ValType t;
      if (!popRef(t)) return false;
      push(ValType::I32);
      return true;
    }
    case op::RefFunc:
      if (ins_.index >= m_.funcTypes.size()) {
        return fail(absl::StrFormat("unknown function %u", ins_.index));
      }
      if (!declared_[ins_.index]) {
        return fail(absl::StrFormat("undeclared function reference: function %u is not "
                                    "referenced by an element segment, export or global",
                                    ins_.index));
      }
      push(features_.functionReferences ? ValType::ref(m_.funcTypes[ins_.index], false)
                                        : ValType::FuncRef);
      return true;
    case op::PrefixFC:
      return prefixFC();
    case op::PrefixSIMD:
      return prefixFD();
    default:
      break;
  }
  if (opc >= op::I32Load && opc <= op::I64Store32) {
    const MemAccess& a = kMemAccess[opc - op::I32Load];
    if (!checkMemory(ins_.mem.memory) || !checkOffset()) return false;
    if (ins_.mem.alignLog2 > a.naturalLog2) {
      return fail(absl::StrFormat("alignment must not be larger than natural (2^%u > %u)",
                                  ins_.mem.alignLog2, 1u << a.naturalLog2));
    }
    const ValType addr = memAddr(ins_.mem.memory);
    if (a.store) return pop(a.type) && pop(addr);
    if (!pop(addr)) return false;
    push(a.type);
    return true;
  }
  const NumericSig& sig = kNumericSigs[opc];
  if (sig.arity == 0) return fail(absl::StrFormat("illegal opcode 0x%02x", opc));
  for (int i = 0; i < sig.arity; ++i) {
    if (!pop(sig.in)) return false;
  }
  push(sig.out);
  return true;
}

bool FunctionValidator::prefixFD() {
  const SimdOp& op = *ins_.simd;
  ValType addr = ValType::I32;
  if (op.imm == SimdImm::MemArg || op.imm == SimdImm::MemArgLane) {
    if (!checkMemory(ins_.mem.memory) || !checkOffset()) return false;
    addr = memAddr(ins_.mem.memory);
    if (ins_.mem.alignLog2 > op.extra) {
      return fail(absl::StrFormat("alignment must not be larger than natural (2^%u > %u)",
                                  ins_.mem.alignLog2, 1u << op.extra));
    }
  }
  if (op.imm == SimdImm::MemArgLane || op.imm == SimdImm::Lane) {
    const unsigned lanes = op.imm == SimdImm::Lane ? op.extra : 16u >> op.extra;
    if (ins_.lane >= lanes) {
      return fail(absl::StrFormat("invalid lane index %u (%s has %u lanes)", ins_.lane,
                                  op.name, lanes));
    }
  }
  if (op.imm == SimdImm::Shuffle) {
    for (uint8_t lane : ins_.v128) {
      if (lane >= 32) return fail(absl::StrFormat("invalid lane index %u in i8x16.shuffle", lane));
    }
  }
  auto typeOf = [addr](char c) {
    switch (c) {
      case 'i': return ValType::I32;
      case 'l': return ValType::I64;
      case 'f': return ValType::F32;
      case 'd': return ValType::F64;
      case 'a': return addr;
      default: return ValType::V128;
    }
  };
  const std::string_view params(op.params);
  for (size_t i = params.size(); i-- > 0;) {
    if (!pop(typeOf(params[i]))) return false;
  }
  if (op.result) push(typeOf(op.result));
  return true;
}

bool FunctionValidator::prefixFC() {
  const uint32_t sub = ins_.subOpcode;
  if (sub <= op::I64TruncSatF64U) {
    const NumericSig& sig = kTruncSatSigs[sub];
    if (!pop(sig.in)) return false;
    push(sig.out);
    return true;
  }
  auto popI32s = [this](int n) {
    for (int i = 0; i < n; ++i) {
      if (!pop(ValType::I32)) return false;
    }
    return true;
  };
  // The length operand of a copy between index types i32 and i64 is i32.
  auto minAddr = [](ValType a, ValType b) {
    return a == ValType::I64 && b == ValType::I64 ? ValType::I64 : ValType::I32;
  };
  switch (sub) {
    case op::MemoryInit:
      return checkMemory(ins_.index2) && checkData(ins_.index) && popI32s(2) &&
             pop(memAddr(ins_.index2));
    case op::DataDrop:
      return checkData(ins_.index);
    case op::MemoryCopy:
      return checkMemory(ins_.index) && checkMemory(ins_.index2) &&
             pop(minAddr(memAddr(ins_.index), memAddr(ins_.index2))) &&
             pop(memAddr(ins_.index2)) && pop(memAddr(ins_.index));
    case op::MemoryFill:
      return checkMemory(ins_.index) && pop(memAddr(ins_.index)) && pop(ValType::I32) &&
             pop(memAddr(ins_.index));
    case op::TableInit: {
      if (!checkTable(ins_.index2) || !checkElem(ins_.index)) return false;
      const ValType tableType = m_.tables[ins_.index2].elem;
      const ValType elemType = m_.elems[ins_.index].type;
      if (!sub_(elemType, tableType)) {
        return fail(absl::StrFormat("type mismatch: table.init of %s elements into a %s table",
                                    typeName(elemType), typeName(tableType)));
      }
      return popI32s(2) && pop(tableAddr(ins_.index2));
    }
    case op::ElemDrop:
      return checkElem(ins_.index);
    case op::TableCopy: {
      if (!checkTable(ins_.index) || !checkTable(ins_.index2)) return false;
      const ValType dst = m_.tables[ins_.index].elem;
      const ValType src = m_.tables[ins_.index2].elem;
      if (!sub_(src, dst)) {
        return fail(absl::StrFormat("type mismatch: table.copy from a %s table to a %s table",
                                    typeName(src), typeName(dst)));
      }
      return pop(minAddr(tableAddr(ins_.index), tableAddr(ins_.index2))) &&
             pop(tableAddr(ins_.index2)) && pop(tableAddr(ins_.index));
    }
    case op::TableGrow:
      if (!checkTable(ins_.index) || !pop(tableAddr(ins_.index)) ||
          !pop(m_.tables[ins_.index].elem)) {
        return false;
      }
      push(tableAddr(ins_.index));
      return true;
    case op::TableSize:
      if (!checkTable(ins_.index)) return false;
      push(tableAddr(ins_.index));
      return true;
    case op::TableFill:
      return checkTable(ins_.index) && pop(tableAddr(ins_.index)) &&
             pop(m_.tables[ins_.index].elem) && pop(tableAddr(ins_.index));
    default:
      return fail(absl::StrFormat("illegal opcode 0xfc %u", sub));
  }
}

// ---- The module ---------------------------------------------------------------------

class ModuleValidator {
 public:
  ModuleValidator(const Module& m, const Features& features)
      : m_(m), features_(features), sub_(m) {}
  absl::Status run();

 private:
  absl::Status invalid(size_t offset, std::string_view where, std::string_view msg) const {
    if (where.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("invalid module at byte 0x%x: %s", offset, msg));
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("invalid module at byte 0x%x in %s: %s", offset, where, msg));
  }
  std::string functionLabel(uint32_t funcIndex) const {
    auto it = m_.names.functions.find(funcIndex);
    if (it == m_.names.functions.end()) return absl::StrFormat("function %u", funcIndex);
    return absl::StrFormat("function %u ($%s)", funcIndex, it->second);
  }

  absl::Status tableLimits(const Limits& l, size_t offset, std::string_view where) const;
  absl::Status memoryLimits(const Limits& l, size_t offset, std::string_view where) const;
  absl::Status constExpr(const ConstExpr& e, ValType expected, size_t visibleGlobals,
                         std::string_view where) const;
  void collectDeclaredFuncs();
  // How many globals (from index 0) a constant expression may read: in 2.0 only imported
  // ones; in 3.0 a global's initialiser may read every global before it, and segment
  // offsets every global. `global` is the global being initialised.
  size_t constExprGlobals(std::optional<size_t> global = std::nullopt) const {
    if (!features_.extendedConst && !features_.functionReferences) return m_.numImportedGlobals;
    return global ? *global : m_.globals.size();
  }

  absl::Status imports() const;
  absl::Status tags() const;
  absl::Status tagType(uint32_t type, size_t offset, std::string_view where) const;
  absl::Status functionTypes() const;
  absl::Status tablesAndMemories() const;
  absl::Status globals() const;
  absl::Status elems() const;
  absl::Status datas() const;
  absl::Status start() const;
  absl::Status exports() const;
  absl::Status bodies() const;

  const Module& m_;
  const Features& features_;
  std::vector<bool> declaredFuncs_;
  Subtyping sub_;
  absl::Status typeDefs() const;
  absl::Status valueType(ValType t, size_t offset, std::string_view where) const;
};

absl::Status ModuleValidator::run() {
  if (m_.funcTypes.size() != m_.numImportedFuncs + m_.functions.size() ||
      m_.globals.size() < m_.numImportedGlobals) {
    return absl::InvalidArgumentError("invalid module: inconsistent index spaces");
  }
  collectDeclaredFuncs();
  for (auto check : {&ModuleValidator::typeDefs, &ModuleValidator::imports, &ModuleValidator::functionTypes,
                     &ModuleValidator::tablesAndMemories, &ModuleValidator::tags,
                     &ModuleValidator::globals,
                     &ModuleValidator::elems, &ModuleValidator::datas, &ModuleValidator::start,
                     &ModuleValidator::exports, &ModuleValidator::bodies}) {
    if (absl::Status s = (this->*check)(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// C.refs of the spec: functions referenced outside function bodies (exports, element
// segments, global initialisers) may be used by ref.func inside bodies.
void ModuleValidator::collectDeclaredFuncs() {
  declaredFuncs_.assign(m_.funcTypes.size(), false);
  auto mark = [this](uint32_t f) {
    if (f < declaredFuncs_.size()) declaredFuncs_[f] = true;
  };
  auto scan = [&](const ConstExpr& e) {
    BodyReader r(e.bytes.data(), 0, e.bytes.size());
    InstructionReader ir(r, features_);
    Instruction ins;
    while (ir.next(ins) && ins.opcode != op::End) {
      if (ins.opcode == op::RefFunc) mark(ins.index);
    }
  };
  for (const Export& e : m_.exports) {
    if (e.kind == ExternKind::Func) mark(e.index);
  }
  for (const Global& g : m_.definedGlobals) scan(g.init);
  for (const Table& t : m_.definedTables) {
    if (t.init) scan(*t.init);
  }
  for (const ElemSegment& seg : m_.elems) {
    if (seg.mode == SegmentMode::Active) scan(seg.offset);
    for (const ConstExpr& item : seg.items) scan(item);
  }
  for (const DataSegment& seg : m_.datas) {
    if (seg.mode == SegmentMode::Active) scan(seg.offset);
  }
}

absl::Status ModuleValidator::tableLimits(const Limits& l, size_t offset,
                                          std::string_view where) const {
  if (l.max && l.min > *l.max) {
    return invalid(offset, where, "size minimum must not be greater than maximum");
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::memoryLimits(const Limits& l, size_t offset,
                                           std::string_view where) const {
  if (l.is64) {
    constexpr uint64_t kMax64 = uint64_t{1} << 48;
    if (l.min > kMax64 || (l.max && *l.max > kMax64)) {
      return invalid(offset, where, "memory size must be at most 2^48 pages (2^64 bytes)");
    }
  } else if (l.min > kMaxMemoryPages || (l.max && *l.max > kMaxMemoryPages)) {
    return invalid(offset, where, "memory size must be at most 65536 pages (4GiB)");
  }
  if (l.max && l.min > *l.max) {
    return invalid(offset, where, "size minimum must not be greater than maximum");
  }
  return absl::OkStatus();
}

// A constant expression of 2.0: t.const, ref.null, ref.func, and global.get of an immutable
// global among the first `visibleGlobals`.
absl::Status ModuleValidator::constExpr(const ConstExpr& e, ValType expected,
                                        size_t visibleGlobals, std::string_view where) const {
  BodyReader r(e.bytes.data(), 0, e.bytes.size());
  InstructionReader ir(r, features_);
  Instruction ins;
  std::vector<ValType> stack;
  for (;;) {
    if (!ir.next(ins)) {
      return invalid(e.offset + r.errorOffset(), where,
                     r.error() == "unexpected end" ? "constant expression without end"
                                                   : r.error());
    }
    const size_t at = e.offset + ins.offset;
    switch (ins.opcode) {
      case op::I32Const: stack.push_back(ValType::I32); continue;
      case op::I64Const: stack.push_back(ValType::I64); continue;
      case op::F32Const: stack.push_back(ValType::F32); continue;
      case op::F64Const: stack.push_back(ValType::F64); continue;
      case op::RefNull:
        if (!heapInRange(m_, ins.refType)) {
          return invalid(at, where, absl::StrFormat("unknown type %u", ins.refType.heap()));
        }
        stack.push_back(ins.refType);
        continue;
      case op::PrefixSIMD:
        if (ins.subOpcode != simd::V128Const)
          return invalid(at, where, "constant expression required");
        stack.push_back(ValType::V128);
        continue;
      case op::RefFunc:
        if (ins.index >= m_.funcTypes.size()) {
          return invalid(at, where, absl::StrFormat("unknown function %u", ins.index));
        }
        stack.push_back(features_.functionReferences
                            ? ValType::ref(m_.funcTypes[ins.index], false)
                            : ValType::FuncRef);
        continue;
      case op::GlobalGet:
        if (ins.index >= visibleGlobals) {
          return invalid(at, where, absl::StrFormat("unknown global %u", ins.index));
        }
        if (m_.globals[ins.index].mut) {
          return invalid(at, where, absl::StrFormat("constant expression required: global.get "
                                                    "of mutable global %u",
                                                    ins.index));
        }
        stack.push_back(m_.globals[ins.index].type);
        continue;
      case op::I32Add: case op::I32Sub: case op::I32Mul:
      case op::I64Add: case op::I64Sub: case op::I64Mul: {
        if (!features_.extendedConst) return invalid(at, where, "constant expression required");
        const ValType t = ins.opcode <= op::I32Mul ? ValType::I32 : ValType::I64;
        if (stack.size() < 2 || stack[stack.size() - 1] != t || stack[stack.size() - 2] != t) {
          return invalid(at, where,
                         absl::StrFormat("type mismatch: %s needs two %s operands, have %s",
                                         ins.opcode <= op::I32Mul ? "i32 arithmetic" : "i64 arithmetic",
                                         typeName(t), typeList(stack)));
        }
        stack.pop_back();
        continue;
      }
      case op::End:
        break;
      default:
        return invalid(at, where, "constant expression required");
    }
    if (stack.size() != 1 || !sub_(stack[0], expected)) {
      return invalid(ins.offset + e.offset, where,
                     absl::StrFormat("type mismatch: constant expression of type %s, expected "
                                     "[%s]",
                                     typeList(stack), typeName(expected)));
    }
    return absl::OkStatus();
  }
}

absl::Status ModuleValidator::imports() const {
  for (size_t i = 0; i < m_.imports.size(); ++i) {
    const Import& imp = m_.imports[i];
    const size_t at = offsetAt(m_.offsets.imports, i);
    const std::string where = absl::StrFormat("import \"%s\" \"%s\"", imp.module, imp.name);
    absl::Status s;
    switch (imp.kind) {
      case ExternKind::Func:
        if (imp.funcType >= m_.types.size()) {
          return invalid(at, where, absl::StrFormat("unknown type %u", imp.funcType));
        }
        break;
      case ExternKind::Table:
        s = valueType(imp.table.elem, at, where);
        if (s.ok()) s = tableLimits(imp.table.limits, at, where);
        break;
      case ExternKind::Memory: s = memoryLimits(imp.memory.limits, at, where); break;
      case ExternKind::Global: s = valueType(imp.global.type, at, where); break;
      case ExternKind::Tag: s = tagType(imp.tagType, at, where); break;
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// Reference types name existing types.
absl::Status ModuleValidator::valueType(ValType t, size_t offset, std::string_view where) const {
  if (heapInRange(m_, t)) return absl::OkStatus();
  return invalid(offset, where, absl::StrFormat("unknown type %u", t.heap()));
}

absl::Status ModuleValidator::typeDefs() const {
  for (size_t i = 0; i < m_.types.size(); ++i) {
    const std::string where = absl::StrFormat("type %u", i);
    for (const auto* list : {&m_.types[i].params, &m_.types[i].results}) {
      for (ValType t : *list) {
        // A type may refer to the types of its recursion group and to earlier ones.
        const TypeGroup g = m_.group(static_cast<uint32_t>(i));
        if (t.isRef() && t.heap() < ValType::kAbstract && t.heap() >= g.start + g.size) {
          return invalid(offsetAt(m_.offsets.types, i), where,
                         absl::StrFormat("unknown type %u (a forward reference)", t.heap()));
        }
        if (absl::Status s = valueType(t, offsetAt(m_.offsets.types, i), where); !s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

// A tag's type: a function type without results.
absl::Status ModuleValidator::tagType(uint32_t type, size_t offset, std::string_view where) const {
  if (type >= m_.types.size()) return invalid(offset, where, absl::StrFormat("unknown type %u", type));
  if (!m_.types[type].results.empty()) {
    return invalid(offset, where,
                   absl::StrFormat("non-empty tag result type %s",
                                   typeList(m_.types[type].results)));
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::tags() const {
  for (size_t i = m_.numImportedTags; i < m_.tags.size(); ++i) {
    absl::Status s = tagType(m_.tags[i], offsetAt(m_.offsets.tags, i), absl::StrFormat("tag %u", i));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::functionTypes() const {
  for (size_t i = 0; i < m_.functions.size(); ++i) {
    const uint32_t funcIndex = m_.numImportedFuncs + static_cast<uint32_t>(i);
    if (m_.functions[i].typeIndex >= m_.types.size()) {
      return invalid(offsetAt(m_.offsets.funcs, funcIndex), functionLabel(funcIndex),
                     absl::StrFormat("unknown type %u", m_.functions[i].typeIndex));
    }
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::tablesAndMemories() const {
  for (size_t i = m_.numImportedTables; i < m_.tables.size(); ++i) {
    const std::string where = absl::StrFormat("table %u", i);
    absl::Status s = tableLimits(m_.tables[i].limits, offsetAt(m_.offsets.tables, i), where);
    if (!s.ok()) return s;
    const Table& t = m_.definedTables[i - m_.numImportedTables];
    s = valueType(t.type.elem, offsetAt(m_.offsets.tables, i), where);
    if (!s.ok()) return s;
    if (!t.init && !defaultable(t.type.elem)) {
      return invalid(offsetAt(m_.offsets.tables, i), where,
                     absl::StrFormat("type mismatch: a table of %s needs an initializer",
                                     typeName(t.type.elem)));
    }
    if (t.init) {
      // The table section precedes the globals: only imported globals are visible.
      s = constExpr(*t.init, t.type.elem, m_.numImportedGlobals, where);
      if (!s.ok()) return s;
    }
  }
  for (size_t i = m_.numImportedMemories; i < m_.memories.size(); ++i) {
    absl::Status s = memoryLimits(m_.memories[i].limits, offsetAt(m_.offsets.memories, i),
                                  absl::StrFormat("memory %u", i));
    if (!s.ok()) return s;
  }
  if (m_.memories.size() > 1 && !features_.multiMemory) {
    return invalid(offsetAt(m_.offsets.memories, 1), "",
                   absl::StrFormat("multiple memories are not allowed (%u declared)",
                                   m_.memories.size()));
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::globals() const {
  for (size_t i = 0; i < m_.definedGlobals.size(); ++i) {
    const Global& g = m_.definedGlobals[i];
    const size_t index = m_.numImportedGlobals + i;
    absl::Status s = valueType(g.type.type, offsetAt(m_.offsets.globals, index),
                               absl::StrFormat("global %u", index));
    if (!s.ok()) return s;
    s = constExpr(g.init, g.type.type, constExprGlobals(index),
                  absl::StrFormat("global %u", index));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::elems() const {
  for (size_t i = 0; i < m_.elems.size(); ++i) {
    const ElemSegment& seg = m_.elems[i];
    const std::string where = absl::StrFormat("element segment %u", i);
    if (seg.mode == SegmentMode::Active) {
      const size_t at = offsetAt(m_.offsets.elems, i);
      if (seg.table >= m_.tables.size()) {
        return invalid(at, where, absl::StrFormat("unknown table %u", seg.table));
      }
      absl::Status s = constExpr(seg.offset, m_.tables[seg.table].limits.is64 ? ValType::I64 : ValType::I32,
                                 constExprGlobals(), where);
      if (!s.ok()) return s;
      if (!sub_(seg.type, m_.tables[seg.table].elem)) {
        return invalid(at, where,
                       absl::StrFormat("type mismatch: %s segment for a table of %s",
                                       typeName(seg.type), typeName(m_.tables[seg.table].elem)));
      }
    }
    if (absl::Status s = valueType(seg.type, offsetAt(m_.offsets.elems, i), where); !s.ok()) {
      return s;
    }
    for (const ConstExpr& item : seg.items) {
      absl::Status s = constExpr(item, seg.type, constExprGlobals(), where);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::datas() const {
  for (size_t i = 0; i < m_.datas.size(); ++i) {
    const DataSegment& seg = m_.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    const std::string where = absl::StrFormat("data segment %u", i);
    if (seg.memory >= m_.memories.size()) {
      return invalid(offsetAt(m_.offsets.datas, i), where,
                     absl::StrFormat("unknown memory %u", seg.memory));
    }
    absl::Status s = constExpr(seg.offset, m_.memories[seg.memory].limits.is64 ? ValType::I64 : ValType::I32,
                               constExprGlobals(), where);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::start() const {
  if (!m_.start) return absl::OkStatus();
  const uint32_t f = *m_.start;
  if (f >= m_.funcTypes.size()) {
    return invalid(m_.offsets.start, "the start section",
                   absl::StrFormat("unknown function %u", f));
  }
  const FuncType& ft = m_.funcType(f);
  if (!ft.params.empty() || !ft.results.empty()) {
    return invalid(m_.offsets.start, "the start section",
                   absl::StrFormat("start function %u must have type [] -> [], not %s -> %s", f,
                                   typeList(ft.params), typeList(ft.results)));
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::exports() const {
  std::unordered_set<std::string_view> names;
  for (size_t i = 0; i < m_.exports.size(); ++i) {
    const Export& e = m_.exports[i];
    const size_t at = offsetAt(m_.offsets.exports, i);
    const std::string where = absl::StrFormat("export \"%s\"", e.name);
    size_t limit = 0;
    switch (e.kind) {
      case ExternKind::Func: limit = m_.funcTypes.size(); break;
      case ExternKind::Table: limit = m_.tables.size(); break;
      case ExternKind::Memory: limit = m_.memories.size(); break;
      case ExternKind::Global: limit = m_.globals.size(); break;
      case ExternKind::Tag: limit = m_.tags.size(); break;
    }
    if (e.index >= limit) {
      const char* kind = e.kind == ExternKind::Func ? "function" : externKindName(e.kind);
      return invalid(at, where, absl::StrFormat("unknown %s %u", kind, e.index));
    }
    if (!names.insert(e.name).second) return invalid(at, where, "duplicate export name");
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::bodies() const {
  FunctionValidator fv(m_, features_, declaredFuncs_, sub_);
  for (size_t i = 0; i < m_.functions.size(); ++i) {
    const uint32_t funcIndex = m_.numImportedFuncs + static_cast<uint32_t>(i);
    if (!fv.run(funcIndex)) return invalid(fv.errorOffset(), functionLabel(funcIndex), fv.error());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status validateModule(const Module& m, const Features& features) {
  if (auto missing = unimplementedFeature(features)) {
    return absl::UnimplementedError(
        absl::StrFormat("unsupported feature: %s is not implemented yet", *missing));
  }
  return ModuleValidator(m, features).run();
}

absl::Status validateModule(const Module& m) { return validateModule(m, Features::wasm2()); }

absl::StatusOr<FuncType> blockType(const Module& m, const BlockType& bt) {
  switch (bt.kind) {
    case BlockType::Kind::Empty:
      return FuncType{};
    case BlockType::Kind::Value:
      return FuncType{{}, {bt.value}};
    case BlockType::Kind::TypeIndex:
      if (bt.typeIndex >= m.types.size()) {
        return absl::InvalidArgumentError(absl::StrFormat("unknown type %u", bt.typeIndex));
      }
      return m.types[bt.typeIndex];
  }
  return absl::InvalidArgumentError("malformed block type");
}

absl::StatusOr<FuncType> blockType(const Module& m, int64_t s33) {
  BlockType bt;
  if (s33 == -64) {
    bt.kind = BlockType::Kind::Empty;
  } else if (s33 < 0) {
    if (s33 < -64) return absl::InvalidArgumentError("malformed block type");
    const uint8_t byte = static_cast<uint8_t>(s33 & 0x7F);
    std::optional<ValType> t = ValType::fromByte(byte);
    if (!t) return absl::InvalidArgumentError("malformed block type");
    bt.kind = BlockType::Kind::Value;
    bt.value = *t;
  } else {
    if (s33 > UINT32_MAX) return absl::InvalidArgumentError("malformed block type");
    bt.kind = BlockType::Kind::TypeIndex;
    bt.typeIndex = static_cast<uint32_t>(s33);
  }
  return blockType(m, bt);
}

}  // namespace kiln::wasm

#include "ConstExpr.h"

#include "absl/container/inlined_vector.h"

#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln {
namespace {

constexpr size_t kMaxStack = 64;

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid constant expression: ", why));
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool AtEnd() const { return pos_ >= b_.size(); }
  size_t position() const { return pos_; }
  bool Byte(uint8_t* out) {
    if (AtEnd()) return false;
    *out = b_[pos_++];
    return true;
  }
  bool Bytes(void* out, size_t n) {
    if (b_.size() - pos_ < n) return false;
    std::memcpy(out, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool U32(uint32_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      uint8_t byte;
      if (!Byte(&byte)) return false;
      v |= uint64_t{byte & 0x7Fu} << shift;
      if (!(byte & 0x80)) {
        if (v > UINT32_MAX) return false;
        *out = static_cast<uint32_t>(v);
        return true;
      }
    }
    return false;
  }
  // Signed LEB128 of at most `bits` bits.
  bool S(int bits, int64_t* out) {
    uint64_t v = 0;
    int shift = 0;
    uint8_t byte;
    do {
      if (shift >= bits + 7 || !Byte(&byte)) return false;
      v |= uint64_t{byte & 0x7Fu} << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) v |= ~uint64_t{0} << shift;
    *out = static_cast<int64_t>(v);
    if (bits == 32 && (*out < INT32_MIN || *out > INT32_MAX)) return false;
    return true;
  }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<ConstValue> EvaluateConstExpr(std::span<const uint8_t> bytes,
                                             const ConstExprEnv& env, size_t* consumed) {
  Reader r(bytes);
  absl::InlinedVector<ConstValue, 4> stack;  // most expressions are one constant
  for (;;) {
    uint8_t op;
    if (!r.Byte(&op)) return Malformed("missing end");
    if (op == 0x0B) break;
    if (stack.size() >= kMaxStack) return Malformed("too deep");
    ConstValue v;
    switch (op) {
      case 0x41: {  // i32.const
        int64_t x;
        if (!r.S(32, &x)) return Malformed("bad i32 immediate");
        v.type = KILN_I32;
        v.value.i64 = 0;
        v.value.i32 = static_cast<uint32_t>(x);
        break;
      }
      case 0x42: {  // i64.const
        int64_t x;
        if (!r.S(64, &x)) return Malformed("bad i64 immediate");
        v.type = KILN_I64;
        v.value.i64 = static_cast<uint64_t>(x);
        break;
      }
      case 0x43:  // f32.const
        v.type = KILN_F32;
        if (!r.Bytes(&v.value.f32, 4)) return Malformed("bad f32 immediate");
        break;
      case 0x44:  // f64.const
        v.type = KILN_F64;
        if (!r.Bytes(&v.value.f64, 8)) return Malformed("bad f64 immediate");
        break;
      case 0xFD: {  // v128.const
        uint32_t sub;
        if (!r.U32(&sub) || sub != 12) return Malformed("unsupported 0xFD instruction");
        v.type = KILN_V128;
        if (!r.Bytes(v.value.v128, 16)) return Malformed("bad v128 immediate");
        break;
      }
      case 0x23: {  // global.get
        uint32_t index;
        if (!r.U32(&index)) return Malformed("bad global index");
        if (index >= env.num_readable_globals || !env.read_global) {
          return Malformed("global.get of a global not available here");
        }
        v = env.read_global(index);
        break;
      }
      case 0xD0: {  // ref.null ht: a heap type (s33), abstract or a (function) type index
        int64_t ht;
        if (!r.S(33, &ht)) return Malformed("bad ref.null type");
        if (ht >= 0) {
          v.type = KILN_FUNCREF;  // a function type index
        } else {
          switch (static_cast<uint8_t>(ht & 0x7F)) {
            case 0x70: case 0x73: v.type = KILN_FUNCREF; break;    // func, nofunc
            case 0x6F: case 0x72: v.type = KILN_EXTERNREF; break;  // extern, noextern
            case 0x69: case 0x74: v.type = KILN_EXNREF; break;     // exn, noexn
            default: return Malformed("bad ref.null type");
          }
        }
        v.value.ref = nullptr;
        break;
      }
      case 0xD2: {  // ref.func i
        uint32_t index;
        if (!r.U32(&index)) return Malformed("bad function index");
        if (index >= env.num_funcs || !env.func_ref) return Malformed("function index out of range");
        v.type = KILN_FUNCREF;
        v.value.ref = env.func_ref(index);
        break;
      }
      case 0x6A: case 0x6B: case 0x6C:    // i32.add / sub / mul
      case 0x7C: case 0x7D: case 0x7E: {  // i64.add / sub / mul
        const uint8_t type = op <= 0x6C ? KILN_I32 : KILN_I64;
        if (stack.size() < 2) return Malformed("operand stack underflow");
        ConstValue b = stack.back();
        stack.pop_back();
        ConstValue a = stack.back();
        stack.pop_back();
        if (a.type != type || b.type != type) return Malformed("operand type mismatch");
        const int kind = (op - (type == KILN_I32 ? 0x6A : 0x7C));
        v.type = type;
        if (type == KILN_I32) {
          const uint32_t x = a.value.i32, y = b.value.i32;
          v.value.i64 = 0;
          v.value.i32 = kind == 0 ? x + y : kind == 1 ? x - y : x * y;
        } else {
          const uint64_t x = a.value.i64, y = b.value.i64;
          v.value.i64 = kind == 0 ? x + y : kind == 1 ? x - y : x * y;
        }
        break;
      }
      default:
        return Malformed(absl::StrFormat("opcode 0x%02x not allowed", op));
    }
    stack.push_back(v);
  }
  if (consumed != nullptr) {
    *consumed = r.position();
  } else if (!r.AtEnd()) {
    return Malformed("bytes after end");
  }
  if (stack.size() != 1) return Malformed("must produce exactly one value");
  return stack.back();
}

}  // namespace kiln

// Byte reader for the Wasm binary format: LEB128 integers of every width with the spec's
// edge cases (overlong encodings, unused bits), floats as raw bits, names. Used by the
// decoder, the validator and the lowering. Errors are sticky: after the first failure every
// read returns 0 and `failed()` is true; `error()`/`errorOffset()` say what and where.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kiln::wasm {

class BodyReader {
 public:
  BodyReader(const uint8_t* data, size_t begin, size_t end)
      : data_(data), pos_(begin), end_(end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  bool atEnd() const { return pos_ >= end_; }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  size_t errorOffset() const { return errorOffset_; }
  void seek(size_t p) { pos_ = p; }

  void fail(std::string msg) { failAt(pos_, std::move(msg)); }
  void failAt(size_t offset, std::string msg) {
    if (!failed_) {
      failed_ = true;
      error_ = std::move(msg);
      errorOffset_ = offset;
    }
    pos_ = end_;
  }

  uint8_t u8() {
    if (pos_ >= end_) {
      fail("unexpected end");
      return 0;
    }
    return data_[pos_++];
  }
  uint8_t peek() const { return pos_ < end_ ? data_[pos_] : 0; }

  uint32_t u32() { return static_cast<uint32_t>(leb(32, false)); }
  uint64_t u64() { return leb(64, false); }
  int32_t s32() { return static_cast<int32_t>(leb(32, true)); }
  int64_t s64() { return static_cast<int64_t>(leb(64, true)); }
  // Signed 33-bit (block types).
  int64_t s33() { return static_cast<int64_t>(leb(33, true)); }

  uint32_t f32bits() {
    uint32_t v = 0;
    if (!take(4)) return 0;
    std::memcpy(&v, data_ + pos_ - 4, 4);
    return v;
  }
  uint64_t f64bits() {
    uint64_t v = 0;
    if (!take(8)) return 0;
    std::memcpy(&v, data_ + pos_ - 8, 8);
    return v;
  }
  const uint8_t* bytes(size_t n) {
    if (!take(n)) return nullptr;
    return data_ + pos_ - n;
  }

 private:
  bool take(size_t n) {
    if (end_ - pos_ < n || pos_ > end_) {
      fail("unexpected end");
      return false;
    }
    pos_ += n;
    return true;
  }

  // Reads an LEB128 number of at most `bits` bits. Rejects encodings longer than
  // ceil(bits/7) bytes ("integer representation too long") and final bytes whose unused
  // bits are not a sign/zero extension ("integer too large").
  uint64_t leb(unsigned bits, bool isSigned) {
    uint64_t result = 0;
    unsigned shift = 0;
    const size_t start = pos_;
    const unsigned maxBytes = (bits + 6) / 7;
    for (unsigned i = 0;; ++i) {
      if (pos_ >= end_) {
        failAt(start, "unexpected end");
        return 0;
      }
      uint8_t b = data_[pos_++];
      if (i == maxBytes - 1) {
        // Last permitted byte: continuation bit must be clear and unused bits must match.
        if (b & 0x80) {
          failAt(start, "integer representation too long");
          return 0;
        }
        unsigned used = bits - shift;  // payload bits available in this byte (1..7)
        if (used < 7) {
          uint8_t extra = static_cast<uint8_t>((b & 0x7F) >> used);
          if (isSigned) {
            bool sign = (b >> (used - 1)) & 1;
            uint8_t want = sign ? static_cast<uint8_t>(0x7F >> used) : 0;
            if (extra != want) {
              failAt(start, "integer too large");
              return 0;
            }
          } else if (extra != 0) {
            failAt(start, "integer too large");
            return 0;
          }
        }
      }
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if (!(b & 0x80)) {
        if (isSigned && shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
        break;
      }
    }
    if (bits < 64) {
      if (isSigned) {
        // sign-extend from `bits`
        uint64_t m = uint64_t{1} << (bits - 1);
        uint64_t v = result & ((uint64_t{1} << bits) - 1);
        result = (v ^ m) - m;
      } else {
        result &= (uint64_t{1} << bits) - 1;
      }
    }
    return result;
  }

  const uint8_t* data_;
  size_t pos_;
  size_t end_;
  bool failed_ = false;
  std::string error_;
  size_t errorOffset_ = 0;
};

}  // namespace kiln::wasm

// A growable byte buffer with the binary format's primitive encodings.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kiln::text {

class Bytes {
 public:
  std::vector<uint8_t> data;

  size_t size() const { return data.size(); }
  bool empty() const { return data.empty(); }
  void clear() { data.clear(); }

  void u8(uint8_t b) { data.push_back(b); }
  void u32(uint64_t v) { uleb(v); }
  void u64(uint64_t v) { uleb(v); }
  void uleb(uint64_t v) {
    do {
      uint8_t b = v & 0x7F;
      v >>= 7;
      if (v) b |= 0x80;
      data.push_back(b);
    } while (v);
  }
  void sleb(int64_t v) {
    while (true) {
      uint8_t b = v & 0x7F;
      v >>= 7;  // arithmetic shift
      bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
      if (!done) b |= 0x80;
      data.push_back(b);
      if (done) return;
    }
  }
  void fixed32(uint32_t v) {
    for (int i = 0; i < 4; ++i) data.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void fixed64(uint64_t v) {
    for (int i = 0; i < 8; ++i) data.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void raw(std::string_view s) { data.insert(data.end(), s.begin(), s.end()); }
  void append(const Bytes& b) { data.insert(data.end(), b.data.begin(), b.data.end()); }
  void append(const std::vector<uint8_t>& b) { data.insert(data.end(), b.begin(), b.end()); }
  // A name or byte vector: length, then the bytes.
  void name(std::string_view s) {
    u32(s.size());
    raw(s);
  }
  // A section: id, size, contents.
  void section(uint8_t id, const Bytes& contents) {
    u8(id);
    u32(contents.size());
    append(contents);
  }
};

}  // namespace kiln::text

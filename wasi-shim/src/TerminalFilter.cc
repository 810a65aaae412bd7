#include "kiln/wasi/TerminalFilter.h"

#include <cstdint>
#include <cstdio>

namespace kiln::wasi {
namespace {

void Hex(uint8_t b, std::string* out) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  out->append(buf);
}

// Length of the UTF-8 sequence starting with lead byte `b` (0: not a lead byte).
int SequenceLength(uint8_t b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

// Whether s[0..n) (n = SequenceLength(s[0]) >= 2) is a valid sequence: continuation bytes,
// no overlong forms, no surrogates, nothing past U+10FFFF.
bool ValidSequence(const uint8_t* s, int n) {
  for (int i = 1; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80) return false;
  }
  if (n == 3) {
    if (s[0] == 0xE0 && s[1] < 0xA0) return false;
    if (s[0] == 0xED && s[1] >= 0xA0) return false;
  }
  if (n == 4) {
    if (s[0] == 0xF0 && s[1] < 0x90) return false;
    if (s[0] == 0xF4 && s[1] >= 0x90) return false;
  }
  return true;
}

// Whether s[0..avail) could still become a valid sequence once more bytes arrive.
bool ValidPrefix(const uint8_t* s, int avail, int n) {
  for (int i = 1; i < avail; ++i) {
    if ((s[i] & 0xC0) != 0x80) return false;
  }
  if (avail >= 2) {
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return false;
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return false;
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90) return false;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90) return false;
  }
  return true;
}

}  // namespace

void TerminalFilter::Filter(std::string_view in, std::string* out) {
  std::string joined;
  if (!pending_.empty()) {
    joined = pending_;
    joined.append(in);
    pending_.clear();
    in = joined;
  }
  const auto* s = reinterpret_cast<const uint8_t*>(in.data());
  const size_t size = in.size();
  out->reserve(out->size() + size);
  size_t i = 0;
  while (i < size) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      if (b == '\n' || b == '\t' || b == '\r' || (b >= 0x20 && b < 0x7F)) {
        out->push_back(static_cast<char>(b));
      } else {
        out->push_back('^');
        out->push_back(b == 0x7F ? '?' : static_cast<char>(b + 0x40));
      }
      ++i;
      continue;
    }
    const int n = SequenceLength(b);
    if (n == 0) {
      Hex(b, out);
      ++i;
      continue;
    }
    const size_t avail = size - i;
    if (avail < static_cast<size_t>(n)) {
      if (ValidPrefix(s + i, static_cast<int>(avail), n)) {
        pending_.assign(in.substr(i));  // wait for the rest of the sequence
        return;
      }
      Hex(b, out);
      ++i;
      continue;
    }
    if (!ValidSequence(s + i, n)) {
      Hex(b, out);
      ++i;
      continue;
    }
    if (n == 2 && b == 0xC2 && s[i + 1] < 0xA0) {  // U+0080..U+009F: C1 controls
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", s[i + 1]);
      out->append(buf);
    } else {
      out->append(in.substr(i, n));
    }
    i += n;
  }
}

void TerminalFilter::Flush(std::string* out) {
  for (char c : pending_) Hex(static_cast<uint8_t>(c), out);
  pending_.clear();
}

}  // namespace kiln::wasi

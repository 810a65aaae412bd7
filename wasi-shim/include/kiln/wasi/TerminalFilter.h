// Makes guest output inert for a terminal. A guest that can write escape sequences to the
// operator's terminal can retitle it, rewrite what is on screen, hide text, or on some
// terminals answer back into the input. When stdout or stderr is a terminal, kiln passes
// guest bytes through this filter:
//   - newline, tab and carriage return pass;
//   - other C0 controls and DEL become caret notation: ESC -> "^[", BEL -> "^G", DEL -> "^?";
//   - C1 controls written as UTF-8 (U+0080..U+009F) become "\u0080".."\u009f";
//   - bytes that are not part of valid UTF-8 (a lone 0x9b is CSI on 8-bit terminals)
//     become "\xNN";
//   - all other valid UTF-8 passes unchanged.
// A UTF-8 sequence split across two writes is held back until it completes (Flush emits
// what is left). Output to files and pipes never goes through this.
#ifndef KILN_WASI_TERMINAL_FILTER_H
#define KILN_WASI_TERMINAL_FILTER_H

#include <string>
#include <string_view>

namespace kiln::wasi {

class TerminalFilter {
 public:
  // Appends the inert rendering of `in` to `out`.
  void Filter(std::string_view in, std::string* out);
  // Appends the rendering of any incomplete UTF-8 sequence still held back.
  void Flush(std::string* out);

 private:
  std::string pending_;  // an incomplete UTF-8 sequence from the previous write (<= 3 bytes)
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_TERMINAL_FILTER_H

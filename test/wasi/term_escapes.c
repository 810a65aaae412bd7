// Terminal control output: writes a CSI colour sequence (ESC [31m), an OSC window-title
// sequence (ESC ]0;pwned BEL), the 8-bit C1 CSI byte 0x9b raw and as UTF-8 (C2 9B), BEL,
// backspaces, and ordinary text with tab, carriage return and UTF-8 (é, 日本) to stdout,
// or to stderr with the argument "stderr". run_term_test.sh checks that kiln passes these
// bytes unchanged to pipes and files, and shows them inert on a terminal unless
// --allow-terminal-escapes is given.
// WASI: fd_write on fd 1 / fd 2.
#include <string.h>
#include <unistd.h>

static const char text[] =
    "hello plain text\n"
    "red:\x1b[31mRED\x1b[0m:end\n"
    "title:\x1b]0;pwned\x07:end\n"
    "c1:\x9b" "31m:end\n"
    "c1utf8:\xc2\x9b" "31m:end\n"
    "bell:\x07:end\n"
    "backspace:ab\x08\x08XY:end\n"
    "tab:a\tb:end\n"
    "cr:abc\rdef:end\n"
    "utf8: caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac:end\n"
    "hello again\n";

int main(int argc, char** argv) {
  int fd = argc > 1 && strcmp(argv[1], "stderr") == 0 ? 2 : 1;
  // In three pieces, the middle one splitting the OSC sequence, so a filter that works
  // per write call is exercised across call boundaries too.
  size_t n = sizeof text - 1, a = 40, b = 45;
  if (write(fd, text, a) != (ssize_t)a || write(fd, text + a, b - a) != (ssize_t)(b - a) ||
      write(fd, text + b, n - b) != (ssize_t)(n - b))
    return 1;
  return 0;
}

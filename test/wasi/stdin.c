// Standard input: reads all of it with read() in odd-sized chunks (first pass) and checks
// that further reads at EOF keep returning 0, then prints its size, line count, an FNV-1a
// hash, the first and last lines, and echoes the whole input to stdout byte for byte.
// Run with WASI_STDIN=stdin.txt (a multi-kilobyte UTF-8 text) and with the default
// /dev/null (empty input). Also: fstat(0) says it is not a directory.
// WASI: fd_read on fd 0, fd_write on fd 1, fd_filestat_get / fd_fdstat_get on fd 0.
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

int main(void) {
  size_t cap = 1 << 16, len = 0;
  char* data = malloc(cap);
  size_t chunk = 1, reads = 0;
  for (;;) {
    if (len + chunk > cap) {
      cap *= 2;
      data = realloc(data, cap);
    }
    ssize_t n = read(0, data + len, chunk);
    if (n < 0) {
      printf("read error: %s\n", errno_name(errno));
      return 1;
    }
    if (n == 0) break;
    len += (size_t)n;
    reads++;
    chunk = chunk % 5000 * 7 + 3;
  }
  int more = 0;
  for (int i = 0; i < 3; ++i) more += read(0, data + len, 16) != 0;
  printf("read %zu bytes (%s); reads after EOF returning 0: %s\n", len, reads ? "some reads" : "EOF at once",
         more == 0 ? "yes" : "no");
  size_t lines = 0;
  for (size_t i = 0; i < len; ++i) lines += data[i] == '\n';
  printf("lines: %zu\n", lines);
  printf("fnv1a: %016llx\n", (unsigned long long)fnv1a(data, len, FNV_INIT));
  size_t first_end = 0;
  while (first_end < len && data[first_end] != '\n') first_end++;
  printf("first line: %.*s\n", (int)first_end, data);
  if (len > 0) {
    size_t last_start = len - 1;
    if (data[last_start] == '\n' && last_start > 0) last_start--;
    while (last_start > 0 && data[last_start - 1] != '\n') last_start--;
    printf("last line: %.*s", (int)(len - last_start), data + last_start);
    if (data[len - 1] != '\n') printf("\n");
  }
  struct stat st;
  if (fstat(0, &st) == 0)
    printf("stdin is a directory: %s\n", S_ISDIR(st.st_mode) ? "yes" : "no");
  else
    printf("fstat stdin: %s\n", errno_name(errno));
  printf("--- echo ---\n");
  fflush(stdout);
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(1, data + off, len - off < 4096 ? len - off : 4096);
    if (w <= 0) return 2;
    off += (size_t)w;
  }
  printf("--- end (%zu bytes) ---\n", off);
  free(data);
  return 0;
}

/* Host calls: one byte written a million times with write(1, ...) (fd_write under WASI),
 * stdout sent to /dev/null by the runner. Prints the count to stderr. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  const char byte = 'x';
  long written = 0;
  for (int i = 0; i < 1000000; ++i) written += write(1, &byte, 1);
  fprintf(stderr, "%ld\n", written);
  return written == 1000000 ? 0 : 1;
}

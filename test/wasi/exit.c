// Exit status: argv[1] says how the program ends and argv[2] with which code: "return N"
// from main, "exit N" (runs atexit handlers and flushes stdio), "_Exit N" (does neither:
// the buffered line is lost), "atexit N" (two handlers run in reverse order of
// registration, then exit N), "abort" (a trap under kiln, SIGABRT natively: both end with
// status 134 and nothing flushed). Output printed before the end is left in the stdio
// buffer (stdout is a file) so that flushing shows.
// WASI: proc_exit, fd_write.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdio.h>

static void first_registered(void) { printf("atexit handler registered first (runs last)\n"); }
static void second_registered(void) { printf("atexit handler registered second (runs first)\n"); }

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: exit MODE [CODE]\n");
    return 2;
  }
  int code = argc > 2 ? atoi(argv[2]) : 0;
  printf("mode %s code %d\n", argv[1], code);
  fflush(stdout);
  printf("this line is still in the stdio buffer\n");
  if (strcmp(argv[1], "return") == 0) return code;
  if (strcmp(argv[1], "exit") == 0) exit(code);
  if (strcmp(argv[1], "_Exit") == 0) _Exit(code);
  if (strcmp(argv[1], "atexit") == 0) {
    atexit(first_registered);
    atexit(second_registered);
    exit(code);
  }
  if (strcmp(argv[1], "abort") == 0) abort();
  printf("unknown mode\n");
  return 3;
}

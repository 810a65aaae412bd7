// A WASI command: prints its arguments and an environment variable, then copies the file
// named by its first argument (from a pre-opened directory) to stdout.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) printf("arg %d: %s\n", i, argv[i]);
  const char* greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
  if (argc < 2) return 2;
  FILE* f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
  // Writing is refused: the directory is pre-opened read-only.
  FILE* w = fopen("/data/new.txt", "w");
  printf("write: %s\n", w ? "allowed" : "refused");
  if (w) fclose(w);
  return 3;
}

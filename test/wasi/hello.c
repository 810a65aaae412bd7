// Hello world for kiln: prints its arguments, one environment variable, and exits with
// the number of arguments.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("hello from wasm\n");
  for (int i = 1; i < argc; ++i) printf("arg %d: %s\n", i, argv[i]);
  const char* greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
  return argc - 1;
}

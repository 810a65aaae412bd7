// Arguments, environment and exit status reach the guest exactly as natively.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  int n = 0;
  for (char** e = environ; *e; ++e) printf("env %d: %s\n", n++, *e);
  printf("KILN_TEST=%s\n", getenv("KILN_TEST") ? getenv("KILN_TEST") : "(unset)");
  return argc > 1 ? atoi(argv[1]) : 0;
}

/* A WAGI handler for test/serve/serve_test.py: reports its arguments, environment and the
 * body it read (size and byte sum) as "key value" lines; query items choose misbehaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

static int has(const char* query, const char* item) {
  return query != NULL && strstr(query, item) != NULL;
}

int main(int argc, char** argv) {
  const char* q = getenv("QUERY_STRING");
  if (has(q, "loop=")) {
    volatile unsigned n = 0;
    for (;;) n++;
  }
  if (has(q, "trap=")) __builtin_trap();
  if (has(q, "exit=")) return atoi(strstr(q, "exit=") + 5);
  if (has(q, "garbage=")) {
    fputs("this is not a CGI response", stdout);
    return 0;
  }
  if (has(q, "flood=")) {
    fputs("Content-Type: text/plain\n\n", stdout);
    for (int i = 0; i < 100000; i++) fputs("flooding the output..........\n", stdout);
    return 0;
  }
  if (has(q, "hog=")) {
    for (int i = 0; i < 100000; i++)
      if (malloc(1 << 20) == NULL) break;
  }
  if (has(q, "read=")) {  /* read=PATH: the file's first line, or why it cannot be read */
    char path[256];
    snprintf(path, sizeof path, "%s", strstr(q, "read=") + 5);
    char* amp = strchr(path, '&');
    if (amp) *amp = 0;
    FILE* f = fopen(path, "r");
    char line[128] = "";
    fputs("Content-Type: text/plain\n\n", stdout);
    if (f == NULL) {
      printf("file-error %s\n", path);
    } else {
      if (fgets(line, sizeof line, f) == NULL) line[0] = 0;
      printf("file %s", line);
      fclose(f);
    }
    return 0;
  }
  if (has(q, "redirect=")) {
    fputs("Location: /elsewhere\n\n", stdout);
    return 0;
  }
  fputs("Content-Type: text/plain\nX-Handler: wagi\n", stdout);
  if (has(q, "status=")) printf("Status: %d Custom\n", atoi(strstr(q, "status=") + 7));
  fputs("\n", stdout);
  for (int i = 0; i < argc; i++) printf("arg %s\n", argv[i]);
  for (char** e = environ; *e != NULL; e++) printf("env %s\n", *e);
  unsigned char buf[4096];
  size_t n, total = 0;
  uint32_t sum = 0;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    for (size_t i = 0; i < n; i++) sum += buf[i];
    total += n;
  }
  printf("body %zu\nsum %u\n", total, (unsigned)sum);
  return 0;
}

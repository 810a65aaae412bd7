/* A WAGI handler: kiln serve runs it in a fresh sandbox for every request. The request
 * arrives as CGI environment variables (QUERY_STRING, REQUEST_METHOD, PATH_INFO, HTTP_*...),
 * the query's items as arguments and the body on stdin; the response is header lines, a
 * blank line and the body on stdout. Nothing kiln-specific: it runs under WAGI too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  const char* name = "world";
  for (int i = 1; i < argc; i++)  /* argv[1..]: the query's items, "name=you" */
    if (strncmp(argv[i], "name=", 5) == 0) name = argv[i] + 5;
  printf("Content-Type: text/plain\n\n");
  printf("hello, %s, from %s %s\n", name, getenv("REQUEST_METHOD"), getenv("PATH_INFO"));
  return 0;
}

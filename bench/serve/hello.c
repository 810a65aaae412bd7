/* bench/serve: the smallest WAGI handler (the same source is built natively for
 * lighttpd + mod_cgi, and its response is the static file lighttpd serves). */
#include <stdio.h>

int main(void) {
  fputs("Content-Type: text/plain\n\nhello, world\n", stdout);
  return 0;
}

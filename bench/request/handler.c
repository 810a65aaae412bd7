/* A small request handler, run once per request in a fresh process or instance:
 *
 *   handler 'GET /price?item=widget&qty=12&currency=EUR'
 *
 * parses the request line, looks the item up in a small catalogue, computes the
 * price with a quantity discount and tax in integer cents, and writes a JSON
 * response with a checksum to stdout. Exit status 0, or 2 with an error document for
 * a bad request. The work is a few microseconds; what a fresh instance per request
 * costs is everything around it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
  const char *name;
  int64_t cents;
  int stock;
};

static const struct item catalogue[] = {
    {"anvil", 129900, 3},  {"bolt", 15, 90000},  {"crate", 2450, 120},  {"drill", 8999, 14},
    {"gear", 340, 5000},   {"hinge", 199, 800},  {"lamp", 3995, 60},    {"nail", 2, 1000000},
    {"pulley", 1275, 75},  {"rope", 850, 400},   {"spring", 45, 20000}, {"widget", 1999, 250},
};

/* Decodes %XX and '+' in place. */
static void url_decode(char *s) {
  char *out = s;
  for (; *s; ++s) {
    if (*s == '+') {
      *out++ = ' ';
    } else if (*s == '%' && s[1] && s[2]) {
      char hex[3] = {s[1], s[2], 0};
      *out++ = (char)strtol(hex, NULL, 16);
      s += 2;
    } else {
      *out++ = *s;
    }
  }
  *out = 0;
}

static int fail(const char *why) {
  printf("{\"status\":400,\"error\":\"%s\"}\n", why);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return fail("no request");
  char line[512];
  snprintf(line, sizeof line, "%s", argv[1]);
  char *path = strchr(line, ' ');
  if (strncmp(line, "GET ", 4) != 0 || path == NULL) return fail("only GET");
  ++path;
  char *query = strchr(path, '?');
  if (query != NULL) *query++ = 0;
  if (strcmp(path, "/price") != 0) return fail("no such path");

  const char *name = NULL, *currency = "USD";
  long qty = 1;
  for (char *kv = query ? strtok(query, "&") : NULL; kv != NULL; kv = strtok(NULL, "&")) {
    char *eq = strchr(kv, '=');
    if (eq == NULL) return fail("malformed query");
    *eq = 0;
    url_decode(eq + 1);
    if (strcmp(kv, "item") == 0) name = eq + 1;
    else if (strcmp(kv, "qty") == 0) qty = strtol(eq + 1, NULL, 10);
    else if (strcmp(kv, "currency") == 0) currency = eq + 1;
  }
  if (name == NULL || qty <= 0 || qty > 100000) return fail("bad item or quantity");

  const struct item *it = NULL;
  size_t lo = 0, hi = sizeof catalogue / sizeof catalogue[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(name, catalogue[mid].name);
    if (c == 0) {
      it = &catalogue[mid];
      break;
    }
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  if (it == NULL) return fail("unknown item");

  int64_t rate = strcmp(currency, "EUR") == 0 ? 92 : strcmp(currency, "GBP") == 0 ? 79 : 100;
  int64_t gross = it->cents * qty * rate / 100;
  int64_t discount = qty >= 100 ? gross / 10 : qty >= 10 ? gross / 20 : 0;
  int64_t net = gross - discount;
  int64_t tax = (net * 19 + 50) / 100;

  char body[384];
  int n = snprintf(body, sizeof body,
                   "{\"item\":\"%s\",\"qty\":%ld,\"currency\":\"%s\",\"unit\":%lld,"
                   "\"gross\":%lld,\"discount\":%lld,\"tax\":%lld,\"total\":%lld,\"in_stock\":%s}",
                   it->name, qty, currency, (long long)it->cents, (long long)gross,
                   (long long)discount, (long long)tax, (long long)(net + tax),
                   qty <= it->stock ? "true" : "false");
  uint32_t h = 2166136261u;
  for (int i = 0; i < n; ++i) h = (h ^ (uint8_t)body[i]) * 16777619u;
  printf("{\"status\":200,\"etag\":\"%08x\",\"body\":%s}\n", (unsigned)h, body);
  return 0;
}

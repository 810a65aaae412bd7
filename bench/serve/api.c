/* bench/serve: a small JSON API. The query selects the operation (op=sum|max|count), the
 * body is a JSON array of integers; the answer is a JSON object. Reads its input the way a
 * CGI program does (QUERY_STRING, CONTENT_LENGTH, stdin), so it runs under WAGI, kiln serve
 * and mod_cgi unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* query_value(const char* query, const char* key, char* out, size_t cap) {
  size_t klen = strlen(key);
  for (const char* p = query; p && *p;) {
    const char* end = strchr(p, '&');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
      size_t n = len - klen - 1 < cap - 1 ? len - klen - 1 : cap - 1;
      memcpy(out, p + klen + 1, n);
      out[n] = 0;
      return out;
    }
    p = end ? end + 1 : NULL;
  }
  return NULL;
}

int main(void) {
  char op[16] = "sum";
  const char* query = getenv("QUERY_STRING");
  if (query) query_value(query, "op", op, sizeof op);
  const char* cl = getenv("CONTENT_LENGTH");
  long length = cl ? strtol(cl, NULL, 10) : 0;
  if (length < 0 || length > 65536) length = 0;
  char* body = malloc((size_t)length + 1);
  size_t got = body ? fread(body, 1, (size_t)length, stdin) : 0;
  if (!body || got != (size_t)length || length < 2 || body[0] != '[') {
    printf("Status: 400 Bad Request\nContent-Type: application/json\n\n"
           "{\"error\":\"expected a JSON array of integers\"}\n");
    return 0;
  }
  body[length] = 0;
  long long sum = 0, max = 0;
  long n = 0;
  char* p = body + 1;
  for (;;) {
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    if (*p == ']') break;
    char* end;
    long long v = strtoll(p, &end, 10);
    if (end == p) {
      printf("Status: 400 Bad Request\nContent-Type: application/json\n\n"
             "{\"error\":\"not an integer at byte %ld\"}\n", (long)(p - body));
      return 0;
    }
    sum += v;
    if (n == 0 || v > max) max = v;
    n++;
    p = end;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    if (*p == ',') p++;
  }
  long long result = strcmp(op, "max") == 0 ? max : strcmp(op, "count") == 0 ? n : sum;
  printf("Content-Type: application/json\n\n{\"op\":\"%s\",\"n\":%ld,\"result\":%lld}\n",
         strcmp(op, "max") == 0 || strcmp(op, "count") == 0 ? op : "sum", n, result);
  free(body);
  return 0;
}

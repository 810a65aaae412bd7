// Integer, float and memory-heavy code gives the same output under kiln as natively.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t xorshift(uint32_t* s) {
  uint32_t x = *s;
  x ^= x << 13; x ^= x >> 17; x ^= x << 5;
  return *s = x;
}

static int cmp(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  uint32_t seed = 12345;
  size_t n = 200000;
  uint32_t* v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; ++i) v[i] = xorshift(&seed);
  qsort(v, n, sizeof *v, cmp);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i += 1000) h = (h ^ v[i]) * 1099511628211ull;
  printf("sorted hash %016llx\n", (unsigned long long)h);
  double acc = 0;
  for (int i = 1; i < 100000; ++i) acc += sin(i * 0.001) * sqrt((double)i) / (1.0 + fabs(cos(i)));
  printf("float sum %.9e\n", acc);
  char* buf = malloc(1 << 20);
  memset(buf, 'x', 1 << 20);
  memmove(buf + 1, buf, (1 << 20) - 1);
  buf[100] = 0;
  printf("string %zu %s\n", strlen(buf), buf + 90);
  long long fact = 1;
  for (int i = 1; i <= 20; ++i) fact *= i;
  printf("20! = %lld, 7/2=%d, -7/2=%d, -7%%2=%d\n", fact, 7 / 2, -7 / 2, -7 % 2);
  free(buf);
  free(v);
  return 0;
}

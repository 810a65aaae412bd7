#include <stdio.h>
#include <stdint.h>
// Compute loops: a sieve, a nested-loop matrix multiply and a hash chain.
static uint32_t a[256][256], b[256][256], c[256][256];
static char sieve[20000000];
int main(void) {
  uint64_t h = 1469598103934665603ull;
  for (int r = 0; r < 3; ++r) {
    for (int i = 2; i < 20000000; ++i) sieve[i] = 0;
    int count = 0;
    for (int i = 2; i < 20000000; ++i) {
      if (sieve[i]) continue;
      ++count;
      for (int64_t j = (int64_t)i * i; j < 20000000; j += i) sieve[j] = 1;
    }
    h ^= count;
    for (int i = 0; i < 256; ++i) for (int j = 0; j < 256; ++j) { a[i][j] = i * 31 + j + r; b[i][j] = j * 17 + i; }
    for (int i = 0; i < 256; ++i) for (int j = 0; j < 256; ++j) { uint32_t s = 0; for (int k = 0; k < 256; ++k) s += a[i][k] * b[k][j]; c[i][j] = s; }
    for (int i = 0; i < 256; ++i) h = (h ^ c[i][(i * 7) & 255]) * 1099511628211ull;
    for (int i = 0; i < 30000000; ++i) h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull + i;
  }
  printf("%llu\n", (unsigned long long)h);
  return 0;
}

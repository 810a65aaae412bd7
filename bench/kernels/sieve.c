/* sieve: integer sieve of Eratosthenes. A byte-per-number sieve (simple, store
 * heavy) and a bit-packed odd-only sieve (shifts and masks) up to the same limit;
 * the two prime counts must agree. Also sums the primes and hashes the gaps between
 * consecutive primes near the top. */
#include "common.h"

#define LIMIT 40000000u

static uint8_t composite[LIMIT + 1];
static uint32_t bits[(LIMIT / 2) / 32 + 1];

static uint32_t byte_sieve(uint64_t *sum) {
  memset(composite, 0, sizeof composite);
  uint32_t count = 0;
  uint64_t s = 0;
  for (uint32_t i = 2; i <= LIMIT; ++i) {
    if (composite[i]) continue;
    ++count;
    s += i;
    for (uint64_t j = (uint64_t)i * i; j <= LIMIT; j += i) composite[j] = 1;
  }
  *sum = s;
  return count;
}

/* bit k stands for the odd number 2k+1 */
static uint32_t bit_sieve(void) {
  const uint32_t n = LIMIT / 2 + 1;
  memset(bits, 0, sizeof bits);
  bits[0] |= 1u; /* 1 is not prime */
  for (uint32_t k = 1; (2 * k + 1) * (2 * k + 1) <= LIMIT; ++k) {
    if (bits[k >> 5] >> (k & 31) & 1u) continue;
    uint32_t p = 2 * k + 1;
    for (uint32_t m = (p * p) / 2; m < n; m += p) bits[m >> 5] |= 1u << (m & 31);
  }
  uint32_t count = LIMIT >= 2 ? 1 : 0; /* the prime 2 */
  for (uint32_t k = 0; k < n; ++k)
    if (2 * k + 1 <= LIMIT && !(bits[k >> 5] >> (k & 31) & 1u)) ++count;
  return count;
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 3);
  uint64_t h = HASH_INIT, sum = 0;
  uint32_t count = 0;
  for (int r = 0; r < reps; ++r) {
    count = byte_sieve(&sum);
    uint32_t count2 = bit_sieve();
    if (count != count2) {
      printf("sieve: counts differ: %u vs %u\n", count, count2);
      return 1;
    }
    uint32_t last = 0;
    for (uint32_t i = LIMIT - 200000u; i <= LIMIT; ++i)
      if (!composite[i]) {
        if (last) h = hash_u64(h, i - last);
        last = i;
      }
  }
  printf("sieve limit=%u reps=%d primes=%u sum=%llu hash=%016llx\n", LIMIT, reps, count,
         (unsigned long long)sum, (unsigned long long)h);
  return 0;
}

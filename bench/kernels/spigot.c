/* spigot: integer division heavy. Decimal digits of pi by the Rabinowitz-Wagon
 * spigot (a mixed-radix array renormalised digit by digit, with held "predigits"
 * for the 9...9 carry case) and of e by its simpler factorial-radix spigot. Every
 * inner step is a 32-bit division and remainder by a varying divisor. Prints the
 * leading digits and a hash of all of them. */
#include "common.h"

#define PI_DIGITS 5000
#define E_DIGITS 5000

static uint32_t arr[PI_DIGITS * 10 / 3 + 16];
static char pi_out[PI_DIGITS + 16];
static char e_out[E_DIGITS + 16];

static int pi_spigot(int n, char *out) {
  int len = n * 10 / 3 + 1, produced = 0;
  for (int i = 0; i < len; ++i) arr[i] = 2;
  int predigit = -1, nines = 0;
  for (int j = 0; j < n + 1; ++j) {
    uint32_t q = 0;
    for (int i = len; i > 0; --i) {
      uint32_t x = 10 * arr[i - 1] + q * (uint32_t)i;
      uint32_t d = 2 * (uint32_t)i - 1;
      arr[i - 1] = x % d;
      q = x / d;
    }
    arr[0] = q % 10;
    q /= 10;
    if (q == 9) {
      ++nines;
    } else if (q == 10) {
      if (predigit >= 0 && produced < n) out[produced++] = (char)('0' + predigit + 1);
      for (; nines > 0; --nines)
        if (produced < n) out[produced++] = '0';
      predigit = 0;
    } else {
      if (predigit >= 0 && produced < n) out[produced++] = (char)('0' + predigit);
      for (; nines > 0; --nines)
        if (produced < n) out[produced++] = '9';
      predigit = (int)q;
    }
  }
  out[produced] = '\0';
  return produced;
}

/* e = 2 + 1/2! + 1/3! + ...: digits of the fractional part */
static int e_spigot(int n, char *out) {
  int len = n + 10;
  for (int i = 0; i < len; ++i) arr[i] = 1;
  for (int j = 0; j < n; ++j) {
    uint32_t carry = 0;
    for (int i = len - 1; i >= 0; --i) {
      uint32_t x = arr[i] * 10 + carry;
      uint32_t d = (uint32_t)i + 2;
      arr[i] = x % d;
      carry = x / d;
    }
    out[j] = (char)('0' + carry);
  }
  out[n] = '\0';
  return n;
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 2);
  uint64_t h = HASH_INIT;
  int np = 0, ne = 0;
  for (int r = 0; r < reps; ++r) {
    np = pi_spigot(PI_DIGITS - r, pi_out);
    ne = e_spigot(E_DIGITS - r, e_out);
    for (int i = 0; i < np; ++i) h = (h ^ (uint8_t)pi_out[i]) * 0x100000001b3ull;
    for (int i = 0; i < ne; ++i) h = (h ^ (uint8_t)e_out[i]) * 0x100000001b3ull;
  }
  if (strncmp(pi_out, "31415926535897932384626433832795028841971", 41) != 0 ||
      strncmp(e_out, "7182818284590452353602874713526624977572", 40) != 0) {
    printf("spigot: wrong digits: %.20s %.20s\n", pi_out, e_out);
    return 1;
  }
  printf("spigot reps=%d pi=%.20s...%s e=2.%.20s...%s hash=%016llx\n", reps, pi_out, pi_out + np - 10, e_out,
         e_out + ne - 10, (unsigned long long)h);
  return 0;
}

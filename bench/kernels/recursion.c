/* recursion: call-heavy code. Naive recursive Fibonacci, the Takeuchi function and
 * an N-queens backtracking counter: millions of small non-leaf calls, so function
 * entry/exit costs (prologues, stack checks, interruption checks) dominate. */
#include "common.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int32_t tak(int32_t x, int32_t y, int32_t z) {
  if (y >= x) return z;
  return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

/* columns, diagonals as bit masks */
static uint32_t queens(uint32_t n, uint32_t row, uint32_t cols, uint32_t d1, uint32_t d2) {
  if (row == n) return 1;
  uint32_t count = 0;
  uint32_t free_mask = ~(cols | d1 | d2) & ((1u << n) - 1);
  while (free_mask) {
    uint32_t bit = free_mask & (0u - free_mask);
    free_mask ^= bit;
    count += queens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
  }
  return count;
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 80);
  uint64_t h = HASH_INIT;
  uint32_t f = 0, q = 0;
  int32_t t = 0;
  for (int r = 0; r < reps; ++r) {
    f = fib(30 + (uint32_t)(r & 1));
    t = tak(22 + (r & 1), 14, 6);
    q = queens(11 + (uint32_t)(r & 1), 0, 0, 0, 0);
    h = hash_u64(hash_u64(hash_u64(h, f), (uint32_t)t), q);
  }
  printf("recursion reps=%d fib=%u tak=%d queens=%u hash=%016llx\n", reps, f, t, q, (unsigned long long)h);
  return 0;
}

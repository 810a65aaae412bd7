/* editdist: dynamic programming. Levenshtein distance and longest common subsequence
 * of pairs of random strings over a small alphabet, each with one rolling DP row
 * (branchy min-of-three recurrences that do not vectorise). Prints the sum and a
 * hash of all the distances. */
#include "common.h"

#define LEN 3000

static uint32_t row[LEN + 1];

static uint32_t levenshtein(const char *a, int n, const char *b, int m) {
  for (int j = 0; j <= m; ++j) row[j] = (uint32_t)j;
  for (int i = 1; i <= n; ++i) {
    uint32_t diag = row[0];
    row[0] = (uint32_t)i;
    char ai = a[i - 1];
    for (int j = 1; j <= m; ++j) {
      uint32_t up = row[j];
      uint32_t best = diag + (ai != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[m];
}

static uint32_t lcs(const char *a, int n, const char *b, int m) {
  for (int j = 0; j <= m; ++j) row[j] = 0;
  for (int i = 1; i <= n; ++i) {
    uint32_t diag = 0;
    char ai = a[i - 1];
    for (int j = 1; j <= m; ++j) {
      uint32_t up = row[j];
      if (ai == b[j - 1])
        row[j] = diag + 1;
      else if (row[j - 1] > up)
        row[j] = row[j - 1];
      diag = up;
    }
  }
  return row[m];
}

static void random_string(char *s, int n, int alphabet) {
  for (int i = 0; i < n; ++i) s[i] = (char)('a' + rng_below((uint32_t)alphabet));
}

/* A mutated copy: substitutions, insertions and deletions at about rate/1000. */
static int mutate(const char *src, int n, char *dst, int cap, int rate) {
  int k = 0;
  for (int i = 0; i < n && k < cap; ++i) {
    uint32_t roll = rng_below(1000);
    if (roll < (uint32_t)rate / 3) continue;                                /* delete */
    if (roll < 2 * (uint32_t)rate / 3 && k < cap - 1) dst[k++] = (char)('a' + rng_below(4)); /* insert */
    dst[k++] = roll < (uint32_t)rate ? (char)('a' + rng_below(4)) : src[i]; /* substitute */
  }
  return k;
}

int main(int argc, char **argv) {
  int pairs = bench_reps(argc, argv, 40);
  static char a[LEN], b[LEN];
  rng_seed(3);
  uint64_t h = HASH_INIT, sum = 0;
  for (int p = 0; p < pairs; ++p) {
    int alphabet = 2 + p % 6;
    int n = LEN - (int)rng_below(LEN / 4);
    random_string(a, n, alphabet);
    int m;
    if (p % 2) {
      m = mutate(a, n, b, LEN, 50 + 100 * (p % 5));
    } else {
      m = LEN - (int)rng_below(LEN / 4);
      random_string(b, m, alphabet);
    }
    uint32_t d = levenshtein(a, n, b, m);
    uint32_t l = lcs(a, n, b, m);
    h = hash_u64(hash_u64(h, d), l);
    sum += d + l;
  }
  printf("editdist len=%d pairs=%d sum=%llu hash=%016llx\n", LEN, pairs, (unsigned long long)sum,
         (unsigned long long)h);
  return 0;
}

/* sort: integer sorting. An in-place quicksort (median of three, insertion sort for
 * short ranges, recursion on the smaller side) and a top-down merge sort with one
 * scratch buffer, on the same random 32-bit keys; checks both are sorted and equal,
 * and hashes a sample of the result. */
#include "common.h"

#define COUNT (1u << 21)

static void insertion_sort(uint32_t *a, long n) {
  for (long i = 1; i < n; ++i) {
    uint32_t v = a[i];
    long j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      --j;
    }
    a[j + 1] = v;
  }
}

static inline void swap_u32(uint32_t *x, uint32_t *y) {
  uint32_t t = *x;
  *x = *y;
  *y = t;
}

static void quick_sort(uint32_t *a, long n) {
  while (n > 24) {
    long mid = n / 2;
    if (a[mid] < a[0]) swap_u32(&a[mid], &a[0]);
    if (a[n - 1] < a[0]) swap_u32(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid]) swap_u32(&a[n - 1], &a[mid]);
    uint32_t pivot = a[mid];
    long i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot) ++i;
      while (a[j] > pivot) --j;
      if (i >= j) break;
      swap_u32(&a[i], &a[j]);
      ++i;
      --j;
    }
    long left = j + 1; /* a[0..j] <= pivot <= a[j+1..n) */
    if (left < n - left) {
      quick_sort(a, left);
      a += left;
      n -= left;
    } else {
      quick_sort(a + left, n - left);
      n = left;
    }
  }
  insertion_sort(a, n);
}

static void merge_sort_rec(uint32_t *a, uint32_t *tmp, long n) {
  if (n <= 16) {
    insertion_sort(a, n);
    return;
  }
  long h = n / 2;
  merge_sort_rec(a, tmp, h);
  merge_sort_rec(a + h, tmp, n - h);
  if (a[h - 1] <= a[h]) return;
  memcpy(tmp, a, (size_t)h * sizeof *a);
  long i = 0, j = h, k = 0;
  while (i < h && j < n) a[k++] = tmp[i] <= a[j] ? tmp[i++] : a[j++];
  while (i < h) a[k++] = tmp[i++];
}

static int is_sorted(const uint32_t *a, long n) {
  for (long i = 1; i < n; ++i)
    if (a[i - 1] > a[i]) return 0;
  return 1;
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 3);
  uint32_t *q = xmalloc(COUNT * sizeof *q);
  uint32_t *m = xmalloc(COUNT * sizeof *m);
  uint32_t *tmp = xmalloc(COUNT / 2 * sizeof *tmp + 64);
  rng_seed(4);
  uint64_t h = HASH_INIT;
  for (int r = 0; r < reps; ++r) {
    /* Alternate uniform keys with keys from a small range (many duplicates). */
    uint32_t mask = r % 2 ? 0xffffu : 0xffffffffu;
    for (uint32_t i = 0; i < COUNT; ++i) q[i] = m[i] = rng_u32() & mask;
    quick_sort(q, COUNT);
    merge_sort_rec(m, tmp, COUNT);
    if (!is_sorted(q, COUNT) || memcmp(q, m, COUNT * sizeof *q) != 0) {
      printf("sort: wrong result in round %d\n", r);
      return 1;
    }
    for (uint32_t i = 0; i < COUNT; i += 4099) h = hash_u64(h, q[i]);
  }
  printf("sort n=%u reps=%d min=%u max=%u hash=%016llx\n", COUNT, reps, q[0], q[COUNT - 1],
         (unsigned long long)h);
  free(q);
  free(m);
  free(tmp);
  return 0;
}

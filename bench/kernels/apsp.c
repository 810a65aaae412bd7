/* apsp: all-pairs shortest paths (Floyd-Warshall) on a dense graph of int distances in
 * a 2-D array parameter: for every k, d[i][j] = min(d[i][j], d[i][k] + d[k][j]) with j
 * innermost. The checksum hashes the final distances. */
#include "common.h"

#define N 600

static void kernel(int n, int d[N][N]) {
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        d[i][j] = d[i][j] < d[i][k] + d[k][j] ? d[i][j] : d[i][k] + d[k][j];
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 4);
  int(*d)[N] = xmalloc(sizeof(int[N][N]));
  uint64_t h = HASH_INIT;
  for (int r = 0; r < reps; r++) {
    rng_seed(7 + r);
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++)
        d[i][j] = i == j ? 0 : (rng_below(8) == 0 ? 1 + (int)rng_below(1000) : 1000000);
    kernel(N, d);
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) h = hash_u64(h, (uint64_t)(uint32_t)d[i][j]);
  }
  printf("apsp n=%d reps=%d d[0][n-1]=%d hash=%016llx\n", N, reps, d[0][N - 1],
         (unsigned long long)h);
  return 0;
}

/* stencil: 2D Jacobi relaxation of the heat equation on a square grid of doubles with
 * fixed (Dirichlet) borders. Each sweep writes the 5-point average into a second
 * grid; the two grids swap. The checksum hashes the bits of the final grid. */
#include "common.h"

#define N 1024

static double grid_a[N * N], grid_b[N * N];

static void sweep(const double *restrict src, double *restrict dst) {
  for (int i = 1; i < N - 1; ++i) {
    const double *up = src + (i - 1) * N, *mid = src + i * N, *down = src + (i + 1) * N;
    double *out = dst + i * N;
    for (int j = 1; j < N - 1; ++j)
      out[j] = 0.25 * (up[j] + down[j] + mid[j - 1] + mid[j + 1]);
  }
}

int main(int argc, char **argv) {
  int steps = bench_reps(argc, argv, 1600);
  rng_seed(2);
  for (int i = 0; i < N * N; ++i) grid_a[i] = 0.0;
  /* Hot top edge, warm left edge, a few random hot spots inside. */
  for (int j = 0; j < N; ++j) grid_a[j] = 100.0;
  for (int i = 0; i < N; ++i) grid_a[i * N] = 50.0 + (double)(i % 7);
  for (int k = 0; k < 64; ++k) grid_a[(1 + rng_below(N - 2)) * N + 1 + rng_below(N - 2)] = 1000.0 * rng_unit();
  memcpy(grid_b, grid_a, sizeof grid_a);
  double *src = grid_a, *dst = grid_b;
  for (int s = 0; s < steps; ++s) {
    sweep(src, dst);
    double *t = src;
    src = dst;
    dst = t;
  }
  uint64_t h = HASH_INIT;
  double total = 0.0;
  for (int i = 0; i < N * N; ++i) {
    h = hash_double(h, src[i]);
    total += src[i];
  }
  printf("stencil n=%d steps=%d total=%.6e hash=%016llx\n", N, steps, total, (unsigned long long)h);
  return 0;
}

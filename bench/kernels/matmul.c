/* matmul: dense linear algebra. C = A * B for square double matrices, i-k-j loop
 * order (the inner loop streams a row of B into a row of C, which clang vectorises
 * without reassociating anything), plus a tiled variant; the checksum hashes the
 * bits of every element of the last product. */
#include "common.h"

#define N 512
#define TILE 64

static double A[N * N], B[N * N], C[N * N], D[N * N];

static void matmul_ikj(const double *a, const double *b, double *c) {
  for (int i = 0; i < N * N; ++i) c[i] = 0.0;
  for (int i = 0; i < N; ++i) {
    double *ci = c + i * N;
    for (int k = 0; k < N; ++k) {
      double aik = a[i * N + k];
      const double *bk = b + k * N;
      for (int j = 0; j < N; ++j) ci[j] += aik * bk[j];
    }
  }
}

/* Same sums in the same order per element (k ascending), computed tile by tile. */
static void matmul_tiled(const double *a, const double *b, double *c) {
  for (int i = 0; i < N * N; ++i) c[i] = 0.0;
  for (int kk = 0; kk < N; kk += TILE)
    for (int jj = 0; jj < N; jj += TILE)
      for (int i = 0; i < N; ++i) {
        double *ci = c + i * N + jj;
        for (int k = kk; k < kk + TILE; ++k) {
          double aik = a[i * N + k];
          const double *bk = b + k * N + jj;
          for (int j = 0; j < TILE; ++j) ci[j] += aik * bk[j];
        }
      }
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 24);
  rng_seed(1);
  for (int i = 0; i < N * N; ++i) {
    A[i] = rng_unit() - 0.5;
    B[i] = rng_unit() - 0.5;
  }
  uint64_t h = HASH_INIT;
  for (int r = 0; r < reps; ++r) {
    matmul_ikj(A, B, C);
    matmul_tiled(A, B, D);
    if (memcmp(C, D, sizeof C) != 0) {
      printf("matmul: tiled and plain products differ\n");
      return 1;
    }
    /* Feed the product back in (scaled to stay bounded) so every round differs. */
    for (int i = 0; i < N * N; ++i) A[i] = C[i] * 0.125 + B[i];
    h = hash_double(h, C[r % (N * N)]);
  }
  for (int i = 0; i < N * N; ++i) h = hash_double(h, C[i]);
  double trace = 0.0;
  for (int i = 0; i < N; ++i) trace += C[i * N + i];
  printf("matmul n=%d reps=%d trace=%.6e hash=%016llx\n", N, reps, trace, (unsigned long long)h);
  return 0;
}

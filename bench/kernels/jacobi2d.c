/* jacobi2d: 2-D Jacobi relaxation with a time loop over two 2-D array parameters (no
 * restrict), each step B = 5-point average of A, then A = 5-point average of B, the
 * shape of PolyBench-style stencils. The checksum hashes the bits of A. */
#include "common.h"

#define N 1000

static void kernel(int tsteps, int n, double A[N][N], double B[N][N]) {
  for (int t = 0; t < tsteps; t++) {
    for (int i = 1; i < n - 1; i++)
      for (int j = 1; j < n - 1; j++)
        B[i][j] = 0.2 * (A[i][j] + A[i][j - 1] + A[i][j + 1] + A[i + 1][j] + A[i - 1][j]);
    for (int i = 1; i < n - 1; i++)
      for (int j = 1; j < n - 1; j++)
        A[i][j] = 0.2 * (B[i][j] + B[i][j - 1] + B[i][j + 1] + B[i + 1][j] + B[i - 1][j]);
  }
}

int main(int argc, char **argv) {
  int steps = bench_reps(argc, argv, 500);
  double(*A)[N] = xmalloc(sizeof(double[N][N]));
  double(*B)[N] = xmalloc(sizeof(double[N][N]));
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      A[i][j] = ((double)i * (j + 2) + 2) / N;
      B[i][j] = ((double)i * (j + 3) + 3) / N;
    }
  kernel(steps, N, A, B);
  uint64_t h = HASH_INIT;
  double total = 0.0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      h = hash_double(h, A[i][j]);
      total += A[i][j];
    }
  printf("jacobi2d n=%d steps=%d total=%.6e hash=%016llx\n", N, steps, total,
         (unsigned long long)h);
  return 0;
}

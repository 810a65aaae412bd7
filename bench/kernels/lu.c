/* lu: LU decomposition in place (Doolittle, no pivoting) of a diagonally dominant
 * matrix in a 2-D array parameter; the inner loops are dot products and row updates.
 * The checksum hashes the bits of the factors. */
#include "common.h"

#define N 1200

static void kernel(int n, double A[N][N]) {
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++) {
      for (int k = 0; k < j; k++) A[i][j] -= A[i][k] * A[k][j];
      A[i][j] /= A[j][j];
    }
    for (int j = i; j < n; j++)
      for (int k = 0; k < i; k++) A[i][j] -= A[i][k] * A[k][j];
  }
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 1);
  double(*A)[N] = xmalloc(sizeof(double[N][N]));
  uint64_t h = HASH_INIT;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) A[i][j] = i == j ? N + 1.0 + r : (double)((i * 7 + j * 3) % N) / N;
    kernel(N, A);
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) h = hash_double(h, A[i][j]);
  }
  printf("lu n=%d reps=%d a[n-1][n-1]=%.6e hash=%016llx\n", N, reps, A[N - 1][N - 1],
         (unsigned long long)h);
  return 0;
}

/* gemm2d: dense matrix multiply C = beta*C + alpha*A*B over row-major 2-D arrays of
 * doubles passed as array parameters (no restrict: they may alias as far as the compiler
 * knows), j innermost, the shape of textbook and PolyBench-style linear algebra. The
 * checksum hashes the bits of C. */
#include "common.h"

#define NI 360
#define NJ 400
#define NK 440

static void kernel(int ni, int nj, int nk, double alpha, double beta, double C[NI][NJ],
                   double A[NI][NK], double B[NK][NJ]) {
  for (int i = 0; i < ni; i++) {
    for (int j = 0; j < nj; j++) C[i][j] *= beta;
    for (int k = 0; k < nk; k++)
      for (int j = 0; j < nj; j++) C[i][j] += alpha * A[i][k] * B[k][j];
  }
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 54);
  double(*C)[NJ] = xmalloc(sizeof(double[NI][NJ]));
  double(*A)[NK] = xmalloc(sizeof(double[NI][NK]));
  double(*B)[NJ] = xmalloc(sizeof(double[NK][NJ]));
  for (int i = 0; i < NI; i++)
    for (int k = 0; k < NK; k++) A[i][k] = (double)((i * (k + 1)) % NK) / NK;
  for (int k = 0; k < NK; k++)
    for (int j = 0; j < NJ; j++) B[k][j] = (double)((k * (j + 2)) % NJ) / NJ;
  for (int i = 0; i < NI; i++)
    for (int j = 0; j < NJ; j++) C[i][j] = (double)((i * j + 1) % NI) / NI;
  for (int r = 0; r < reps; r++) kernel(NI, NJ, NK, 1.5, 0.5, C, A, B);
  uint64_t h = HASH_INIT;
  double total = 0.0;
  for (int i = 0; i < NI; i++)
    for (int j = 0; j < NJ; j++) {
      h = hash_double(h, C[i][j]);
      total += C[i][j];
    }
  printf("gemm2d %dx%dx%d reps=%d total=%.6e hash=%016llx\n", NI, NJ, NK, reps, total,
         (unsigned long long)h);
  return 0;
}

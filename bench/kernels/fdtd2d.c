/* fdtd2d: 2-D finite-difference time-domain electromagnetics (a Yee grid): per time
 * step the source row, then ey, ex and hz updated from each other, three 2-D array
 * parameters and a 1-D one, j innermost. The checksum hashes the bits of hz. */
#include "common.h"

#define NX 600
#define NY 700

static void kernel(int tmax, int nx, int ny, double ex[NX][NY], double ey[NX][NY],
                   double hz[NX][NY], double fict[]) {
  for (int t = 0; t < tmax; t++) {
    for (int j = 0; j < ny; j++) ey[0][j] = fict[t];
    for (int i = 1; i < nx; i++)
      for (int j = 0; j < ny; j++) ey[i][j] = ey[i][j] - 0.5 * (hz[i][j] - hz[i - 1][j]);
    for (int i = 0; i < nx; i++)
      for (int j = 1; j < ny; j++) ex[i][j] = ex[i][j] - 0.5 * (hz[i][j] - hz[i][j - 1]);
    for (int i = 0; i < nx - 1; i++)
      for (int j = 0; j < ny - 1; j++)
        hz[i][j] = hz[i][j] - 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
  }
}

int main(int argc, char **argv) {
  int tmax = bench_reps(argc, argv, 1400);
  double(*ex)[NY] = xmalloc(sizeof(double[NX][NY]));
  double(*ey)[NY] = xmalloc(sizeof(double[NX][NY]));
  double(*hz)[NY] = xmalloc(sizeof(double[NX][NY]));
  double *fict = xmalloc(sizeof(double) * (size_t)tmax);
  for (int t = 0; t < tmax; t++) fict[t] = (double)t;
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NY; j++) {
      ex[i][j] = ((double)i * (j + 1)) / NX;
      ey[i][j] = ((double)i * (j + 2)) / NY;
      hz[i][j] = ((double)i * (j + 3)) / NX;
    }
  kernel(tmax, NX, NY, ex, ey, hz, fict);
  uint64_t h = HASH_INIT;
  double total = 0.0;
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NY; j++) {
      h = hash_double(h, hz[i][j]);
      total += hz[i][j];
    }
  printf("fdtd2d %dx%d tmax=%d total=%.6e hash=%016llx\n", NX, NY, tmax, total,
         (unsigned long long)h);
  return 0;
}

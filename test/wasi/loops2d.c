/* Loop shapes whose addresses the compiler turns into i64 recurrences after the bounds
 * versioning (lower/BoundsVersioning.h): rows of 2-D arrays, neighbours at constant
 * offsets both ways, loops counting down, rows that overlap (in-place updates, shifted
 * copies within one array) and arrays passed twice. The native and the Wasm build must
 * print the same checksums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 61
#define M 67

static uint64_t h = 0xcbf29ce484222325ull;
static void mix(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
}

__attribute__((noinline)) static void gemm(int n, int m, double C[N][M], double A[N][N],
                                           double B[N][M]) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++)
      for (int j = 0; j < m; j++) C[i][j] += A[i][k] * B[k][j];
}

__attribute__((noinline)) static void stencil(int n, int m, double out[N][M], double in[N][M]) {
  for (int i = 1; i < n - 1; i++)
    for (int j = 1; j < m - 1; j++)
      out[i][j] = 0.2 * (in[i][j] + in[i][j - 1] + in[i][j + 1] + in[i - 1][j] + in[i + 1][j]);
}

__attribute__((noinline)) static void down(int n, int *a, const int *b) {
  for (int j = n - 1; j >= 2; j--) a[j] = a[j - 1] + b[j - 2] * 3 - a[j - 2];
}

__attribute__((noinline)) static void shift_up(int n, int *a) {  /* overlapping: a[j+1] from a[j] */
  for (int j = 0; j < n - 1; j++) a[j + 1] += a[j];
}

__attribute__((noinline)) static void shift_down(int n, int *a) {  /* a[j] from a[j+3] */
  for (int j = 0; j < n - 3; j++) a[j] = a[j + 3] - a[j];
}

__attribute__((noinline)) static void minrow(int n, int *di, const int *dk, int dik) {
  for (int j = 0; j < n; j++) di[j] = di[j] < dik + dk[j] ? di[j] : dik + dk[j];
}

__attribute__((noinline)) static void bytes(int n, unsigned char *dst, const unsigned char *src,
                                            int stride) {
  for (int j = 0; j < n; j++) dst[j * stride] = (unsigned char)(src[j * stride + 1] ^ src[j]);
}

int main(void) {
  double (*C)[M] = malloc(sizeof(double[N][M])), (*A)[N] = malloc(sizeof(double[N][N]));
  double (*B)[M] = malloc(sizeof(double[N][M])), (*D)[M] = malloc(sizeof(double[N][M]));
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < N; j++) A[i][j] = (double)((i * 7 + j * 3) % 11) / 4;
    for (int j = 0; j < M; j++) {
      B[i][j] = (double)((i + 2 * j) % 13) / 8;
      C[i][j] = (double)(i - j) / 16;
      D[i][j] = 0;
    }
  }
  gemm(N, M, C, A, B);
  mix(C, sizeof(double[N][M]));
  stencil(N, M, D, C);
  mix(D, sizeof(double[N][M]));
  stencil(N, M, C, C);  /* in place: reads what it wrote */
  mix(C, sizeof(double[N][M]));
  gemm(N / 2, M, C + 3, A, C);  /* C written while read as B */
  mix(C, sizeof(double[N][M]));
  printf("float %016llx\n", (unsigned long long)h);

  int *a = malloc(4000 * sizeof(int)), *b = malloc(4000 * sizeof(int));
  for (int r = 0; r < 3; r++) {
    for (int j = 0; j < 4000; j++) {
      a[j] = (j * 37 + r) % 101 - 50;
      b[j] = (j * 11 + 3 * r) % 17;
    }
    down(4000 - r, a, b);
    mix(a, 4000 * sizeof(int));
    shift_up(3999 - r, a + r);
    mix(a, 4000 * sizeof(int));
    shift_down(4000 - r, a);
    mix(a, 4000 * sizeof(int));
    minrow(2000, a, a + 1000 + r, r - 5);  /* rows of one array that overlap */
    mix(a, 4000 * sizeof(int));
    minrow(3000, b, a, 2);
    mix(b, 4000 * sizeof(int));
  }
  printf("int %016llx\n", (unsigned long long)h);

  unsigned char *s = malloc(1 << 16), *t = malloc(1 << 16);
  for (int j = 0; j < (1 << 16); j++) s[j] = (unsigned char)(j * 131 + 7), t[j] = 0;
  for (int stride = 1; stride <= 4; stride++) {
    bytes((1 << 16) / stride - 1, t, s, stride);
    bytes((1 << 16) / stride - 1, s + 1, s, stride);  /* overlapping */
    mix(t, 1 << 16);
    mix(s, 1 << 16);
  }
  printf("bytes %016llx\n", (unsigned long long)h);
  return 0;
}

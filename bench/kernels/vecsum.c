/* vecsum: loops clang auto-vectorises. saxpy on float arrays (element-wise, so
 * vectorising changes no result), an int32 dot product, an int16 -> int32 widening
 * sum, a byte histogram-free count of matches, and an int32 min/max scan, over
 * arrays of a few MiB, repeated. Integer reductions may be reordered freely, so the
 * results are exact everywhere; the float array is hashed bit for bit. */
#include "common.h"

#define N (1u << 20)

static float xs[N], ys[N];
static int32_t ia[N], ib[N];
static int16_t sa[N];
static uint8_t bytes[N];

static void saxpy(float a, const float *restrict x, float *restrict y) {
  for (uint32_t i = 0; i < N; ++i) y[i] = a * x[i] + y[i];
}

static int64_t dot_i32(const int32_t *a, const int32_t *b) {
  uint32_t s = 0; /* wraps modulo 2^32 (unsigned, so defined) */
  for (uint32_t i = 0; i < N; ++i) s += (uint32_t)a[i] * (uint32_t)b[i];
  return (int64_t)s;
}

static int64_t sum_i16(const int16_t *a) {
  int32_t s = 0;
  for (uint32_t i = 0; i < N; ++i) s += a[i];
  return s;
}

static uint32_t count_eq(const uint8_t *p, uint8_t v) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < N; ++i) c += p[i] == v;
  return c;
}

static void minmax(const int32_t *a, int32_t *lo, int32_t *hi) {
  int32_t mn = a[0], mx = a[0];
  for (uint32_t i = 1; i < N; ++i) {
    mn = a[i] < mn ? a[i] : mn;
    mx = a[i] > mx ? a[i] : mx;
  }
  *lo = mn;
  *hi = mx;
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 1300);
  rng_seed(11);
  for (uint32_t i = 0; i < N; ++i) {
    xs[i] = (float)(rng_unit() - 0.5);
    ys[i] = (float)(rng_unit() - 0.5);
    ia[i] = (int32_t)(rng_u32() >> 8) - (1 << 23);
    ib[i] = (int32_t)(rng_u32() >> 20) - (1 << 11);
    sa[i] = (int16_t)(rng_u32() >> 16);
    bytes[i] = (uint8_t)rng_below(40);
  }
  uint64_t h = HASH_INIT;
  int64_t acc = 0;
  for (int r = 0; r < reps; ++r) {
    /* alternate signs keep y bounded */
    saxpy(r % 2 ? 0.5f : -0.4375f, xs, ys);
    acc += dot_i32(ia, ib);
    acc += sum_i16(sa);
    acc += count_eq(bytes, (uint8_t)(r % 40));
    int32_t lo, hi;
    minmax(ia, &lo, &hi);
    acc += (int64_t)hi - lo;
    ia[(uint32_t)r * 4099u % N] += r;
    sa[(uint32_t)r * 8191u % N] = (int16_t)(sa[(uint32_t)r * 8191u % N] + r);
  }
  for (uint32_t i = 0; i < N; i += 7) h = hash_float(h, ys[i]);
  printf("vecsum n=%u reps=%d acc=%lld hash=%016llx\n", N, reps, (long long)acc, (unsigned long long)h);
  return 0;
}

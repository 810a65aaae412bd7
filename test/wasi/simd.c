// SIMD128 through clang's wasm_simd128.h intrinsics (and clang's auto-vectoriser). Built
// for wasm32-wasi with -msimd128, every kernel runs as Wasm SIMD; built natively, the same
// kernels run as the scalar reference code below, which follows the Wasm spec's lane
// semantics. The two outputs must be identical.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#define SIMD 1
#else
#define SIMD 0
#endif

static void print_bytes(const char* what, const void* p, size_t n) {
  const uint8_t* b = (const uint8_t*)p;
  printf("%-18s", what);
  for (size_t i = 0; i < n; ++i) printf("%02x", b[i]);
  printf("\n");
}

static int8_t sat8(int v) { return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v; }
static uint8_t satu8(int v) { return v > 255 ? 255 : v < 0 ? 0 : (uint8_t)v; }
static int16_t sat16(int v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v; }

static int32_t trunc_sat_s(float f) {
  if (isnan(f)) return 0;
  if (f >= 2147483648.0f) return INT32_MAX;
  if (f < -2147483648.0f) return INT32_MIN;
  return (int32_t)f;
}
static uint32_t trunc_sat_u(float f) {
  if (isnan(f) || f <= -1.0f) return 0;
  if (f >= 4294967296.0f) return UINT32_MAX;
  return (uint32_t)f;
}
static float wasm_minf(float a, float b) {
  if (isnan(a) || isnan(b)) return NAN;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static float wasm_maxf(float a, float b) {
  if (isnan(a) || isnan(b)) return NAN;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}

int main(void) {
  int8_t a8[16], b8[16], r8[16];
  int16_t a16[8], b16[8], r16[8];
  int32_t r32[4];
  float fa[4] = {1.5f, -0.0f, 3.0e9f, NAN}, fb[4] = {-2.25f, 0.0f, -7.0f, 1.0f}, rf[4];
  for (int i = 0; i < 16; ++i) {
    a8[i] = (int8_t)(i * 37 - 100);
    b8[i] = (int8_t)(90 - i * 23);
  }
  for (int i = 0; i < 8; ++i) {
    a16[i] = (int16_t)(i * 9000 - 30000);
    b16[i] = (int16_t)(i * -7777 + 20000);
  }
  a16[7] = INT16_MIN;
  b16[7] = INT16_MIN;

#if SIMD
  v128_t va8 = wasm_v128_load(a8), vb8 = wasm_v128_load(b8);
  wasm_v128_store(r8, wasm_i8x16_add_sat(va8, vb8));
#else
  for (int i = 0; i < 16; ++i) r8[i] = sat8(a8[i] + b8[i]);
#endif
  print_bytes("i8x16.add_sat_s", r8, 16);

#if SIMD
  wasm_v128_store(r8, wasm_u8x16_sub_sat(va8, vb8));
#else
  for (int i = 0; i < 16; ++i) r8[i] = (int8_t)satu8((uint8_t)a8[i] - (uint8_t)b8[i]);
#endif
  print_bytes("i8x16.sub_sat_u", r8, 16);

#if SIMD
  wasm_v128_store(r8, wasm_i8x16_swizzle(va8, wasm_i8x16_make(15, 14, 0, 1, 16, 200, 3, 3, 7,
                                                                8, 9, 31, 12, 13, 2, 255)));
#else
  {
    const uint8_t idx[16] = {15, 14, 0, 1, 16, 200, 3, 3, 7, 8, 9, 31, 12, 13, 2, 255};
    for (int i = 0; i < 16; ++i) r8[i] = idx[i] < 16 ? a8[idx[i]] : 0;
  }
#endif
  print_bytes("i8x16.swizzle", r8, 16);

#if SIMD
  wasm_v128_store(r8, wasm_i8x16_shuffle(va8, vb8, 0, 17, 2, 19, 4, 21, 6, 23, 31, 30, 29, 28,
                                         3, 2, 1, 0));
#else
  {
    const int idx[16] = {0, 17, 2, 19, 4, 21, 6, 23, 31, 30, 29, 28, 3, 2, 1, 0};
    for (int i = 0; i < 16; ++i) r8[i] = idx[i] < 16 ? a8[idx[i]] : b8[idx[i] - 16];
  }
#endif
  print_bytes("i8x16.shuffle", r8, 16);

#if SIMD
  wasm_v128_store(r8, wasm_i8x16_popcnt(va8));
#else
  for (int i = 0; i < 16; ++i) r8[i] = (int8_t)__builtin_popcount((uint8_t)a8[i]);
#endif
  print_bytes("i8x16.popcnt", r8, 16);

  int mask;
#if SIMD
  mask = wasm_i8x16_bitmask(va8);
#else
  mask = 0;
  for (int i = 0; i < 16; ++i) mask |= (a8[i] < 0) << i;
#endif
  printf("%-18s%04x\n", "i8x16.bitmask", mask);

  int any, all;
#if SIMD
  any = wasm_v128_any_true(wasm_i8x16_splat(0));
  all = wasm_i16x8_all_true(wasm_v128_load(a16));
#else
  any = 0;
  all = 1;
  for (int i = 0; i < 8; ++i) all &= a16[i] != 0;
#endif
  printf("%-18s%d %d\n", "any/all_true", any, all);

#if SIMD
  v128_t va16 = wasm_v128_load(a16), vb16 = wasm_v128_load(b16);
  wasm_v128_store(r16, wasm_i16x8_q15mulr_sat(va16, vb16));
#else
  for (int i = 0; i < 8; ++i) r16[i] = sat16((a16[i] * b16[i] + 0x4000) >> 15);
#endif
  print_bytes("i16x8.q15mulr_sat", r16, 16);

#if SIMD
  wasm_v128_store(r8, wasm_i8x16_narrow_i16x8(va16, vb16));
#else
  for (int i = 0; i < 8; ++i) {
    r8[i] = sat8(a16[i]);
    r8[8 + i] = sat8(b16[i]);
  }
#endif
  print_bytes("i8x16.narrow_s", r8, 16);

#if SIMD
  wasm_v128_store(r32, wasm_i32x4_dot_i16x8(va16, vb16));
#else
  for (int i = 0; i < 4; ++i)
    r32[i] = (int32_t)((uint32_t)(a16[2 * i] * b16[2 * i]) + (uint32_t)(a16[2 * i + 1] * b16[2 * i + 1]));
#endif
  print_bytes("i32x4.dot_i16x8", r32, 16);

#if SIMD
  wasm_v128_store(r32, wasm_i32x4_extend_high_i16x8(va16));
#else
  for (int i = 0; i < 4; ++i) r32[i] = a16[4 + i];
#endif
  print_bytes("i32x4.extend_high", r32, 16);

#if SIMD
  v128_t vfa = wasm_v128_load(fa), vfb = wasm_v128_load(fb);
  wasm_v128_store(rf, wasm_f32x4_min(vfa, vfb));
#else
  for (int i = 0; i < 4; ++i) rf[i] = wasm_minf(fa[i], fb[i]);
#endif
  for (int i = 0; i < 4; ++i) if (isnan(rf[i])) rf[i] = NAN;  // NaN sign/payload is nondeterministic
  print_bytes("f32x4.min", rf, 16);

#if SIMD
  wasm_v128_store(rf, wasm_f32x4_max(vfa, vfb));
#else
  for (int i = 0; i < 4; ++i) rf[i] = wasm_maxf(fa[i], fb[i]);
#endif
  for (int i = 0; i < 4; ++i) if (isnan(rf[i])) rf[i] = NAN;
  print_bytes("f32x4.max", rf, 16);

#if SIMD
  wasm_v128_store(rf, wasm_f32x4_sqrt(wasm_f32x4_mul(vfa, vfa)));
#else
  for (int i = 0; i < 4; ++i) rf[i] = sqrtf(fa[i] * fa[i]);
#endif
  for (int i = 0; i < 4; ++i) if (isnan(rf[i])) rf[i] = NAN;
  print_bytes("f32x4.sqrt(mul)", rf, 16);

#if SIMD
  wasm_v128_store(r32, wasm_i32x4_trunc_sat_f32x4(vfa));
#else
  for (int i = 0; i < 4; ++i) r32[i] = trunc_sat_s(fa[i]);
#endif
  print_bytes("trunc_sat_s", r32, 16);

#if SIMD
  wasm_v128_store(r32, wasm_u32x4_trunc_sat_f32x4(vfa));
#else
  for (int i = 0; i < 4; ++i) r32[i] = (int32_t)trunc_sat_u(fa[i]);
#endif
  print_bytes("trunc_sat_u", r32, 16);

  // Auto-vectorised loops (clang emits SIMD for these at -O2 -msimd128).
  enum { N = 1003 };
  static uint32_t x[N], y[N];
  static float fx[N];
  for (int i = 0; i < N; ++i) {
    x[i] = (uint32_t)i * 2654435761u;
    y[i] = (uint32_t)(N - i) * 40503u;
    fx[i] = (float)i * 0.25f - 100.0f;
  }
  uint32_t sum = 0, mx = 0;
  float fsum = 0;
  for (int i = 0; i < N; ++i) {
    uint32_t v = (x[i] ^ y[i]) + (x[i] >> 3);
    sum += v;
    mx = v > mx ? v : mx;
  }
  for (int i = 0; i < N; ++i) fx[i] = fx[i] * 1.5f + 2.0f;
  for (int i = 0; i < N; ++i) fsum += fx[i] > 0 ? fx[i] : -fx[i];
  printf("%-18s%08x %08x %.3f\n", "vectorised loops", sum, mx, (double)fsum);
  return 0;
}

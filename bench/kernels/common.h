/* Shared helpers for the kiln benchmark kernels: a deterministic PRNG, result hashing
 * and the optional scale argument. Portable C, libc only. Every helper is static
 * inline so that kernels that do not use one get no unused-function warning. */
#ifndef KILN_BENCH_COMMON_H
#define KILN_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Floating-point kernels must give bit-identical results natively and in Wasm: no
 * fused multiply-add contraction (x86-64-v3 has FMA, Wasm has none). */
#pragma STDC FP_CONTRACT OFF

/* splitmix64: small, fast, good enough for test data. */
static uint64_t bench_rng_state = 0x9e3779b97f4a7c15ull;

static inline void rng_seed(uint64_t seed) { bench_rng_state = seed; }

static inline uint64_t rng_next(void) {
  uint64_t z = (bench_rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint32_t rng_u32(void) { return (uint32_t)(rng_next() >> 32); }

/* Uniform in [0, n) (multiply-shift, no modulo bias worth caring about here). */
static inline uint32_t rng_below(uint32_t n) {
  return (uint32_t)(((uint64_t)rng_u32() * n) >> 32);
}

/* Uniform double in [0, 1) with 53 random bits: exact on every IEEE machine. */
static inline double rng_unit(void) { return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); }

/* FNV-1a style mixing of 64-bit words into a running hash. */
#define HASH_INIT 0xcbf29ce484222325ull
static inline uint64_t hash_u64(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 0x100000001b3ull;
  }
  return h;
}

static inline uint64_t hash_double(uint64_t h, double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return hash_u64(h, bits);
}

static inline uint64_t hash_float(uint64_t h, float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return hash_u64(h, bits);
}

/* Repetition count: base * argv[1] (a decimal scale factor, default 1), at least 1. */
static inline int bench_reps(int argc, char **argv, int base) {
  double scale = 1.0;
  if (argc > 1) {
    scale = strtod(argv[1], NULL);
    if (!(scale > 0.0)) {
      fprintf(stderr, "usage: %s [scale>0]\n", argv[0]);
      exit(2);
    }
  }
  double reps = base * scale + 0.5;
  return reps < 1.0 ? 1 : (int)reps;
}

/* Allocate or die (a kernel that runs out of memory must not print a checksum). */
static inline void *xmalloc(size_t size) {
  void *p = malloc(size);
  if (!p) {
    fprintf(stderr, "out of memory (%lu bytes)\n", (unsigned long)size);
    exit(1);
  }
  return p;
}

#endif

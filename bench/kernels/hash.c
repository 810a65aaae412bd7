/* hash: hashing. SHA-256 (written from the FIPS 180-4 description) and a 64-bit
 * multiply-rotate hash over a pseudo-random buffer, then an open-addressing hash
 * table (linear probing, power-of-two capacity) with inserts, hit and miss lookups
 * and deletions by tombstone. Prints the digest and the table statistics. */
#include "common.h"

#define BUF_SIZE (4u << 20)
#define TABLE_BITS 21
#define KEYS 1000000u

/* ---- SHA-256 ---- */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t state[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
    uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

static void sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t full = len / 64;
  for (size_t i = 0; i < full; ++i) sha256_block(st, data + 64 * i);
  uint8_t tail[128];
  size_t rest = len - 64 * full;
  memset(tail, 0, sizeof tail);
  memcpy(tail, data + 64 * full, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) sha256_block(st, tail + off);
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = (uint8_t)(st[i] >> 24);
    out[4 * i + 1] = (uint8_t)(st[i] >> 16);
    out[4 * i + 2] = (uint8_t)(st[i] >> 8);
    out[4 * i + 3] = (uint8_t)st[i];
  }
}

/* ---- a fast 64-bit non-cryptographic hash (8 bytes a step, multiply and rotate) ---- */
static inline uint64_t rotl64(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

static uint64_t mr_hash(const uint8_t *p, size_t len, uint64_t seed) {
  const uint64_t m1 = 0x9e3779b185ebca87ull, m2 = 0xc2b2ae3d27d4eb4full;
  uint64_t h = seed ^ (len * m1);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    h ^= rotl64(v * m2, 31) * m1;
    h = rotl64(h, 27) * m1 + 0x52dce729;
  }
  for (; i < len; ++i) h = (h ^ p[i]) * m1;
  h ^= h >> 33;
  h *= m2;
  h ^= h >> 29;
  return h;
}

/* ---- open addressing table ---- */
#define EMPTY 0ull
#define TOMB 1ull
static uint64_t table_keys[1u << TABLE_BITS];
static uint32_t table_vals[1u << TABLE_BITS];

static inline uint32_t slot_of(uint64_t key) {
  return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - TABLE_BITS));
}

static void table_put(uint64_t key, uint32_t val) {
  uint32_t mask = (1u << TABLE_BITS) - 1, s = slot_of(key);
  while (table_keys[s] != EMPTY && table_keys[s] != TOMB && table_keys[s] != key) s = (s + 1) & mask;
  table_keys[s] = key;
  table_vals[s] = val;
}

static int table_get(uint64_t key, uint32_t *val) {
  uint32_t mask = (1u << TABLE_BITS) - 1, s = slot_of(key);
  while (table_keys[s] != EMPTY) {
    if (table_keys[s] == key) {
      *val = table_vals[s];
      return 1;
    }
    s = (s + 1) & mask;
  }
  return 0;
}

static int table_del(uint64_t key) {
  uint32_t mask = (1u << TABLE_BITS) - 1, s = slot_of(key);
  while (table_keys[s] != EMPTY) {
    if (table_keys[s] == key) {
      table_keys[s] = TOMB;
      return 1;
    }
    s = (s + 1) & mask;
  }
  return 0;
}

static inline uint64_t key_of(uint32_t i) { return (i * 0xd6e8feb86659fd93ull) | 2; /* never EMPTY/TOMB */ }

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 12);
  uint8_t *buf = xmalloc(BUF_SIZE);
  rng_seed(5);
  for (uint32_t i = 0; i < BUF_SIZE; i += 8) {
    uint64_t v = rng_next();
    memcpy(buf + i, &v, 8);
  }
  uint8_t digest[32];
  uint64_t h = HASH_INIT, fast = 0;
  unsigned long hits = 0, misses = 0, deleted = 0;
  for (int r = 0; r < reps; ++r) {
    buf[(uint32_t)r * 7919u % BUF_SIZE] ^= (uint8_t)(r + 1);
    sha256(buf, BUF_SIZE - (size_t)r, digest);
    for (int i = 0; i < 32; ++i) h = (h ^ digest[i]) * 0x100000001b3ull;
    for (size_t len = 1; len <= 4096; len = len * 2 + 1)
      for (size_t off = 0; off + len <= BUF_SIZE; off += 4 * 4096 + len) fast ^= mr_hash(buf + off, len, fast);
    fast ^= mr_hash(buf, BUF_SIZE, (uint64_t)r);

    memset(table_keys, 0, sizeof table_keys);
    for (uint32_t i = 0; i < KEYS; ++i) table_put(key_of(i), i ^ (uint32_t)r);
    for (uint32_t i = 0; i < KEYS; i += 3) deleted += (unsigned long)table_del(key_of(i));
    for (uint32_t i = 0; i < 2 * KEYS; ++i) {
      uint32_t v;
      if (table_get(key_of(i), &v)) {
        ++hits;
        fast += v;
      } else {
        ++misses;
      }
    }
  }
  printf("hash reps=%d sha256=", reps);
  for (int i = 0; i < 32; ++i) printf("%02x", digest[i]);
  printf(" chain=%016llx fast=%016llx hits=%lu misses=%lu deleted=%lu\n", (unsigned long long)h,
         (unsigned long long)fast, hits, misses, deleted);
  free(buf);
  return 0;
}

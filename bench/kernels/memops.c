/* memops: memcpy/memset/memmove heavy code. Large block copies and fills over
 * multi-megabyte buffers, overlapping memmoves, many small copies of random length
 * at random offsets (the size mix of string and record handling), and 48-byte
 * struct assignments while permuting an array of records. Prints a hash of
 * samples of the buffers. */
#include "common.h"

#define BIG (8u << 20)
#define SMALL_REGION (1u << 20)
#define RECORDS 65536u

typedef struct {
  uint32_t id;
  uint32_t tag;
  uint64_t payload[5];
} Record;

static uint64_t sample_hash(uint64_t h, const uint8_t *p, size_t n, size_t stride) {
  for (size_t i = 0; i < n; i += stride) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 16);
  uint8_t *src = xmalloc(BIG), *dst = xmalloc(BIG);
  Record *recs = xmalloc(RECORDS * sizeof *recs), *recs2 = xmalloc(RECORDS * sizeof *recs2);
  rng_seed(9);
  for (uint32_t i = 0; i < BIG; i += 8) {
    uint64_t v = rng_next();
    memcpy(src + i, &v, 8);
  }
  for (uint32_t i = 0; i < RECORDS; ++i) {
    recs[i].id = i;
    recs[i].tag = rng_u32();
    for (int k = 0; k < 5; ++k) recs[i].payload[k] = rng_next();
  }
  uint64_t h = HASH_INIT;
  for (int r = 0; r < reps; ++r) {
    /* 1. big blocks: copy, fill, copy back in chunks, overlapping moves */
    for (int k = 0; k < 6; ++k) {
      memcpy(dst, src, BIG);
      memset(dst + (k * 4096u), (int)(r + k), BIG / 2);
      for (uint32_t off = 0; off < BIG; off += 65536) memcpy(src + off, dst + (BIG - 65536 - off), 65536);
      memmove(src + 1 + k, src, BIG - 64);
      memmove(dst, dst + 3 + k, BIG - 64);
    }
    h = sample_hash(h, src, BIG, 4093);
    h = sample_hash(h, dst, BIG, 4091);

    /* 2. small copies and fills of random length (1..256 bytes) inside 1 MiB */
    for (uint32_t k = 0; k < 3000000u; ++k) {
      uint32_t x = rng_u32();
      uint32_t len = 1 + (x & 255);
      uint32_t from = (x >> 8) & (SMALL_REGION - 512);
      uint32_t to = rng_below(SMALL_REGION - 256);
      if (x & 0x80000000u)
        memcpy(dst + to, src + from, len);
      else if (x & 0x40000000u)
        memmove(dst + to, dst + from, len);
      else
        memset(dst + to, (int)(x >> 24), len & 63);
    }
    h = sample_hash(h, dst, SMALL_REGION, 61);

    /* 3. struct assignment: permute records through a second array */
    for (int k = 0; k < 40; ++k) {
      uint32_t mul = 2 * (uint32_t)k + 1; /* odd multiplier: a permutation mod 2^16 */
      for (uint32_t i = 0; i < RECORDS; ++i) recs2[(i * mul + (uint32_t)r) & (RECORDS - 1)] = recs[i];
      Record *t = recs;
      recs = recs2;
      recs2 = t;
      recs[k].tag ^= (uint32_t)r;
    }
    for (uint32_t i = 0; i < RECORDS; i += 97) h = hash_u64(hash_u64(h, recs[i].id), recs[i].payload[i % 5]);
  }
  printf("memops reps=%d hash=%016llx\n", reps, (unsigned long long)h);
  free(src);
  free(dst);
  free(recs);
  free(recs2);
  return 0;
}

/* lz: a byte-oriented LZ77 compressor and decompressor, round trip. Input is
 * synthetic text (words drawn from a skewed vocabulary, with numbers and
 * punctuation) plus a stretch of random bytes. The compressor finds matches through a
 * hash of the next 4 bytes with a short chain of previous candidates in a 64 KiB
 * window; the output is a sequence of (literal run, match) tokens with variable
 * length extensions. The decompressor copies overlapping matches byte by byte. */
#include "common.h"

#define INPUT_SIZE (6u << 20)
#define WINDOW (1u << 16)
#define HASH_BITS 16
#define CHAIN 8
#define MIN_MATCH 4
#define MAX_MATCH 258

static int32_t head[1u << HASH_BITS];
static int32_t prev_pos[WINDOW];

static inline uint32_t load32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint32_t hash4(const uint8_t *p) { return (load32(p) * 2654435761u) >> (32 - HASH_BITS); }

static uint8_t *put_length(uint8_t *out, uint32_t len) {
  /* 255-continued extension, as after a 4-bit nibble of 15 */
  while (len >= 255) {
    *out++ = 255;
    len -= 255;
  }
  *out++ = (uint8_t)len;
  return out;
}

static uint8_t *emit(uint8_t *out, const uint8_t *lit, uint32_t nlit, uint32_t off, uint32_t mlen) {
  uint32_t mcode = mlen ? mlen - MIN_MATCH : 0;
  *out++ = (uint8_t)((nlit < 15 ? nlit : 15) << 4 | (mcode < 15 ? mcode : 15));
  if (nlit >= 15) out = put_length(out, nlit - 15);
  memcpy(out, lit, nlit);
  out += nlit;
  if (mlen) {
    *out++ = (uint8_t)off;
    *out++ = (uint8_t)(off >> 8);
    if (mcode >= 15) out = put_length(out, mcode - 15);
  }
  return out;
}

static size_t compress(const uint8_t *in, size_t n, uint8_t *out) {
  uint8_t *o = out;
  for (uint32_t i = 0; i < (1u << HASH_BITS); ++i) head[i] = -1;
  size_t i = 0, lit_start = 0;
  while (i + MIN_MATCH <= n) {
    uint32_t hsh = hash4(in + i);
    int32_t cand = head[hsh];
    prev_pos[i & (WINDOW - 1)] = cand;
    head[hsh] = (int32_t)i;
    uint32_t best_len = 0, best_off = 0;
    size_t limit = n - i < MAX_MATCH ? n - i : MAX_MATCH;
    for (int c = 0; c < CHAIN && cand >= 0 && i - (size_t)cand < WINDOW; ++c) {
      const uint8_t *p = in + cand, *q = in + i;
      if (p[best_len] == q[best_len] && load32(p) == load32(q)) {
        uint32_t len = 4;
        while (len < limit && p[len] == q[len]) ++len;
        if (len > best_len) {
          best_len = len;
          best_off = (uint32_t)(i - (size_t)cand);
          if (len == limit) break;
        }
      }
      cand = prev_pos[cand & (WINDOW - 1)];
    }
    if (best_len >= MIN_MATCH) {
      o = emit(o, in + lit_start, (uint32_t)(i - lit_start), best_off, best_len);
      /* insert the covered positions into the chains (skip the first, already done) */
      size_t end = i + best_len;
      for (size_t k = i + 1; k < end && k + MIN_MATCH <= n; ++k) {
        uint32_t hk = hash4(in + k);
        prev_pos[k & (WINDOW - 1)] = head[hk];
        head[hk] = (int32_t)k;
      }
      i = end;
      lit_start = i;
    } else {
      ++i;
    }
  }
  o = emit(o, in + lit_start, (uint32_t)(n - lit_start), 0, 0);
  return (size_t)(o - out);
}

static size_t get_length(const uint8_t **pp, size_t base) {
  const uint8_t *p = *pp;
  size_t len = base;
  uint8_t b;
  do {
    b = *p++;
    len += b;
  } while (b == 255);
  *pp = p;
  return len;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out) {
  const uint8_t *p = in, *end = in + n;
  uint8_t *o = out;
  while (p < end) {
    uint8_t tok = *p++;
    size_t nlit = tok >> 4;
    if (nlit == 15) nlit = get_length(&p, 15);
    memcpy(o, p, nlit);
    o += nlit;
    p += nlit;
    if (p >= end) break;
    size_t off = (size_t)p[0] | (size_t)p[1] << 8;
    p += 2;
    size_t mlen = tok & 15;
    if (mlen == 15) mlen = get_length(&p, 15);
    mlen += MIN_MATCH;
    const uint8_t *src = o - off;
    for (size_t k = 0; k < mlen; ++k) o[k] = src[k];
    o += mlen;
  }
  return (size_t)(o - out);
}

static const char *const vocab[] = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was",
                                    "with", "be", "by", "on", "not", "he", "this", "are", "or", "his", "from",
                                    "at", "which", "but", "have", "an", "had", "they", "you", "were", "their",
                                    "one", "all", "we", "can", "her", "has", "there", "been", "if", "more",
                                    "when", "will", "would", "who", "so", "no", "compiler", "assembly", "memory",
                                    "function", "module", "instruction", "register", "benchmark", "kiln"};

static void make_input(uint8_t *buf, size_t n) {
  size_t i = 0;
  const size_t nv = sizeof vocab / sizeof vocab[0];
  while (i < n) {
    if (i > n / 2 && i < n / 2 + n / 16) { /* a stretch of incompressible bytes */
      buf[i++] = (uint8_t)rng_u32();
      continue;
    }
    uint32_t r = rng_below(1000);
    const char *w;
    char num[16];
    if (r < 40) {
      snprintf(num, sizeof num, "%u", rng_below(100000));
      w = num;
    } else {
      /* skewed choice: min of two uniform picks favours early words */
      uint32_t a = rng_below((uint32_t)nv), b = rng_below((uint32_t)nv);
      w = vocab[a < b ? a : b];
    }
    for (const char *c = w; *c && i < n; ++c) buf[i++] = (uint8_t)*c;
    if (i < n) buf[i++] = r % 17 == 0 ? '.' : r % 29 == 0 ? '\n' : ' ';
  }
}

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 10);
  uint8_t *in = xmalloc(INPUT_SIZE);
  uint8_t *comp = xmalloc(INPUT_SIZE + INPUT_SIZE / 8 + 64);
  uint8_t *back = xmalloc(INPUT_SIZE + 64);
  rng_seed(6);
  make_input(in, INPUT_SIZE);
  uint64_t h = HASH_INIT;
  size_t clen = 0;
  for (int r = 0; r < reps; ++r) {
    size_t n = INPUT_SIZE - (size_t)r * 4099;
    clen = compress(in + r, n, comp);
    size_t dlen = decompress(comp, clen, back);
    if (dlen != n || memcmp(back, in + r, n) != 0) {
      printf("lz: round trip failed in round %d\n", r);
      return 1;
    }
    h = hash_u64(h, clen);
    for (size_t k = 0; k < clen; k += 997) h = hash_u64(h, comp[k]);
  }
  printf("lz input=%u reps=%d compressed=%lu hash=%016llx\n", INPUT_SIZE, reps, (unsigned long)clen,
         (unsigned long long)h);
  free(in);
  free(comp);
  free(back);
  return 0;
}

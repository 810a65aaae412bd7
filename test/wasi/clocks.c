// Clocks, randomness and yielding, printed only as properties: clock_gettime on REALTIME
// (a plausible date, agreeing with time() and gettimeofday()), MONOTONIC (never goes
// back over many reads, advances across a sleep), PROCESS_CPUTIME_ID and
// THREAD_CPUTIME_ID (advance with busy work, never go back); clock_getres for all four
// (positive, at most 1 ms); getentropy (fills buffers, differs between calls,
// rejects more than 256 bytes with EIO); arc4random / random numbers spread; sched_yield.
// (clock() is left out: wasi-libc only has it with -lwasi-emulated-process-clocks.)
// WASI: clock_time_get, clock_res_get, random_get, sched_yield, poll_oneoff (the sleep).
#include <sched.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "wasi_test.h"

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

static const char* yn(int b) { return b ? "yes" : "no"; }

static volatile unsigned sink;

// Spins until the process CPU clock has advanced by ms_target (or 10 s of wall time have
// passed, for a clock that never moves): measured in CPU time, so a loaded machine only
// makes it take longer.
static void busy(int ms_target) {
  struct timespec c0, c, w0, w;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  clock_gettime(CLOCK_MONOTONIC, &w0);
  unsigned x = 1;
  do {
    for (int i = 0; i < 100000; ++i) x = x * 1664525u + 1013904223u;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    clock_gettime(CLOCK_MONOTONIC, &w);
  } while (ns(c) - ns(c0) < ms_target * 1000000LL && ns(w) - ns(w0) < 10000000000LL);
  sink = x;
}

int main(void) {
  static const struct {
    clockid_t id;
    const char* name;
  } clocks[] = {{CLOCK_REALTIME, "REALTIME"},
                {CLOCK_MONOTONIC, "MONOTONIC"},
                {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"},
                {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"}};
  for (int c = 0; c < 4; ++c) {
    struct timespec res = {-1, -1}, t = {-1, -1};
    int rr = clock_getres(clocks[c].id, &res);
    int rt = clock_gettime(clocks[c].id, &t);
    printf("%s: gettime %s, getres %s, resolution positive and <= 1 ms: %s, nsec in range: %s\n", clocks[c].name,
           rt == 0 ? "ok" : errno_name(errno), rr == 0 ? "ok" : errno_name(errno),
           yn(rr == 0 && ns(res) > 0 && ns(res) <= 1000000), yn(t.tv_nsec >= 0 && t.tv_nsec < 1000000000));
  }

  // Realtime: after 2020-01-01 and before 2200; time() and gettimeofday() agree.
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  time_t tt = time(NULL);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("realtime after 2020 and before 2200: %s\n", yn(rt.tv_sec > 1577836800 && rt.tv_sec < 7258118400LL));
  printf("time() within 2 s of clock_gettime: %s\n", yn(llabs((long long)tt - (long long)rt.tv_sec) <= 2));
  printf("gettimeofday within 2 s, usec in range: %s\n",
         yn(llabs((long long)tv.tv_sec - (long long)rt.tv_sec) <= 2 && tv.tv_usec >= 0 && tv.tv_usec < 1000000));
  time_t t2;
  printf("time(&t) stores the result: %s\n", yn(time(&t2) == t2));

  // Monotonic: non-decreasing over many reads; advances across a 20 ms sleep.
  struct timespec prev, cur;
  clock_gettime(CLOCK_MONOTONIC, &prev);
  int back = 0;
  for (int i = 0; i < 100000; ++i) {
    clock_gettime(CLOCK_MONOTONIC, &cur);
    if (ns(cur) < ns(prev)) back++;
    prev = cur;
  }
  printf("monotonic non-decreasing over 100000 reads: %s\n", yn(back == 0));
  struct timespec m0, m1, c0, c1, th0, th1;
  clock_gettime(CLOCK_MONOTONIC, &m0);
  usleep(20000);
  clock_gettime(CLOCK_MONOTONIC, &m1);
  printf("monotonic advanced >= 20 ms across usleep(20000): %s\n", yn(ns(m1) - ns(m0) >= 20000000));

  // CPU time clocks advance with work (at least a little: allow for coarse clocks) and
  // never go back.
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &th0);
  busy(30);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &th1);
  printf("process cputime advanced by 30 ms of work: %s\n", yn(ns(c1) - ns(c0) >= 30000000));
  printf("thread cputime advanced too (one thread): %s\n", yn(ns(th1) - ns(th0) >= 20000000));
  printf("process cputime below 1 hour: %s\n", yn(c1.tv_sec < 3600));

  // Entropy.
  unsigned char a[256], b[256];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  printf("getentropy 256: %d\n", getentropy(a, 256));
  printf("getentropy 256 again: %d\n", getentropy(b, 256));
  printf("the two differ: %s\n", yn(memcmp(a, b, sizeof a) != 0));
  int zeros = 0;
  for (int i = 0; i < 256; ++i) zeros += a[i] == 0;
  printf("fewer than 16 zero bytes in 256: %s\n", yn(zeros < 16));
  int distinct = 0;
  int seen[256] = {0};
  for (int i = 0; i < 256; ++i)
    if (!seen[a[i]]++) distinct++;
  printf("at least 100 distinct byte values in 256: %s\n", yn(distinct >= 100));
  printf("getentropy 0: %d\n", getentropy(a, 0));
  errno = 0;
  int r = getentropy(a, 257);
  printf("getentropy 257: %d %s\n", r, errno_name(errno));
  unsigned char one = 0;
  int ones = 0;
  for (int i = 0; i < 64; ++i) {
    getentropy(&one, 1);
    ones += __builtin_popcount(one);
  }
  printf("64 single-byte reads have between 128 and 384 one bits: %s\n", yn(ones > 128 && ones < 384));
  uint32_t x = arc4random(), y = arc4random();
  printf("arc4random twice differs: %s\n", yn(x != y));
  int buckets[8] = {0};
  for (int i = 0; i < 8000; ++i) buckets[arc4random_uniform(8)]++;
  int ok = 1;
  for (int i = 0; i < 8; ++i) ok &= buckets[i] > 700 && buckets[i] < 1300;
  printf("arc4random_uniform(8) spread evenly: %s\n", yn(ok));

  // Yielding.
  int y0 = 0;
  for (int i = 0; i < 100; ++i) y0 |= sched_yield();
  printf("sched_yield x100: %d\n", y0);
  return 0;
}

/* clockcalls: twenty million reads of the monotonic clock (clock_gettime, in Wasm the WASI
 * call clock_time_get, which returns its value through guest memory), the cost of a
 * host call that is nearly all call overhead. The output is only whether time never went
 * backwards, so it is the same on every engine. */
#include <time.h>

#include "common.h"

int main(int argc, char **argv) {
  int calls = bench_reps(argc, argv, 20000000);
  struct timespec last = {0, 0}, now;
  int backwards = 0;
  uint64_t h = HASH_INIT;
  for (int i = 0; i < calls; i++) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec < last.tv_sec || (now.tv_sec == last.tv_sec && now.tv_nsec < last.tv_nsec))
      backwards++;
    last = now;
    h = hash_u64(h, (uint64_t)backwards);
  }
  printf("clockcalls calls=%d backwards=%d hash=%016llx\n", calls, backwards,
         (unsigned long long)h);
  return 0;
}

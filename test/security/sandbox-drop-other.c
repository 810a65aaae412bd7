// Dropping clocks, randomness, the environment and sockets: each call they governed fails
// with ENOTCAPABLE afterwards (through wasi-libc and raw), the others keep working.
//
// RUN: %clang-wasi %s -o %t.wasm && %kilnc %t.wasm -o %t.so
// RUN: %kiln run %t.so --env GREETING=hello --tcplisten 127.0.0.1:0 | FileCheck %s
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "kiln_sandbox.h"
#include "wasi_test.h"

static void raw(const char* label, __wasi_errno_t e) {
  printf("%s: %s\n", label, e == 0 ? "ok" : errno_name(e));
}

int main(void) {
  __wasi_timestamp_t t;
  char buf[16];
  __wasi_size_t count, size;
  __wasi_fd_t conn;
  // Before: everything works (no connection is waiting: EAGAIN).
  if (__wasi_fd_fdstat_set_flags(3, __WASI_FDFLAGS_NONBLOCK) != 0) return 1;
  // CHECK: clock before: ok
  raw("clock before", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t));
  // CHECK-NEXT: random before: ok
  raw("random before", __wasi_random_get((uint8_t*)buf, sizeof buf));
  // CHECK-NEXT: env before: hello
  printf("env before: %s\n", getenv("GREETING"));
  // CHECK-NEXT: accept before: EAGAIN
  raw("accept before", __wasi_sock_accept(3, __WASI_FDFLAGS_NONBLOCK, &conn));

  // CHECK-NEXT: drop clocks: ok
  raw("drop clocks", kiln_sandbox_drop(KILN_SANDBOX_CLOCKS));
  // CHECK-NEXT: clock: ENOTCAPABLE
  raw("clock", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t));
  // CHECK-NEXT: clock res: ENOTCAPABLE
  raw("clock res", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &t));
  struct timespec ts;
  // CHECK-NEXT: clock_gettime: ENOTCAPABLE
  report("clock_gettime", clock_gettime(CLOCK_REALTIME, &ts));
  // Sleeping waits on a clock: refused too (the guest learns nothing about time).
  __wasi_subscription_t sub = {0};
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = 1000000;
  __wasi_event_t ev;
  __wasi_size_t nev = 0;
  __wasi_errno_t e = __wasi_poll_oneoff(&sub, &ev, 1, &nev);
  // CHECK-NEXT: poll clock: ok, 1 event, error ENOTCAPABLE
  printf("poll clock: %s, %u event, error %s\n", e == 0 ? "ok" : errno_name(e), (unsigned)nev,
         errno_name(ev.error));

  // CHECK-NEXT: drop random: ok
  raw("drop random", kiln_sandbox_drop(KILN_SANDBOX_RANDOM));
  // CHECK-NEXT: random: ENOTCAPABLE
  raw("random", __wasi_random_get((uint8_t*)buf, sizeof buf));

  // CHECK-NEXT: drop env: ok
  raw("drop env", kiln_sandbox_drop(KILN_SANDBOX_ENV));
  // CHECK-NEXT: environ_sizes_get: ENOTCAPABLE
  raw("environ_sizes_get", __wasi_environ_sizes_get(&count, &size));
  // CHECK-NEXT: environ_get: ENOTCAPABLE
  char* ptrs[4];
  raw("environ_get", __wasi_environ_get((uint8_t**)ptrs, (uint8_t*)buf));
  // What wasi-libc read before the drop is the program's own memory.
  // CHECK-NEXT: env cached: hello
  printf("env cached: %s\n", getenv("GREETING"));

  // CHECK-NEXT: drop sockets: ok
  raw("drop sockets", kiln_sandbox_drop(KILN_SANDBOX_SOCKETS));
  // CHECK-NEXT: accept: ENOTCAPABLE
  raw("accept", __wasi_sock_accept(3, __WASI_FDFLAGS_NONBLOCK, &conn));
  __wasi_fdstat_t st;
  // CHECK-NEXT: socket rights: 0
  if (__wasi_fd_fdstat_get(3, &st) == 0)
    printf("socket rights: %llx\n", (unsigned long long)st.fs_rights_base);

  // What was not dropped still works: arguments, stdout.
  // CHECK-NEXT: args: ok
  raw("args", __wasi_args_sizes_get(&count, &size));
  // CHECK-NEXT: caps: 7
  printf("caps: %x\n", kiln_sandbox_capabilities());
  return 0;
}

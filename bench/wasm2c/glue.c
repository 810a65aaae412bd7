/* A minimal WASI preview 1 host for modules translated by wabt's wasm2c (1.0.32), used
 * by the benchmark suite (bench/run) as the "wasm2c" engine.
 *
 * The module must be translated with the module name "kernel":
 *   wasm2c app.wasm -n kernel -o kernel.c
 *   clang-19 -O2 -march=CPU kernel.c glue.c /usr/share/wabt/wasm2c/wasm-rt-impl.c \
 *       -I/usr/share/wabt/wasm2c -I<dir of kernel.h> -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1 -lm
 *
 * wasm-rt's signal-handler mode is the fast one on 64-bit Linux: each memory is an
 * 8 GiB reservation with guard pages, so loads and stores carry no explicit bounds
 * check (the same scheme kiln and V8 use).
 *
 * Only what a plain wasi-libc command needs is implemented: arguments, an empty
 * environment, stdio (fd 0-2, no pre-opened directories), clocks, random bytes and
 * proc_exit. Every guest pointer is checked against the memory size. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "wasm-rt-impl.h"

/* WASI errno values (preview 1) */
#define WASI_ESUCCESS 0
#define WASI_EBADF 8
#define WASI_EFAULT 21
#define WASI_EINVAL 28
#define WASI_EIO 29
#define WASI_ENOSYS 52
#define WASI_ESPIPE 70

/* WASI file types */
#define WASI_FILETYPE_UNKNOWN 0
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_FILETYPE_DIRECTORY 3
#define WASI_FILETYPE_REGULAR_FILE 4
#define WASI_FILETYPE_SOCKET_STREAM 6

#define WASI_RIGHT_FD_SEEK (1ull << 2)
#define WASI_RIGHT_FD_TELL (1ull << 5)

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *memory;
  int argc;
  char **argv;
};

/* ---- guest memory access ---- */

static int in_bounds(struct Z_wasi_snapshot_preview1_instance_t *w, uint32_t ptr, uint64_t len) {
  return (uint64_t)ptr + len <= w->memory->size;
}

static uint8_t *guest(struct Z_wasi_snapshot_preview1_instance_t *w, uint32_t ptr) { return w->memory->data + ptr; }

static void store_u32(struct Z_wasi_snapshot_preview1_instance_t *w, uint32_t ptr, uint32_t v) {
  memcpy(guest(w, ptr), &v, 4); /* little-endian host, as is Wasm */
}

static void store_u64(struct Z_wasi_snapshot_preview1_instance_t *w, uint32_t ptr, uint64_t v) {
  memcpy(guest(w, ptr), &v, 8);
}

static uint32_t load_u32(struct Z_wasi_snapshot_preview1_instance_t *w, uint32_t ptr) {
  uint32_t v;
  memcpy(&v, guest(w, ptr), 4);
  return v;
}

/* ---- arguments and environment ---- */

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argc_ptr,
                                             u32 buf_size_ptr) {
  if (!in_bounds(w, argc_ptr, 4) || !in_bounds(w, buf_size_ptr, 4)) return WASI_EFAULT;
  uint64_t size = 0;
  for (int i = 0; i < w->argc; ++i) size += strlen(w->argv[i]) + 1;
  store_u32(w, argc_ptr, (uint32_t)w->argc);
  store_u32(w, buf_size_ptr, (uint32_t)size);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argv_ptr, u32 buf_ptr) {
  if (!in_bounds(w, argv_ptr, 4ull * (uint64_t)w->argc)) return WASI_EFAULT;
  uint32_t at = buf_ptr;
  for (int i = 0; i < w->argc; ++i) {
    size_t len = strlen(w->argv[i]) + 1;
    if (!in_bounds(w, at, len)) return WASI_EFAULT;
    memcpy(guest(w, at), w->argv[i], len);
    store_u32(w, argv_ptr + 4u * (uint32_t)i, at);
    at += (uint32_t)len;
  }
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 count_ptr,
                                                u32 buf_size_ptr) {
  if (!in_bounds(w, count_ptr, 4) || !in_bounds(w, buf_size_ptr, 4)) return WASI_EFAULT;
  store_u32(w, count_ptr, 0);
  store_u32(w, buf_size_ptr, 0);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 environ_ptr,
                                          u32 buf_ptr) {
  (void)w;
  (void)environ_ptr;
  (void)buf_ptr;
  return WASI_ESUCCESS;
}

/* ---- stdio ---- */

static int host_fd(u32 fd) { return fd <= 2 ? (int)fd : -1; }

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs,
                                       u32 iovs_len, u32 nwritten_ptr) {
  int hfd = host_fd(fd);
  if (hfd < 0) return WASI_EBADF;
  if (!in_bounds(w, iovs, 8ull * iovs_len) || !in_bounds(w, nwritten_ptr, 4)) return WASI_EFAULT;
  uint32_t total = 0;
  for (u32 i = 0; i < iovs_len; ++i) {
    uint32_t buf = load_u32(w, iovs + 8 * i), len = load_u32(w, iovs + 8 * i + 4);
    if (!in_bounds(w, buf, len)) return WASI_EFAULT;
    const uint8_t *p = guest(w, buf);
    while (len > 0) {
      ssize_t n = write(hfd, p, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        return WASI_EIO;
      }
      p += n;
      len -= (uint32_t)n;
      total += (uint32_t)n;
    }
  }
  store_u32(w, nwritten_ptr, total);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_read(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs,
                                      u32 iovs_len, u32 nread_ptr) {
  int hfd = host_fd(fd);
  if (hfd < 0) return WASI_EBADF;
  if (!in_bounds(w, iovs, 8ull * iovs_len) || !in_bounds(w, nread_ptr, 4)) return WASI_EFAULT;
  uint32_t total = 0;
  for (u32 i = 0; i < iovs_len; ++i) {
    uint32_t buf = load_u32(w, iovs + 8 * i), len = load_u32(w, iovs + 8 * i + 4);
    if (!in_bounds(w, buf, len)) return WASI_EFAULT;
    ssize_t n;
    do n = read(hfd, guest(w, buf), len);
    while (n < 0 && errno == EINTR);
    if (n < 0) return WASI_EIO;
    total += (uint32_t)n;
    if ((uint32_t)n < len) break;
  }
  store_u32(w, nread_ptr, total);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd) {
  (void)w;
  return host_fd(fd) < 0 ? WASI_EBADF : WASI_ESUCCESS; /* stdio stays open on the host */
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u64 offset,
                                      u32 whence, u32 newoffset_ptr) {
  (void)offset;
  (void)whence;
  if (host_fd(fd) < 0) return WASI_EBADF;
  if (!in_bounds(w, newoffset_ptr, 8)) return WASI_EFAULT;
  return WASI_ESPIPE; /* stdio is treated as a stream */
}

/* fdstat: u8 filetype @0, u16 flags @2, u64 rights_base @8, u64 rights_inheriting @16 */
u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 buf) {
  int hfd = host_fd(fd);
  if (hfd < 0) return WASI_EBADF;
  if (!in_bounds(w, buf, 24)) return WASI_EFAULT;
  struct stat st;
  uint8_t type = WASI_FILETYPE_UNKNOWN;
  if (fstat(hfd, &st) == 0) {
    if (S_ISCHR(st.st_mode))
      type = WASI_FILETYPE_CHARACTER_DEVICE;
    else if (S_ISREG(st.st_mode))
      type = WASI_FILETYPE_REGULAR_FILE;
    else if (S_ISDIR(st.st_mode))
      type = WASI_FILETYPE_DIRECTORY;
    else if (S_ISSOCK(st.st_mode))
      type = WASI_FILETYPE_SOCKET_STREAM;
  }
  uint64_t rights = ~0ull;
  /* wasi-libc's isatty(): a character device without seek/tell rights */
  if (isatty(hfd)) rights &= ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL);
  else if (type == WASI_FILETYPE_CHARACTER_DEVICE) type = WASI_FILETYPE_UNKNOWN;
  memset(guest(w, buf), 0, 24);
  guest(w, buf)[0] = type;
  store_u64(w, buf + 8, rights);
  store_u64(w, buf + 16, 0);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 buf) {
  (void)w;
  (void)fd;
  (void)buf;
  return WASI_EBADF; /* no pre-opened directories */
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 path,
                                                  u32 len) {
  (void)w;
  (void)fd;
  (void)path;
  (void)len;
  return WASI_EBADF;
}

/* ---- clocks, randomness, scheduling ---- */

static int host_clock(u32 id, clockid_t *out) {
  switch (id) {
    case 0: *out = CLOCK_REALTIME; return 1;
    case 1: *out = CLOCK_MONOTONIC; return 1;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return 1;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return 1;
    default: return 0;
  }
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u64 precision,
                                             u32 time_ptr) {
  (void)precision;
  clockid_t c;
  if (!host_clock(id, &c)) return WASI_EINVAL;
  if (!in_bounds(w, time_ptr, 8)) return WASI_EFAULT;
  struct timespec ts;
  if (clock_gettime(c, &ts) != 0) return WASI_EINVAL;
  store_u64(w, time_ptr, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_clock_res_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u32 res_ptr) {
  clockid_t c;
  if (!host_clock(id, &c)) return WASI_EINVAL;
  if (!in_bounds(w, res_ptr, 8)) return WASI_EFAULT;
  struct timespec ts;
  if (clock_getres(c, &ts) != 0) return WASI_EINVAL;
  store_u64(w, res_ptr, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_random_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 buf, u32 len) {
  if (!in_bounds(w, buf, len)) return WASI_EFAULT;
  uint8_t *p = guest(w, buf);
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return WASI_EIO;
    }
    p += n;
    len -= (uint32_t)n;
  }
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_sched_yield(struct Z_wasi_snapshot_preview1_instance_t *w) {
  (void)w;
  return WASI_ESUCCESS;
}

/* ---- process exit ---- */

/* Guest output goes straight to write(2), so nothing is buffered here: exit at once. */
void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code) {
  (void)w;
  exit((int)code);
}

int main(int argc, char **argv) {
  static Z_kernel_instance_t instance;
  static struct Z_wasi_snapshot_preview1_instance_t wasi;
  wasi.argc = argc;
  wasi.argv = argv;
  wasm_rt_init();
  Z_kernel_init_module();
  Z_kernel_instantiate(&instance, &wasi);
  wasi.memory = Z_kernelZ_memory(&instance);
  int trap = wasm_rt_impl_try();
  if (trap != 0) {
    fprintf(stderr, "wasm2c: trap: %s\n", wasm_rt_strerror((wasm_rt_trap_t)trap));
    return 134;
  }
  Z_kernelZ__start(&instance);
  Z_kernel_free(&instance);
  wasm_rt_free();
  return 0;
}

/* kiln_sandbox.h: self-restriction for guest programs run by kiln (in the spirit of
 * OpenBSD's pledge and unveil). Include it in a C program built for wasm32-wasi:
 *
 *   clang-19 --target=wasm32-wasi --sysroot=/usr -I kiln/wasi-shim/include app.c
 *
 *   #include <kiln_sandbox.h>
 *   ...read the configuration...
 *   kiln_sandbox_drop(KILN_SANDBOX_FS);       // from here on, no file system at all
 *
 * Rights dropped are gone for the rest of the instance's life: nothing gives them back.
 * Every call they governed then fails with ENOTCAPABLE (76), whatever the program tries:
 * opening, reading, writing, listing, stat, creating, renaming, linking, removing.
 * kiln run approves the kiln_sandbox imports by default (they can only take rights away).
 *
 * Under another WASI runtime the kiln_sandbox imports are missing and the module does not
 * instantiate: a program that restricts itself never runs with more rights than it asked
 * to keep.
 *
 * All functions return 0 or a WASI errno value, which is the value wasi-libc uses for the
 * same errno name (so `errno = r` works).
 */
#ifndef KILN_SANDBOX_H
#define KILN_SANDBOX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Capabilities. */
#define KILN_SANDBOX_FS_READ 0x01u   /* read files, list directories, stat, readlink */
#define KILN_SANDBOX_FS_WRITE 0x02u  /* write, truncate, sync, set times */
#define KILN_SANDBOX_FS_CREATE 0x04u /* create and remove names: files, dirs, links, renames */
#define KILN_SANDBOX_SOCKETS 0x08u   /* accept, send, receive, shut down */
#define KILN_SANDBOX_CLOCKS 0x10u    /* clock_gettime, clock_getres, sleeping on a clock */
#define KILN_SANDBOX_RANDOM 0x20u    /* random_get (getentropy, arc4random) */
#define KILN_SANDBOX_ENV 0x40u       /* environ_get, environ_sizes_get */
#define KILN_SANDBOX_FS (KILN_SANDBOX_FS_READ | KILN_SANDBOX_FS_WRITE | KILN_SANDBOX_FS_CREATE)
#define KILN_SANDBOX_ALL 0x7Fu

#define KILN_SANDBOX_EINVAL 28
#define KILN_SANDBOX_ENOTCAPABLE 76

/* One directory a program keeps visible when it narrows its pre-opens. */
typedef struct kiln_sandbox_grant {
  const char *path;  /* as the program names it, e.g. "/data/out" */
  uint32_t path_len; /* bytes of path (no NUL needed) */
  uint32_t perms;    /* KILN_SANDBOX_FS_* bits allowed below it */
} kiln_sandbox_grant;

#define KILN_SANDBOX_IMPORT_(name) \
  __attribute__((import_module("kiln_sandbox"), import_name(#name)))

KILN_SANDBOX_IMPORT_(drop) uint32_t kiln_sandbox_drop_(uint32_t caps);
KILN_SANDBOX_IMPORT_(capabilities) uint32_t kiln_sandbox_capabilities_(void);
KILN_SANDBOX_IMPORT_(narrow)
uint32_t kiln_sandbox_narrow_(const kiln_sandbox_grant *grants, uint32_t count);

/* Drops `caps` (KILN_SANDBOX_* bits) for good. EINVAL for unknown bits (nothing dropped).
 * Dropping KILN_SANDBOX_ENV: call getenv() once before, so that wasi-libc has read the
 * environment (it ends the program if it cannot read it later). */
static inline uint32_t kiln_sandbox_drop(uint32_t caps) {
  return kiln_sandbox_drop_(caps);
}

/* The capabilities still held. */
static inline uint32_t kiln_sandbox_capabilities(void) {
  return kiln_sandbox_capabilities_();
}

/* Narrows the pre-opened directories to the `count` directories in `grants`, each with at
 * most its perms. Afterwards:
 *  - paths reach only below a granted directory (the most specific grant applies); any
 *    other path, ".." out of a grant or a symlink pointing out gets ENOTCAPABLE;
 *  - a grant never widens anything: its perms are cut to what the directory had, and a
 *    later call can only narrow further (it defines the whole visible set again);
 *  - directory descriptors opened before lose their rights; files already open stay open
 *    (drop KILN_SANDBOX_FS_* to cut those too).
 * All or nothing: EINVAL (bad perms, ".." in a path), ENOTCAPABLE (not under a visible
 * directory), ENOENT or ENOTDIR (not a directory), and then nothing changed. */
static inline uint32_t kiln_sandbox_narrow(const kiln_sandbox_grant *grants, uint32_t count) {
  return kiln_sandbox_narrow_(grants, count);
}

/* A grant for a NUL-terminated path. */
static inline kiln_sandbox_grant kiln_sandbox_grant_of(const char *path, uint32_t perms) {
  kiln_sandbox_grant g = {path, (uint32_t)__builtin_strlen(path), perms};
  return g;
}

#undef KILN_SANDBOX_IMPORT_

#ifdef __cplusplus
}
#endif

#endif /* KILN_SANDBOX_H */

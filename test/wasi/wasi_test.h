// Helpers shared by the WASI test programs (included by run_wasi_test.sh's builds through
// the source directory). Everything printed must be the same natively (glibc) and under
// kiln (wasi-libc): errno values are printed by symbolic name, never via strerror, whose
// texts differ between the two libcs.
#ifndef KILN_WASI_TEST_H
#define KILN_WASI_TEST_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline const char* errno_name(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSUP: return "ENOTSUP";
    case EILSEQ: return "EILSEQ";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "errno-%d", e);
      return buf;
    }
  }
}

// "label: ok" when rc >= 0, else "label: ENAME". Returns rc.
static inline long long report(const char* label, long long rc) {
  if (rc < 0)
    printf("%s: %s\n", label, errno_name(errno));
  else
    printf("%s: ok\n", label);
  return rc;
}

// "label: -1 ENAME" for a failure, "label: N" for a result N.
static inline long long report_value(const char* label, long long rc) {
  if (rc < 0)
    printf("%s: -1 %s\n", label, errno_name(errno));
  else
    printf("%s: %lld\n", label, rc);
  return rc;
}

// Only the file type of st_mode: WASI has no permission bits.
static inline const char* type_name(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "dir";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISCHR(m)) return "chardev";
  if (S_ISBLK(m)) return "blockdev";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  return "unknown";
}

// The portable part of a stat: type, size (for files and symlinks) and link count.
static inline void print_stat(const char* label, const struct stat* st) {
  if (S_ISDIR(st->st_mode))
    printf("%s: dir\n", label);
  else
    printf("%s: %s size=%lld nlink=%llu\n", label, type_name(st->st_mode), (long long)st->st_size,
           (unsigned long long)st->st_nlink);
}

// FNV-1a, for printing a short fingerprint of data instead of the data.
static inline uint64_t fnv1a(const void* p, size_t n, uint64_t h) {
  const unsigned char* b = (const unsigned char*)p;
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}
#define FNV_INIT 1469598103934665603ull

#endif

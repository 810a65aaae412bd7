// A guest reads its configuration, then drops every file-system right for good. Nothing it
// tries afterwards opens, reads, lists, stats, creates, renames, links or removes anything:
// each attempt is ENOTCAPABLE, through wasi-libc and through raw WASI calls, from the
// pre-open and from descriptors opened before the drop. Standard output still works.
//
// RUN: rm -rf %t.d && mkdir -p %t.d/sub && echo "threads=4" > %t.d/config.txt
// RUN: %clang-wasi %s -o %t.wasm && %kilnc %t.wasm -o %t.so
// RUN: %kiln run %t.so --dir %t.d::/etc/app | FileCheck %s
// RUN: ls %t.d | FileCheck %s --check-prefix=TREE --implicit-check-not=new
// TREE: config.txt
// TREE-NEXT: sub
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "kiln_sandbox.h"
#include "wasi_test.h"

static void raw(const char* label, __wasi_errno_t e) {
  printf("%s: %s\n", label, e == 0 ? "ok" : errno_name(e));
}

int main(void) {
  // CHECK: caps before: 7f
  printf("caps before: %x\n", kiln_sandbox_capabilities());
  FILE* f = fopen("/etc/app/config.txt", "r");
  char line[64] = {0};
  if (f == NULL || fgets(line, sizeof line, f) == NULL) return 1;
  // CHECK-NEXT: config: threads=4
  printf("config: %s", line);
  int kept = open("/etc/app/config.txt", O_RDONLY);         // open across the drop
  DIR* dir = opendir("/etc/app/sub");                       // a directory open across it
  int dirfd = open("/etc/app/sub", O_RDONLY | O_DIRECTORY);
  if (kept < 0 || dir == NULL || dirfd < 0) return 2;

  // CHECK-NEXT: drop: ok
  raw("drop", kiln_sandbox_drop(KILN_SANDBOX_FS));
  // CHECK-NEXT: caps after: 78
  printf("caps after: %x\n", kiln_sandbox_capabilities());

  // CHECK-NEXT: fopen r: ENOTCAPABLE
  report("fopen r", fopen("/etc/app/config.txt", "r") ? 0 : -1);
  // CHECK-NEXT: open rdonly: ENOTCAPABLE
  report("open rdonly", open("/etc/app/config.txt", O_RDONLY));
  // CHECK-NEXT: open wronly: ENOTCAPABLE
  report("open wronly", open("/etc/app/config.txt", O_WRONLY));
  // CHECK-NEXT: open creat: ENOTCAPABLE
  report("open creat", open("/etc/app/new.txt", O_WRONLY | O_CREAT, 0644));
  // CHECK-NEXT: open dir: ENOTCAPABLE
  report("open dir", open("/etc/app/sub", O_RDONLY | O_DIRECTORY));
  // CHECK-NEXT: opendir: ENOTCAPABLE
  report("opendir", opendir("/etc/app") ? 0 : -1);
  struct stat st;
  // CHECK-NEXT: stat: ENOTCAPABLE
  report("stat", stat("/etc/app/config.txt", &st));
  // CHECK-NEXT: mkdir: ENOTCAPABLE
  report("mkdir", mkdir("/etc/app/newdir", 0755));
  // CHECK-NEXT: unlink: ENOTCAPABLE
  report("unlink", unlink("/etc/app/config.txt"));
  // CHECK-NEXT: rename: ENOTCAPABLE
  report("rename", rename("/etc/app/config.txt", "/etc/app/new.txt"));
  // CHECK-NEXT: link: ENOTCAPABLE
  report("link", link("/etc/app/config.txt", "/etc/app/new.txt"));
  // CHECK-NEXT: symlink: ENOTCAPABLE
  report("symlink", symlink("config.txt", "/etc/app/new.txt"));
  // CHECK-NEXT: rmdir: ENOTCAPABLE
  report("rmdir", rmdir("/etc/app/sub"));
  char buf[16];
  // CHECK-NEXT: readlink: ENOTCAPABLE
  report("readlink", readlink("/etc/app/config.txt", buf, sizeof buf));
  // CHECK-NEXT: truncate: ENOTCAPABLE
  report("truncate", truncate("/etc/app/config.txt", 0));
  // CHECK-NEXT: access: ENOTCAPABLE
  report("access", access("/etc/app/config.txt", R_OK));

  // Descriptors opened before the drop lose their file-system rights too.
  // (wasi-libc's read() reports a descriptor not open for reading as EBADF, as POSIX
  // does; the WASI call itself says ENOTCAPABLE.)
  // CHECK-NEXT: read kept: EBADF
  report("read kept", read(kept, buf, sizeof buf));
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_size_t n;
  // CHECK-NEXT: raw fd_read kept: ENOTCAPABLE
  raw("raw fd_read kept", __wasi_fd_read(kept, &iov, 1, &n));
  // CHECK-NEXT: fstat kept: ENOTCAPABLE
  report("fstat kept", fstat(kept, &st));
  // (opendir read the first entries before the drop; starting over must ask again.)
  rewinddir(dir);
  errno = 0;
  // CHECK-NEXT: readdir: ENOTCAPABLE
  report("readdir", readdir(dir) ? 0 : -1);
  // CHECK-NEXT: openat dirfd: ENOTCAPABLE
  report("openat dirfd", openat(dirfd, "x", O_WRONLY | O_CREAT, 0644));

  // Raw WASI calls ask for every right explicitly: still nothing.
  const __wasi_rights_t all = (1ull << 30) - 1;
  __wasi_fd_t out;
  // CHECK-NEXT: raw open all rights: ENOTCAPABLE
  raw("raw open all rights", __wasi_path_open(3, 0, "config.txt", 0, all, all, 0, &out));
  // CHECK-NEXT: raw open no rights: ENOTCAPABLE
  raw("raw open no rights", __wasi_path_open(3, 0, "config.txt", 0, 0, 0, 0, &out));
  // CHECK-NEXT: raw open creat: ENOTCAPABLE
  raw("raw open creat",
      __wasi_path_open(3, 0, "new.txt", __WASI_OFLAGS_CREAT, all, all, 0, &out));
  // CHECK-NEXT: raw open dirfd: ENOTCAPABLE
  raw("raw open dirfd", __wasi_path_open(dirfd, 0, ".", __WASI_OFLAGS_DIRECTORY, all, all, 0, &out));
  __wasi_filestat_t fst;
  // CHECK-NEXT: raw path_filestat_get: ENOTCAPABLE
  raw("raw path_filestat_get", __wasi_path_filestat_get(3, 0, "config.txt", &fst));
  // CHECK-NEXT: raw path_create_directory: ENOTCAPABLE
  raw("raw path_create_directory", __wasi_path_create_directory(3, "newdir"));
  // Rights never come back: widening a descriptor's rights is refused.
  // CHECK-NEXT: raw set_rights widen: ENOTCAPABLE
  raw("raw set_rights widen", __wasi_fd_fdstat_set_rights(3, all, all));
  __wasi_fdstat_t fds;
  // CHECK-NEXT: pre-open reports rights: 0 0
  if (__wasi_fd_fdstat_get(3, &fds) == 0)
    printf("pre-open reports rights: %llx %llx\n", (unsigned long long)fds.fs_rights_base,
           (unsigned long long)fds.fs_rights_inheriting);
  // Dropping again, or dropping nothing, changes nothing; unknown bits are refused.
  // CHECK-NEXT: drop again: ok
  raw("drop again", kiln_sandbox_drop(KILN_SANDBOX_FS));
  // CHECK-NEXT: drop unknown: EINVAL
  raw("drop unknown", kiln_sandbox_drop(0x80));
  // CHECK-NEXT: caps end: 78
  printf("caps end: %x\n", kiln_sandbox_capabilities());
  // CHECK-NEXT: close kept: ok
  report("close kept", close(kept));
  // CHECK-NEXT: done
  printf("done\n");
  return 0;
}

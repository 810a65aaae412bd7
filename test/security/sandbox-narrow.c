// A guest narrows its pre-opens (like OpenBSD's unveil): /data/in readable, /data/out
// writable, everything else gone. Nothing outside the grants is reachable, by any path,
// "..", symlink or descriptor opened before; a grant never widens a right; a later call
// only narrows further.
//
// RUN: rm -rf %t.d %t.other && mkdir -p %t.d/in %t.d/out %t.d/secret %t.other
// RUN: echo in-data > %t.d/in/a.txt && echo secret > %t.d/secret/s.txt && echo other > %t.other/o.txt
// RUN: ln -s ../secret %t.d/out/up && ln -s ../in/a.txt %t.d/out/a-link
// RUN: %clang-wasi %s -o %t.wasm && %kilnc %t.wasm -o %t.so
// RUN: %kiln run %t.so --dir %t.d::/data --dir %t.other::/other | FileCheck %s
// What the guest left behind: only /data/out changed.
// RUN: ls %t.d/out | FileCheck %s --check-prefix=OUT
// OUT: a-link
// OUT-NEXT: made
// OUT-NEXT: new.txt
// OUT-NEXT: up
// RUN: ls %t.d/in %t.d/secret %t.other | FileCheck %s --check-prefix=REST
// REST: a.txt
// REST: s.txt
// REST: o.txt
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "kiln_sandbox.h"
#include "wasi_test.h"

static void raw(const char* label, __wasi_errno_t e) {
  printf("%s: %s\n", label, e == 0 ? "ok" : errno_name(e));
}

static void cat(const char* label, const char* path) {
  FILE* f = fopen(path, "r");
  char line[64] = {0};
  if (f == NULL) {
    printf("%s: %s\n", label, errno_name(errno));
    return;
  }
  if (fgets(line, sizeof line, f) == NULL) strcpy(line, "(empty)\n");
  fclose(f);
  printf("%s: %s", label, line);
}

static void write_file(const char* label, const char* path) {
  FILE* f = fopen(path, "w");
  if (f == NULL) {
    printf("%s: %s\n", label, errno_name(errno));
    return;
  }
  fputs("written\n", f);
  printf("%s: %s\n", label, fclose(f) == 0 ? "ok" : errno_name(errno));
}

int main(void) {
  int early_dir = open("/data", O_RDONLY | O_DIRECTORY);  // opened before narrowing
  if (early_dir < 0) return 1;
  kiln_sandbox_grant grants[] = {
      kiln_sandbox_grant_of("/data/in", KILN_SANDBOX_FS_READ),
      kiln_sandbox_grant_of("/data/out", KILN_SANDBOX_FS),
  };
  // Refused calls change nothing.
  kiln_sandbox_grant bad_perms = kiln_sandbox_grant_of("/data/in", 0x10);
  // CHECK: bad perms: EINVAL
  raw("bad perms", kiln_sandbox_narrow(&bad_perms, 1));
  kiln_sandbox_grant dotdot = kiln_sandbox_grant_of("/data/in/../secret", KILN_SANDBOX_FS_READ);
  // CHECK-NEXT: dotdot: EINVAL
  raw("dotdot", kiln_sandbox_narrow(&dotdot, 1));
  kiln_sandbox_grant missing = kiln_sandbox_grant_of("/data/nope", KILN_SANDBOX_FS_READ);
  // CHECK-NEXT: missing: ENOENT
  raw("missing", kiln_sandbox_narrow(&missing, 1));
  kiln_sandbox_grant file = kiln_sandbox_grant_of("/data/in/a.txt", KILN_SANDBOX_FS_READ);
  // CHECK-NEXT: not a directory: ENOTDIR
  raw("not a directory", kiln_sandbox_narrow(&file, 1));
  kiln_sandbox_grant nowhere = kiln_sandbox_grant_of("/elsewhere", KILN_SANDBOX_FS_READ);
  // CHECK-NEXT: no pre-open: ENOTCAPABLE
  raw("no pre-open", kiln_sandbox_narrow(&nowhere, 1));
  // CHECK-NEXT: still visible: secret
  cat("still visible", "/data/secret/s.txt");

  // CHECK-NEXT: narrow: ok
  raw("narrow", kiln_sandbox_narrow(grants, 2));
  // CHECK-NEXT: read in: in-data
  cat("read in", "/data/in/a.txt");
  // CHECK-NEXT: write in: ENOTCAPABLE
  write_file("write in", "/data/in/a.txt");
  // CHECK-NEXT: create in: ENOTCAPABLE
  write_file("create in", "/data/in/new.txt");
  // CHECK-NEXT: write out: ok
  write_file("write out", "/data/out/new.txt");
  // CHECK-NEXT: read out: written
  cat("read out", "/data/out/new.txt");
  // CHECK-NEXT: mkdir out: ok
  report("mkdir out", mkdir("/data/out/made", 0755));
  // CHECK-NEXT: read secret: ENOTCAPABLE
  cat("read secret", "/data/secret/s.txt");
  // CHECK-NEXT: dotdot to secret: ENOTCAPABLE
  cat("dotdot to secret", "/data/in/../secret/s.txt");
  // ".." that stays inside the grant is fine.
  // CHECK-NEXT: dotdot inside out: written
  cat("dotdot inside out", "/data/out/made/../new.txt");
  // CHECK-NEXT: symlink out of a grant: ENOTCAPABLE
  cat("symlink out of a grant", "/data/out/up/s.txt");
  // CHECK-NEXT: symlink into another grant: ENOTCAPABLE
  cat("symlink into another grant", "/data/out/a-link");
  // CHECK-NEXT: other pre-open: ENOTCAPABLE
  cat("other pre-open", "/other/o.txt");
  struct stat st;
  // CHECK-NEXT: stat root: ENOTCAPABLE
  report("stat root", stat("/data", &st));
  // CHECK-NEXT: list root: ENOTCAPABLE
  report("list root", opendir("/data") ? 0 : -1);
  // CHECK-NEXT: stat in: ok
  report("stat in", stat("/data/in", &st));
  // Carrying a file from a read-only grant into a writable one: a link or rename source
  // needs the create right where it is.
  // CHECK-NEXT: link in to out: ENOTCAPABLE
  report("link in to out", link("/data/in/a.txt", "/data/out/a.txt"));
  // CHECK-NEXT: rename in to out: ENOTCAPABLE
  report("rename in to out", rename("/data/in/a.txt", "/data/out/a.txt"));
  // CHECK-NEXT: rename out to in: ENOTCAPABLE
  report("rename out to in", rename("/data/out/new.txt", "/data/in/new.txt"));
  // CHECK-NEXT: symlink made inside, followed: ENOTCAPABLE
  symlink("../../secret/s.txt", "/data/out/made/sneaky");
  cat("symlink made inside, followed", "/data/out/made/sneaky");
  unlink("/data/out/made/sneaky");
  // The directory opened before narrowing can do nothing now.
  // CHECK-NEXT: early dir: ENOTCAPABLE
  report("early dir", openat(early_dir, "secret/s.txt", O_RDONLY));
  // CHECK-NEXT: early dir in: ENOTCAPABLE
  report("early dir in", openat(early_dir, "in/a.txt", O_RDONLY));

  // Narrowing again: a grant outside what is visible is refused; perms never grow.
  kiln_sandbox_grant secret = kiln_sandbox_grant_of("/data/secret", KILN_SANDBOX_FS_READ);
  // CHECK-NEXT: widen to secret: ENOTCAPABLE
  raw("widen to secret", kiln_sandbox_narrow(&secret, 1));
  kiln_sandbox_grant in_rw = kiln_sandbox_grant_of("/data/in", KILN_SANDBOX_FS);
  // CHECK-NEXT: narrow to in: ok
  raw("narrow to in", kiln_sandbox_narrow(&in_rw, 1));
  // CHECK-NEXT: write in after: ENOTCAPABLE
  write_file("write in after", "/data/in/a.txt");
  // CHECK-NEXT: read in after: in-data
  cat("read in after", "/data/in/a.txt");
  // CHECK-NEXT: out gone: ENOTCAPABLE
  cat("out gone", "/data/out/new.txt");
  // Dropping the read capability removes what the grant still allowed.
  // CHECK-NEXT: drop read: ok
  raw("drop read", kiln_sandbox_drop(KILN_SANDBOX_FS_READ));
  // CHECK-NEXT: read in dropped: ENOTCAPABLE
  cat("read in dropped", "/data/in/a.txt");
  // CHECK-NEXT: done
  printf("done\n");
  return 0;
}

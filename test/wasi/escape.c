// Sandbox escape attempts, run under kiln only (natively most of them would succeed) by
// run_escape_test.sh, which pre-opens box/ as "." and box2/ as "data" (read-write) and
// ro/ as "ro" (read-only), and puts outside them secret.txt and outside_dir/. Inside box/
// it made symlinks that point out: secret -> ../secret.txt, up -> .., abs -> the absolute
// host path of secret.txt, absdir -> /etc, a/up2 -> ../.., chain -> secret, and a loop
// (loop1 <-> loop2). argv[1] is the host path of secret.txt.
// Every attempt prints one line "ATTEMPT: denied" or "ATTEMPT: ALLOWED ..."; the errno is
// printed only where it means something (ELOOP for the loop inside the box); the
// operations that must work inside the pre-opens print "ok". The script compares this
// output with escape.expected and checks on the host that nothing outside changed.
// WASI: path_open (dotdot, absolute paths, symlinks out, relative to several dir fds),
// path_filestat_get, path_filestat_set_times, path_create_directory,
// path_remove_directory, path_rename, path_link, path_symlink, path_unlink_file,
// path_readlink, fd_readdir, fd_prestat_get / fd_prestat_dir_name, and (wasm only) raw
// calls that bypass wasi-libc's own path checks.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include "wasi_test.h"

#ifdef __wasi__
#include <wasi/api.h>

// The imports themselves, with explicit path lengths (wasi/api.h's wrappers take C strings).
#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI_IMPORT(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, const char* path, size_t path_len, int32_t oflags,
                      uint64_t rights_base, uint64_t rights_inheriting, int32_t fdflags, __wasi_fd_t* fd_out);
WASI_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, const char* path, size_t path_len, __wasi_filestat_t* out);
WASI_IMPORT(path_create_directory)
int32_t raw_path_create_directory(int32_t fd, const char* path, size_t path_len);
#endif

static const char* secret_path = "";

static void denied_or_allowed(const char* label, int failed, int show_errno, const char* what) {
  if (failed) {
    if (show_errno)
      printf("%s: denied (%s)\n", label, errno_name(errno));
    else
      printf("%s: denied\n", label);
  } else {
    printf("%s: ALLOWED%s%s\n", label, what ? " " : "", what ? what : "");
  }
}

static void try_open(const char* label, const char* path, int flags, int show_errno) {
  errno = 0;
  int fd = open(path, flags, 0644);
  if (fd < 0) {
    denied_or_allowed(label, 1, show_errno, NULL);
    return;
  }
  char buf[80] = "";
  char what[160] = "";
  if ((flags & O_ACCMODE) != O_WRONLY) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    char* nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    snprintf(what, sizeof what, "(read: \"%.60s\")", buf);
  }
  if ((flags & O_ACCMODE) != O_RDONLY) {
    ssize_t w = write(fd, "!", 1);
    size_t l = strlen(what);
    snprintf(what + l, sizeof what - l, "%s(opened for writing; a write %s)", l ? " " : "",
             w == 1 ? "WENT THROUGH" : "was refused");
  }
  close(fd);
  denied_or_allowed(label, 0, 0, what);
}

static void try_rc(const char* label, int rc) { denied_or_allowed(label, rc != 0, 0, NULL); }

static void try_stat(const char* label, const char* path, int follow) {
  struct stat st;
  int rc = follow ? stat(path, &st) : lstat(path, &st);
  char what[64];
  if (rc == 0) snprintf(what, sizeof what, "(%s)", type_name(st.st_mode));
  denied_or_allowed(label, rc != 0, 0, rc == 0 ? what : NULL);
}

static void try_opendir(const char* label, const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    denied_or_allowed(label, 1, 0, NULL);
    return;
  }
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  char what[64];
  snprintf(what, sizeof what, "(%d entries)", n);
  denied_or_allowed(label, 0, 0, what);
}

// Inside the pre-opens: must work.
static void must(const char* label, long long rc) {
  if (rc < 0)
    printf("%s: FAILED (%s)\n", label, errno_name(errno));
  else
    printf("%s: ok\n", label);
}

static void must_read(const char* label, const char* path, const char* expect) {
  char buf[128] = "";
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n < 0) {
    printf("%s: FAILED (%s)\n", label, errno_name(errno));
    return;
  }
  buf[n] = 0;
  printf("%s: %s\n", label, strcmp(buf, expect) == 0 ? "ok" : "WRONG CONTENT");
}

static void show_readlink(const char* label, const char* path) {
  char buf[512];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) {
    printf("%s: %s\n", label, errno_name(errno));
    return;
  }
  buf[n] = 0;
  // The absolute target is a host path: print a placeholder when it is secret.txt's.
  printf("%s: \"%s\" (readlink is allowed: it only returns the text)\n", label,
         strcmp(buf, secret_path) == 0 ? "<host path of secret.txt>" : buf);
}

static int cmpstr(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static void list(const char* label, const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    printf("%s: FAILED (%s)\n", label, errno_name(errno));
    return;
  }
  char* names[64];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) && n < 64)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmpstr);
  printf("%s:", label);
  for (int i = 0; i < n; ++i) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc > 1) secret_path = argv[1];

  printf("== reading out of the box\n");
  try_open("open ../secret.txt", "../secret.txt", O_RDONLY, 0);
  try_open("open a/../../secret.txt", "a/../../secret.txt", O_RDONLY, 0);
  try_open("open ./a/../../secret.txt", "./a/../../secret.txt", O_RDONLY, 0);
  try_open("open a/./../../secret.txt", "a/./../../secret.txt", O_RDONLY, 0);
  try_open("open a/b/../../../secret.txt", "a/b/../../../secret.txt", O_RDONLY, 0);
  try_open("open a/../a/../../secret.txt", "a/../a/../../secret.txt", O_RDONLY, 0);
  try_open("open ../box/inside.txt (out and back in)", "../box/inside.txt", O_RDONLY, 0);
  try_open("open /etc/passwd", "/etc/passwd", O_RDONLY, 0);
  try_open("open <host path of secret.txt>", secret_path, O_RDONLY, 0);
  try_open("open //etc/passwd", "//etc/passwd", O_RDONLY, 0);
  try_open("open /../etc/passwd", "/../etc/passwd", O_RDONLY, 0);
  try_open("open secret (symlink -> ../secret.txt)", "secret", O_RDONLY, 0);
  try_open("open chain (symlink -> secret -> ../secret.txt)", "chain", O_RDONLY, 0);
  try_open("open abs (symlink -> absolute host path)", "abs", O_RDONLY, 0);
  try_open("open absdir/passwd (symlink -> /etc)", "absdir/passwd", O_RDONLY, 0);
  try_open("open up/secret.txt (symlink -> ..)", "up/secret.txt", O_RDONLY, 0);
  try_open("open up/box/inside.txt (up and back in)", "up/box/inside.txt", O_RDONLY, 0);
  try_open("open a/up2/secret.txt (symlink -> ../..)", "a/up2/secret.txt", O_RDONLY, 0);
  try_open("open data/../secret.txt (second pre-open)", "data/../secret.txt", O_RDONLY, 0);
  try_open("open data/../box/inside.txt", "data/../box/inside.txt", O_RDONLY, 0);
  try_open("open ro/../secret.txt (read-only pre-open)", "ro/../secret.txt", O_RDONLY, 0);
  try_open("open loop1 (symlink loop inside the box)", "loop1", O_RDONLY, 1);
  try_open("open secret O_NOFOLLOW", "secret", O_RDONLY | O_NOFOLLOW, 1);

  printf("== directory descriptors do not reach above themselves\n");
  int afd = open("a", O_RDONLY | O_DIRECTORY);
  must("open a O_DIRECTORY", afd);
  int fd = openat(afd, "../inside.txt", O_RDONLY);
  denied_or_allowed("openat(a, ../inside.txt)", fd < 0, 0, NULL);
  if (fd >= 0) close(fd);
  fd = openat(afd, "../../secret.txt", O_RDONLY);
  denied_or_allowed("openat(a, ../../secret.txt)", fd < 0, 0, NULL);
  if (fd >= 0) close(fd);
  fd = openat(afd, "..", O_RDONLY | O_DIRECTORY);
  denied_or_allowed("openat(a, ..)", fd < 0, 0, NULL);
  if (fd >= 0) close(fd);
  fd = openat(afd, "up2/secret.txt", O_RDONLY);
  denied_or_allowed("openat(a, up2/secret.txt)", fd < 0, 0, NULL);
  if (fd >= 0) close(fd);
  struct stat st;
  denied_or_allowed("fstatat(a, ../../secret.txt)", fstatat(afd, "../../secret.txt", &st, 0) != 0, 0, NULL);
  denied_or_allowed("mkdirat(a, ../../made-by-mkdirat)", mkdirat(afd, "../../made-by-mkdirat", 0755) != 0, 0, NULL);
  fd = openat(afd, "b", O_RDONLY | O_DIRECTORY);
  must("openat(a, b) inside", fd);
  if (fd >= 0) close(fd);

  printf("== metadata out of the box\n");
  try_stat("stat ../secret.txt", "../secret.txt", 1);
  try_stat("stat secret (follows out)", "secret", 1);
  try_stat("stat abs (follows out)", "abs", 1);
  try_stat("stat absdir", "absdir", 1);
  try_stat("stat up", "up", 1);
  try_stat("stat ..", "..", 1);
  try_stat("stat ../outside_dir", "../outside_dir", 1);
  try_stat("stat /etc/passwd", "/etc/passwd", 1);
  try_stat("lstat ../secret.txt", "../secret.txt", 0);
  try_stat("lstat up/secret.txt", "up/secret.txt", 0);
  try_rc("access ../secret.txt", access("../secret.txt", F_OK));
  try_rc("access secret (follows out)", access("secret", F_OK));
  struct timespec ts[2] = {{1, 0}, {1, 0}};
  try_rc("utimensat ../secret.txt", utimensat(AT_FDCWD, "../secret.txt", ts, 0));
  try_rc("utimensat secret (follows out)", utimensat(AT_FDCWD, "secret", ts, 0));
  try_rc("utimensat up/outside_dir", utimensat(AT_FDCWD, "up/outside_dir", ts, 0));

  printf("== listing out of the box\n");
  try_opendir("opendir ..", "..");
  try_opendir("opendir up", "up");
  try_opendir("opendir absdir", "absdir");
  try_opendir("opendir a/up2", "a/up2");
  try_opendir("opendir ../outside_dir", "../outside_dir");
  try_opendir("opendir data/..", "data/..");

  printf("== writing out of the box\n");
  try_open("open ../created.txt O_CREAT|O_WRONLY", "../created.txt", O_CREAT | O_WRONLY, 0);
  try_open("open ../outside_dir/created.txt O_CREAT", "../outside_dir/created.txt", O_CREAT | O_WRONLY, 0);
  try_open("open up/created2.txt O_CREAT", "up/created2.txt", O_CREAT | O_WRONLY, 0);
  try_open("open ../secret.txt O_WRONLY|O_TRUNC", "../secret.txt", O_WRONLY | O_TRUNC, 0);
  try_open("open ../secret.txt O_WRONLY|O_APPEND", "../secret.txt", O_WRONLY | O_APPEND, 0);
  try_open("open secret O_WRONLY|O_TRUNC (symlink out)", "secret", O_WRONLY | O_TRUNC, 0);
  try_open("open abs O_RDWR (absolute symlink out)", "abs", O_RDWR, 0);
  try_rc("truncate ../secret.txt", truncate("../secret.txt", 0));
  try_rc("mkdir ../newdir", mkdir("../newdir", 0755));
  try_rc("mkdir up/newdir", mkdir("up/newdir", 0755));
  try_rc("mkdir ../outside_dir/newdir", mkdir("../outside_dir/newdir", 0755));
  try_rc("rmdir ../outside_dir", rmdir("../outside_dir"));
  try_rc("rmdir up/outside_dir", rmdir("up/outside_dir"));
  try_rc("unlink ../secret.txt", unlink("../secret.txt"));
  try_rc("unlink up/secret.txt", unlink("up/secret.txt"));
  try_rc("unlink ../outside_dir/keep.txt", unlink("../outside_dir/keep.txt"));
  try_rc("rename inside.txt ../moved.txt", rename("inside.txt", "../moved.txt"));
  try_rc("rename inside.txt up/moved.txt", rename("inside.txt", "up/moved.txt"));
  try_rc("rename inside.txt data/../moved.txt", rename("inside.txt", "data/../moved.txt"));
  try_rc("rename ../secret.txt stolen.txt", rename("../secret.txt", "stolen.txt"));
  try_rc("rename ../outside_dir stolen_dir", rename("../outside_dir", "stolen_dir"));
  try_rc("rename a ../a-moved (a directory)", rename("a", "../a-moved"));
  try_rc("link inside.txt ../hardlink", link("inside.txt", "../hardlink"));
  try_rc("link ../secret.txt stolen-link", link("../secret.txt", "stolen-link"));
  try_rc("linkat secret (AT_SYMLINK_FOLLOW) followed-link",
         linkat(AT_FDCWD, "secret", AT_FDCWD, "followed-link", AT_SYMLINK_FOLLOW));
  try_rc("symlink x ../evil-link (link placed outside)", symlink("x", "../evil-link"));
  try_rc("symlink x up/evil-link2", symlink("x", "up/evil-link2"));

  printf("== links made by the guest, then followed\n");
  symlink("../secret.txt", "made-rel");  // may be refused: either way it must not lead out
  symlink("/etc/passwd", "made-abs");
  symlink(secret_path, "made-host");
  symlink("a/../../secret.txt", "made-nested");
  try_open("open made-rel (-> ../secret.txt)", "made-rel", O_RDONLY, 0);
  try_open("open made-abs (-> /etc/passwd)", "made-abs", O_RDONLY, 0);
  try_open("open made-host (-> host path of secret.txt)", "made-host", O_RDONLY, 0);
  try_open("open made-nested (-> a/../../secret.txt)", "made-nested", O_RDONLY, 0);
  try_open("open made-rel O_WRONLY|O_CREAT", "made-rel", O_WRONLY | O_CREAT, 0);
  try_stat("stat made-abs", "made-abs", 1);
  unlink("made-rel");
  unlink("made-abs");
  unlink("made-host");
  unlink("made-nested");

  printf("== the read-only pre-open\n");
  must_read("read ro/ro.txt", "ro/ro.txt", "read-only data\n");
  try_open("open ro/ro.txt O_WRONLY", "ro/ro.txt", O_WRONLY, 0);
  try_open("open ro/ro.txt O_RDWR", "ro/ro.txt", O_RDWR, 0);
  try_open("open ro/ro.txt O_WRONLY|O_TRUNC", "ro/ro.txt", O_WRONLY | O_TRUNC, 0);
  try_open("open ro/ro.txt O_WRONLY|O_APPEND", "ro/ro.txt", O_WRONLY | O_APPEND, 0);
  try_open("open ro/new.txt O_CREAT", "ro/new.txt", O_WRONLY | O_CREAT, 0);
  try_rc("truncate ro/ro.txt", truncate("ro/ro.txt", 0));
  try_rc("mkdir ro/newdir", mkdir("ro/newdir", 0755));
  try_rc("rmdir ro/sub", rmdir("ro/sub"));
  try_rc("unlink ro/ro.txt", unlink("ro/ro.txt"));
  try_rc("rename ro/ro.txt ro/renamed.txt", rename("ro/ro.txt", "ro/renamed.txt"));
  try_rc("rename ro/ro.txt taken.txt (out of ro)", rename("ro/ro.txt", "taken.txt"));
  try_rc("rename inside.txt ro/planted.txt (into ro)", rename("inside.txt", "ro/planted.txt"));
  try_rc("link ro/ro.txt ro/hard", link("ro/ro.txt", "ro/hard"));
  try_rc("link inside.txt ro/hard2", link("inside.txt", "ro/hard2"));
  try_rc("symlink x ro/sym", symlink("x", "ro/sym"));
  try_rc("utimensat ro/ro.txt", utimensat(AT_FDCWD, "ro/ro.txt", ts, 0));
  fd = open("ro/ro.txt", O_RDONLY);
  must("open ro/ro.txt O_RDONLY", fd);
  denied_or_allowed("write on the O_RDONLY descriptor", write(fd, "x", 1) < 0, 0, NULL);
  denied_or_allowed("ftruncate on it", ftruncate(fd, 0) != 0, 0, NULL);
  denied_or_allowed("futimens on it", futimens(fd, ts) != 0, 0, NULL);
  denied_or_allowed("F_SETFL O_APPEND then write", fcntl(fd, F_SETFL, O_APPEND) != 0 || write(fd, "x", 1) < 0, 0,
                    NULL);
  close(fd);
  list("listing ro", "ro");

#ifdef __wasi__
  printf("== raw WASI calls (past wasi-libc's own checks)\n");
  int root = open(".", O_RDONLY | O_DIRECTORY);
  __wasi_fd_t got;
  const __wasi_rights_t all = ~(__wasi_rights_t)0;
  static const struct {
    const char* label;
    const char* path;
    size_t len;  // 0: strlen
  } raw[] = {
      {"raw path_open(., /etc/passwd)", "/etc/passwd", 0},
      {"raw path_open(., ../secret.txt)", "../secret.txt", 0},
      {"raw path_open(., a/../../secret.txt)", "a/../../secret.txt", 0},
      {"raw path_open(., /)", "/", 0},
      {"raw path_open(., ..)", "..", 0},
      {"raw path_open(., secret)", "secret", 0},
      {"raw path_open(., \"inside.txt\\0/../../secret.txt\")", "inside.txt\0/../../secret.txt", 29},
      {"raw path_open(., \"../secret.txt\\0\")", "../secret.txt\0", 14},
  };
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; ++i) {
    size_t len = raw[i].len ? raw[i].len : strlen(raw[i].path);
    int32_t e = raw_path_open(root, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, raw[i].path, len, 0, all, all, 0, &got);
    denied_or_allowed(raw[i].label, e != 0, 0, NULL);
    if (!e) close((int)got);
  }
  // The host path of secret.txt, passed straight to the host.
  int32_t e =
      raw_path_open(root, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, secret_path, strlen(secret_path), 0, all, all, 0, &got);
  denied_or_allowed("raw path_open(., <host path of secret.txt>)", e != 0, 0, NULL);
  if (!e) close((int)got);
  __wasi_filestat_t fs;
  denied_or_allowed("raw path_filestat_get(., /etc)", raw_path_filestat_get(root, 0, "/etc", 4, &fs) != 0, 0, NULL);
  denied_or_allowed("raw path_create_directory(., /tmp/kiln-escape-test)",
                    raw_path_create_directory(root, "/tmp/kiln-escape-test", 21) != 0, 0, NULL);
  denied_or_allowed("raw path_open(stdout as dir, x)", raw_path_open(1, 0, "x", 1, 0, all, all, 0, &got) != 0, 0,
                    NULL);
  denied_or_allowed("raw path_open(fd 77, secret.txt)",
                    raw_path_open(77, 0, "secret.txt", 10, 0, all, all, 0, &got) != 0, 0, NULL);
  // Rights beyond the read-only pre-open's cannot be had by asking.
  int rofd = open("ro", O_RDONLY | O_DIRECTORY);
  e = raw_path_open(rofd, 0, "ro.txt", 6, 0, all, all, __WASI_FDFLAGS_APPEND, &got);
  if (!e) {
    __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
    __wasi_size_t nw = 0;
    e = __wasi_fd_write(got, &iov, 1, &nw);
    close((int)got);
  }
  denied_or_allowed("raw path_open(ro, ro.txt, all rights) then write", e != 0, 0, NULL);
  close(rofd);
  // The pre-opened directories the guest sees, by name (sorted; the fds may differ).
  char* names[16];
  int nn = 0;
  for (__wasi_fd_t f = 3; f < 64 && nn < 16; ++f) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(f, &ps) != 0) continue;
    char* nm = calloc(1, ps.u.dir.pr_name_len + 1);
    if (__wasi_fd_prestat_dir_name(f, (uint8_t*)nm, ps.u.dir.pr_name_len) != 0) strcpy(nm, "?");
    names[nn++] = nm;
  }
  qsort(names, (size_t)nn, sizeof *names, cmpstr);
  printf("pre-opens:");
  for (int i = 0; i < nn; ++i) {
    printf(" \"%s\"", names[i]);
    free(names[i]);
  }
  printf("\n");
  close(root);
#else
  printf("== raw WASI calls: wasm only\n");
#endif

  printf("== what must work inside\n");
  show_readlink("readlink secret", "secret");
  show_readlink("readlink abs", "abs");
  show_readlink("readlink absdir", "absdir");
  show_readlink("readlink up", "up");
  must("lstat secret (the link itself, inside)", lstat("secret", &st));
  printf("  it is a %s\n", type_name(st.st_mode));
  must_read("read inside.txt", "inside.txt", "inside the box\n");
  must_read("read a/b/deep.txt", "a/b/deep.txt", "deep\n");
  must_read("read a/../inside.txt", "a/../inside.txt", "inside the box\n");
  must_read("read ./a/./b/../../inside.txt", "./a/./b/../../inside.txt", "inside the box\n");
  must_read("read data/b2.txt", "data/b2.txt", "in the second box\n");
  fd = open("new.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
  must("create new.txt", fd);
  must("write new.txt", write(fd, "written inside\n", 15));
  close(fd);
  must_read("read new.txt back", "new.txt", "written inside\n");
  must("mkdir made", mkdir("made", 0755));
  must("rename new.txt made/renamed.txt", rename("new.txt", "made/renamed.txt"));
  must_read("read made/renamed.txt", "made/renamed.txt", "written inside\n");
  must("symlink renamed.txt made/link", symlink("renamed.txt", "made/link"));
  must_read("read made/link", "made/link", "written inside\n");
  must("symlink ../inside.txt made/uplink (stays inside)", symlink("../inside.txt", "made/uplink"));
  must_read("read made/uplink", "made/uplink", "inside the box\n");
  must("link inside.txt made/hard", link("inside.txt", "made/hard"));
  must("rename data/b2.txt moved-from-data.txt (across pre-opens)", rename("data/b2.txt", "moved-from-data.txt"));
  must_read("read moved-from-data.txt", "moved-from-data.txt", "in the second box\n");
  fd = open("data/new2.txt", O_WRONLY | O_CREAT, 0644);
  must("create data/new2.txt", fd);
  must("write data/new2.txt", write(fd, "second\n", 7));
  close(fd);
  must("unlink secret (the link, not its target)", unlink("secret"));
  must("unlink made/hard", unlink("made/hard"));
  must("rmdir a/b/empty", rmdir("a/b/empty"));
  list("listing .", ".");
  list("listing data", "data");
  return 0;
}

// Directories and names in the sandbox directory: mkdir / rmdir, rename (file, directory,
// over an existing file, into a subdirectory), unlink, hard links (link, linkat, nlink
// counts), symlinks (symlink, symlinkat, readlink, readlinkat, dangling and relative
// targets, links to directories), stat / lstat / fstat / fstatat with and without
// AT_SYMLINK_NOFOLLOW, access / faccessat, and the *at variants relative to an opened
// directory descriptor. Starts from fixtures/dirs/ (a small tree with a symlink).
// WASI: path_create_directory, path_remove_directory, path_rename, path_unlink_file,
// path_link, path_symlink, path_readlink, path_filestat_get, fd_filestat_get, path_open.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

static void st(const char* path) {
  struct stat s;
  if (stat(path, &s) != 0) {
    printf("stat %s: %s\n", path, errno_name(errno));
    return;
  }
  char label[300];
  snprintf(label, sizeof label, "stat %s", path);
  print_stat(label, &s);
}

static void lst(const char* path) {
  struct stat s;
  if (lstat(path, &s) != 0) {
    printf("lstat %s: %s\n", path, errno_name(errno));
    return;
  }
  char label[300];
  snprintf(label, sizeof label, "lstat %s", path);
  print_stat(label, &s);
}

static void rl(const char* path) {
  char buf[256];
  ssize_t n = readlink(path, buf, sizeof buf);
  if (n < 0)
    printf("readlink %s: %s\n", path, errno_name(errno));
  else
    printf("readlink %s: \"%.*s\" (%zd)\n", path, (int)n, buf, n);
}

static void touch(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("create %s: %s\n", path, errno_name(errno));
    return;
  }
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) printf("write %s: %s\n", path, errno_name(errno));
  close(fd);
}

static void cat(const char* path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("cat %s: %s\n", path, errno_name(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  printf("cat %s: %s", path, buf);
}

int main(void) {
  // The fixture tree.
  st("tree");
  st("tree/file.txt");
  lst("tree/link-to-file");
  st("tree/link-to-file");
  rl("tree/link-to-file");
  cat("tree/link-to-file");
  st("tree/deeper/deepest");
  cat("tree/deeper/deepest/leaf.txt");

  // mkdir / rmdir.
  report("mkdir d1", mkdir("d1", 0755));
  report("mkdir d1 again", mkdir("d1", 0755));
  report("mkdir d1/d2", mkdir("d1/d2", 0755));
  report("mkdir d1/d2/d3/", mkdir("d1/d2/d3/", 0755));
  report("mkdir missing/parent", mkdir("missing/parent", 0755));
  touch("d1/f", "f\n");
  report("mkdir d1/f/sub (file as parent)", mkdir("d1/f/sub", 0755));
  report("rmdir d1 (not empty)", rmdir("d1"));
  report("rmdir d1/f (a file)", rmdir("d1/f"));
  report("rmdir d1/d2/d3", rmdir("d1/d2/d3"));
  report("rmdir d1/d2/d3 again", rmdir("d1/d2/d3"));
  st("d1/d2");

  // unlink.
  touch("gone.txt", "x\n");
  report("unlink gone.txt", unlink("gone.txt"));
  report("unlink gone.txt again", unlink("gone.txt"));
  report("unlink d1/d2 (a directory)", unlink("d1/d2"));
  report("unlink d1/f/ (trailing slash on a file)", unlink("d1/f/"));

  // rename.
  touch("a.txt", "contents of a\n");
  touch("b.txt", "contents of b\n");
  report("rename a.txt c.txt", rename("a.txt", "c.txt"));
  st("a.txt");
  cat("c.txt");
  report("rename c.txt b.txt (replaces)", rename("c.txt", "b.txt"));
  cat("b.txt");
  report("rename b.txt d1/d2/b.txt (into a subdir)", rename("b.txt", "d1/d2/b.txt"));
  cat("d1/d2/b.txt");
  report("rename d1/d2 moved (a directory)", rename("d1/d2", "moved"));
  cat("moved/b.txt");
  report("rename missing x", rename("missing", "x"));
  report("mkdir empty", mkdir("empty", 0755));
  report("rename moved empty (onto an empty dir)", rename("moved", "empty"));
  st("moved");
  cat("empty/b.txt");
  report("mkdir full", mkdir("full", 0755));
  touch("full/x", "x\n");
  report("rename empty full (onto a non-empty dir)", rename("empty", "full"));
  report("rename d1/f empty (file onto dir)", rename("d1/f", "empty"));
  report("rename empty d1/f (dir onto file)", rename("empty", "d1/f"));
  report("rename empty empty/sub (into itself)", rename("empty", "empty/sub"));
  report("rename d1/f d1/f (same)", rename("d1/f", "d1/f"));

  // Hard links.
  touch("orig.txt", "linked data\n");
  report("link orig.txt hard.txt", link("orig.txt", "hard.txt"));
  lst("orig.txt");
  report("link orig.txt hard.txt again", link("orig.txt", "hard.txt"));
  report("link missing x", link("missing", "x"));
  report("link d1 dirlink (a directory)", link("d1", "dirlink"));
  touch("hard.txt", "rewritten through the link\n");
  cat("orig.txt");
  report("unlink orig.txt", unlink("orig.txt"));
  lst("hard.txt");

  // Symlinks.
  report("symlink hard.txt sym", symlink("hard.txt", "sym"));
  report("symlink x sym again", symlink("x", "sym"));
  report("symlink nowhere dangling", symlink("nowhere", "dangling"));
  report("symlink d1 symdir", symlink("d1", "symdir"));
  report("symlink ../hard.txt d1/up", symlink("../hard.txt", "d1/up"));
  report("symlink sym chain", symlink("sym", "chain"));
  rl("sym");
  rl("dangling");
  rl("d1/up");
  rl("chain");
  rl("hard.txt");
  rl("missing");
  lst("sym");
  st("sym");
  st("chain");
  lst("dangling");
  st("dangling");
  st("symdir");
  lst("symdir");
  cat("d1/up");
  cat("symdir/f");
  cat("chain");
  touch("dangling", "created through a dangling link\n");
  cat("nowhere");
  report("unlink sym (removes the link only)", unlink("sym"));
  st("hard.txt");
  report("rmdir symdir (a link to a dir)", rmdir("symdir"));
  report("unlink symdir", unlink("symdir"));
  st("d1");
  char small[4];
  ssize_t n = readlink("dangling", small, sizeof small);
  printf("readlink into 4 bytes: %zd \"%.*s\"\n", n, n > 0 ? (int)n : 0, small);

  // The *at calls relative to an opened directory, and fstat on it.
  int dfd = open("d1", O_RDONLY | O_DIRECTORY);
  report("open d1 O_DIRECTORY", dfd);
  struct stat s;
  report("fstat d1", fstat(dfd, &s));
  print_stat("  d1", &s);
  report("mkdirat d1 sub", mkdirat(dfd, "sub", 0755));
  int fd = openat(dfd, "sub/at.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
  report("openat d1 sub/at.txt", fd);
  report_value("  write", write(fd, "made with openat\n", 17));
  report("  fstat", fstat(fd, &s));
  print_stat("  sub/at.txt", &s);
  close(fd);
  report("fstatat d1 sub/at.txt", fstatat(dfd, "sub/at.txt", &s, 0));
  print_stat("  d1/sub/at.txt", &s);
  // (Following d1/up -> ../hard.txt relative to the d1 descriptor would leave d1, which a
  // WASI descriptor does not allow: that case is in escape.c. A link within d1 is fine.)
  report("symlinkat f d1 same-dir", symlinkat("f", dfd, "same-dir"));
  report("fstatat d1 same-dir (follow)", fstatat(dfd, "same-dir", &s, 0));
  print_stat("  d1/same-dir", &s);
  report("fstatat d1 up NOFOLLOW", fstatat(dfd, "up", &s, AT_SYMLINK_NOFOLLOW));
  print_stat("  d1/up", &s);
  report("fstatat d1 missing", fstatat(dfd, "missing", &s, 0));
  report("renameat d1 sub/at.txt -> . top.txt", renameat(dfd, "sub/at.txt", AT_FDCWD, "top.txt"));
  cat("top.txt");
  report("linkat . top.txt -> d1 top-link", linkat(AT_FDCWD, "top.txt", dfd, "top-link", 0));
  report("symlinkat ../top.txt d1 top-sym", symlinkat("../top.txt", dfd, "top-sym"));
  char buf[64];
  n = readlinkat(dfd, "top-sym", buf, sizeof buf);
  printf("readlinkat d1 top-sym: %.*s\n", n > 0 ? (int)n : 0, buf);
  report("unlinkat d1 sub AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR));
  report("unlinkat d1 top-sym", unlinkat(dfd, "top-sym", 0));
  report("unlinkat d1 f AT_REMOVEDIR (a file)", unlinkat(dfd, "f", AT_REMOVEDIR));
  report("faccessat d1 top-link F_OK", faccessat(dfd, "top-link", F_OK, 0));
  report("faccessat d1 nothing F_OK", faccessat(dfd, "nothing", F_OK, 0));
  close(dfd);

  // access: existence checks (WASI has no permission bits, so only F_OK and modes a
  // freshly created file has everywhere).
  report("access hard.txt F_OK", access("hard.txt", F_OK));
  report("access hard.txt R_OK|W_OK", access("hard.txt", R_OK | W_OK));
  report("access missing F_OK", access("missing", F_OK));
  report("access dangling F_OK (target now exists)", access("dangling", F_OK));

  // A deeper tree built and half torn down again.
  char path[256] = "deep";
  for (int i = 0; i < 8; ++i) {
    if (mkdir(path, 0755) != 0) printf("mkdir %s: %s\n", path, errno_name(errno));
    size_t l = strlen(path);
    snprintf(path + l, sizeof path - l, "/level%d", i);
  }
  touch("deep/level0/level1/level2/level3/level4/level5/file", "deep\n");
  cat("deep/level0/level1/level2/level3/level4/level5/file");
  cat("deep/level0/level1/../level1/./level2/level3/level4/level5/file");
  report("rmdir deep/level0/level1/level2/level3/level4/level5/level6",
         rmdir("deep/level0/level1/level2/level3/level4/level5/level6"));
  report("rmdir deep/level0/level1/level2/level3/level4/level5", rmdir("deep/level0/level1/level2/level3/level4/level5"));
  return 0;
}

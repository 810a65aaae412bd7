// Directory descriptors, and open flags against the access asked for, compared with Linux:
// through a directory descriptor read and pread are EISDIR, write and pwrite EBADF,
// ftruncate EINVAL, posix_fallocate EBADF, fdopendir of a file ENOTDIR, while fstat, fsync
// and listing work; opening a directory for writing is EISDIR (with O_DIRECTORY or O_TRUNC
// too), O_CREAT|O_DIRECTORY is EINVAL (Linux 6.4+), a file with O_DIRECTORY ENOTDIR;
// O_APPEND, O_NONBLOCK and O_SYNC/O_DSYNC/O_RSYNC go with a read-only open (of a file or a
// directory), and F_SETFL O_APPEND with a read-only descriptor.
// Left out: lseek on a directory, which Linux allows and WASI refuses (a directory
// descriptor has no seek right; wasi-libc says ESPIPE).
// WASI: path_open (oflags, fdflags, rights), fd_read, fd_pread, fd_write, fd_pwrite,
// fd_filestat_set_size, fd_allocate, fd_readdir, fd_fdstat_get, fd_fdstat_set_flags,
// fd_filestat_get, fd_sync.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

#define TRY(label, call) report(label, (long long)(call))

static void mkfile(const char* p) {
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "content\n", 8) != 8) printf("setup %s: %s\n", p, errno_name(errno));
  close(fd);
}

// Opens `path`, reports the result and the flags the descriptor shows, closes it.
static void try_open(const char* label, const char* path, int flags) {
  int fd = open(path, flags, 0644);
  if (fd < 0) {
    printf("%s: %s\n", label, errno_name(errno));
    return;
  }
  int fl = fcntl(fd, F_GETFL);
  printf("%s: ok append=%d nonblock=%d sync=%d\n", label, (fl & O_APPEND) != 0,
         (fl & O_NONBLOCK) != 0, (fl & O_SYNC) == O_SYNC);
  close(fd);
}

int main(void) {
  mkfile("file");
  mkdir("dir", 0755);
  mkfile("dir/inner");
  char buf[16];

  printf("-- a directory descriptor\n");
  int d = open("dir", O_RDONLY | O_DIRECTORY);
  if (d < 0) printf("open dir: %s\n", errno_name(errno));
  TRY("read", read(d, buf, sizeof buf));
  TRY("pread", pread(d, buf, sizeof buf, 0));
  TRY("write", write(d, "x", 1));
  TRY("pwrite", pwrite(d, "x", 1, 0));
  TRY("ftruncate", ftruncate(d, 0));
  int r = posix_fallocate(d, 0, 1);
  printf("posix_fallocate: %s\n", errno_name(r));
  struct stat st;
  if (fstat(d, &st) == 0) print_stat("fstat", &st);
  TRY("fsync", fsync(d));
  TRY("fcntl F_SETFL O_NONBLOCK", fcntl(d, F_SETFL, O_NONBLOCK));
  DIR* dir = fdopendir(d);
  int entries = 0;
  if (dir) {
    while (readdir(dir)) ++entries;
    closedir(dir);
  }
  printf("fdopendir: %s, %d entries\n", dir ? "ok" : errno_name(errno), entries);
  int f = open("file", O_RDONLY);
  dir = fdopendir(f);
  printf("fdopendir (file fd): %s\n", dir ? "ok" : errno_name(errno));
  close(f);

  printf("-- opening a directory for writing\n");
  try_open("open dir O_RDWR|O_DIRECTORY", "dir", O_RDWR | O_DIRECTORY);
  try_open("open dir O_WRONLY|O_DIRECTORY", "dir", O_WRONLY | O_DIRECTORY);
  try_open("open . O_RDWR|O_DIRECTORY", ".", O_RDWR | O_DIRECTORY);
  try_open("open dir O_RDONLY|O_TRUNC", "dir", O_RDONLY | O_TRUNC);
  try_open("open dir O_RDONLY|O_DIRECTORY|O_TRUNC", "dir", O_RDONLY | O_DIRECTORY | O_TRUNC);
  try_open("open file O_RDWR|O_DIRECTORY", "file", O_RDWR | O_DIRECTORY);
  try_open("open missing O_RDWR|O_DIRECTORY", "missing", O_RDWR | O_DIRECTORY);
  try_open("open newdir O_CREAT|O_DIRECTORY", "newdir", O_RDONLY | O_CREAT | O_DIRECTORY);
  try_open("open dir O_CREAT|O_DIRECTORY", "dir", O_RDONLY | O_CREAT | O_DIRECTORY);
  try_open("open file O_CREAT|O_DIRECTORY", "file", O_RDONLY | O_CREAT | O_DIRECTORY);

  printf("-- flags with a read-only open\n");
  try_open("open dir O_DIRECTORY|O_NONBLOCK", "dir", O_RDONLY | O_DIRECTORY | O_NONBLOCK);
  try_open("open dir O_DIRECTORY|O_APPEND", "dir", O_RDONLY | O_DIRECTORY | O_APPEND);
  try_open("open dir O_DIRECTORY|O_SYNC", "dir", O_RDONLY | O_DIRECTORY | O_SYNC);
  try_open("open file O_RDONLY|O_APPEND", "file", O_RDONLY | O_APPEND);
  try_open("open file O_RDONLY|O_SYNC", "file", O_RDONLY | O_SYNC);
  try_open("open file O_RDONLY|O_DSYNC", "file", O_RDONLY | O_DSYNC);
  try_open("open file O_RDONLY|O_RSYNC", "file", O_RDONLY | O_RSYNC);
  try_open("open file O_RDONLY|O_APPEND|O_SYNC", "file", O_RDONLY | O_APPEND | O_SYNC);
  try_open("open file O_WRONLY|O_APPEND|O_SYNC", "file", O_WRONLY | O_APPEND | O_SYNC);
  f = open("file", O_RDONLY | O_APPEND);
  TRY("read (O_RDONLY|O_APPEND)", read(f, buf, 4));
  TRY("write (O_RDONLY|O_APPEND)", write(f, "x", 1));
  close(f);
  f = open("file", O_RDONLY);
  TRY("F_SETFL O_APPEND (read-only fd)", fcntl(f, F_SETFL, O_APPEND));
  printf("append now: %d\n", (fcntl(f, F_GETFL) & O_APPEND) != 0);
  TRY("write after it", write(f, "x", 1));
  TRY("F_SETFL 0", fcntl(f, F_SETFL, 0));
  printf("append now: %d\n", (fcntl(f, F_GETFL) & O_APPEND) != 0);
  close(f);
  f = open("file", O_WRONLY | O_APPEND | O_SYNC);
  TRY("write (O_WRONLY|O_APPEND|O_SYNC)", write(f, "more\n", 5));
  TRY("fsync", fsync(f));
  close(f);
  if (stat("file", &st) == 0) print_stat("file", &st);
  return 0;
}

// Error cases and their errno, printed by symbolic name: ENOENT (missing files and
// parents), EEXIST (O_EXCL, mkdir, link, symlink targets that exist),
// ENOTDIR (a file used as a directory, trailing slash on a file, O_DIRECTORY, rmdir of a
// file, a file descriptor as dirfd), EISDIR (writing-open, read, unlink of a directory),
// ENOTEMPTY, EINVAL (rename into itself, readlink of a non-link, bad offsets),
// EPERM (hard link to a directory), ELOOP (symlink loops, O_NOFOLLOW), ENAMETOOLONG,
// EBADF (closed, never-opened and negative descriptors, wrong access mode). Each call is
// also made to succeed where that is the point (e.g. O_CREAT on a dangling link).
// Left out because wasi-libc answers them itself, unlike glibc: open("") (wasi-libc opens
// the pre-opened directory), unknown flag bits to fstatat / unlinkat (wasi-libc ignores
// them: unlinkat would delete the file).
// WASI: path_open, fd_read, fd_write, fd_pread, fd_seek, fd_close, fd_filestat_get,
// path_filestat_get, path_create_directory, path_remove_directory, path_unlink_file,
// path_rename, path_link, path_symlink, path_readlink.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

#define TRY(label, call) report(label, (long long)(call))

// A failure with errno `alt` is reported as `as` (for answers that differ between Linux
// and WASI but mean the same).
static long long same_as(long long rc, int alt, int as) {
  if (rc < 0 && errno == alt) errno = as;
  return rc;
}

static void mkfile(const char* p) {
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "x\n", 2) != 2) printf("setup %s: %s\n", p, errno_name(errno));
  close(fd);
}

int main(void) {
  mkfile("file");
  mkdir("dir", 0755);
  mkfile("dir/inner");
  mkdir("empty", 0755);
  symlink("loop", "loop");
  symlink("loop-b", "loop-a");
  symlink("loop-a", "loop-b");
  symlink("file", "to-file");
  symlink("missing-target", "dangling");
  char st_buf[8];
  struct stat st;

  printf("-- ENOENT\n");
  TRY("open missing", open("missing", O_RDONLY));
  TRY("open missing/x", open("missing/x", O_RDONLY));
  TRY("open O_CREAT in missing dir", open("missing/new", O_WRONLY | O_CREAT, 0644));
  TRY("stat missing", stat("missing", &st));
  TRY("stat dangling", stat("dangling", &st));
  TRY("mkdir missing/x", mkdir("missing/x", 0755));
  TRY("rmdir missing", rmdir("missing"));
  TRY("unlink missing", unlink("missing"));
  TRY("rename missing x", rename("missing", "x"));
  TRY("rename file missing/x", rename("file", "missing/x"));
  TRY("link missing x", link("missing", "x"));
  TRY("readlink missing", readlink("missing", st_buf, sizeof st_buf));
  TRY("opendir missing", opendir("missing") ? 0 : -1);

  printf("-- EEXIST\n");
  TRY("open file O_CREAT|O_EXCL", open("file", O_WRONLY | O_CREAT | O_EXCL, 0644));
  TRY("open dir O_CREAT|O_EXCL", open("dir", O_WRONLY | O_CREAT | O_EXCL, 0644));
  TRY("open dangling O_CREAT|O_EXCL", open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644));
  TRY("mkdir file", mkdir("file", 0755));
  TRY("mkdir dir", mkdir("dir", 0755));
  TRY("mkdir dangling", mkdir("dangling", 0755));
  TRY("link file dir/inner", link("file", "dir/inner"));
  TRY("symlink x file", symlink("x", "file"));
  TRY("symlink x dir", symlink("x", "dir"));

  printf("-- ENOTDIR\n");
  TRY("open file/x", open("file/x", O_RDONLY));
  TRY("open file/ (trailing slash)", open("file/", O_RDONLY));
  TRY("open file O_DIRECTORY", open("file", O_RDONLY | O_DIRECTORY));
  TRY("open to-file O_DIRECTORY", open("to-file", O_RDONLY | O_DIRECTORY));
  TRY("stat file/", stat("file/", &st));
  TRY("stat file/x", stat("file/x", &st));
  TRY("mkdir file/x", mkdir("file/x", 0755));
  TRY("rmdir file", rmdir("file"));
  TRY("rmdir to-file", rmdir("to-file"));
  TRY("rename dir file", rename("dir", "file"));
  TRY("opendir file", opendir("file") ? 0 : -1);
  int ffd = open("file", O_RDONLY);
  long long r = openat(ffd, "x", O_RDONLY);
#ifdef ENOTCAPABLE
  // A WASI host may refuse a file descriptor as dirfd for lack of rights instead.
  r = same_as(r, ENOTCAPABLE, ENOTDIR);
#endif
  TRY("openat (file fd) x", r);
  close(ffd);

  printf("-- EISDIR\n");
  TRY("open dir O_WRONLY", open("dir", O_WRONLY));
  TRY("open dir O_RDWR", open("dir", O_RDWR));
  TRY("open dir O_WRONLY|O_CREAT", open("dir", O_WRONLY | O_CREAT, 0644));
  TRY("unlink dir", unlink("dir"));
  TRY("rename file dir", rename("file", "dir"));
  int dfd = open("dir", O_RDONLY | O_DIRECTORY);
  char buf[16];
  TRY("read (dir fd)", read(dfd, buf, sizeof buf));
  TRY("pread (dir fd)", pread(dfd, buf, sizeof buf, 0));
  close(dfd);

  printf("-- ENOTEMPTY\n");
  TRY("rmdir dir", rmdir("dir"));
  TRY("rename empty dir", rename("empty", "dir"));

  printf("-- EINVAL\n");
  TRY("rename dir dir/sub", rename("dir", "dir/sub"));
  TRY("readlink file", readlink("file", st_buf, sizeof st_buf));
  TRY("readlink dir", readlink("dir", st_buf, sizeof st_buf));
  int fd = open("file", O_RDWR);
  TRY("lseek -1 SEEK_SET", lseek(fd, -1, SEEK_SET));
  TRY("lseek bad whence", lseek(fd, 0, 99));
  TRY("pread negative offset", pread(fd, buf, 1, -5));
  TRY("pwrite negative offset", pwrite(fd, buf, 1, -5));
  TRY("ftruncate negative", ftruncate(fd, -1));
  close(fd);

  printf("-- EPERM\n");
  TRY("link dir x", link("dir", "x"));

  printf("-- ELOOP\n");
  TRY("open loop", open("loop", O_RDONLY));
  TRY("open loop-a", open("loop-a", O_RDONLY));
  TRY("stat loop", stat("loop", &st));
  TRY("open loop/x", open("loop/x", O_RDONLY));
  TRY("open to-file O_NOFOLLOW", open("to-file", O_RDONLY | O_NOFOLLOW));
  TRY("lstat loop (the link itself)", lstat("loop", &st));
  TRY("open loop O_CREAT", open("loop", O_WRONLY | O_CREAT, 0644));

  printf("-- ENAMETOOLONG\n");
  char longname[400];
  memset(longname, 'n', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  TRY("open 399-byte name", open(longname, O_RDONLY));
  TRY("open O_CREAT 399-byte name", open(longname, O_WRONLY | O_CREAT, 0644));
  TRY("mkdir 399-byte name", mkdir(longname, 0755));
  longname[255] = 0;
  TRY("open O_CREAT 255-byte name (allowed)", open(longname, O_WRONLY | O_CREAT, 0644));
  TRY("unlink 255-byte name", unlink(longname));

  printf("-- EBADF\n");
  fd = open("file", O_RDONLY);
  close(fd);
  TRY("read closed", read(fd, buf, 1));
  TRY("write closed", write(fd, "x", 1));
  TRY("close closed", close(fd));
  TRY("fstat closed", fstat(fd, &st));
  TRY("lseek closed", lseek(fd, 0, SEEK_CUR));
  TRY("fsync closed", fsync(fd));
  TRY("openat closed dirfd", openat(fd, "file", O_RDONLY));
  TRY("mkdirat closed dirfd", mkdirat(fd, "x", 0755));
  TRY("read fd 1000", read(1000, buf, 1));
  TRY("close fd 1000", close(1000));
  TRY("fstat fd -1", fstat(-1, &st));
  TRY("close -1", close(-1));
  fd = open("file", O_RDONLY);
  TRY("write read-only fd", write(fd, "x", 1));
  TRY("pwrite read-only fd", pwrite(fd, "x", 1, 0));
  close(fd);
  fd = open("file", O_WRONLY);
  TRY("read write-only fd", read(fd, buf, 1));
  TRY("pread write-only fd", pread(fd, buf, 1, 0));
  close(fd);

  printf("-- and what must work\n");
  TRY("open dangling O_CREAT (creates the target)", open("dangling", O_WRONLY | O_CREAT, 0644));
  TRY("stat missing-target", stat("missing-target", &st));
  TRY("rename empty dir/sub", rename("empty", "dir/sub"));
  TRY("rmdir dir/sub", rmdir("dir/sub"));
  TRY("open dir O_RDONLY", open("dir", O_RDONLY));
  TRY("open to-file O_RDONLY", open("to-file", O_RDONLY));
  TRY("unlink loop", unlink("loop"));
  return 0;
}

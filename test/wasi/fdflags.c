// Descriptor flags: fcntl F_GETFL on files opened O_RDONLY / O_WRONLY / O_RDWR /
// O_APPEND / O_NONBLOCK (access mode and the two status flags only: Linux adds others
// such as O_LARGEFILE), F_SETFL turning O_APPEND and O_NONBLOCK on and off (and writes
// really going to the end while O_APPEND is set), F_SETFL leaving the access mode alone,
// F_GETFD on an O_CLOEXEC descriptor, fcntl on a closed descriptor (EBADF), isatty on a
// regular file and on stdout (a file under the harness), and renumbering one open
// descriptor onto another (wasi-libc's __wasilibc_fd_renumber; natively dup2 + close,
// which is what fd_renumber means), with the source then closed (EBADF) and a bad source.
// WASI: fd_fdstat_get, fd_fdstat_set_flags, fd_renumber, path_open (fdflags), fd_write,
// fd_seek.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

#ifdef __wasi__
#include <wasi/libc.h>
#define renumber __wasilibc_fd_renumber
#else
static int renumber(int from, int to) {
  if (dup2(from, to) < 0) return -1;
  return from == to ? 0 : close(from);
}
#endif

static void getfl(const char* label, int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) {
    printf("%s: F_GETFL %s\n", label, errno_name(errno));
    return;
  }
  int acc = fl & O_ACCMODE;
  printf("%s: %s%s%s\n", label,
         acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : acc == O_RDWR ? "O_RDWR" : "other-mode",
         fl & O_APPEND ? " O_APPEND" : "", fl & O_NONBLOCK ? " O_NONBLOCK" : "");
}

static void show_file(const char* path) {
  char buf[128];
  int fd = open(path, O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  printf("  %s: \"", path);
  for (ssize_t i = 0; i < n; ++i) printf(buf[i] == '\n' ? "\\n" : "%c", buf[i]);
  printf("\"\n");
}

int main(void) {
  int fd = open("f.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  write(fd, "0123456789", 10);
  close(fd);

  fd = open("f.txt", O_RDONLY);
  getfl("O_RDONLY", fd);
  close(fd);
  fd = open("f.txt", O_WRONLY);
  getfl("O_WRONLY", fd);
  close(fd);
  fd = open("f.txt", O_RDWR);
  getfl("O_RDWR", fd);
  close(fd);
  fd = open("f.txt", O_WRONLY | O_APPEND);
  getfl("O_WRONLY|O_APPEND", fd);
  close(fd);
  fd = open("f.txt", O_RDONLY | O_NONBLOCK);
  getfl("O_RDONLY|O_NONBLOCK", fd);
  close(fd);
  fd = open("f.txt", O_RDWR | O_APPEND | O_NONBLOCK);
  getfl("O_RDWR|O_APPEND|O_NONBLOCK", fd);
  close(fd);
  int dfd = open(".", O_RDONLY | O_DIRECTORY);
  getfl("directory", dfd);
  close(dfd);

  // Toggle O_APPEND on an O_RDWR descriptor and watch where writes land.
  fd = open("f.txt", O_RDWR);
  report("F_SETFL O_APPEND", fcntl(fd, F_SETFL, O_APPEND));
  getfl("  now", fd);
  lseek(fd, 0, SEEK_SET);
  write(fd, "A", 1);
  report_value("  offset after write", lseek(fd, 0, SEEK_CUR));
  show_file("f.txt");
  report("F_SETFL 0 (O_APPEND off)", fcntl(fd, F_SETFL, 0));
  getfl("  now", fd);
  lseek(fd, 0, SEEK_SET);
  write(fd, "B", 1);
  report_value("  offset after write", lseek(fd, 0, SEEK_CUR));
  show_file("f.txt");
  report("F_SETFL O_NONBLOCK", fcntl(fd, F_SETFL, O_NONBLOCK));
  getfl("  now", fd);
  char c;
  lseek(fd, 2, SEEK_SET);
  report_value("  read with O_NONBLOCK", read(fd, &c, 1));
  report("F_SETFL O_APPEND|O_NONBLOCK", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
  getfl("  now", fd);
  write(fd, "C", 1);
  show_file("f.txt");
  report("F_SETFL O_WRONLY (access mode is not changeable)", fcntl(fd, F_SETFL, O_WRONLY));
  getfl("  now", fd);
  report_value("  read still works", read(fd, &c, 1));
  close(fd);

  // A write-only O_APPEND descriptor made non-appending.
  fd = open("f.txt", O_WRONLY | O_APPEND);
  report("F_SETFL 0 on O_WRONLY|O_APPEND", fcntl(fd, F_SETFL, 0));
  getfl("  now", fd);
  lseek(fd, 1, SEEK_SET);
  write(fd, "D", 1);
  close(fd);
  show_file("f.txt");

  // Close-on-exec (WASI has no exec; wasi-libc reports FD_CLOEXEC as always set).
  fd = open("f.txt", O_RDONLY | O_CLOEXEC);
  int fdfl = fcntl(fd, F_GETFD);
  printf("F_GETFD on O_CLOEXEC: %s\n", fdfl < 0 ? errno_name(errno) : (fdfl & FD_CLOEXEC) ? "FD_CLOEXEC" : "0");
  report("F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));

  // isatty: a regular file and stdout (redirected to a file by the harness).
  errno = 0;
  int t = isatty(fd);
  printf("isatty(file): %d %s\n", t, errno_name(errno));
  errno = 0;
  t = isatty(1);
  printf("isatty(stdout): %d %s\n", t, errno_name(errno));
  close(fd);

  // Renumbering: "to" becomes the descriptor of "from" (its file, offset and flags), "from"
  // is closed.
  int from = open("f.txt", O_RDONLY);
  fd = open("other.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
  write(fd, "other\n", 6);
  lseek(from, 3, SEEK_SET);
  int to = fd;
  report("renumber f.txt's fd onto other.txt's", renumber(from, to));
  char two[3] = {0};
  report_value("  read 2 from the target fd", read(to, two, 2));
  printf("  got \"%s\" (f.txt from offset 3)\n", two);
  getfl("  target fd", to);
  report_value("  read from the old fd", read(from, two, 2));
  report("renumber a closed fd", renumber(from, to));
  report("renumber onto itself", renumber(to, to));
  report_value("  still readable", read(to, two, 1));
  close(to);
  show_file("other.txt");

  // Errors.
  report("F_GETFL closed fd", fcntl(fd, F_GETFL));
  report("F_SETFL closed fd", fcntl(fd, F_SETFL, O_APPEND));
  report("F_GETFL fd 500", fcntl(500, F_GETFL));
  return 0;
}

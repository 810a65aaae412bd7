// File offsets: lseek with SEEK_SET / SEEK_CUR / SEEK_END (positive, zero and negative
// offsets), seeking past the end and writing there (the gap reads as zeros), a resulting
// negative offset (EINVAL, offset unchanged), bad whence (EINVAL), lseek on a closed
// descriptor (EBADF), 64-bit offsets, offsets shared by reads and writes, O_APPEND moving
// the offset to the end, and stdio's fseek / ftell / fgetpos / fsetpos / rewind on top.
// WASI: fd_seek, fd_tell, fd_read, fd_write, fd_filestat_get, path_open, fd_close.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

static void at(int fd, const char* label) {
  char c;
  off_t pos = lseek(fd, 0, SEEK_CUR);
  ssize_t n = read(fd, &c, 1);
  if (n == 1)
    printf("%s: offset %lld reads '%c'\n", label, (long long)pos, c >= 32 && c < 127 ? c : '?');
  else
    printf("%s: offset %lld reads %s\n", label, (long long)pos, n == 0 ? "EOF" : errno_name(errno));
}

int main(void) {
  int fd = open("seek.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
  report("open", fd);
  report_value("write 26 letters", write(fd, "abcdefghijklmnopqrstuvwxyz", 26));
  report_value("offset after write (SEEK_CUR 0)", lseek(fd, 0, SEEK_CUR));
  report_value("SEEK_SET 0", lseek(fd, 0, SEEK_SET));
  at(fd, "  then");
  report_value("SEEK_SET 10", lseek(fd, 10, SEEK_SET));
  at(fd, "  then");
  report_value("SEEK_CUR +5", lseek(fd, 5, SEEK_CUR));
  at(fd, "  then");
  report_value("SEEK_CUR -3", lseek(fd, -3, SEEK_CUR));
  at(fd, "  then");
  report_value("SEEK_END 0", lseek(fd, 0, SEEK_END));
  at(fd, "  then");
  report_value("SEEK_END -1", lseek(fd, -1, SEEK_END));
  at(fd, "  then");
  report_value("SEEK_END -26", lseek(fd, -26, SEEK_END));
  at(fd, "  then");

  // Negative results fail and leave the offset alone.
  report_value("SEEK_SET 7", lseek(fd, 7, SEEK_SET));
  report_value("SEEK_SET -1", lseek(fd, -1, SEEK_SET));
  report_value("SEEK_CUR -8 (before 0)", lseek(fd, -8, SEEK_CUR));
  report_value("SEEK_END -27 (before 0)", lseek(fd, -27, SEEK_END));
  report_value("bad whence 42", lseek(fd, 0, 42));
  at(fd, "offset unchanged");

  // Past the end: reads give EOF, a write there fills the gap with zeros.
  report_value("SEEK_END +100", lseek(fd, 100, SEEK_END));
  at(fd, "  then");
  report_value("SEEK_SET 1000000", lseek(fd, 1000000, SEEK_SET));
  struct stat st;
  fstat(fd, &st);
  printf("  size still %lld\n", (long long)st.st_size);
  report_value("SEEK_SET 40", lseek(fd, 40, SEEK_SET));
  report_value("write \"XY\" at 40", write(fd, "XY", 2));
  fstat(fd, &st);
  printf("  size now %lld\n", (long long)st.st_size);
  lseek(fd, 20, SEEK_SET);
  unsigned char buf[32];
  ssize_t n = read(fd, buf, sizeof buf);
  printf("  bytes 20..%zd:", 20 + n - 1);
  for (ssize_t i = 0; i < n; ++i) printf(" %02x", buf[i]);
  printf("\n");
  report_value("  offset after that read", lseek(fd, 0, SEEK_CUR));
  // A large offset (beyond 4 GiB: 64-bit offsets survive the 32-bit guest).
  report_value("SEEK_SET 5000000000", lseek(fd, 5000000000LL, SEEK_SET));
  report_value("SEEK_CUR +1", lseek(fd, 1, SEEK_CUR));
  report("close", close(fd));
  report_value("lseek on a closed fd", lseek(fd, 0, SEEK_SET));

  // Reads and writes share one offset.
  fd = open("seek.txt", O_RDWR);
  char two[3] = {0};
  read(fd, two, 2);
  printf("read 2: %s\n", two);
  write(fd, "__", 2);
  report_value("offset after read 2 + write 2", lseek(fd, 0, SEEK_CUR));
  lseek(fd, 0, SEEK_SET);
  read(fd, buf, 6);
  printf("first 6 bytes: %.6s\n", (char*)buf);
  close(fd);

  // O_APPEND: every write moves the offset to the end first.
  fd = open("seek.txt", O_RDWR | O_APPEND);
  report_value("O_APPEND open, offset", lseek(fd, 0, SEEK_CUR));
  report_value("  SEEK_SET 3", lseek(fd, 3, SEEK_SET));
  at(fd, "  read still honours the offset");
  write(fd, "!", 1);
  report_value("  offset after appending", lseek(fd, 0, SEEK_CUR));
  fstat(fd, &st);
  printf("  size %lld\n", (long long)st.st_size);
  close(fd);

  // stdio.
  FILE* f = fopen("seek.txt", "r+");
  printf("fseek 3 SEEK_SET: %d, ftell %ld\n", fseek(f, 3, SEEK_SET), ftell(f));
  printf("fgetc: %c\n", fgetc(f));
  fpos_t p;
  fgetpos(f, &p);
  printf("fseek -2 SEEK_END: %d, ftell %ld\n", fseek(f, -2, SEEK_END), ftell(f));
  printf("fgetc: %c\n", fgetc(f));
  fsetpos(f, &p);
  printf("after fsetpos ftell %ld fgetc %c\n", ftell(f), fgetc(f));
  errno = 0;
  int r = fseek(f, -100, SEEK_SET);
  printf("fseek -100: %d %s, ftell %ld\n", r, errno_name(errno), ftell(f));
  rewind(f);
  printf("rewind: ftell %ld fgetc %c\n", ftell(f), fgetc(f));
  fclose(f);

  return 0;
}

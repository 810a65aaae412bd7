// Regular files in the sandbox directory: open with O_CREAT / O_EXCL / O_TRUNC / O_APPEND /
// O_RDONLY / O_WRONLY / O_RDWR / O_DSYNC / O_SYNC, read and write (also vectored), pread
// and pwrite (not moving the offset), ftruncate (shrink and grow), fsync / fdatasync,
// posix_fallocate, posix_fadvise, fstat sizes, stdio on top (fopen modes, fgets, fprintf),
// and reading the fixture file shipped in fixtures/files/.
// WASI: path_open, fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell,
// fd_filestat_get, fd_filestat_set_size, fd_sync, fd_datasync, fd_allocate, fd_advise,
// fd_close, path_filestat_get.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_test.h"

static void show_file(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("  %s: cannot open: %s\n", path, errno_name(errno));
    return;
  }
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n < 0) {
    printf("  %s: read: %s\n", path, errno_name(errno));
    return;
  }
  printf("  %s (%zd bytes): \"", path, n);
  for (ssize_t i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '\n')
      printf("\\n");
    else if (c < 32 || c >= 127)
      printf("\\x%02x", c);
    else
      putchar(c);
  }
  printf("\"\n");
}

static long long fsize(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  return (long long)st.st_size;
}

int main(void) {
  // Creation flags.
  int fd = open("new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
  report("open new.txt O_CREAT|O_EXCL", fd);
  report_value("write", write(fd, "first line\n", 11));
  report_value("write", write(fd, "second line\n", 12));
  report_value("fstat size", fsize(fd));
  report("close", close(fd));
  report("open new.txt O_CREAT|O_EXCL again", open("new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
  fd = open("new.txt", O_CREAT | O_WRONLY, 0644);
  report("open new.txt O_CREAT (exists)", fd);
  report_value("  size unchanged", fsize(fd));
  report_value("  overwrite at 0", write(fd, "FIRST", 5));
  close(fd);
  show_file("new.txt");

  fd = open("new.txt", O_WRONLY | O_APPEND);
  report("open O_APPEND", fd);
  report_value("  lseek 0", lseek(fd, 0, SEEK_SET));
  report_value("  write (goes to the end anyway)", write(fd, "appended\n", 9));
  report_value("  offset after append", lseek(fd, 0, SEEK_CUR));
  close(fd);
  show_file("new.txt");

  fd = open("new.txt", O_RDWR | O_TRUNC);
  report("open O_TRUNC", fd);
  report_value("  size after O_TRUNC", fsize(fd));
  // Vectored write and read.
  struct iovec wv[3] = {{"abc", 3}, {"", 0}, {"defghij", 7}};
  report_value("  writev", writev(fd, wv, 3));
  lseek(fd, 0, SEEK_SET);
  char a[4] = {0}, b[5] = {0}, c[8] = {0};
  struct iovec rv[3] = {{a, 3}, {b, 4}, {c, 7}};
  report_value("  readv", readv(fd, rv, 3));
  printf("  readv parts: \"%s\" \"%s\" \"%s\"\n", a, b, c);
  report_value("  read at EOF", read(fd, a, 3));
  close(fd);

  // Access modes.
  fd = open("new.txt", O_RDONLY);
  report_value("read-only: write", write(fd, "x", 1));
  close(fd);
  fd = open("new.txt", O_WRONLY);
  report_value("write-only: read", read(fd, a, 1));
  close(fd);

  // pread / pwrite leave the offset alone.
  fd = open("p.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  char block[256];
  for (int i = 0; i < 256; ++i) block[i] = (char)i;
  report_value("write 256", write(fd, block, 256));
  report_value("lseek 10", lseek(fd, 10, SEEK_SET));
  char pb[8];
  report_value("pread 8 @100", pread(fd, pb, 8, 100));
  printf("  bytes %d %d .. %d\n", pb[0], pb[1], pb[7]);
  report_value("  offset still", lseek(fd, 0, SEEK_CUR));
  report_value("pwrite 4 @2", pwrite(fd, "WXYZ", 4, 2));
  report_value("  offset still", lseek(fd, 0, SEEK_CUR));
  report_value("pread @250 (short)", pread(fd, pb, 8, 250));
  report_value("pread @256 (EOF)", pread(fd, pb, 8, 256));
  report_value("pread @10000 (past EOF)", pread(fd, pb, 8, 10000));
  report_value("pwrite @300 (extends)", pwrite(fd, "end", 3, 300));
  report_value("  size", fsize(fd));
  report_value("pread hole @260", pread(fd, pb, 4, 260));
  printf("  hole bytes %d %d %d %d\n", pb[0], pb[1], pb[2], pb[3]);
  report_value("pread negative offset", pread(fd, pb, 4, -1));
  report_value("read (offset 10)", read(fd, pb, 2));
  printf("  got %d %d\n", pb[0], pb[1]);

  // Truncate both ways, sync, allocate, advise.
  report("ftruncate 50", ftruncate(fd, 50));
  report_value("  size", fsize(fd));
  report("ftruncate 4096", ftruncate(fd, 4096));
  report_value("  size", fsize(fd));
  report_value("  pread @4000", pread(fd, pb, 1, 4000));
  printf("  byte %d\n", pb[0]);
  report("ftruncate -1", ftruncate(fd, -1));
  report("fsync", fsync(fd));
  report("fdatasync", fdatasync(fd));
  int r = posix_fallocate(fd, 0, 10000);
  printf("posix_fallocate 0+10000: %s\n", errno_name(r));
  report_value("  size", fsize(fd));
  r = posix_fallocate(fd, 100, 100);
  printf("posix_fallocate inside: %s\n", errno_name(r));
  report_value("  size", fsize(fd));
  printf("posix_fadvise SEQUENTIAL: %s\n", errno_name(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
  printf("posix_fadvise RANDOM: %s\n", errno_name(posix_fadvise(fd, 0, 100, POSIX_FADV_RANDOM)));
  printf("posix_fadvise WILLNEED: %s\n", errno_name(posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED)));
  printf("posix_fadvise DONTNEED: %s\n", errno_name(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)));
  printf("posix_fadvise NOREUSE: %s\n", errno_name(posix_fadvise(fd, 0, 0, POSIX_FADV_NOREUSE)));
  printf("posix_fadvise NORMAL: %s\n", errno_name(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL)));
  printf("posix_fadvise bad advice: %s\n", errno_name(posix_fadvise(fd, 0, 0, 12345)));
  report("ftruncate 300", ftruncate(fd, 300));
  report("close", close(fd));
  report("close again", close(fd));

  // O_DSYNC / O_SYNC files work like any other.
  fd = open("dsync.txt", O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC, 0644);
  report("open O_DSYNC", fd);
  report_value("  write", write(fd, "dsync\n", 6));
  close(fd);
  fd = open("sync.txt", O_WRONLY | O_CREAT | O_TRUNC | O_SYNC, 0644);
  report("open O_SYNC", fd);
  report_value("  write", write(fd, "sync\n", 5));
  close(fd);
  show_file("dsync.txt");
  show_file("sync.txt");

  // A larger file in odd-sized chunks.
  fd = open("big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  static unsigned char big[300000];
  for (size_t i = 0; i < sizeof big; ++i) big[i] = (unsigned char)(i * 7 + (i >> 9));
  size_t off = 0, chunk = 1;
  while (off < sizeof big) {
    size_t n = chunk < sizeof big - off ? chunk : sizeof big - off;
    ssize_t w = write(fd, big + off, n);
    if (w <= 0) break;
    off += (size_t)w;
    chunk = chunk * 3 + 1;
  }
  printf("big.bin written %zu size %lld\n", off, fsize(fd));
  lseek(fd, 0, SEEK_SET);
  static unsigned char back[300000];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, back + got, sizeof back - got < 7777 ? sizeof back - got : 7777);
    if (n <= 0) break;
    got += (size_t)n;
  }
  printf("big.bin read back %zu equal %s hash %016llx\n", got, memcmp(big, back, sizeof big) == 0 ? "yes" : "no",
         (unsigned long long)fnv1a(back, got, FNV_INIT));
  close(fd);

  // stdio on top.
  FILE* f = fopen("stdio.txt", "w");
  printf("fopen w: %s\n", f ? "ok" : errno_name(errno));
  for (int i = 0; i < 5; ++i) fprintf(f, "line %d of %d\n", i + 1, 5);
  fclose(f);
  f = fopen("stdio.txt", "a+");
  fputs("appended by a+\n", f);
  rewind(f);
  char line[64];
  while (fgets(line, sizeof line, f)) printf("  > %s", line);
  fclose(f);
  f = fopen("stdio.txt", "r+");
  fseek(f, 5, SEEK_SET);
  fputc('#', f);
  printf("ftell after fputc: %ld\n", ftell(f));
  fclose(f);
  f = fopen("missing.txt", "r");
  printf("fopen missing r: %s\n", f ? "opened?!" : errno_name(errno));
  f = fopen("stdio.txt", "wx");
  printf("fopen existing wx: %s\n", f ? "opened?!" : errno_name(errno));

  // The fixture, copied in by the harness.
  show_file("fixture.txt");
  struct stat st;
  report("stat fixture.txt", stat("fixture.txt", &st));
  print_stat("  fixture.txt", &st);
  report("stat sub/nested.txt", stat("sub/nested.txt", &st));
  print_stat("  sub/nested.txt", &st);
  show_file("sub/nested.txt");
  report("unlink p.bin", unlink("p.bin"));
  return 0;
}

// Trailing slashes on every path call, compared with Linux. "name/" names a directory: a
// symlink there is followed even by calls that do not follow (lstat, readlink, link's
// source, utimensat with AT_SYMLINK_NOFOLLOW, open with O_NOFOLLOW); creating a symlink or
// hard link through one fails (ENOENT where the name is free, EEXIST where anything is);
// unlink never removes through one (EISDIR, ENOTDIR); rmdir and rename need a directory
// (ENOTDIR); open with O_CREAT is EISDIR; mkdir and renaming a directory accept it.
// WASI: path_symlink, path_link, path_readlink, path_filestat_get, path_filestat_set_times,
// path_unlink_file, path_remove_directory, path_create_directory, path_rename, path_open,
// fd_readdir.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_test.h"

#define TRY(label, call) report(label, (long long)(call))

static void mkfile(const char* p) {
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "x\n", 2) != 2) printf("setup %s: %s\n", p, errno_name(errno));
  close(fd);
}

static void stat_type(const char* label, const char* path, int follow) {
  struct stat st;
  if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
    printf("%s: %s\n", label, errno_name(errno));
  else
    printf("%s: %s\n", label, type_name(st.st_mode));
}

int main(void) {
  mkfile("file");
  mkdir("dir", 0755);
  mkdir("empty", 0755);
  symlink("file", "lf");
  symlink("dir", "ld");
  symlink("nowhere", "ln");
  char buf[64];

  printf("-- symlink: nothing is created through a slash\n");
  TRY("symlink x new/", symlink("x", "new/"));
  TRY("symlink x dir/", symlink("x", "dir/"));
  TRY("symlink x file/", symlink("x", "file/"));
  TRY("symlink x ln/ (dangling)", symlink("x", "ln/"));
  TRY("symlink x ld/", symlink("x", "ld/"));
  TRY("symlink x new (no slash)", symlink("x", "new"));

  printf("-- link: nor a hard link; a source with a slash must be a directory\n");
  TRY("link file hard/", link("file", "hard/"));
  TRY("link file dir/", link("file", "dir/"));
  TRY("link file file/", link("file", "file/"));
  TRY("link file/ hard", link("file/", "hard"));
  TRY("link lf/ hard", link("lf/", "hard"));
  TRY("link ln/ hard", link("ln/", "hard"));
  TRY("link dir/ hard", link("dir/", "hard"));
  TRY("link ld/ hard", link("ld/", "hard"));
  TRY("link file hard (no slash)", link("file", "hard"));

  printf("-- readlink: \"link/\" is what the link points to\n");
  TRY("readlink lf/", readlink("lf/", buf, sizeof buf));
  TRY("readlink ld/", readlink("ld/", buf, sizeof buf));
  TRY("readlink ln/", readlink("ln/", buf, sizeof buf));
  TRY("readlink file/", readlink("file/", buf, sizeof buf));
  TRY("readlink dir/", readlink("dir/", buf, sizeof buf));
  ssize_t n = readlink("ld", buf, sizeof buf);
  printf("readlink ld: %.*s\n", n < 0 ? 0 : (int)n, buf);

  printf("-- stat and lstat\n");
  stat_type("lstat file/", "file/", 0);
  stat_type("lstat lf/", "lf/", 0);
  stat_type("lstat ld/", "ld/", 0);
  stat_type("lstat ln/", "ln/", 0);
  stat_type("lstat ld", "ld", 0);
  stat_type("stat ld/", "ld/", 1);
  stat_type("stat dir//", "dir//", 1);

  printf("-- utimensat without following\n");
  struct timespec ts[2] = {{0, UTIME_OMIT}, {1234567890, 0}};
  TRY("utimensat file/", utimensat(AT_FDCWD, "file/", ts, AT_SYMLINK_NOFOLLOW));
  TRY("utimensat lf/", utimensat(AT_FDCWD, "lf/", ts, AT_SYMLINK_NOFOLLOW));
  TRY("utimensat ln/", utimensat(AT_FDCWD, "ln/", ts, AT_SYMLINK_NOFOLLOW));
  TRY("utimensat ld/", utimensat(AT_FDCWD, "ld/", ts, AT_SYMLINK_NOFOLLOW));
  struct stat st;
  stat("dir", &st);
  printf("dir mtime set: %s\n", st.st_mtime == 1234567890 ? "yes" : "no");
  lstat("ld", &st);
  printf("ld mtime set: %s\n", st.st_mtime == 1234567890 ? "yes" : "no");
  stat("file", &st);
  printf("file mtime set: %s\n", st.st_mtime == 1234567890 ? "yes" : "no");

  printf("-- unlink never removes through a slash\n");
  TRY("unlink file/", unlink("file/"));
  TRY("unlink dir/", unlink("dir/"));
  TRY("unlink lf/", unlink("lf/"));
  TRY("unlink ld/", unlink("ld/"));
  TRY("unlink ln/", unlink("ln/"));
  TRY("unlink missing/", unlink("missing/"));

  printf("-- rmdir and mkdir\n");
  TRY("rmdir file/", rmdir("file/"));
  TRY("rmdir ld/", rmdir("ld/"));
  TRY("rmdir missing/", rmdir("missing/"));
  TRY("rmdir empty/", rmdir("empty/"));
  TRY("mkdir made/", mkdir("made/", 0755));
  TRY("mkdir file/", mkdir("file/", 0755));
  TRY("mkdir ln/", mkdir("ln/", 0755));
  TRY("mkdir dir//", mkdir("dir//", 0755));

  printf("-- rename: a slash on either side needs a directory\n");
  TRY("rename file/ x", rename("file/", "x"));
  TRY("rename file x/", rename("file", "x/"));
  TRY("rename lf/ x", rename("lf/", "x"));
  TRY("rename ln/ x", rename("ln/", "x"));
  TRY("rename missing/ x", rename("missing/", "x"));
  TRY("rename made/ moved/", rename("made/", "moved/"));
  TRY("rename moved ld/", rename("moved", "ld/"));
  TRY("rename dir/ file", rename("dir/", "file"));

  printf("-- open\n");
  TRY("open file/", open("file/", O_RDONLY));
  TRY("open file///", open("file///", O_RDONLY));
  TRY("open dir/", open("dir/", O_RDONLY));
  TRY("open ld/ O_NOFOLLOW", open("ld/", O_RDONLY | O_NOFOLLOW));
  TRY("open lf/ O_NOFOLLOW", open("lf/", O_RDONLY | O_NOFOLLOW));
  TRY("open ln/", open("ln/", O_RDONLY));
  TRY("open created/ O_CREAT", open("created/", O_WRONLY | O_CREAT, 0644));
  TRY("open file/ O_CREAT", open("file/", O_WRONLY | O_CREAT, 0644));
  TRY("open dir/ O_CREAT", open("dir/", O_RDONLY | O_CREAT, 0644));
  TRY("open ln/ O_CREAT (dangling)", open("ln/", O_WRONLY | O_CREAT, 0644));
  TRY("open dir/created/ O_CREAT|O_EXCL", open("dir/created/", O_WRONLY | O_CREAT | O_EXCL, 0644));
  TRY("open missing/x/ O_CREAT", open("missing/x/", O_WRONLY | O_CREAT, 0644));
  DIR* d = opendir("ld/");
  printf("opendir ld/: %s\n", d ? "ok" : errno_name(errno));
  if (d) closedir(d);
  return 0;
}

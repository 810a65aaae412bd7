// Raw preview 1 calls for the edge cases WebAssembly/wasi-testsuite checks (directory_seek,
// path_open_preopen, path_filestat, path_link, path_symlink_trailing_slashes,
// dir_fd_op_failures, ...) and the rest of their class, through a compiled module: rights
// and flags that wasi-libc would never pass, paths with trailing slashes verbatim. Run by
// run_edge_cases.sh with `--dir BOX::/`; each line prints the errno a call returned, and the
// output must equal edge_cases.expected (kiln-only: raw WASI calls have no native twin).
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char* Name(__wasi_errno_t e) {
  switch (e) {
    case __WASI_ERRNO_SUCCESS: return "OK";
    case __WASI_ERRNO_BADF: return "EBADF";
    case __WASI_ERRNO_EXIST: return "EEXIST";
    case __WASI_ERRNO_INVAL: return "EINVAL";
    case __WASI_ERRNO_ISDIR: return "EISDIR";
    case __WASI_ERRNO_NOENT: return "ENOENT";
    case __WASI_ERRNO_NOTDIR: return "ENOTDIR";
    case __WASI_ERRNO_PERM: return "EPERM";
    case __WASI_ERRNO_NOTCAPABLE: return "ENOTCAPABLE";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "errno %u", (unsigned)e);
      return buf;
    }
  }
}

#define CALL(name, call) printf("%-44s %s\n", name, Name(call))
#define YESNO(name, cond) printf("%-44s %s\n", name, (cond) ? "yes" : "no")

static __wasi_fd_t Open(__wasi_fd_t dir, const char* path, __wasi_oflags_t oflags,
                        __wasi_rights_t base, __wasi_rights_t inheriting,
                        __wasi_fdflags_t fdflags, const char* label) {
  __wasi_fd_t fd = (__wasi_fd_t)-1;
  CALL(label, __wasi_path_open(dir, 0, path, oflags, base, inheriting, fdflags, &fd));
  return fd;
}

int main(void) {
  const __wasi_fd_t root = 3;
  __wasi_fdstat_t st;
  __wasi_fd_t fd;
  __wasi_size_t n;
  __wasi_filesize_t pos;
  char buf[32];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_ciovec_t ciov = {(const uint8_t*)"x", 1};

  printf("== a directory descriptor carries no seek right\n");
  CALL("path_create_directory d", __wasi_path_create_directory(root, "d"));
  fd = Open(root, "d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL,
            0, 0, "path_open d O_DIRECTORY asking FD_SEEK");
  CALL("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &st));
  YESNO("  a directory", st.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  YESNO("  FD_SEEK or FD_TELL granted",
        st.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL));
  CALL("fd_seek (dir) SEEK_CUR", __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
  CALL("fd_seek (dir) SEEK_END", __wasi_fd_seek(fd, 0, __WASI_WHENCE_END, &pos));
  CALL("fd_tell (dir)", __wasi_fd_tell(fd, &pos));
  CALL("fd_read (dir)", __wasi_fd_read(fd, &iov, 1, &n));
  CALL("fd_pread (dir)", __wasi_fd_pread(fd, &iov, 1, 0, &n));
  CALL("fd_write (dir)", __wasi_fd_write(fd, &ciov, 1, &n));
  CALL("fd_pwrite (dir)", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
  CALL("fd_allocate (dir)", __wasi_fd_allocate(fd, 0, 1));
  CALL("fd_filestat_set_size (dir)", __wasi_fd_filestat_set_size(fd, 0));
  CALL("fd_close", __wasi_fd_close(fd));
  CALL("fd_fdstat_get (pre-open)", __wasi_fd_fdstat_get(root, &st));
  YESNO("  FD_SEEK granted", st.fs_rights_base & __WASI_RIGHTS_FD_SEEK);
  CALL("fd_read (pre-open)", __wasi_fd_read(root, &iov, 1, &n));
  CALL("fd_seek (pre-open)", __wasi_fd_seek(root, 0, __WASI_WHENCE_SET, &pos));

  printf("== path_open: rights against flags\n");
  const __wasi_rights_t pre_base = st.fs_rights_base, pre_inh = st.fs_rights_inheriting;
  Open(root, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0,
       "path_open . O_DIRECTORY read+write");
  Open(root, "d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_WRITE, 0, 0,
       "path_open d O_DIRECTORY write");
  Open(root, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0, 0,
       "path_open . O_DIRECTORY read");
  Open(root, ".", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, "path_open . O_DIRECTORY no rights");
  Open(root, ".", 0, pre_base, pre_inh, 0, "path_open . with the pre-open's rights");
  Open(root, "nd", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY, 0, 0, 0,
       "path_open nd O_CREAT|O_DIRECTORY");
  fd = Open(root, "file", __WASI_OFLAGS_CREAT,
            __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_PATH_FILESTAT_GET,
            __WASI_RIGHTS_PATH_FILESTAT_GET, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC,
            "path_open file APPEND|SYNC without FD_SYNC");
  CALL("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &st));
  YESNO("  APPEND and SYNC set", (st.fs_flags & (__WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC)) ==
                                     (__WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC));
  YESNO("  a path right on the file",
        (st.fs_rights_base | st.fs_rights_inheriting) & __WASI_RIGHTS_PATH_FILESTAT_GET);
  CALL("fd_write", __wasi_fd_write(fd, &ciov, 1, &n));
  CALL("fd_readdir (file)", __wasi_fd_readdir(fd, (uint8_t*)buf, sizeof buf, 0, &n));
  CALL("fd_close", __wasi_fd_close(fd));
  Open(root, "file", 0, __WASI_RIGHTS_FD_READ, 0, __WASI_FDFLAGS_DSYNC,
       "path_open file DSYNC, read only");
  Open(root, "file", 0, __WASI_RIGHTS_FD_READ, 0, __WASI_FDFLAGS_RSYNC,
       "path_open file RSYNC, read only");
  fd = Open(root, "file", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, 0,
            __WASI_FDFLAGS_APPEND, "path_open file APPEND, read only");
  CALL("fd_write (read only)", __wasi_fd_write(fd, &ciov, 1, &n));
  CALL("fd_fdstat_set_flags 0", __wasi_fd_fdstat_set_flags(fd, 0));
  CALL("fd_fdstat_set_flags APPEND", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));

  printf("== trailing slashes\n");
  CALL("path_symlink source target/", __wasi_path_symlink("source", root, "target/"));
  CALL("path_symlink source d/", __wasi_path_symlink("source", root, "d/"));
  CALL("path_symlink source file/", __wasi_path_symlink("source", root, "file/"));
  CALL("path_link file link/", __wasi_path_link(root, 0, "file", root, "link/"));
  CALL("path_link file d/", __wasi_path_link(root, 0, "file", root, "d/"));
  CALL("path_link file/ link", __wasi_path_link(root, 0, "file/", root, "link"));
  CALL("path_link d/ link", __wasi_path_link(root, 0, "d/", root, "link"));
  CALL("path_symlink file ln", __wasi_path_symlink("file", root, "ln"));
  CALL("path_symlink d ld", __wasi_path_symlink("d", root, "ld"));
  CALL("path_readlink ln/", __wasi_path_readlink(root, "ln/", (uint8_t*)buf, sizeof buf, &n));
  CALL("path_readlink ld/", __wasi_path_readlink(root, "ld/", (uint8_t*)buf, sizeof buf, &n));
  CALL("path_filestat_set_times file/",
       __wasi_path_filestat_set_times(root, 0, "file/", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  CALL("path_filestat_set_times ld/",
       __wasi_path_filestat_set_times(root, 0, "ld/", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  __wasi_filestat_t fst;
  CALL("path_filestat_get file/", __wasi_path_filestat_get(root, 0, "file/", &fst));
  CALL("path_unlink_file file/", __wasi_path_unlink_file(root, "file/"));
  CALL("path_unlink_file d/", __wasi_path_unlink_file(root, "d/"));
  CALL("path_remove_directory file/", __wasi_path_remove_directory(root, "file/"));
  CALL("path_rename file/ moved", __wasi_path_rename(root, "file/", root, "moved"));
  CALL("path_rename file moved/", __wasi_path_rename(root, "file", root, "moved/"));
  CALL("path_open new/ O_CREAT",
       __wasi_path_open(root, 0, "new/", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd));
  CALL("path_open file/", __wasi_path_open(root, 0, "file/", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
  CALL("path_rename d/ e/", __wasi_path_rename(root, "d/", root, "e/"));
  CALL("path_remove_directory e/", __wasi_path_remove_directory(root, "e/"));
  return 0;
}

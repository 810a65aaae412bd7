// Imports every wasi_snapshot_preview1 function (all 46) and calls each once through the
// raw API, printing the errno it returns and what it produced. Run by run_all_imports.sh
// with `--dir BOX::/box --tcplisten 127.0.0.1:0 -- one two` and the environment K=V; the
// output must equal all_imports.expected and the exit status must be 7 (proc_exit).
// wasi-libc no longer declares proc_raise, so it is imported by hand.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int32_t
raw_proc_raise(int32_t sig);

static const char* Name(__wasi_errno_t e) {
  switch (e) {
    case __WASI_ERRNO_SUCCESS: return "OK";
    case __WASI_ERRNO_AGAIN: return "EAGAIN";
    case __WASI_ERRNO_BADF: return "EBADF";
    case __WASI_ERRNO_INVAL: return "EINVAL";
    case __WASI_ERRNO_NOENT: return "ENOENT";
    case __WASI_ERRNO_NOTSOCK: return "ENOTSOCK";
    case __WASI_ERRNO_NOTCAPABLE: return "ENOTCAPABLE";
    case __WASI_ERRNO_SPIPE: return "ESPIPE";
    case __WASI_ERRNO_EXIST: return "EEXIST";
    case __WASI_ERRNO_NOTEMPTY: return "ENOTEMPTY";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "errno %u", (unsigned)e);
      return buf;
    }
  }
}

#define SHOW(call) printf("%-24s %s\n", #call, Name(call))
#define CALL(name, call) printf("%-24s %s\n", name, Name(call))

int main(void) {
  __wasi_size_t argc, argv_size, envc, env_size;
  CALL("args_sizes_get", __wasi_args_sizes_get(&argc, &argv_size));
  char* argv[8];
  char argv_buf[256];
  CALL("args_get", __wasi_args_get((uint8_t**)argv, (uint8_t*)argv_buf));
  printf("  argc=%u argv[1]=%s argv[2]=%s\n", (unsigned)argc, argv[1], argv[2]);
  CALL("environ_sizes_get", __wasi_environ_sizes_get(&envc, &env_size));
  char* envp[8];
  char env_buf[256];
  CALL("environ_get", __wasi_environ_get((uint8_t**)envp, (uint8_t*)env_buf));
  printf("  envc=%u env[0]=%s\n", (unsigned)envc, envp[0]);

  __wasi_timestamp_t res, t0, t1;
  CALL("clock_res_get", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res));
  CALL("clock_time_get", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t0));
  printf("  resolution positive: %s\n", res > 0 ? "yes" : "no");

  __wasi_prestat_t pre;
  CALL("fd_prestat_get", __wasi_fd_prestat_get(3, &pre));
  char name[16] = {0};
  CALL("fd_prestat_dir_name", __wasi_fd_prestat_dir_name(3, (uint8_t*)name, pre.u.dir.pr_name_len));
  printf("  fd 3 is %s\n", name);

  CALL("path_create_directory", __wasi_path_create_directory(3, "d"));
  __wasi_fd_t fd = 0;
  const __wasi_rights_t rights = (__wasi_rights_t)-1 >> 34;  // the 30 defined rights
  CALL("path_open", __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/f",
                                     __WASI_OFLAGS_CREAT, rights, rights, 0, &fd));
  __wasi_size_t n = 0;
  __wasi_ciovec_t out = {(const uint8_t*)"hello", 5};
  CALL("fd_write", __wasi_fd_write(fd, &out, 1, &n));
  __wasi_ciovec_t j = {(const uint8_t*)"J", 1};
  CALL("fd_pwrite", __wasi_fd_pwrite(fd, &j, 1, 0, &n));
  char in[8] = {0};
  __wasi_iovec_t iov = {(uint8_t*)in, 5};
  CALL("fd_pread", __wasi_fd_pread(fd, &iov, 1, 0, &n));
  printf("  pread %u bytes: %.5s\n", (unsigned)n, in);
  __wasi_filesize_t pos = 0;
  CALL("fd_seek", __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos));
  memset(in, 0, sizeof in);
  CALL("fd_read", __wasi_fd_read(fd, &iov, 1, &n));
  printf("  read %u bytes: %s\n", (unsigned)n, in);
  CALL("fd_tell", __wasi_fd_tell(fd, &pos));
  printf("  position %llu\n", (unsigned long long)pos);
  CALL("fd_advise", __wasi_fd_advise(fd, 0, 5, __WASI_ADVICE_SEQUENTIAL));
  CALL("fd_allocate", __wasi_fd_allocate(fd, 0, 100));
  CALL("fd_datasync", __wasi_fd_datasync(fd));
  CALL("fd_sync", __wasi_fd_sync(fd));
  __wasi_fdstat_t st;
  CALL("fd_fdstat_set_flags", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  CALL("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &st));
  printf("  regular file: %s, append: %s\n",
         st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE ? "yes" : "no",
         (st.fs_flags & __WASI_FDFLAGS_APPEND) ? "yes" : "no");
  __wasi_filestat_t fst;
  CALL("fd_filestat_get", __wasi_fd_filestat_get(fd, &fst));
  printf("  size %llu\n", (unsigned long long)fst.size);
  CALL("fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 3));
  CALL("fd_filestat_set_times",
       __wasi_fd_filestat_set_times(fd, 1000000000ull, 2000000000ull,
                                    __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CALL("fd_filestat_get", __wasi_fd_filestat_get(fd, &fst));
  printf("  size %llu atim %llu mtim %llu\n", (unsigned long long)fst.size,
         (unsigned long long)fst.atim, (unsigned long long)fst.mtim);
  CALL("fd_fdstat_set_rights",
       __wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0));
  CALL("  then fd_write", __wasi_fd_write(fd, &out, 1, &n));
  CALL("  and widening", __wasi_fd_fdstat_set_rights(fd, rights, 0));
  __wasi_fd_t dir = 0;
  CALL("path_open (dir)", __wasi_path_open(3, 0, "d", __WASI_OFLAGS_DIRECTORY,
                                           __WASI_RIGHTS_FD_READDIR, 0, 0, &dir));
  CALL("fd_renumber", __wasi_fd_renumber(fd, dir));
  CALL("fd_close", __wasi_fd_close(dir));
  CALL("  and again", __wasi_fd_close(dir));

  CALL("path_filestat_get", __wasi_path_filestat_get(3, 0, "d/f", &fst));
  printf("  size %llu\n", (unsigned long long)fst.size);
  CALL("path_filestat_set_times",
       __wasi_path_filestat_set_times(3, 0, "d/f", 0, 5000000000ull, __WASI_FSTFLAGS_MTIM));
  CALL("path_filestat_get", __wasi_path_filestat_get(3, 0, "d/f", &fst));
  printf("  mtim %llu\n", (unsigned long long)fst.mtim);
  CALL("path_link", __wasi_path_link(3, 0, "d/f", 3, "d/g"));
  CALL("path_symlink", __wasi_path_symlink("f", 3, "d/l"));
  char target[16] = {0};
  CALL("path_readlink", __wasi_path_readlink(3, "d/l", (uint8_t*)target, sizeof target, &n));
  printf("  link -> %.*s\n", (int)n, target);
  CALL("path_rename", __wasi_path_rename(3, "d/g", 3, "d/h"));
  CALL("path_unlink_file", __wasi_path_unlink_file(3, "d/h"));
  CALL("path_remove_directory", __wasi_path_remove_directory(3, "d"));
  CALL("path_open (dir)", __wasi_path_open(3, 0, "d", __WASI_OFLAGS_DIRECTORY,
                                           __WASI_RIGHTS_FD_READDIR, 0, 0, &dir));
  uint8_t buf[512];
  CALL("fd_readdir", __wasi_fd_readdir(dir, buf, sizeof buf, 0, &n));
  int entries = 0;
  for (__wasi_size_t p = 0; p + sizeof(__wasi_dirent_t) <= n;) {
    __wasi_dirent_t de;
    memcpy(&de, buf + p, sizeof de);
    p += sizeof de + de.d_namlen;
    ++entries;
  }
  printf("  %d entries (., .., f, l)\n", entries);

  __wasi_subscription_t sub = {0};
  sub.userdata = 42;
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = 2000000;  // 2 ms
  __wasi_event_t ev;
  CALL("poll_oneoff", __wasi_poll_oneoff(&sub, &ev, 1, &n));
  CALL("clock_time_get", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1));
  printf("  %u event, userdata %llu, waited >= 2 ms: %s\n", (unsigned)n,
         (unsigned long long)ev.userdata, t1 - t0 >= 2000000 ? "yes" : "no");
  CALL("sched_yield", __wasi_sched_yield());
  uint8_t rnd[16] = {0};
  CALL("random_get", __wasi_random_get(rnd, sizeof rnd));
  CALL("proc_raise (0)", (__wasi_errno_t)raw_proc_raise(0));

  // fd 4 is the listening socket; nobody connects, so a non-blocking accept has nothing.
  CALL("fd_fdstat_set_flags", __wasi_fd_fdstat_set_flags(4, __WASI_FDFLAGS_NONBLOCK));
  __wasi_fd_t conn;
  CALL("sock_accept", __wasi_sock_accept(4, 0, &conn));
  CALL("  on a file", __wasi_sock_accept(3, 0, &conn));
  __wasi_roflags_t roflags;
  CALL("sock_recv", __wasi_sock_recv(1, &iov, 1, 0, &n, &roflags));
  CALL("sock_send", __wasi_sock_send(1, &out, 1, 0, &n));
  CALL("sock_shutdown", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
  fflush(stdout);
  __wasi_proc_exit(7);
}

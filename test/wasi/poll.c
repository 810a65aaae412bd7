// Polling and sleeping: poll() on stdin (/dev/null: readable at EOF), stdout (a file:
// writable), a regular file (readable and writable at once), a closed descriptor
// (POLLNVAL) and a negative one (ignored); poll with no descriptors as a pure timeout;
// select() with read / write sets and a timeout; nanosleep, clock_nanosleep (relative on
// MONOTONIC and REALTIME, absolute on MONOTONIC), usleep; and the EINVAL for a bad
// tv_nsec. Elapsed times are checked against the monotonic clock and printed only as
// "yes" / "no".
// WASI: poll_oneoff (fd_read, fd_write and clock subscriptions, relative and absolute),
// clock_time_get.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "wasi_test.h"

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void show_revents(const char* label, short ev) {
  printf("  %s:%s%s%s%s\n", label, ev & POLLIN ? " POLLIN" : "", ev & POLLOUT ? " POLLOUT" : "",
         ev & POLLNVAL ? " POLLNVAL" : "", (ev & (POLLIN | POLLOUT | POLLNVAL)) == 0 ? " none" : "");
}

// Took at least min_ms, and not absurdly long (10 s).
static const char* took(long long t0, long long min_ms) {
  long long d = now_ns() - t0;
  return d >= min_ms * 1000000LL && d < 10000000000LL ? "yes" : "no";
}

int main(void) {
  int fd = open("polled.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
  write(fd, "data\n", 5);
  lseek(fd, 0, SEEK_SET);

  struct pollfd p[3] = {{0, POLLIN, 0}, {1, POLLOUT, 0}, {fd, POLLIN | POLLOUT, 0}};
  int n = poll(p, 3, 1000);
  printf("poll stdin/stdout/file: %d ready\n", n);
  show_revents("stdin", p[0].revents);
  show_revents("stdout", p[1].revents);
  show_revents("file", p[2].revents);

  // Each alone, timeout 0.
  for (int i = 0; i < 3; ++i) {
    struct pollfd q = p[i];
    q.revents = 0;
    int r = poll(&q, 1, 0);
    printf("poll fd %s alone, timeout 0: %d\n", i == 0 ? "stdin" : i == 1 ? "stdout" : "file", r);
  }
  struct pollfd rd = {fd, POLLIN, 0};
  printf("poll file POLLIN only: %d\n", poll(&rd, 1, -1));
  show_revents("file", rd.revents);
  struct pollfd wr = {fd, POLLOUT, 0};
  printf("poll file POLLOUT only: %d\n", poll(&wr, 1, -1));
  show_revents("file", wr.revents);

  // A closed descriptor reports POLLNVAL; a negative one is skipped.
  int closed = open("other.txt", O_RDWR | O_CREAT, 0644);
  close(closed);
  struct pollfd bad[2] = {{closed, POLLIN, 0}, {-1, POLLIN, 0}};
  n = poll(bad, 2, 0);
  printf("poll closed fd and fd -1: %d\n", n);
  show_revents("closed", bad[0].revents);
  show_revents("-1", bad[1].revents);

  // Pure timeouts.
  long long t0 = now_ns();
  n = poll(NULL, 0, 50);
  printf("poll no fds 50 ms: returned %d, slept >= 50 ms: %s\n", n, took(t0, 50));
  t0 = now_ns();
  n = poll(NULL, 0, 0);
  printf("poll no fds 0 ms: returned %d\n", n);

  // select.
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(0, &r);
  FD_SET(fd, &r);
  FD_SET(1, &w);
  struct timeval tv = {1, 0};
  n = select(fd + 1, &r, &w, NULL, &tv);
  printf("select stdin+file read, stdout write: %d (stdin %d file %d stdout %d)\n", n, FD_ISSET(0, &r) != 0,
         FD_ISSET(fd, &r) != 0, FD_ISSET(1, &w) != 0);
  struct timeval tv2 = {0, 30000};
  t0 = now_ns();
  n = select(0, NULL, NULL, NULL, &tv2);
  printf("select nothing 30 ms: returned %d, slept >= 30 ms: %s\n", n, took(t0, 30));

  // Sleeping.
  struct timespec req = {0, 40 * 1000000};
  t0 = now_ns();
  printf("nanosleep 40 ms: %d", nanosleep(&req, NULL));
  printf(", slept >= 40 ms: %s\n", took(t0, 40));
  t0 = now_ns();
  req.tv_nsec = 25 * 1000000;
  printf("clock_nanosleep MONOTONIC relative 25 ms: %s", errno_name(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL)));
  printf(", slept >= 25 ms: %s\n", took(t0, 25));
  t0 = now_ns();
  printf("clock_nanosleep REALTIME relative 25 ms: %s", errno_name(clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL)));
  printf(", slept >= 25 ms: %s\n", took(t0, 25));
  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  t0 = now_ns();
  abs.tv_nsec += 30 * 1000000;
  if (abs.tv_nsec >= 1000000000) {
    abs.tv_nsec -= 1000000000;
    abs.tv_sec++;
  }
  printf("clock_nanosleep MONOTONIC absolute +30 ms: %s",
         errno_name(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL)));
  printf(", slept >= 29 ms: %s\n", took(t0, 29));
  struct timespec past = {0, 1};
  t0 = now_ns();
  printf("clock_nanosleep MONOTONIC absolute in the past: %s",
         errno_name(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL)));
  printf(", returned within 1 s: %s\n", now_ns() - t0 < 1000000000LL ? "yes" : "no");
  t0 = now_ns();
  printf("usleep 20000: %d", usleep(20000));
  printf(", slept >= 20 ms: %s\n", took(t0, 20));
  req.tv_sec = 0;
  req.tv_nsec = 0;
  printf("nanosleep 0: %d\n", nanosleep(&req, NULL));
  req.tv_nsec = 1000000000;
  errno = 0;
  int rc = nanosleep(&req, NULL);
  printf("nanosleep tv_nsec 1e9: %d %s\n", rc, errno_name(errno));
  req.tv_nsec = -5;
  printf("clock_nanosleep tv_nsec -5: %s\n", errno_name(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL)));
  close(fd);
  return 0;
}

// A server on a pre-opened listening socket (fd 3, from --tcplisten): accepts one
// connection, receives a line, sends back "echo: " + the line, shuts down writing and
// exits 0. Exercises sock_accept, sock_recv (with MSG_PEEK), sock_send, sock_shutdown and
// poll_oneoff on a socket.
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

int main(void) {
  __wasi_fd_t conn;
  __wasi_errno_t e = __wasi_sock_accept(3, 0, &conn);
  if (e != 0) {
    printf("accept: errno %u\n", (unsigned)e);
    return 1;
  }
  struct pollfd p = {.fd = (int)conn, .events = POLLIN};
  if (poll(&p, 1, 5000) != 1 || !(p.revents & POLLIN)) {
    printf("poll: not readable\n");
    return 1;
  }
  char peek[4] = {0};
  __wasi_iovec_t piov = {(uint8_t*)peek, 2};
  __wasi_size_t n;
  __wasi_roflags_t ro;
  e = __wasi_sock_recv(conn, &piov, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &ro);
  printf("peek: %s %u bytes \"%.*s\"\n", e == 0 ? "OK" : "error", (unsigned)n, (int)n, peek);
  char buf[64] = "echo: ";
  __wasi_iovec_t iov = {(uint8_t*)buf + 6, sizeof buf - 7};
  e = __wasi_sock_recv(conn, &iov, 1, 0, &n, &ro);
  printf("recv: %s %u bytes\n", e == 0 ? "OK" : "error", (unsigned)n);
  __wasi_ciovec_t out = {(const uint8_t*)buf, 6 + n};
  e = __wasi_sock_send(conn, &out, 1, 0, &n);
  printf("send: %s %u bytes\n", e == 0 ? "OK" : "error", (unsigned)n);
  e = __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR);
  printf("shutdown: %s\n", e == 0 ? "OK" : "error");
  return 0;
}

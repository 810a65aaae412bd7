// kiln serve's HTTP server: every request runs in a fresh instance of its route's
// artifact (pooled, copy-on-write memory), speaking WAGI (kiln/serve/Wagi.h), under the
// route's limits. HTTP is libmicrohttpd's (HTTP/1.1, keep-alive, chunked bodies), with a
// pool of worker threads that run the handlers.
//
// What a client gets:
//   404  no route matches the path
//   413  the body is larger than the route's max_body
//   504  the handler ran past the route's timeout
//   500  the handler trapped, exited non-zero, failed to instantiate, wrote more than
//        max_response, or wrote something that is not a CGI response (details go to the
//        server's log, never to the client)
//   otherwise what the handler answered.
#ifndef KILN_SERVE_SERVER_H
#define KILN_SERVE_SERVER_H

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/serve/Config.h"

namespace kiln::serve {

// What the server holds once it is set up and before its first thread starts: what a
// self-restriction (kiln serve --isolate) must leave it.
struct ServerResources {
  std::vector<std::pair<std::string, bool>> directories;  // host paths of pre-opens, read-only
  std::vector<int> listen_fds;                            // bound and listening
};

class Server {
 public:
  // Called once every artifact is loaded and the listeners are bound, before any thread
  // starts (so that whatever it applies to this thread holds for all of them). An error
  // stops the start.
  using Restrict = std::function<absl::Status(const ServerResources&)>;

  // Loads and verifies every route's artifact, then listens. Errors say which route.
  // With `restrict`, the server can no longer reload (SIGHUP): new artifacts would need
  // files and executable mappings the restriction forbids.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServeConfig config,
                                                        Restrict restrict = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The address it listens on ("127.0.0.1:8080"; the port chosen when the config said 0).
  const std::string& address() const;
  // The metrics listener's address, or empty.
  const std::string& metrics_address() const;
  // Replaces the routes with `config`'s once every artifact of it loads and verifies
  // (otherwise nothing changes and the error says why). Requests in flight finish on the
  // routes they started with. The listen address, metrics address, workers and access log
  // stay as they were at start.
  absl::Status Reload(ServeConfig config);
  // Stops accepting connections, lets requests in flight finish for up to `drain`, then
  // closes everything.
  void Shutdown(std::chrono::nanoseconds drain);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::serve

#endif  // KILN_SERVE_SERVER_H

// WAGI: CGI/1.1 over WASI preview 1, the convention `kiln serve` speaks to handlers, so a
// module written for WAGI runs unchanged. A request becomes the handler's environment
// (CGI meta-variables, HTTP_* for the headers, WAGI's X_* additions), its arguments (the
// path, then the query's items) and its stdin (the body); the handler answers on stdout
// with CGI header lines, a blank line and the body.
//
// Pure functions: no I/O, no HTTP library. kiln serve's HTTP layer fills a Request and
// sends the Response.
#ifndef KILN_SERVE_WAGI_H
#define KILN_SERVE_WAGI_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::serve {

// A route's path pattern: "/hello" matches that path only; "/files/..." matches "/files"
// and every path below it ("/files/a/b"); "/..." matches every path.
class RoutePattern {
 public:
  // Refuses patterns that do not start with '/', or that have "..." anywhere but as a
  // final "/..." segment.
  static absl::StatusOr<RoutePattern> Parse(std::string_view pattern);

  const std::string& pattern() const { return pattern_; }  // as written, e.g. "/files/..."
  const std::string& prefix() const { return prefix_; }    // "/files" ("" for "/...")
  bool wildcard() const { return wildcard_; }

  // For a matching (raw, undecoded) request path: the part after the prefix, which
  // becomes PATH_INFO ("" for an exact route). nullopt when the path does not match.
  std::optional<std::string> Match(std::string_view path) const;

 private:
  std::string pattern_;
  std::string prefix_;
  bool wildcard_ = false;
};

// What the HTTP layer knows about a request.
struct Request {
  std::string method;    // "GET"
  std::string path;      // as sent, percent-encoded, without the query
  std::string query;     // as sent, without the '?'
  std::string protocol;  // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;  // in the order received
  std::string remote_addr;
  uint64_t body_size = 0;
};

// Where the server listens (SERVER_NAME and SERVER_PORT when the request has no Host).
struct ServerInfo {
  std::string host = "localhost";
  uint16_t port = 80;
  std::string software = "kiln";  // SERVER_SOFTWARE
};

// "%41b+c" -> "Ab+c" (a '+' stays: this is a path, not a form). A malformed escape is kept
// as it is.
std::string PercentDecode(std::string_view s);

// The handler's environment, "KEY=VALUE" each: the CGI meta-variables, the headers, and
// `route_env` (the route's configured variables) where it names neither: a meta-variable
// or header takes precedence over a configured variable of the same name. Headers become HTTP_NAME (upper case, '-' as '_'); repeated
// headers are joined with ", "; Authorization and Connection are left out (RFC 3875
// 4.1.18), and so is a header whose name would not make a plain variable name.
std::vector<std::string> Environment(const Request& request, const RoutePattern& route,
                                     const std::string& path_info, const ServerInfo& server,
                                     const std::vector<std::string>& route_env = {});
// The same as one block: each "KEY=VALUE" followed by a NUL (what the server hands to
// WASI: WasiConfig::env_block).
struct EnvBlock {
  std::string block;
  uint32_t count = 0;
};
EnvBlock EnvironmentBlock(const Request& request, const RoutePattern& route,
                          const std::string& path_info, const ServerInfo& server,
                          const std::vector<std::string>& route_env = {});

// The handler's arguments: the request path, then each '&'-separated item of the query as
// sent (WAGI passes them undecoded).
std::vector<std::string> Arguments(const Request& request);

// What a handler wrote to stdout, as an HTTP response.
struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // to send, in order
  std::string body;
};

// Parses CGI output: header lines ("Name: value", CR before LF ignored) up to the first
// empty line, then the body. `Status: 404 Not Found` sets the status (an unparsable one
// gives 502); `Location` without a Status gives 302; at least one of Content-Type,
// Location and Status is required. Headers the server owns (Content-Length,
// Transfer-Encoding, Connection) and malformed ones are dropped, never forwarded.
// An error means the output is not a CGI response (the server answers 500).
absl::StatusOr<Response> ParseResponse(std::string_view output);

}  // namespace kiln::serve

#endif  // KILN_SERVE_WAGI_H

// kiln serve's configuration file (TOML, read with toml++): where to listen, and routes
// (path pattern -> artifact), each with its own limits, pre-opens, environment, import
// policy and required signature. Every error names the file, line and column.
//
//   listen = "127.0.0.1:8080"       # default
//   workers = 2                     # default: a thread per connection
//   metrics = "127.0.0.1:9090"      # Prometheus text format; default: none
//   access_log = "-"                # "-" (stderr), a file, or "" (off, the default)
//
//   [limits]                        # defaults for every route
//   timeout = "5s"                  # wall clock per request: 504 past it
//   max_memory = "64M"              # linear memory per instance
//   max_body = "1M"                 # request body: 413 past it
//   max_response = "8M"             # handler output: 500 past it
//   fuel = 100000000                # Wasm instructions (artifacts built with kilnc --fuel)
//   max_stack = "512K"
//
//   [[route]]
//   path = "/upload/..."            # "/x" exactly, or "/x/..." for /x and below
//   artifact = "upload.so"          # relative to this file's directory
//   entrypoint = "_start"
//   env = { GREETING = "hi" }
//   dirs = { "/data" = "/srv/uploads" }     # guest -> host, read-write
//   ro_dirs = { "/static" = "/srv/static" } # read-only
//   allow_imports = ["wasi_snapshot_preview1::*"]
//   deny_imports = ["wasi_snapshot_preview1::sock_accept"]
//   require_signature = "ops.pub"
//   limits = { timeout = "1s", max_memory = "16M" }
//
// A WAGI modules.toml reads too: [[module]] with `route`, `module` (a kiln artifact),
// `volumes` (read-write) and `environment`.
#ifndef KILN_SERVE_CONFIG_H
#define KILN_SERVE_CONFIG_H

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/serve/Wagi.h"

namespace kiln::serve {

struct Limits {
  std::optional<std::chrono::nanoseconds> timeout;
  std::optional<uint64_t> max_memory_bytes;
  std::optional<uint64_t> max_body_bytes;
  std::optional<uint64_t> max_response_bytes;
  std::optional<uint64_t> fuel;
  std::optional<uint64_t> max_stack_bytes;

  // Each limit of `over` that is set replaces this one's.
  Limits With(const Limits& over) const;
};

// What kiln serve uses when neither the route nor [limits] says.
Limits DefaultLimits();

struct RouteConfig {
  RoutePattern pattern;
  std::string artifact;    // a path (made absolute against the config file's directory)
  std::string entrypoint = "_start";
  std::vector<std::string> env;  // "KEY=VALUE"
  std::vector<std::pair<std::string, std::string>> dirs;     // (guest, host), read-write
  std::vector<std::pair<std::string, std::string>> ro_dirs;  // (guest, host), read-only
  std::vector<std::string> allow_imports;  // MODULE::NAME; empty: all of WASI
  std::vector<std::string> deny_imports;
  std::string require_signature;  // a public key file; empty: none required
  Limits limits;                  // complete: defaults, [limits] and the route's own
  int line = 0;                   // where the route is in the file (for messages)
};

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string metrics;     // empty: no metrics listener
  unsigned workers = 0;    // 0: a thread per connection; N: N event loops
  std::string access_log;  // "-": stderr; empty: off
  bool isolate = false;    // kiln serve --isolate: the server restricts itself at start
  std::vector<RouteConfig> routes;

  // The route for a request path: an exact route first, then the wildcard route with the
  // longest prefix; with the part of the path after the prefix. nullptr: no route (404).
  const RouteConfig* Match(std::string_view path, std::string* path_info) const;
};

// Parses `text` as the file `path` (used in messages and to resolve relative paths).
absl::StatusOr<ServeConfig> ParseConfig(std::string_view text, const std::string& path);
absl::StatusOr<ServeConfig> LoadConfig(const std::string& path);

}  // namespace kiln::serve

#endif  // KILN_SERVE_CONFIG_H

// `kiln serve`: the command line of the HTTP server (serve/).
#ifndef KILN_CLI_SERVE_COMMAND_H
#define KILN_CLI_SERVE_COMMAND_H

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace kiln::cli {

struct ServeOptions {
  std::string artifact;  // one handler for every path, or
  std::string config;    // routes from a file
  std::string listen;
  unsigned workers = 0;
  bool isolate = false;
  std::string access_log;
  std::string metrics;
  std::string timeout, max_memory, max_body, max_response;
  std::vector<std::string> env, dirs, ro_dirs;
};

// Adds the `serve` subcommand to `app`, filling `options`.
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options);

// Runs the server until SIGTERM or SIGINT; then drains requests in flight. The exit status.
int Serve(const ServeOptions& options);

}  // namespace kiln::cli

#endif  // KILN_CLI_SERVE_COMMAND_H

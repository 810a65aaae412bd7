#include "ServeCommand.h"

#include "Isolate.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <tuple>

#include "Isolate.h"
#include "kiln/serve/Config.h"
#include "kiln/serve/Server.h"
#include "kiln/serve/Units.h"

namespace kiln::cli {
namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message, int code = kExitError) {
  std::fprintf(stderr, "kiln: error: %s\n", message.c_str());
  return code;
}

// "HOST::GUEST" or "HOST" -> (guest, host).
std::pair<std::string, std::string> GuestHost(const std::string& spec) {
  const size_t sep = spec.find("::");
  if (sep == std::string::npos) return {spec, spec};
  return {spec.substr(sep + 2), spec.substr(0, sep)};
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& o) {
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Serve HTTP: every request runs in a fresh sandboxed instance of a handler written to\n"
      "WAGI's conventions (CGI over WASI: the request's metadata in environment variables,\n"
      "the query's items as arguments, the body on stdin; the handler writes CGI headers, a\n"
      "blank line and the body to stdout). Give one artifact for every path, or --config\n"
      "with routes (see docs/serve.md). Status codes: 404 no route, 413 body too large, 504\n"
      "past the timeout, 500 a trap, a non-zero exit or bad output (details in the log).\n"
      "SIGTERM or SIGINT stops accepting and lets requests in flight finish; SIGHUP re-reads\n"
      "the configuration and swaps in the new routes once their artifacts verify.");
  serve->add_option("artifact", o.artifact, "The handler (.so made by kilnc) for every path");
  serve->add_option("-c,--config", o.config, "Routes and limits from this TOML file")
      ->type_name("FILE");
  serve->add_option("--listen", o.listen, "Address to listen on (default 127.0.0.1:8080; "
                                          "port 0 picks a free one)")
      ->type_name("HOST:PORT");
  serve->add_option("--workers", o.workers, "Number of event loops (default: one per core); a handler that keeps its "
                     "loop busy moves to a thread of its own")
      ->check(CLI::Range(1u, 1024u));
  serve->add_flag("--isolate", o.isolate,
                  "Restrict the server itself once it listens: no privileges, files only\n"
                  "under the pre-opened directories (Landlock), a seccomp filter allowing\n"
                  "only what serving needs (no exec, no new sockets, no new executable\n"
                  "memory). A forbidden call stops the server (exit 159). No SIGHUP reload.");
  serve->add_option("--access-log", o.access_log,
                    "One line per request to FILE (\"-\": stderr): address, request, status,\n"
                    "bytes, total time and time in Wasm");
  serve->add_option("--timeout", o.timeout, "Wall-clock limit per request (default 10s): 504")
      ->type_name("DURATION");
  serve->add_option("--max-memory", o.max_memory, "Linear memory per request (default 256M)")
      ->type_name("BYTES");
  serve->add_option("--max-body", o.max_body, "Largest request body (default 1M): 413")
      ->type_name("BYTES");
  serve->add_option("--max-response", o.max_response, "Largest handler output (default 16M)")
      ->type_name("BYTES");
  serve->add_option("--metrics", o.metrics,
                    "Serve Prometheus metrics at http://HOST:PORT/metrics: requests by route\n"
                    "and status, a latency histogram, traps, deadlines hit, live instances")
      ->type_name("HOST:PORT");
  serve->add_option("--env", o.env, "Give the handler KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  serve->add_option("--dir", o.dirs, "Pre-open HOST read-write as GUEST for every request")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false);
  serve->add_option("--ro-dir", o.ro_dirs, "Pre-open HOST read-only as GUEST")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false);
  return serve;
}

namespace {

// The configuration the options describe: the file (or one route for the artifact), then
// the flags on top. Errors are usage errors.
absl::StatusOr<serve::ServeConfig> BuildConfig(const ServeOptions& o) {
  serve::ServeConfig config;
  if (!o.config.empty()) {
    absl::StatusOr<serve::ServeConfig> c = serve::LoadConfig(o.config);
    if (!c.ok()) return c.status();
    config = *std::move(c);
  } else {
    serve::RouteConfig route;
    route.pattern = *serve::RoutePattern::Parse("/...");
    route.artifact = o.artifact;
    route.limits = serve::DefaultLimits();
    config.routes.push_back(route);
  }
  if (!o.listen.empty()) config.listen = o.listen;
  if (o.workers != 0) config.workers = o.workers;
  if (o.isolate) config.isolate = true;
  if (!o.access_log.empty()) config.access_log = o.access_log;
  if (!o.metrics.empty()) config.metrics = o.metrics;
  serve::Limits flags;
  if (!o.timeout.empty()) {
    flags.timeout = serve::ParseDuration(o.timeout);
    if (!flags.timeout)
      return absl::InvalidArgumentError("--timeout expects a DURATION (e.g. 500ms, 2s)");
  }
  for (const auto& [text, slot, name] :
       {std::tuple{&o.max_memory, &flags.max_memory_bytes, "--max-memory"},
        std::tuple{&o.max_body, &flags.max_body_bytes, "--max-body"},
        std::tuple{&o.max_response, &flags.max_response_bytes, "--max-response"}}) {
    if (text->empty()) continue;
    *slot = serve::ParseBytes(*text);
    if (!*slot) return absl::InvalidArgumentError(std::string(name) + " expects BYTES (e.g. 64K, 16M)");
  }
  for (const std::string& kv : o.env)
    if (kv.find('=') == std::string::npos || kv.front() == '=')
      return absl::InvalidArgumentError("--env expects KEY=VALUE, got \"" + kv + "\"");
  for (serve::RouteConfig& r : config.routes) {
    r.limits = r.limits.With(flags);
    r.env.insert(r.env.end(), o.env.begin(), o.env.end());
    for (const std::string& d : o.dirs) r.dirs.push_back(GuestHost(d));
    for (const std::string& d : o.ro_dirs) r.ro_dirs.push_back(GuestHost(d));
  }
  return config;
}

}  // namespace

int Serve(const ServeOptions& o) {
  if (o.artifact.empty() == o.config.empty())
    return Fail("kiln serve needs either an artifact or --config FILE (not both)", kExitUsage);
  absl::StatusOr<serve::ServeConfig> config = BuildConfig(o);
  if (!config.ok()) return Fail(std::string(config.status().message()), kExitUsage);

  // The signals are taken here, by sigwait: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  serve::Server::Restrict restrict;
  const bool isolated = config->isolate;
  if (isolated) {
    restrict = [](const serve::ServerResources& res) {
      return RestrictServer(res.directories, /*max_connections=*/1000);
    };
  }
  absl::StatusOr<std::unique_ptr<serve::Server>> server =
      serve::Server::Start(*std::move(config), restrict);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::fprintf(stderr, "kiln serve: listening on http://%s/", (*server)->address().c_str());
  if (!(*server)->metrics_address().empty())
    std::fprintf(stderr, " (metrics: http://%s/metrics)", (*server)->metrics_address().c_str());
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      // Re-read the configuration, verify the new artifacts, swap; requests in flight
      // finish on the old version. A bad configuration changes nothing.
      // (Under --isolate the configuration cannot even be read again: Reload refuses.)
      absl::StatusOr<serve::ServeConfig> next =
          isolated ? serve::ServeConfig{} : BuildConfig(o);
      absl::Status s = next.ok() ? (*server)->Reload(*std::move(next)) : next.status();
      if (s.ok()) {
        std::fprintf(stderr, "kiln serve: SIGHUP: reloaded\n");
      } else {
        std::fprintf(stderr, "kiln serve: SIGHUP: not reloaded, still serving the previous "
                     "version: %s\n", std::string(s.message()).c_str());
      }
      continue;
    }
    std::fprintf(stderr, "kiln serve: %s: draining requests in flight\n", strsignal(sig));
    (*server)->Shutdown(std::chrono::seconds(10));
    std::fprintf(stderr, "kiln serve: stopped\n");
    return 0;
  }
}

}  // namespace kiln::cli

// kiln serve's config file (serve/include/kiln/serve/Config.h): every setting read, WAGI's
// modules.toml accepted, every mistake reported with its line, routes matched.
#include "kiln/serve/Config.h"

#include <string>

#include <gtest/gtest.h>

namespace kiln::serve {
namespace {

constexpr const char* kFull = R"(listen = "0.0.0.0:9000"
workers = 3
metrics = "127.0.0.1:9100"
access_log = "-"

[limits]
timeout = "2s"
max_memory = "32M"
max_body = 4096

[[route]]
path = "/upload/..."
artifact = "handlers/upload.so"
entrypoint = "serve"
env = { GREETING = "hi", MODE = "fast" }
dirs = { "/data" = "uploads", "/tmp" = "/var/tmp/kiln" }
ro_dirs = { "/static" = "static" }
allow_imports = ["wasi_snapshot_preview1::*"]
deny_imports = ["wasi_snapshot_preview1::sock_accept"]
require_signature = "keys/ops.pub"
limits = { timeout = "500ms", max_response = "1M", fuel = 1000000 }

[[route]]
path = "/"
artifact = "/srv/index.so"
)";

TEST(ServeConfig, ReadsEverySetting) {
  auto c = ParseConfig(kFull, "/etc/kiln/serve.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->workers, 3u);
  EXPECT_EQ(c->metrics, "127.0.0.1:9100");
  EXPECT_EQ(c->access_log, "-");
  ASSERT_EQ(c->routes.size(), 2u);
  const RouteConfig& up = c->routes[0];
  EXPECT_EQ(up.pattern.pattern(), "/upload/...");
  EXPECT_EQ(up.artifact, "/etc/kiln/handlers/upload.so");
  EXPECT_EQ(up.entrypoint, "serve");
  EXPECT_EQ(up.env, (std::vector<std::string>{"GREETING=hi", "MODE=fast"}));
  ASSERT_EQ(up.dirs.size(), 2u);
  EXPECT_EQ(up.dirs[0], (std::pair<std::string, std::string>{"/data", "/etc/kiln/uploads"}));
  EXPECT_EQ(up.dirs[1], (std::pair<std::string, std::string>{"/tmp", "/var/tmp/kiln"}));
  ASSERT_EQ(up.ro_dirs.size(), 1u);
  EXPECT_EQ(up.ro_dirs[0].second, "/etc/kiln/static");
  EXPECT_EQ(up.allow_imports, (std::vector<std::string>{"wasi_snapshot_preview1::*"}));
  EXPECT_EQ(up.deny_imports, (std::vector<std::string>{"wasi_snapshot_preview1::sock_accept"}));
  EXPECT_EQ(up.require_signature, "/etc/kiln/keys/ops.pub");
  EXPECT_EQ(up.line, 11);
  // The route's limits over [limits] over the defaults.
  EXPECT_EQ(up.limits.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(up.limits.max_memory_bytes, uint64_t{32} << 20);
  EXPECT_EQ(up.limits.max_body_bytes, 4096u);
  EXPECT_EQ(up.limits.max_response_bytes, uint64_t{1} << 20);
  EXPECT_EQ(up.limits.fuel, 1000000u);
  const RouteConfig& index = c->routes[1];
  EXPECT_EQ(index.artifact, "/srv/index.so");
  EXPECT_EQ(index.entrypoint, "_start");
  EXPECT_EQ(index.limits.timeout, std::chrono::seconds(2));
  EXPECT_EQ(index.limits.max_response_bytes, DefaultLimits().max_response_bytes);
  EXPECT_FALSE(index.limits.fuel.has_value());
}

TEST(ServeConfig, WagiModulesToml) {
  auto c = ParseConfig(R"(
[[module]]
route = "/hello"
module = "hello.so"
volumes = { "/files" = "/srv/files" }
environment = { NAME = "world" }
)", "modules.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->routes.size(), 1u);
  EXPECT_EQ(c->routes[0].pattern.pattern(), "/hello");
  EXPECT_EQ(c->routes[0].artifact, "hello.so");
  EXPECT_EQ(c->routes[0].dirs.size(), 1u);
  EXPECT_EQ(c->routes[0].env, (std::vector<std::string>{"NAME=world"}));
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
}

// Each mistake names the file and the line it is on.
void ExpectError(const std::string& text, const std::string& where, const std::string& what) {
  auto c = ParseConfig(text, "serve.toml");
  ASSERT_FALSE(c.ok()) << text;
  const std::string message(c.status().message());
  EXPECT_EQ(message.rfind(where, 0), 0u) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
}

TEST(ServeConfig, ErrorsNameTheLine) {
  ExpectError("listen = \"x\"\n[[route]\n", "serve.toml:2:", "");
  ExpectError("listen = \"x\"\nlisten_on = 1\n", "serve.toml:2:", "unknown key 'listen_on'");
  ExpectError("[limits]\n\ntimeout = \"soon\"\n", "serve.toml:3:", "duration");
  ExpectError("[limits]\nmax_memroy = \"1M\"\n", "serve.toml:2:", "unknown limit 'max_memroy'");
  ExpectError("[[route]]\npath = \"/a\"\n", "serve.toml:1:", "needs an 'artifact'");
  ExpectError("[[route]]\npath = \"a\"\nartifact = \"a.so\"\n", "serve.toml:2:",
              "must start with '/'");
  ExpectError("[[route]]\npath = \"/a\"\nartifact = \"a.so\"\n\n[[route]]\npath = \"/a\"\n"
              "artifact = \"b.so\"\n",
              "serve.toml:5:", "already defined on line 1");
  ExpectError("[[route]]\npath = \"/a\"\nartifact = \"a.so\"\nenv = { A = 1 }\n",
              "serve.toml:4:", "must be a string");
  ExpectError("workers = 0\n[[route]]\npath = \"/a\"\nartifact = \"a.so\"\n", "serve.toml:1:",
              "workers");
  ExpectError("[[module]]\nroute = \"/a\"\nmodule = \"a.so\"\nallowed_hosts = [\"x\"]\n",
              "serve.toml:4:", "no outgoing network");
  ExpectError("listen = \"127.0.0.1:1\"\n", "serve.toml", "nothing to serve");
}

TEST(ServeConfig, MatchPrefersExactThenLongestPrefix) {
  auto c = ParseConfig(R"(
[[route]]
path = "/..."
artifact = "all.so"
[[route]]
path = "/api/..."
artifact = "api.so"
[[route]]
path = "/api/v2/..."
artifact = "v2.so"
[[route]]
path = "/api/health"
artifact = "health.so"
)", "/x/serve.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  std::string info;
  auto artifact = [&](std::string_view path) -> std::string {
    const RouteConfig* r = c->Match(path, &info);
    return r ? r->artifact : "";
  };
  EXPECT_EQ(artifact("/api/health"), "/x/health.so");
  EXPECT_EQ(info, "");
  EXPECT_EQ(artifact("/api/v2/items"), "/x/v2.so");
  EXPECT_EQ(info, "/items");
  EXPECT_EQ(artifact("/api/v1"), "/x/api.so");
  EXPECT_EQ(info, "/v1");
  EXPECT_EQ(artifact("/apix"), "/x/all.so");
  EXPECT_EQ(info, "/apix");
}

}  // namespace
}  // namespace kiln::serve

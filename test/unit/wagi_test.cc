// WAGI's conventions (serve/include/kiln/serve/Wagi.h): routes, the CGI environment and
// arguments a handler gets, and how its output becomes a response.
#include "kiln/serve/Wagi.h"

#include <algorithm>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace kiln::serve {
namespace {

std::map<std::string, std::string> AsMap(const std::vector<std::string>& env) {
  std::map<std::string, std::string> m;
  for (const std::string& kv : env) {
    const size_t eq = kv.find('=');
    EXPECT_NE(eq, std::string::npos) << kv;
    EXPECT_TRUE(m.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) << "twice: " << kv;
  }
  return m;
}

TEST(RoutePattern, ExactAndWildcard) {
  auto exact = RoutePattern::Parse("/hello");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->Match("/hello"), "");
  EXPECT_FALSE(exact->Match("/hello/x"));
  EXPECT_FALSE(exact->Match("/hell"));

  auto files = RoutePattern::Parse("/files/...");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->prefix(), "/files");
  EXPECT_EQ(files->Match("/files"), "");
  EXPECT_EQ(files->Match("/files/"), "/");
  EXPECT_EQ(files->Match("/files/a/b"), "/a/b");
  EXPECT_FALSE(files->Match("/filesystem"));
  EXPECT_FALSE(files->Match("/file"));

  auto all = RoutePattern::Parse("/...");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->Match("/"), "/");
  EXPECT_EQ(all->Match("/x/y"), "/x/y");
}

TEST(RoutePattern, BadPatternsAreRefused) {
  for (const char* bad : {"", "hello", "/a/.../b", "/a...", "/a?b", "/a#b"})
    EXPECT_FALSE(RoutePattern::Parse(bad).ok()) << bad;
}

TEST(PercentDecode, DecodesValidEscapesOnly) {
  EXPECT_EQ(PercentDecode("%41b%2Fc"), "Ab/c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("100%"), "100%");
}

Request SampleRequest() {
  Request r;
  r.method = "POST";
  r.path = "/api/items/a%20b";
  r.query = "x=1&y";
  r.protocol = "HTTP/1.1";
  r.remote_addr = "127.0.0.1";
  r.body_size = 11;
  r.headers = {{"Host", "example.com:8080"}, {"Content-Type", "application/json"},
               {"User-Agent", "curl/8"},     {"Authorization", "Basic c2VjcmV0"},
               {"Connection", "keep-alive"}, {"X-Dup", "1"},
               {"x-dup", "2"},              {"Bad Header", "no"}};
  return r;
}

TEST(Environment, CgiMetaVariables) {
  auto route = RoutePattern::Parse("/api/...");
  ASSERT_TRUE(route.ok());
  const Request req = SampleRequest();
  ServerInfo server;
  server.software = "kiln/test";
  auto env = AsMap(Environment(req, *route, *route->Match(req.path), server,
                               {"MY_SETTING=1", "REQUEST_METHOD=overridden"}));
  EXPECT_EQ(env["REQUEST_METHOD"], "POST");
  EXPECT_EQ(env["MY_SETTING"], "1");
  EXPECT_EQ(env["GATEWAY_INTERFACE"], "CGI/1.1");
  EXPECT_EQ(env["SCRIPT_NAME"], "/api");
  EXPECT_EQ(env["PATH_INFO"], "/items/a b");
  EXPECT_EQ(env["PATH_TRANSLATED"], "/items/a b");
  EXPECT_EQ(env["X_RAW_PATH_INFO"], "/items/a%20b");
  EXPECT_EQ(env["X_MATCHED_ROUTE"], "/api/...");
  EXPECT_EQ(env["QUERY_STRING"], "x=1&y");
  EXPECT_EQ(env["SERVER_NAME"], "example.com");
  EXPECT_EQ(env["SERVER_PORT"], "8080");
  EXPECT_EQ(env["SERVER_PROTOCOL"], "HTTP/1.1");
  EXPECT_EQ(env["SERVER_SOFTWARE"], "kiln/test");
  EXPECT_EQ(env["X_FULL_URL"], "http://example.com:8080/api/items/a%20b?x=1&y");
  EXPECT_EQ(env["CONTENT_TYPE"], "application/json");
  EXPECT_EQ(env["CONTENT_LENGTH"], "11");
  EXPECT_EQ(env["REMOTE_ADDR"], "127.0.0.1");
  EXPECT_EQ(env["REMOTE_HOST"], "127.0.0.1");
  EXPECT_EQ(env["HTTP_USER_AGENT"], "curl/8");
  EXPECT_EQ(env["HTTP_HOST"], "example.com:8080");
  EXPECT_EQ(env["HTTP_X_DUP"], "1, 2");
  EXPECT_EQ(env.count("HTTP_AUTHORIZATION"), 0u);
  EXPECT_EQ(env.count("HTTP_CONNECTION"), 0u);
  EXPECT_EQ(env.count("HTTP_BAD HEADER"), 0u);
  EXPECT_EQ(env.count("AUTH_TYPE"), 1u);
  EXPECT_EQ(env.count("REMOTE_USER"), 1u);
}

TEST(Environment, EachNameOnceHeadersOverRouteLaterRouteEntryWins) {
  auto route = RoutePattern::Parse("/api/...");
  ASSERT_TRUE(route.ok());
  const Request req = SampleRequest();
  const std::vector<std::string> env =
      Environment(req, *route, *route->Match(req.path), ServerInfo{},
                  {"HTTP_USER_AGENT=mine", "A=1", "SERVER_PORT=1", "A=2",
                   std::string("NUL=a\0b", 7)});
  std::map<std::string, int> seen;
  for (const std::string& kv : env) ++seen[kv.substr(0, kv.find('='))];
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
  auto map = AsMap(env);
  EXPECT_EQ(map["HTTP_USER_AGENT"], "curl/8");
  EXPECT_EQ(map["A"], "2");
  EXPECT_EQ(map["SERVER_PORT"], "8080");
  EXPECT_EQ(seen.count("NUL"), 0u);  // "NUL=a" would not be what was configured
  EnvBlock block = EnvironmentBlock(req, *route, *route->Match(req.path), ServerInfo{});
  EXPECT_EQ(block.count, std::count(block.block.begin(), block.block.end(), '\0'));
}

TEST(Environment, ExactRouteWithoutHost) {
  auto route = RoutePattern::Parse("/");
  ASSERT_TRUE(route.ok());
  Request req;
  req.method = "GET";
  req.path = "/";
  req.protocol = "HTTP/1.0";
  req.remote_addr = "10.0.0.2";
  ServerInfo server;
  server.host = "127.0.0.1";
  server.port = 3000;
  auto env = AsMap(Environment(req, *route, *route->Match(req.path), server));
  EXPECT_EQ(env["SERVER_NAME"], "127.0.0.1");
  EXPECT_EQ(env["SERVER_PORT"], "3000");
  EXPECT_EQ(env["SCRIPT_NAME"], "/");
  EXPECT_EQ(env["PATH_INFO"], "");
  EXPECT_EQ(env["X_FULL_URL"], "http://127.0.0.1:3000/");
  EXPECT_EQ(env["CONTENT_LENGTH"], "0");
  EXPECT_EQ(env["CONTENT_TYPE"], "");
}

TEST(Arguments, PathThenQueryItemsUndecoded) {
  const Request req = SampleRequest();
  EXPECT_EQ(Arguments(req), (std::vector<std::string>{"/api/items/a%20b", "x=1", "y"}));
  Request plain;
  plain.path = "/hello";
  EXPECT_EQ(Arguments(plain), (std::vector<std::string>{"/hello"}));
}

TEST(ParseResponse, HeadersThenBody) {
  auto r = ParseResponse("Content-Type: text/plain\nX-Thing: 1\n\nhello\n\nworld");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(r->headers.size(), 2u);
  EXPECT_EQ(r->headers[0], (std::pair<std::string, std::string>{"Content-Type", "text/plain"}));
  EXPECT_EQ(r->headers[1], (std::pair<std::string, std::string>{"X-Thing", "1"}));
  EXPECT_EQ(r->body, "hello\n\nworld");
}

TEST(ParseResponse, CrLfAndBinaryBody) {
  const std::string body("\0\r\n\xff", 4);
  auto r = ParseResponse("Content-Type: application/octet-stream\r\n\r\n" + body);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, body);
}

TEST(ParseResponse, StatusAndLocation) {
  auto notfound = ParseResponse("Status: 404 Not Found\nContent-Type: text/plain\n\nnope");
  ASSERT_TRUE(notfound.ok());
  EXPECT_EQ(notfound->status, 404);
  auto redirect = ParseResponse("Location: /elsewhere\n\n");
  ASSERT_TRUE(redirect.ok());
  EXPECT_EQ(redirect->status, 302);
  auto moved = ParseResponse("Location: /elsewhere\nStatus: 301\n\n");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->status, 301);
  auto status_only = ParseResponse("Status: 204\n\n");
  ASSERT_TRUE(status_only.ok());
  EXPECT_EQ(status_only->status, 204);
  auto garbage = ParseResponse("Status: ok\nContent-Type: text/plain\n\n");
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 502);
}

TEST(ParseResponse, ServerOwnedAndMalformedHeadersAreDropped) {
  auto r = ParseResponse(
      "Content-Type: text/plain\nContent-Length: 999\nTransfer-Encoding: chunked\n"
      "Connection: close\nBad Name: x\nX-Ctl: a\x01z\nX-Ok: fine\n\nbody");
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> names;
  for (const auto& [n, v] : r->headers) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"Content-Type", "X-Ok"}));
}

TEST(ParseResponse, NotACgiResponse) {
  EXPECT_FALSE(ParseResponse("").ok());
  EXPECT_FALSE(ParseResponse("hello world").ok());
  EXPECT_FALSE(ParseResponse("Content-Type: text/plain\n").ok());  // no blank line
  EXPECT_FALSE(ParseResponse("X-Only: 1\n\nbody").ok());         // nothing required
}

}  // namespace
}  // namespace kiln::serve

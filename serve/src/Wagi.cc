#include "kiln/serve/Wagi.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kiln::serve {
namespace {

// This Abseil has its own string_view type.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view S(absl::string_view s) { return std::string_view(s.data(), s.size()); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 9110 token characters: what a header name may be made of.
bool IsTokenChar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

// A header value may hold visible characters, spaces and tabs (and obs-text bytes).
bool IsFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

// "example.com:8080" -> ("example.com", "8080"); "[::1]:80" -> ("[::1]", "80").
std::pair<std::string, std::string> SplitHost(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(']', colon) != std::string_view::npos)
    return {std::string(host), ""};
  return {std::string(host.substr(0, colon)), std::string(host.substr(colon + 1))};
}

}  // namespace

absl::StatusOr<RoutePattern> RoutePattern::Parse(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    return absl::InvalidArgumentError(
        absl::StrCat("route \"", A(pattern), "\" must start with '/'"));
  RoutePattern r;
  r.pattern_ = std::string(pattern);
  absl::string_view prefix = A(pattern);
  if (absl::ConsumeSuffix(&prefix, "/...")) r.wildcard_ = true;
  if (prefix.find("...") != absl::string_view::npos)
    return absl::InvalidArgumentError(absl::StrCat(
        "route \"", A(pattern), "\": \"...\" may only end a route, as \"/...\""));
  if (prefix.find('?') != absl::string_view::npos || prefix.find('#') != absl::string_view::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("route \"", A(pattern), "\" is a path: no '?' or '#'"));
  r.prefix_ = std::string(prefix);
  return r;
}

std::optional<std::string> RoutePattern::Match(std::string_view path) const {
  if (!wildcard_) {
    if (path == prefix_) return std::string();
    return std::nullopt;
  }
  if (!absl::StartsWith(A(path), prefix_)) return std::nullopt;
  std::string_view rest = path.substr(prefix_.size());
  // "/files/..." matches "/files" and "/files/x", not "/filesystem".
  if (!rest.empty() && rest.front() != '/') return std::nullopt;
  return std::string(rest);
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

EnvBlock EnvironmentBlock(const Request& request, const RoutePattern& route,
                          const std::string& path_info, const ServerInfo& server,
                          const std::vector<std::string>& route_env) {
  // The CGI variables, then one HTTP_* per header, then the route's environment where it
  // names neither (CGI variables win over headers, headers over the route; no CGI name
  // starts with HTTP_). Written straight into one block: this runs for every request.
  EnvBlock out;
  std::string& block = out.block;
  block.reserve(1024);
  auto add = [&](std::string_view key, std::string_view value) {
    if (key.find('\0') != std::string_view::npos || value.find('\0') != std::string_view::npos)
      return;  // not a C string
    block.append(key).append(1, '=').append(value).append(1, '\0');
    ++out.count;
  };

  // Headers first into a scratch list: one sent more than once becomes one variable, the
  // values joined (as CGI does).
  struct Header {
    std::string key, value;
  };
  absl::InlinedVector<Header, 16> headers;
  std::string_view host_header, content_type;
  bool have_host = false, have_type = false;
  std::string name_key;
  for (const auto& [name, value] : request.headers) {
    if (!have_host && absl::EqualsIgnoreCase(A(name), "host")) {
      host_header = value;
      have_host = true;
    }
    if (!have_type && absl::EqualsIgnoreCase(A(name), "content-type")) {
      content_type = value;
      have_type = true;
    }
    name_key.assign("HTTP_");
    bool valid = true;
    for (char c : name) {
      const char u = c == '-' ? '_' : absl::ascii_toupper(static_cast<unsigned char>(c));
      valid = valid && (absl::ascii_isupper(static_cast<unsigned char>(u)) ||
                        absl::ascii_isdigit(static_cast<unsigned char>(u)) || u == '_');
      name_key.push_back(u);
    }
    if (!valid || name_key == "HTTP_AUTHORIZATION" || name_key == "HTTP_CONNECTION") continue;
    auto same = std::find_if(headers.begin(), headers.end(),
                             [&](const Header& h) { return h.key == name_key; });
    if (same != headers.end()) {
      same->value.append(", ").append(value);
    } else {
      headers.push_back({name_key, value});
    }
  }

  auto [host, port] = SplitHost(host_header);
  if (host.empty()) host = server.host;
  const std::string server_port = std::to_string(server.port);
  if (port.empty()) port = server_port;
  const std::string decoded = PercentDecode(path_info);
  static constexpr std::string_view kCgiNames[] = {
      "AUTH_TYPE",       "CONTENT_LENGTH", "CONTENT_TYPE",    "GATEWAY_INTERFACE",
      "PATH_INFO",       "PATH_TRANSLATED", "QUERY_STRING",   "REMOTE_ADDR",
      "REMOTE_HOST",     "REMOTE_USER",    "REQUEST_METHOD",  "SCRIPT_NAME",
      "SERVER_NAME",     "SERVER_PORT",    "SERVER_PROTOCOL", "SERVER_SOFTWARE",
      "X_FULL_URL",      "X_MATCHED_ROUTE", "X_RAW_PATH_INFO"};
  add("AUTH_TYPE", "");
  add("CONTENT_LENGTH", absl::StrCat(request.body_size));  // (printf is slow)
  add("CONTENT_TYPE", content_type);
  add("GATEWAY_INTERFACE", "CGI/1.1");
  add("PATH_INFO", decoded);
  add("PATH_TRANSLATED", decoded);
  add("QUERY_STRING", request.query);
  add("REMOTE_ADDR", request.remote_addr);
  add("REMOTE_HOST", request.remote_addr);
  add("REMOTE_USER", "");
  add("REQUEST_METHOD", request.method);
  add("SCRIPT_NAME", route.prefix().empty() ? "/" : route.prefix());
  add("SERVER_NAME", host);
  add("SERVER_PORT", port);
  add("SERVER_PROTOCOL", request.protocol);
  add("SERVER_SOFTWARE", server.software);
  {
    std::string url = absl::StrCat("http://", host, ":", port, request.path);
    if (!request.query.empty()) absl::StrAppend(&url, "?", request.query);
    add("X_FULL_URL", url);
  }
  add("X_MATCHED_ROUTE", route.pattern());
  add("X_RAW_PATH_INFO", path_info);
  for (const Header& h : headers) add(h.key, h.value);

  for (size_t i = 0; i < route_env.size(); ++i) {
    const std::string_view kv = route_env[i];
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view key = kv.substr(0, eq);
    auto named = [&](std::string_view other) { return other == key; };
    if (std::any_of(std::begin(kCgiNames), std::end(kCgiNames), named)) continue;
    if (std::any_of(headers.begin(), headers.end(),
                    [&](const Header& h) { return named(h.key); }))
      continue;
    bool later = false;  // given again later: the later one wins
    for (size_t j = i + 1; j < route_env.size() && !later; ++j)
      later = route_env[j].size() > key.size() && route_env[j].compare(0, key.size(), key) == 0 &&
              route_env[j][key.size()] == '=';
    if (!later) add(key, kv.substr(eq + 1));
  }
  return out;
}

std::vector<std::string> Environment(const Request& request, const RoutePattern& route,
                                     const std::string& path_info, const ServerInfo& server,
                                     const std::vector<std::string>& route_env) {
  const EnvBlock block = EnvironmentBlock(request, route, path_info, server, route_env);
  std::vector<std::string> out;
  out.reserve(block.count);
  for (size_t at = 0; at < block.block.size();) {
    const size_t end = block.block.find('\0', at);
    out.emplace_back(block.block, at, end - at);
    at = end + 1;
  }
  return out;
}

std::vector<std::string> Arguments(const Request& request) {
  std::vector<std::string> args{request.path};
  if (!request.query.empty())
    for (absl::string_view item : absl::StrSplit(request.query, '&'))
      args.emplace_back(item);
  return args;
}

absl::StatusOr<Response> ParseResponse(std::string_view output) {
  // The header block ends at the first empty line.
  Response r;
  bool content_type = false, location = false, status = false, ended = false;
  size_t at = 0;
  while (at < output.size()) {
    size_t nl = output.find('\n', at);
    if (nl == std::string_view::npos)
      return absl::InvalidArgumentError("the handler's output ends inside its header lines");
    std::string_view line = output.substr(at, nl - at);
    at = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      ended = true;
      break;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a header line: ignored, as WAGI does
    std::string_view name = S(absl::StripAsciiWhitespace(A(line.substr(0, colon))));
    std::string_view value = S(absl::StripAsciiWhitespace(A(line.substr(colon + 1))));
    if (!IsToken(name) || !IsFieldValue(value)) continue;
    if (absl::EqualsIgnoreCase(A(name), "status")) {
      status = true;
      std::string_view code = value.substr(0, value.find(' '));
      int n = 0;
      r.status = code.size() == 3 && absl::SimpleAtoi(A(code), &n) && n >= 100 && n <= 999 ? n : 502;
      continue;
    }
    if (absl::EqualsIgnoreCase(A(name), "content-length") ||
        absl::EqualsIgnoreCase(A(name), "transfer-encoding") ||
        absl::EqualsIgnoreCase(A(name), "connection"))
      continue;
    if (absl::EqualsIgnoreCase(A(name), "content-type")) content_type = true;
    if (absl::EqualsIgnoreCase(A(name), "location")) location = true;
    r.headers.emplace_back(std::string(name), std::string(value));
  }
  if (!ended)
    return absl::InvalidArgumentError(
        "the handler's output has no empty line after its header lines");
  if (!content_type && !location && !status)
    return absl::InvalidArgumentError(
        "the handler's output has none of Content-Type, Location and Status");
  if (location && !status) r.status = 302;
  r.body = std::string(output.substr(at));
  return r;
}

}  // namespace kiln::serve

#include "kiln/serve/Config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kiln/serve/Units.h"

// Errors as values: no exceptions cross this file.
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace kiln::serve {
namespace {

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}

  absl::Status Error(const toml::source_region& where, std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ":", where.begin.line, ":",
                                                   where.begin.column, ": ",
                                                   std::string(what)));
  }
  absl::Status Error(const toml::node& node, std::string_view what) const {
    return Error(node.source(), what);
  }

  absl::StatusOr<std::string> String(const toml::node& node, std::string_view key) const {
    if (const auto* s = node.as_string()) return s->get();
    return Error(node, absl::StrCat("'", std::string(key), "' must be a string"));
  }

  absl::StatusOr<std::vector<std::string>> Strings(const toml::node& node,
                                                   std::string_view key) const {
    const toml::array* a = node.as_array();
    if (a == nullptr)
      return Error(node, absl::StrCat("'", std::string(key), "' must be an array of strings"));
    std::vector<std::string> out;
    for (const toml::node& e : *a) {
      absl::StatusOr<std::string> s = String(e, key);
      if (!s.ok()) return s.status();
      out.push_back(*s);
    }
    return out;
  }

  // A table of string values: { KEY = "value", ... } as (key, value) in file order.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> StringTable(
      const toml::node& node, std::string_view key) const {
    const toml::table* t = node.as_table();
    if (t == nullptr)
      return Error(node, absl::StrCat("'", std::string(key),
                                      "' must be a table of strings, e.g. { NAME = \"value\" }"));
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : *t) {
      absl::StatusOr<std::string> s = String(v, k.str());
      if (!s.ok()) return s.status();
      out.emplace_back(std::string(k.str()), *s);
    }
    // In the order written (pre-opens are numbered in that order), not by name.
    auto position = [&](const std::string& name) {
      const toml::source_position p = t->get(name)->source().begin;
      return std::pair(p.line, p.column);
    };
    std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
      return position(a.first) < position(b.first);
    });
    return out;
  }

  absl::StatusOr<uint64_t> Bytes(const toml::node& node, std::string_view key) const {
    if (const auto* i = node.as_integer()) {
      if (i->get() >= 0) return static_cast<uint64_t>(i->get());
    } else if (const auto* s = node.as_string()) {
      if (std::optional<uint64_t> b = ParseBytes(s->get())) return *b;
    }
    return Error(node, absl::StrCat("'", std::string(key),
                                    "' must be a size: bytes, or a string such as \"64K\", "
                                    "\"16M\", \"1G\""));
  }

  absl::StatusOr<Limits> ReadLimits(const toml::node& node, std::string_view where) const {
    const toml::table* t = node.as_table();
    if (t == nullptr) return Error(node, absl::StrCat("'", std::string(where), "' must be a table"));
    Limits l;
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "timeout") {
        const auto* s = v.as_string();
        std::optional<std::chrono::nanoseconds> d;
        if (s != nullptr) d = ParseDuration(s->get());
        if (!d) return Error(v, "'timeout' must be a duration such as \"500ms\", \"2s\", \"1m\"");
        l.timeout = *d;
        continue;
      }
      if (key == "fuel") {
        const auto* i = v.as_integer();
        if (i == nullptr || i->get() <= 0)
          return Error(v, "'fuel' must be a positive number of instructions");
        l.fuel = static_cast<uint64_t>(i->get());
        continue;
      }
      std::optional<uint64_t>* slot = key == "max_memory"     ? &l.max_memory_bytes
                                      : key == "max_body"     ? &l.max_body_bytes
                                      : key == "max_response" ? &l.max_response_bytes
                                      : key == "max_stack"    ? &l.max_stack_bytes
                                                              : nullptr;
      if (slot == nullptr)
        return Error(k.source(), absl::StrCat("unknown limit '", key, "' in ", std::string(where),
                                              " (timeout, max_memory, max_body, max_response, "
                                              "fuel, max_stack)"));
      absl::StatusOr<uint64_t> b = Bytes(v, key);
      if (!b.ok()) return b.status();
      *slot = *b;
    }
    return l;
  }

  // A path from the file, relative to the file's directory.
  std::string Resolve(const std::string& p) const {
    std::filesystem::path fp(p);
    if (fp.is_absolute()) return p;
    return (std::filesystem::path(path_).parent_path() / fp).lexically_normal().string();
  }

  absl::StatusOr<RouteConfig> ReadRoute(const toml::node& node, const Limits& base,
                                        bool wagi) const {
    const toml::table* t = node.as_table();
    if (t == nullptr) return Error(node, "a route must be a table");
    RouteConfig r;
    r.line = static_cast<int>(node.source().begin.line);
    Limits own;
    bool have_path = false, have_artifact = false;
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      absl::Status s;
      if (key == "path" || key == "route") {
        absl::StatusOr<std::string> p = String(v, key);
        if (!p.ok()) return p.status();
        absl::StatusOr<RoutePattern> pattern = RoutePattern::Parse(*p);
        if (!pattern.ok()) return Error(v, std::string(pattern.status().message()));
        r.pattern = *pattern;
        have_path = true;
      } else if (key == "artifact" || key == "module") {
        absl::StatusOr<std::string> p = String(v, key);
        if (!p.ok()) return p.status();
        r.artifact = Resolve(*p);
        have_artifact = true;
      } else if (key == "entrypoint") {
        absl::StatusOr<std::string> p = String(v, key);
        if (!p.ok()) return p.status();
        r.entrypoint = *p;
      } else if (key == "env" || key == "environment") {
        auto kv = StringTable(v, key);
        if (!kv.ok()) return kv.status();
        for (const auto& [name, value] : *kv) {
          if (name.empty() || name.find('=') != std::string::npos)
            return Error(v, absl::StrCat("environment variable name '", name, "' is not valid"));
          r.env.push_back(absl::StrCat(name, "=", value));
        }
      } else if (key == "dirs" || key == "volumes" || key == "ro_dirs") {
        auto kv = StringTable(v, key);
        if (!kv.ok()) return kv.status();
        for (auto& [guest, host] : *kv)
          (key == "ro_dirs" ? r.ro_dirs : r.dirs).emplace_back(guest, Resolve(host));
      } else if (key == "allow_imports" || key == "deny_imports") {
        auto list = Strings(v, key);
        if (!list.ok()) return list.status();
        (key == "allow_imports" ? r.allow_imports : r.deny_imports) = *list;
      } else if (key == "require_signature") {
        absl::StatusOr<std::string> p = String(v, key);
        if (!p.ok()) return p.status();
        r.require_signature = Resolve(*p);
      } else if (key == "limits") {
        absl::StatusOr<Limits> l = ReadLimits(v, "the route's limits");
        if (!l.ok()) return l.status();
        own = *l;
      } else if (wagi && (key == "allowed_hosts" || key == "http_max_concurrency")) {
        return Error(k.source(), absl::StrCat("'", key, "': kiln serve gives handlers no "
                                              "outgoing network access"));
      } else {
        return Error(k.source(), absl::StrCat("unknown key '", key, "' in a route"));
      }
    }
    if (!have_path) return Error(node, "a route needs a 'path' (e.g. \"/hello\" or \"/api/...\")");
    if (!have_artifact) return Error(node, "a route needs an 'artifact' (a .so made by kilnc)");
    r.limits = base.With(own);
    return r;
  }

 private:
  std::string path_;
};

}  // namespace

Limits Limits::With(const Limits& over) const {
  Limits out = *this;
  if (over.timeout) out.timeout = over.timeout;
  if (over.max_memory_bytes) out.max_memory_bytes = over.max_memory_bytes;
  if (over.max_body_bytes) out.max_body_bytes = over.max_body_bytes;
  if (over.max_response_bytes) out.max_response_bytes = over.max_response_bytes;
  if (over.fuel) out.fuel = over.fuel;
  if (over.max_stack_bytes) out.max_stack_bytes = over.max_stack_bytes;
  return out;
}

Limits DefaultLimits() {
  Limits l;
  l.timeout = std::chrono::seconds(10);
  l.max_memory_bytes = uint64_t{256} << 20;
  l.max_body_bytes = uint64_t{1} << 20;
  l.max_response_bytes = uint64_t{16} << 20;
  return l;
}

const RouteConfig* ServeConfig::Match(std::string_view path, std::string* path_info) const {
  const RouteConfig* best = nullptr;
  for (const RouteConfig& r : routes) {
    std::optional<std::string> rest = r.pattern.Match(path);
    if (!rest) continue;
    if (!r.pattern.wildcard()) {
      *path_info = *rest;
      return &r;
    }
    if (best == nullptr || r.pattern.prefix().size() > best->pattern.prefix().size()) {
      best = &r;
      *path_info = *rest;
    }
  }
  return best;
}

absl::StatusOr<ServeConfig> ParseConfig(std::string_view text, const std::string& path) {
  toml::parse_result parsed = toml::parse(text, path);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.source().begin.line, ":",
                                                   e.source().begin.column, ": ",
                                                   std::string(e.description())));
  }
  const toml::table& top = parsed.table();
  Reader reader(path);
  ServeConfig config;
  Limits base = DefaultLimits();
  if (const toml::node* l = top.get("limits")) {
    absl::StatusOr<Limits> limits = reader.ReadLimits(*l, "[limits]");
    if (!limits.ok()) return limits.status();
    base = base.With(*limits);
  }
  for (const auto& [k, v] : top) {
    const std::string key(k.str());
    if (key == "limits") continue;
    if (key == "listen" || key == "metrics" || key == "access_log") {
      absl::StatusOr<std::string> s = reader.String(v, key);
      if (!s.ok()) return s.status();
      (key == "listen" ? config.listen : key == "metrics" ? config.metrics : config.access_log) = *s;
    } else if (key == "isolate") {
      const auto* b = v.as_boolean();
      if (b == nullptr) return reader.Error(v, "'isolate' is true or false");
      config.isolate = b->get();
    } else if (key == "workers") {
      const auto* i = v.as_integer();
      if (i == nullptr || i->get() < 1 || i->get() > 1024)
        return reader.Error(v, "'workers' must be a number from 1 to 1024");
      config.workers = static_cast<unsigned>(i->get());
    } else if (key == "route" || key == "module") {
      const toml::array* routes = v.as_array();
      if (routes == nullptr)
        return reader.Error(v, absl::StrCat("routes are [[", key, "]] tables"));
      for (const toml::node& r : *routes) {
        absl::StatusOr<RouteConfig> route = reader.ReadRoute(r, base, key == "module");
        if (!route.ok()) return route.status();
        for (const RouteConfig& other : config.routes)
          if (other.pattern.pattern() == route->pattern.pattern())
            return reader.Error(r, absl::StrCat("route \"", route->pattern.pattern(),
                                                "\" is already defined on line ", other.line));
        config.routes.push_back(std::move(*route));
      }
    } else {
      return reader.Error(k.source(),
                          absl::StrCat("unknown key '", key, "' (listen, workers, metrics, "
                                       "access_log, isolate, [limits], [[route]])"));
    }
  }
  if (config.routes.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": no [[route]]: nothing to serve"));
  return config;
}

absl::StatusOr<ServeConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the config file"));
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return ParseConfig(text.str(), path);
}

}  // namespace kiln::serve

// Self-restriction. Capabilities are a mask in WasiContext checked where the calls they
// govern start (EffectiveRights for descriptors; the clock, random and environ handlers).
// Narrowing turns each pre-open into a set of views: directories below it, opened when
// narrowing and kept as descriptors, so a path through the pre-open resolves beneath the
// view it names and can never climb out of it (the same beneath-resolution as any path,
// see PathResolver.h). Perms and capabilities only ever shrink: a new view is resolved
// through the current ones and gets at most their perms.
#include "Sandbox.h"

#include <fcntl.h>

#include <string_view>

#include "Errno.h"
#include "PathResolver.h"
#include "WasiAbi.h"
#include "absl/strings/str_cat.h"

namespace kiln::wasi {
namespace {

using Descriptor = WasiContext::Descriptor;

// The components of a path, skipping empty ones and "."; false if one is "..".
bool Components(std::string_view path, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view part = path.substr(i, j - i);
    if (part == "..") return false;
    if (!part.empty() && part != ".") out->emplace_back(part);
    i = j + 1;
  }
  return true;
}

bool IsPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& of) {
  if (prefix.size() > of.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != of[i]) return false;
  }
  return true;
}

// The view of narrowed pre-open `d` that holds the path with leading components `comps`
// (the most specific), or nullptr.
const WasiContext::View* FindView(const Descriptor& d, const std::vector<std::string>& comps) {
  const WasiContext::View* best = nullptr;
  for (const WasiContext::View& v : d.views) {
    if (IsPrefix(v.components(), comps) &&
        (best == nullptr || v.components().size() > best->components().size())) {
      best = &v;
    }
  }
  return best;
}

}  // namespace

uint32_t MapPath(const Descriptor& d, const std::string& path, int* host_fd, std::string* rest,
                 uint32_t* perms) {
  if (!d.narrowed) {
    *host_fd = d.host_fd;
    *perms = d.fs_perms;
    if (rest != &path) *rest = path;
    return kSuccess;
  }
  if (!path.empty() && path[0] == '/') return kNotcapable;  // absolute: never beneath
  // The leading components up to the first "..": a view is matched on those only, and the
  // rest (".." included) is resolved beneath the view, which it cannot climb out of.
  std::vector<std::string> comps;
  std::vector<size_t> ends;  // where each of `comps` ends in `path`
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    const std::string_view part = std::string_view(path).substr(i, j - i);
    if (part == "..") break;
    if (!part.empty() && part != ".") {
      comps.emplace_back(part);
      ends.push_back(j);
    }
    i = j + 1;
  }
  const WasiContext::View* view = FindView(d, comps);
  if (view == nullptr) return kNotcapable;
  *host_fd = view->host_fd();
  *perms = view->perms();
  const size_t k = view->components().size();
  if (k == 0) {
    if (rest != &path) *rest = path;
    return kSuccess;
  }
  size_t from = ends[k - 1];
  while (from < path.size() && path[from] == '/') ++from;
  std::string tail = path.substr(from);
  *rest = tail.empty() ? "." : std::move(tail);
  return kSuccess;
}

uint32_t Narrow(WasiContext& ctx, const std::vector<PathGrant>& grants, std::string* detail) {
  struct NewView {
    uint32_t preopen;
    std::vector<std::string> components;
    FdRef fd;
    uint32_t perms;
  };
  std::vector<NewView> made;
  // The pre-opened directories, by guest descriptor.
  std::vector<uint32_t> preopens;
  for (uint32_t fd = 0; fd < ctx.table_size(); ++fd) {
    const Descriptor* d = ctx.Get(fd);
    if (d != nullptr && d->is_preopen && d->kind == Descriptor::Kind::kFileSystem) {
      preopens.push_back(fd);
    }
  }
  const PathResolver resolver(ctx.config().use_openat2);
  for (const PathGrant& g : grants) {
    if ((g.perms & ~kCapFs) != 0) {
      *detail = absl::StrCat("\"", g.path, "\": perms ", g.perms,
                             " are not file-system ones (read 1, write 2, create 4)");
      return kInval;
    }
    std::vector<std::string> comps;
    if (g.path.empty() || !Components(g.path, &comps)) {
      *detail = absl::StrCat("\"", g.path, "\": name a directory without \"..\"");
      return kInval;
    }
    // The pre-open whose name is the longest prefix ("/" and "." are the empty prefix).
    const Descriptor* pre = nullptr;
    uint32_t pre_fd = 0;
    size_t pre_len = 0;
    for (uint32_t fd : preopens) {
      const Descriptor* d = ctx.Get(fd);
      std::vector<std::string> name;
      if (!Components(d->preopen_name, &name) || !IsPrefix(name, comps)) continue;
      if (pre == nullptr || name.size() > pre_len) {
        pre = d;
        pre_fd = fd;
        pre_len = name.size();
      }
    }
    if (pre == nullptr) {
      *detail = absl::StrCat("\"", g.path, "\" is under no pre-opened directory");
      return kNotcapable;
    }
    std::vector<std::string> rel(comps.begin() + static_cast<ptrdiff_t>(pre_len), comps.end());
    // Resolve through what is visible now.
    int base_fd = pre->host_fd;
    uint32_t base_perms = pre->fs_perms;
    std::vector<std::string> below = rel;
    if (pre->narrowed) {
      const WasiContext::View* v = FindView(*pre, rel);
      if (v == nullptr) {
        *detail = absl::StrCat("\"", g.path, "\" is outside what is still visible");
        return kNotcapable;
      }
      base_fd = v->host_fd();
      base_perms = v->perms();
      below.erase(below.begin(), below.begin() + static_cast<ptrdiff_t>(v->components().size()));
    }
    std::string sub = ".";
    for (const std::string& c : below) absl::StrAppend(&sub, "/", c);
    uint32_t err = kSuccess;
    const int fd = resolver.Open(base_fd, sub, O_PATH | O_DIRECTORY, 0, true, &err);
    if (fd < 0) {
      *detail = absl::StrCat("\"", g.path, "\" cannot be opened as a directory (WASI errno ",
                             err, ")");
      return err;
    }
    made.push_back({pre_fd, std::move(rel), FdRef(fd, true), g.perms & base_perms});
  }
  // Commit: every pre-open becomes exactly the views made for it (possibly none).
  for (uint32_t fd : preopens) {
    Descriptor* d = ctx.Get(fd);
    std::vector<WasiContext::View> views;
    for (NewView& n : made) {
      if (n.preopen != fd) continue;
      bool merged = false;
      for (WasiContext::View& v : views) {
        if (v.components() == n.components) {
          v.AddPerms(n.perms);
          merged = true;
        }
      }
      if (!merged) views.emplace_back(std::move(n.components), n.fd.Release(), n.perms);
    }
    d->views.clear();
    d->views = std::move(views);
    d->narrowed = true;
    d->fs_perms = 0;
  }
  // Directories opened earlier may lie outside the views: they can do nothing more. Files
  // already open stay usable (as far as the capabilities allow).
  for (uint32_t fd = 0; fd < ctx.table_size(); ++fd) {
    Descriptor* d = ctx.Get(fd);
    if (d == nullptr) continue;
    if (d->kind == Descriptor::Kind::kFileSystem && !d->is_preopen &&
        d->filetype == abi::kFiletypeDirectory) {
      d->fs_perms = 0;
    }
  }
  return kSuccess;
}

namespace {

uint32_t Drop(WasiCall& c) {
  const uint32_t caps = Arg32(c, 0);
  if ((caps & ~kCapAll) != 0) return kInval;
  c.ctx.DropCapabilities(caps);
  return kSuccess;
}

uint32_t Capabilities(WasiCall& c) { return c.ctx.capabilities(); }

// narrow(grants, count): grants is an array of {path: u32 pointer, path_len: u32, perms: u32}.
uint32_t NarrowGuest(WasiCall& c) {
  const uint32_t ptr = Arg32(c, 0), count = Arg32(c, 1);
  if (count > 1024) return kInval;
  if (c.memory.At(ptr, uint64_t{12} * count) == nullptr) return kFault;
  std::vector<PathGrant> grants(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t path = 0, len = 0;
    c.memory.Load(ptr + 12ull * i, &path);
    c.memory.Load(ptr + 12ull * i + 4, &len);
    c.memory.Load(ptr + 12ull * i + 8, &grants[i].perms);
    if (uint32_t e = ReadPath(c, path, len, &grants[i].path)) return e;
  }
  std::string detail;
  return Narrow(c.ctx, grants, &detail);
}

constexpr uint8_t I32 = KILN_I32;

}  // namespace

std::span<const WasiFunctionSpec> SandboxFunctionTable() {
  static const WasiFunctionSpec kTable[] = {
      {"drop", {{I32}, {I32}}, Drop},
      {"capabilities", {{}, {I32}}, Capabilities},
      {"narrow", {{I32, I32}, {I32}}, NarrowGuest},
  };
  return kTable;
}

absl::Status WasiContext::NarrowPreopens(const std::vector<PathGrant>& grants) {
  std::string detail;
  const uint32_t err = Narrow(*this, grants, &detail);
  if (err == kSuccess) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("cannot narrow the pre-opens: ", detail));
}

}  // namespace kiln::wasi

// Path resolution that cannot leave a directory. Every WASI path operation names a path
// relative to a directory descriptor the guest holds (ultimately a pre-open); the path must
// not reach anything outside that directory: not through "..", not as an absolute path,
// not through a symlink pointing out (relative or absolute), and not by swapping a
// component for a symlink between a check and its use.
//
// On kernels with openat2 (Linux 5.6+) the kernel enforces this (RESOLVE_BENEATH, no magic
// links). Elsewhere, kiln walks the path one component at a time from the directory with
// O_PATH | O_NOFOLLOW descriptors, expands symlinks itself (at most 40), and keeps the
// stack of directories it came through so ".." can never pop past the start. Both end with
// a descriptor, so nothing is looked up twice by name.
//
// Operations on a last component (mkdir, unlink, rename, link, symlink, readlink,
// utimens without following) use Parent(): the directory holding it is resolved as above
// and the operation runs on that descriptor with the bare name and without following a
// final symlink.
#ifndef KILN_WASI_PATH_RESOLVER_H
#define KILN_WASI_PATH_RESOLVER_H

#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace kiln::wasi {

// A host descriptor that may or may not be ours to close.
class FdRef {
 public:
  FdRef() = default;
  FdRef(int fd, bool owned) : fd_(fd), owned_(owned) {}
  FdRef(FdRef&& o) noexcept : fd_(o.fd_), owned_(o.owned_) { o.fd_ = -1; }
  FdRef& operator=(FdRef&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.fd_;
      owned_ = o.owned_;
      o.fd_ = -1;
    }
    return *this;
  }
  FdRef(const FdRef&) = delete;
  FdRef& operator=(const FdRef&) = delete;
  ~FdRef() { Reset(); }
  int get() const { return fd_; }
  // Hands the descriptor over (the caller closes it).
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  void Reset() {
    if (owned_ && fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
  bool owned_ = false;
};

class PathResolver {
 public:
  explicit PathResolver(bool use_openat2) : use_openat2_(use_openat2) {}

  // open(2) of `path` beneath `dirfd` with `flags` (O_CLOEXEC is added; O_PATH allowed).
  // `follow_final`: a symlink as the last component is followed (inside the directory).
  // Returns the new descriptor, or -1 with *err set to a WASI errno (ENOTCAPABLE when the
  // path would leave the directory).
  int Open(int dirfd, std::string_view path, int flags, mode_t mode, bool follow_final,
           uint32_t* err) const;

  // The directory that holds the last component of `path`, and that component. A path
  // whose last component is "." or ".." (or that is only slashes/dots) resolves to the
  // directory it names, with *name == ".". Trailing slashes are dropped and reported.
  uint32_t Parent(int dirfd, std::string_view path, FdRef* parent, std::string* name,
                  bool* trailing_slash = nullptr) const;

  // Like Parent, but when the last component is a symlink it is followed (inside the
  // directory, at most 40 times) until it names something that is not a symlink.
  uint32_t ParentFollowing(int dirfd, std::string_view path, FdRef* parent,
                           std::string* name) const;

 private:
  int Walk(int dirfd, std::string_view path, int flags, mode_t mode, bool follow_final,
           uint32_t* err) const;
  bool use_openat2_;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_PATH_RESOLVER_H

#include "PathResolver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

#include "Errno.h"

namespace kiln::wasi {
namespace {

constexpr int kMaxSymlinks = 40;

std::atomic<bool> g_openat2_missing{false};

// Splits a relative path into components, dropping empty ones (repeated slashes).
void Split(std::string_view path, std::deque<std::string>* out, bool front) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (front) {
    out->insert(out->begin(), parts.begin(), parts.end());
  } else {
    out->insert(out->end(), parts.begin(), parts.end());
  }
}

// The target of the symlink open as O_PATH descriptor `fd`.
bool ReadLink(int fd, std::string* target) {
  char buf[4096];
  const ssize_t n = readlinkat(fd, "", buf, sizeof buf);
  if (n < 0 || n >= static_cast<ssize_t>(sizeof buf)) return false;
  target->assign(buf, static_cast<size_t>(n));
  return true;
}

}  // namespace

int PathResolver::Open(int dirfd, std::string_view path, int flags, mode_t mode,
                       bool follow_final, uint32_t* err) const {
  if (path.empty()) {
    *err = kNoent;
    return -1;
  }
  if (path.find('\0') != std::string_view::npos) {
    *err = kInval;
    return -1;
  }
  if (path.front() == '/') {
    *err = kNotcapable;
    return -1;
  }
  if (use_openat2_ && !g_openat2_missing.load(std::memory_order_relaxed)) {
    const std::string p(path);
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | (follow_final ? 0 : O_NOFOLLOW));
    how.mode = (flags & O_CREAT) != 0 ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 16; ++attempt) {
      const long fd = syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
      if (fd >= 0) return static_cast<int>(fd);
      const int e = errno;
      if (e == EINTR || e == EAGAIN) continue;  // EAGAIN: a rename raced the lookup
      if (e == ENOSYS) {  // kernel before 5.6: walk instead
        g_openat2_missing.store(true, std::memory_order_relaxed);
        break;
      }
      *err = e == EXDEV ? kNotcapable : FromHostErrno(e);
      return -1;
    }
    if (!g_openat2_missing.load(std::memory_order_relaxed)) {
      *err = kAgain;
      return -1;
    }
  }
  return Walk(dirfd, path, flags, mode, follow_final, err);
}

int PathResolver::Walk(int dirfd, std::string_view path, int flags, mode_t mode,
                       bool follow_final, uint32_t* err) const {
  std::vector<int> stack;  // directories descended into (owned); the start is dirfd
  struct Cleanup {
    std::vector<int>* s;
    ~Cleanup() {
      for (int fd : *s) close(fd);
    }
  } cleanup{&stack};
  auto current = [&] { return stack.empty() ? dirfd : stack.back(); };
  auto fail = [&](uint32_t e) {
    *err = e;
    return -1;
  };

  std::deque<std::string> todo;
  Split(path, &todo, false);
  const bool trailing_slash = !path.empty() && path.back() == '/';
  if (trailing_slash) {
    follow_final = true;  // "name/" names what a symlink "name" points to, as for the kernel
    flags |= (flags & O_CREAT) != 0 ? 0 : O_DIRECTORY;
  }
  int links = 0;
  while (!todo.empty()) {
    const std::string comp = std::move(todo.front());
    todo.pop_front();
    const bool last = todo.empty();
    if (comp == ".") continue;
    if (comp == "..") {
      if (stack.empty()) return fail(kNotcapable);
      close(stack.back());
      stack.pop_back();
      continue;
    }
    // O_CREAT creates only regular files, which "name/" cannot name: EISDIR once the
    // directory holding it is reached, whatever is there (as the kernel answers).
    if (last && trailing_slash && (flags & O_CREAT) != 0) return fail(kIsdir);
    if (!last || follow_final) {
      const int fd = openat(current(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        if (last && errno == ENOENT && (flags & O_CREAT) != 0) {
          // Created below, without following anything.
        } else {
          return fail(FromHostErrno(errno));
        }
      } else {
        struct stat st;
        if (fstat(fd, &st) != 0) {
          const int e = errno;
          close(fd);
          return fail(FromHostErrno(e));
        }
        if (S_ISLNK(st.st_mode)) {
          std::string target;
          const bool ok = ReadLink(fd, &target);
          close(fd);
          if (!ok) return fail(kIo);
          if (++links > kMaxSymlinks) return fail(kLoop);
          if (target.empty()) return fail(kNoent);
          if (target.front() == '/') return fail(kNotcapable);
          Split(target, &todo, true);
          continue;
        }
        if (!last) {
          if (!S_ISDIR(st.st_mode)) {
            close(fd);
            return fail(kNotdir);
          }
          stack.push_back(fd);
          continue;
        }
        close(fd);
      }
    }
    // The last component, not a symlink to follow: open it without following anything.
    const int fd = openat(current(), comp.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return fail(FromHostErrno(errno));
    return fd;
  }
  // The path named a directory we are in ("", ".", "a/..").
  const int fd = openat(current(), ".", flags | O_CLOEXEC, mode);
  if (fd < 0) return fail(FromHostErrno(errno));
  return fd;
}

uint32_t PathResolver::Parent(int dirfd, std::string_view path, FdRef* parent,
                              std::string* name, bool* trailing_slash) const {
  if (path.empty()) return kNoent;
  if (path.find('\0') != std::string_view::npos) return kInval;
  if (path.front() == '/') return kNotcapable;
  bool trailing = false;
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    trailing = true;
  }
  if (trailing_slash != nullptr) *trailing_slash = trailing;
  const size_t slash = path.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  uint32_t err = kSuccess;
  if (last == "." || last == "..") {
    const int fd = Open(dirfd, path, O_PATH | O_DIRECTORY, 0, true, &err);
    if (fd < 0) return err;
    *parent = FdRef(fd, true);
    *name = ".";
    return kSuccess;
  }
  if (slash == std::string_view::npos) {
    *parent = FdRef(dirfd, false);
    *name = std::string(last);
    return kSuccess;
  }
  const int fd = Open(dirfd, path.substr(0, slash + 1), O_PATH | O_DIRECTORY, 0, true, &err);
  if (fd < 0) return err;
  *parent = FdRef(fd, true);
  *name = std::string(last);
  return kSuccess;
}

uint32_t PathResolver::ParentFollowing(int dirfd, std::string_view path, FdRef* parent,
                                       std::string* name) const {
  std::string cur(path);
  for (int i = 0; i <= kMaxSymlinks; ++i) {
    FdRef p;
    std::string n;
    if (uint32_t e = Parent(dirfd, cur, &p, &n)) return e;
    char buf[4096];
    const ssize_t len =
        n == "." ? -1 : readlinkat(p.get(), n.c_str(), buf, sizeof buf);
    if (len < 0 || len >= static_cast<ssize_t>(sizeof buf)) {  // not a symlink (or missing)
      *parent = std::move(p);
      *name = std::move(n);
      return kSuccess;
    }
    const std::string target(buf, static_cast<size_t>(len));
    if (target.empty()) return kNoent;
    if (target.front() == '/') return kNotcapable;
    while (cur.size() > 1 && cur.back() == '/') cur.pop_back();
    const size_t slash = cur.rfind('/');
    cur = (slash == std::string::npos ? std::string() : cur.substr(0, slash + 1)) + target;
  }
  return kLoop;
}

}  // namespace kiln::wasi

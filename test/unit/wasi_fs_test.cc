// WASI file-system capabilities, called the way a guest would (guest pointers into a real
// instance's memory): what a pre-open lets through, every escape attempt refused, with the
// openat2 resolver and with the component walk used on kernels without openat2; read-only
// pre-opens; readdir pagination with cookies; wild pointers into every function; the
// terminal filter.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "kiln/wasi/TerminalFilter.h"
#include "kiln/wasi/WasiModule.h"
#include "loader_test_util.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using testing::I32;
using testing::LoadOrDie;

constexpr uint32_t kSuccess = 0, kBadf = 8, kExist = 20, kFault = 21, kInval = 28,
                   kIsdir = 31, kLoop = 32, kNoent = 44, kNotdir = 54, kPerm = 63, kRofs = 69,
                   kNotcapable = 76;
// Rights (wasi_snapshot_preview1).
constexpr uint64_t kFdDatasync = 1 << 0, kFdRead = 1 << 1, kFdSeek = 1 << 2,
                   kFdFdstatSetFlags = 1 << 3, kFdSync = 1 << 4, kFdTell = 1 << 5,
                   kFdWrite = 1 << 6, kFdAllocate = 1 << 8, kFdReaddir = 1 << 14,
                   kPathFilestatGet = 1 << 18, kFdFilestatGet = 1 << 21,
                   kFdFilestatSetSize = 1 << 22, kAllRights = (1ull << 30) - 1;
// Everything but the rights to write: what a directory may be opened with.
constexpr uint64_t kDirRights = kAllRights & ~(kFdWrite | kFdAllocate | kFdFilestatSetSize);
constexpr uint32_t kOflagCreat = 1, kOflagDirectory = 2, kOflagExcl = 4;
constexpr uint32_t kFdflagAppend = 1, kFdflagDsync = 2, kFdflagRsync = 8, kFdflagSync = 16;
constexpr uint32_t kFollow = 1;

kiln_val I64(uint64_t v) {
  kiln_val x{};
  x.i64 = v;
  return x;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A scratch tree: root/secret.txt outside, root/box pre-opened (read-write) as fd 3,
// root/ro pre-opened read-only as fd 4.
class WasiFsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-wasi-fs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    box_ = root_ / "box";
    fs::create_directories(box_ / "a" / "b");
    fs::create_directories(root_ / "ro" / "sub");
    fs::create_directories(root_ / "outside_dir");
    std::ofstream(root_ / "secret.txt") << "secret";
    std::ofstream(box_ / "inside.txt") << "inside";
    std::ofstream(root_ / "ro" / "data.txt") << "read me";
    fs::create_symlink("../secret.txt", box_ / "rel_out");
    fs::create_symlink((root_ / "secret.txt").string(), box_ / "abs_out");
    fs::create_symlink("..", box_ / "up");
    fs::create_symlink("/etc", box_ / "etc");
    fs::create_symlink("inside.txt", box_ / "link_in");
    fs::create_symlink("../../inside.txt", box_ / "a" / "b" / "link_up_in");
    fs::create_symlink("../../../secret.txt", box_ / "a" / "b" / "link_up_out");
    fs::create_symlink("loop2", box_ / "loop1");
    fs::create_symlink("loop1", box_ / "loop2");

    ASSERT_EQ(pipe(out_), 0);
    wasi::WasiConfig config;
    config.args = {"prog"};
    config.env = {"A=b"};
    config.stdout_host_fd = out_[1];
    config.use_openat2 = GetParam();
    auto ctx = std::make_shared<wasi::WasiContext>(config);
    ASSERT_TRUE(ctx->PreopenDirectory(box_.string(), "/box").ok());
    ASSERT_TRUE(ctx->PreopenDirectory((root_ / "ro").string(), "/ro", /*read_only=*/true).ok());
    wasi_ = std::make_shared<wasi::WasiModule>(ctx);
    ImportMap imports;
    imports.Add("env", "host_add",
                Extern::Func(HostFunction::Create({{KILN_I32, KILN_I32}, {KILN_I32}},
                                                  [](HostCall&) {})));
    auto inst = Instance::Instantiate(LoadOrDie("fake.so"), imports.AsResolver());
    ASSERT_TRUE(inst.ok()) << inst.status();
    instance_ = *inst;
    memory_ = instance_->GetExport("memory")->memory->base();
  }
  void TearDown() override {
    instance_.reset();
    wasi_.reset();
    close(out_[0]);
    close(out_[1]);
    fs::remove_all(root_);
  }

  uint32_t Call(const std::string& name, std::vector<kiln_val> args) {
    ImportRequest req;
    req.module = wasi::kModuleName;
    req.name = name;
    req.kind = ExternKind::kFunc;
    FuncType any;
    req.func_type = &any;
    std::optional<Extern> e = wasi_->Resolve(req);
    EXPECT_TRUE(e.has_value()) << name;
    if (!e.has_value()) return 0xFFFF;
    args.resize(std::max<size_t>(args.size(), 1));
    HostCall call;
    call.caller = instance_.get();
    call.type = &e->host_function->type();
    call.values = args.data();
    e->host_function->Invoke(call);
    return args[0].i32;
  }

  // Puts `s` at guest address `at`; returns {ptr, len} arguments.
  std::pair<kiln_val, kiln_val> Str(uint32_t at, const std::string& s) {
    std::memcpy(memory_ + at, s.data(), s.size());
    return {I32(static_cast<int32_t>(at)), I32(static_cast<int32_t>(s.size()))};
  }
  uint32_t U32(uint32_t at) {
    uint32_t v;
    std::memcpy(&v, memory_ + at, 4);
    return v;
  }

  // path_open(dirfd, lookup, path, oflags, base, inheriting, 0) -> errno; fd at guest 60000.
  uint32_t Open(uint32_t dirfd, const std::string& path, uint32_t oflags = 0,
                uint64_t rights = kFdRead | kFdFilestatGet, uint32_t lookup = kFollow) {
    auto [p, l] = Str(1000, path);
    std::memset(memory_ + 60000, 0xEE, 4);
    return Call("path_open", {I32(dirfd), I32(lookup), p, l, I32(oflags), I64(rights),
                              I64(rights), I32(0), I32(60000)});
  }
  // path_open with every argument given: base and inheriting rights apart, and fdflags.
  uint32_t OpenWith(uint32_t dirfd, const std::string& path, uint32_t oflags, uint64_t base,
                    uint64_t inheriting, uint32_t fdflags, uint32_t lookup = 0) {
    auto [p, l] = Str(1000, path);
    std::memset(memory_ + 60000, 0xEE, 4);
    return Call("path_open", {I32(dirfd), I32(lookup), p, l, I32(oflags), I64(base),
                              I64(inheriting), I32(fdflags), I32(60000)});
  }
  // fd_fdstat_get of `fd`.
  struct Fdstat {
    uint32_t err;
    uint8_t filetype;
    uint16_t flags;
    uint64_t base, inheriting;
  };
  Fdstat GetFdstat(uint32_t fd) {
    Fdstat st{};
    st.err = Call("fd_fdstat_get", {I32(fd), I32(40000)});
    st.filetype = memory_[40000];
    std::memcpy(&st.flags, memory_ + 40002, 2);
    std::memcpy(&st.base, memory_ + 40008, 8);
    std::memcpy(&st.inheriting, memory_ + 40016, 8);
    return st;
  }
  // A path_* call taking (fd, path) and nothing else, on fd 3.
  uint32_t OnPath(const char* fn, const std::string& path) {
    auto [p, l] = Str(1000, path);
    return Call(fn, {I32(3), p, l});
  }
  // A path_* call taking two paths in fd 3: path_rename, path_link (not following).
  uint32_t OnPaths(const char* fn, const std::string& from, const std::string& to) {
    auto [p1, l1] = Str(1000, from);
    auto [p2, l2] = Str(1100, to);
    if (std::string(fn) == "path_link") return Call(fn, {I32(3), I32(0), p1, l1, I32(3), p2, l2});
    return Call(fn, {I32(3), p1, l1, I32(3), p2, l2});
  }
  uint32_t Symlink(const std::string& target, const std::string& path) {
    auto [t, tl] = Str(1200, target);
    auto [p, l] = Str(1000, path);
    return Call("path_symlink", {t, tl, I32(3), p, l});
  }
  uint32_t Readlink(const std::string& path) {
    auto [p, l] = Str(1000, path);
    return Call("path_readlink", {I32(3), p, l, I32(2000), I32(64), I32(2100)});
  }
  uint32_t Stat(uint32_t dirfd, const std::string& path, uint32_t lookup = kFollow) {
    auto [p, l] = Str(1000, path);
    return Call("path_filestat_get", {I32(dirfd), I32(lookup), p, l, I32(50000)});
  }
  // Reads all of guest fd `fd` (up to 1 KiB).
  std::string ReadFd(uint32_t fd) {
    const uint32_t iov[2] = {20000, 1024};
    std::memcpy(memory_ + 100, iov, 8);
    if (Call("fd_read", {I32(fd), I32(100), I32(1), I32(108)}) != kSuccess) return "<error>";
    return std::string(reinterpret_cast<char*>(memory_ + 20000), U32(108));
  }

  fs::path root_, box_;
  int out_[2] = {-1, -1};
  std::shared_ptr<wasi::WasiModule> wasi_;
  std::shared_ptr<Instance> instance_;
  uint8_t* memory_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Resolvers, WasiFsTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "openat2" : "walk"; });

TEST_P(WasiFsTest, PreopensAreDescribed) {
  EXPECT_EQ(Call("fd_prestat_get", {I32(3), I32(100)}), kSuccess);
  EXPECT_EQ(memory_[100], 0);  // a directory
  EXPECT_EQ(U32(104), 4u);     // "/box"
  EXPECT_EQ(Call("fd_prestat_dir_name", {I32(3), I32(200), I32(4)}), kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory_ + 200), 4), "/box");
  EXPECT_EQ(Call("fd_prestat_dir_name", {I32(3), I32(200), I32(3)}), 37u);  // ENAMETOOLONG
  EXPECT_EQ(Call("fd_prestat_get", {I32(4), I32(100)}), kSuccess);
  EXPECT_EQ(Call("fd_prestat_get", {I32(5), I32(100)}), kBadf);
}

TEST_P(WasiFsTest, ReadsAndWritesInsideWork) {
  ASSERT_EQ(Open(3, "inside.txt"), kSuccess);
  EXPECT_EQ(ReadFd(U32(60000)), "inside");
  ASSERT_EQ(Open(3, "link_in"), kSuccess);  // a symlink that stays inside
  EXPECT_EQ(ReadFd(U32(60000)), "inside");
  ASSERT_EQ(Open(3, "a/b/link_up_in"), kSuccess);
  EXPECT_EQ(ReadFd(U32(60000)), "inside");
  ASSERT_EQ(Open(3, "a/b/../../inside.txt"), kSuccess);  // ".." that stays inside
  EXPECT_EQ(ReadFd(U32(60000)), "inside");

  ASSERT_EQ(Open(3, "a/new.txt", kOflagCreat | kOflagExcl, kFdRead | kFdWrite), kSuccess);
  const uint32_t fd = U32(60000);
  std::memcpy(memory_ + 300, "written", 7);
  const uint32_t iov[2] = {300, 7};
  std::memcpy(memory_ + 100, iov, 8);
  EXPECT_EQ(Call("fd_write", {I32(fd), I32(100), I32(1), I32(108)}), kSuccess);
  EXPECT_EQ(Call("fd_close", {I32(fd)}), kSuccess);
  EXPECT_EQ(Slurp(box_ / "a" / "new.txt"), "written");
  EXPECT_EQ(Open(3, "a/new.txt", kOflagCreat | kOflagExcl, kFdRead | kFdWrite), kExist);

  auto [p, l] = Str(1000, "a/newdir");
  EXPECT_EQ(Call("path_create_directory", {I32(3), p, l}), kSuccess);
  EXPECT_TRUE(fs::is_directory(box_ / "a" / "newdir"));
  auto [p1, l1] = Str(1000, "a/new.txt");
  auto [p2, l2] = Str(1100, "a/newdir/moved.txt");
  EXPECT_EQ(Call("path_rename", {I32(3), p1, l1, I32(3), p2, l2}), kSuccess);
  EXPECT_EQ(Slurp(box_ / "a" / "newdir" / "moved.txt"), "written");
  EXPECT_EQ(Stat(3, "a/newdir/moved.txt"), kSuccess);
  EXPECT_EQ(memory_[50000 + 16], 4);  // regular file
}

// Each of these names something outside the pre-open; none may be opened, stat'ed or changed.
const char* const kEscapes[] = {
    "..",
    "../secret.txt",
    "a/../../secret.txt",
    "a/b/../../../secret.txt",
    "./a/../../secret.txt",
    "/etc/passwd",
    "/box/../secret.txt",
    "rel_out",
    "abs_out",
    "up/secret.txt",
    "up",
    "etc/passwd",
    "a/b/link_up_out",
};

TEST_P(WasiFsTest, EveryEscapeIsRefused) {
  const std::string host_secret = (root_ / "secret.txt").string();
  std::vector<std::string> paths(std::begin(kEscapes), std::end(kEscapes));
  paths.push_back(host_secret);
  paths.push_back(host_secret.substr(1));  // no leading slash: relative, but names nothing
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    const uint32_t e = Open(3, path);
    EXPECT_NE(e, kSuccess);
    EXPECT_TRUE(e == kNotcapable || e == kNoent) << e;
    EXPECT_EQ(U32(60000), 0xEEEEEEEEu);  // no descriptor handed out
    EXPECT_NE(Stat(3, path), kSuccess);
    EXPECT_NE(Open(3, path, kOflagDirectory, kFdReaddir), kSuccess);
  }
  EXPECT_EQ(Open(3, "../secret.txt"), kNotcapable);
  EXPECT_EQ(Open(3, "rel_out"), kNotcapable);
  EXPECT_EQ(Open(3, "abs_out"), kNotcapable);
  EXPECT_EQ(Open(3, "/etc/passwd"), kNotcapable);
  EXPECT_EQ(Open(3, "loop1"), kLoop);

  // Creating, renaming, linking and removing outside are refused as well.
  auto try_path = [&](const char* fn, const std::string& path) {
    auto [p, l] = Str(1000, path);
    return Call(fn, {I32(3), p, l});
  };
  EXPECT_EQ(try_path("path_create_directory", "../newdir"), kNotcapable);
  EXPECT_EQ(try_path("path_create_directory", "up/newdir"), kNotcapable);
  EXPECT_EQ(Open(3, "../created.txt", kOflagCreat, kFdRead | kFdWrite), kNotcapable);
  EXPECT_EQ(Open(3, "up/created.txt", kOflagCreat, kFdRead | kFdWrite), kNotcapable);
  EXPECT_NE(Open(3, "rel_out", kOflagCreat, kFdRead | kFdWrite), kSuccess);
  EXPECT_EQ(try_path("path_unlink_file", "../secret.txt"), kNotcapable);
  EXPECT_EQ(try_path("path_unlink_file", "up/secret.txt"), kNotcapable);
  EXPECT_EQ(try_path("path_remove_directory", "../outside_dir"), kNotcapable);
  auto [p1, l1] = Str(1000, "inside.txt");
  auto [p2, l2] = Str(1100, "../moved.txt");
  EXPECT_EQ(Call("path_rename", {I32(3), p1, l1, I32(3), p2, l2}), kNotcapable);
  EXPECT_EQ(Call("path_link", {I32(3), I32(0), p1, l1, I32(3), p2, l2}), kNotcapable);
  auto [p3, l3] = Str(1200, "../secret.txt");
  auto [p4, l4] = Str(1300, "stolen");
  EXPECT_EQ(Call("path_rename", {I32(3), p3, l3, I32(3), p4, l4}), kNotcapable);
  EXPECT_EQ(Call("path_link", {I32(3), I32(0), p3, l3, I32(3), p4, l4}), kNotcapable);
  auto [p5, l5] = Str(1400, "rel_out");
  EXPECT_EQ(Call("path_link", {I32(3), I32(kFollow), p5, l5, I32(3), p4, l4}), kNotcapable);
  // Following a symlink out to change times.
  EXPECT_EQ(Call("path_filestat_set_times",
                 {I32(3), I32(kFollow), p5, l5, I64(0), I64(0), I32(1 | 4)}),
            kNotcapable);
  // Symlinks to host paths are not created.
  auto [t, tl] = Str(1500, "/etc");
  auto [n, nl] = Str(1600, "etc2");
  EXPECT_EQ(Call("path_symlink", {t, tl, I32(3), n, nl}), kNotcapable);
  EXPECT_FALSE(fs::is_symlink(box_ / "etc2"));
  // readlink of a link that points out only reads the link's text.
  auto [r, rl] = Str(1700, "rel_out");
  EXPECT_EQ(Call("path_readlink", {I32(3), r, rl, I32(2000), I32(64), I32(2100)}), kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory_ + 2000), U32(2100)), "../secret.txt");

  // Nothing outside changed.
  EXPECT_EQ(Slurp(root_ / "secret.txt"), "secret");
  EXPECT_FALSE(fs::exists(root_ / "newdir"));
  EXPECT_FALSE(fs::exists(root_ / "created.txt"));
  EXPECT_FALSE(fs::exists(root_ / "moved.txt"));
  EXPECT_TRUE(fs::is_directory(root_ / "outside_dir"));
  EXPECT_EQ(Slurp(box_ / "inside.txt"), "inside");
  struct stat st;
  ASSERT_EQ(stat((root_ / "secret.txt").c_str(), &st), 0);
  EXPECT_NE(st.st_mtime, 0);
}

TEST_P(WasiFsTest, ReadOnlyPreopenCannotBeChanged) {
  ASSERT_EQ(Open(4, "data.txt"), kSuccess);
  EXPECT_EQ(ReadFd(U32(60000)), "read me");
  // Changes are EROFS, as on a read-only mount.
  EXPECT_EQ(Open(4, "new.txt", kOflagCreat, kFdRead | kFdWrite), kRofs);
  EXPECT_EQ(Open(4, "data.txt", 0, kFdRead | kFdWrite), kRofs);
  EXPECT_EQ(Open(4, "data.txt", 0, kFdWrite), kRofs);
  auto try_path = [&](const char* fn, const std::string& path) {
    auto [p, l] = Str(1000, path);
    return Call(fn, {I32(4), p, l});
  };
  EXPECT_EQ(try_path("path_create_directory", "newdir"), kRofs);
  EXPECT_EQ(try_path("path_unlink_file", "data.txt"), kRofs);
  EXPECT_EQ(try_path("path_remove_directory", "sub"), kRofs);
  auto [p1, l1] = Str(1000, "data.txt");
  auto [p2, l2] = Str(1100, "renamed.txt");
  EXPECT_EQ(Call("path_rename", {I32(4), p1, l1, I32(4), p2, l2}), kRofs);
  EXPECT_EQ(Call("path_rename", {I32(4), p1, l1, I32(3), p2, l2}), kRofs);  // out of it
  EXPECT_EQ(Call("path_link", {I32(4), I32(0), p1, l1, I32(3), p2, l2}), kRofs);
  EXPECT_EQ(Call("path_filestat_set_times", {I32(4), I32(0), p1, l1, I64(0), I64(0), I32(1)}),
            kRofs);
  // A directory opened under it is read-only as well, whatever rights it asked for.
  EXPECT_EQ(Open(4, "sub", kOflagDirectory, kAllRights), kIsdir);  // not EROFS: as open(2)
  ASSERT_EQ(Open(4, "sub", kOflagDirectory, kDirRights), kSuccess);
  const uint32_t sub = U32(60000);
  EXPECT_EQ(Open(sub, "x.txt", kOflagCreat, kFdRead), kRofs);
  ASSERT_EQ(Open(4, "data.txt", 0, kAllRights & ~(kFdWrite | (1 << 8) | (1 << 22))), kSuccess);
  const uint32_t file = U32(60000);
  EXPECT_EQ(Call("fd_filestat_set_times", {I32(file), I64(0), I64(0), I32(1)}), kRofs);
  // Rights only shrink.
  EXPECT_EQ(Call("fd_fdstat_set_rights", {I32(3), I64(kAllRights), I64(kAllRights)}),
            kNotcapable);
  EXPECT_EQ(Slurp(root_ / "ro" / "data.txt"), "read me");
  EXPECT_FALSE(fs::exists(root_ / "ro" / "new.txt"));
  EXPECT_FALSE(fs::exists(root_ / "ro" / "newdir"));
  EXPECT_FALSE(fs::exists(root_ / "ro" / "renamed.txt"));
  EXPECT_FALSE(fs::exists(box_ / "renamed.txt"));
}

// A directory descriptor has no seek or tell right (its listing goes by fd_readdir
// cookies), and reading, writing or resizing through it fails as those calls do on Linux,
// not with ENOTCAPABLE.
TEST_P(WasiFsTest, DirectoryDescriptorsHaveNoFileRights) {
  Fdstat pre = GetFdstat(3);
  ASSERT_EQ(pre.err, kSuccess);
  EXPECT_EQ(pre.filetype, 3);  // directory
  EXPECT_EQ(pre.base & (kFdSeek | kFdTell | kFdRead | kFdWrite), 0u);
  // Asked for explicitly, as wasi-testsuite's directory_seek does: the open works, the
  // right is not granted.
  const uint64_t asked = kFdSeek | kFdTell | kFdReaddir | kFdFilestatGet;
  ASSERT_EQ(OpenWith(3, "a", kOflagDirectory, asked, 0, 0), kSuccess);
  const uint32_t dir = U32(60000);
  Fdstat st = GetFdstat(dir);
  ASSERT_EQ(st.err, kSuccess);
  EXPECT_EQ(st.filetype, 3);
  EXPECT_EQ(st.base & (kFdSeek | kFdTell), 0u);
  EXPECT_NE(st.base & kFdReaddir, 0u);
  for (uint32_t fd : {3u, dir}) {
    SCOPED_TRACE(fd);
    EXPECT_EQ(Call("fd_seek", {I32(fd), I64(0), I32(1), I32(108)}), kNotcapable);
    EXPECT_EQ(Call("fd_seek", {I32(fd), I64(0), I32(0), I32(108)}), kNotcapable);
    EXPECT_EQ(Call("fd_tell", {I32(fd), I32(108)}), kNotcapable);
    const uint32_t iov[2] = {300, 16};
    std::memcpy(memory_ + 100, iov, 8);
    EXPECT_EQ(Call("fd_read", {I32(fd), I32(100), I32(1), I32(108)}), kIsdir);
    EXPECT_EQ(Call("fd_pread", {I32(fd), I32(100), I32(1), I64(0), I32(108)}), kIsdir);
    EXPECT_EQ(Call("fd_write", {I32(fd), I32(100), I32(1), I32(108)}), kBadf);
    EXPECT_EQ(Call("fd_pwrite", {I32(fd), I32(100), I32(1), I64(0), I32(108)}), kBadf);
    EXPECT_EQ(Call("fd_allocate", {I32(fd), I64(0), I64(1)}), kBadf);
    EXPECT_EQ(Call("fd_filestat_set_size", {I32(fd), I64(0)}), kInval);
    // What a directory can do still works.
    EXPECT_EQ(Call("fd_readdir", {I32(fd), I32(3000), I32(256), I64(0), I32(108)}), kSuccess);
    EXPECT_GT(U32(108), 0u);
    EXPECT_EQ(Call("fd_filestat_get", {I32(fd), I32(3000)}), kSuccess);
  }
  // Listing a file is ENOTDIR (as getdents), not a missing right.
  ASSERT_EQ(Open(3, "inside.txt"), kSuccess);
  const uint32_t file = U32(60000);
  EXPECT_EQ(Call("fd_readdir", {I32(file), I32(3000), I32(256), I64(0), I32(108)}), kNotdir);
  // A file keeps its own seek and tell rights.
  ASSERT_EQ(OpenWith(3, "inside.txt", 0, kFdRead | kFdSeek | kFdTell, 0, 0), kSuccess);
  const uint32_t seekable = U32(60000);
  EXPECT_NE(GetFdstat(seekable).base & kFdSeek, 0u);
  EXPECT_EQ(Call("fd_seek", {I32(seekable), I64(2), I32(0), I32(108)}), kSuccess);
  EXPECT_EQ(ReadFd(seekable), "side");
}

// path_open: what the rights ask for against what the flags say, as open(2) and wasmtime
// answer it.
TEST_P(WasiFsTest, OpenFlagsAgainstRights) {
  // O_DIRECTORY with a right to write: EISDIR, once the path is known to be a directory.
  EXPECT_EQ(OpenWith(3, ".", kOflagDirectory, kFdRead | kFdWrite, 0, 0), kIsdir);
  EXPECT_EQ(OpenWith(3, "a", kOflagDirectory, kFdWrite, 0, 0), kIsdir);
  EXPECT_EQ(OpenWith(3, "a", kOflagDirectory, kFdRead | kFdFilestatSetSize, 0, 0), kIsdir);
  EXPECT_EQ(U32(60000), 0xEEEEEEEEu);
  EXPECT_EQ(OpenWith(3, "inside.txt", kOflagDirectory, kFdRead | kFdWrite, 0, 0), kNotdir);
  EXPECT_EQ(OpenWith(3, "missing", kOflagDirectory, kFdRead | kFdWrite, 0, 0), kNoent);
  // Without a write right it opens: read right, none at all, the directory's own rights.
  EXPECT_EQ(OpenWith(3, ".", kOflagDirectory, kFdRead, 0, 0), kSuccess);
  EXPECT_EQ(OpenWith(3, ".", kOflagDirectory, 0, 0, 0), kSuccess);
  const Fdstat pre = GetFdstat(3);
  EXPECT_EQ(OpenWith(3, ".", kOflagDirectory, pre.base, pre.inheriting, 0), kSuccess);
  EXPECT_EQ(OpenWith(3, ".", 0, pre.base, pre.inheriting, 0), kSuccess);
  // Without O_DIRECTORY, writing a directory is EISDIR from the kernel.
  EXPECT_EQ(OpenWith(3, "a", 0, kFdRead | kFdWrite, 0, 0), kIsdir);

  // O_CREAT | O_DIRECTORY is EINVAL, whether or not something is there; nothing is made.
  EXPECT_EQ(OpenWith(3, "newdir", kOflagCreat | kOflagDirectory, kFdReaddir, 0, 0), kInval);
  EXPECT_EQ(OpenWith(3, "a", kOflagCreat | kOflagDirectory, kFdReaddir, 0, 0), kInval);
  EXPECT_FALSE(fs::exists(box_ / "newdir"));

  // The sync flags need no fd_sync / fd_datasync right (wasi-testsuite's path_filestat:
  // APPEND | SYNC with read, write and a path right a file cannot have).
  ASSERT_EQ(OpenWith(3, "synced.txt", kOflagCreat, kFdRead | kFdWrite | kPathFilestatGet,
                     kPathFilestatGet, kFdflagAppend | kFdflagSync),
            kSuccess);
  const uint32_t synced = U32(60000);
  Fdstat st = GetFdstat(synced);
  ASSERT_EQ(st.err, kSuccess);
  EXPECT_EQ(st.filetype, 4);
  EXPECT_EQ(st.flags & (kFdflagAppend | kFdflagSync), kFdflagAppend | kFdflagSync);
  EXPECT_EQ(st.base & (kFdRead | kFdWrite), kFdRead | kFdWrite);
  EXPECT_EQ(st.base & (kPathFilestatGet | kFdSync | kFdDatasync), 0u);
  EXPECT_EQ(st.inheriting & kPathFilestatGet, 0u);  // a file hands nothing down
  std::memcpy(memory_ + 300, "abc", 3);
  const uint32_t iov[2] = {300, 3};
  std::memcpy(memory_ + 100, iov, 8);
  EXPECT_EQ(Call("fd_write", {I32(synced), I32(100), I32(1), I32(108)}), kSuccess);
  EXPECT_EQ(Slurp(box_ / "synced.txt"), "abc");
  EXPECT_EQ(Call("fd_sync", {I32(synced)}), kNotcapable);  // the right was not asked for
  for (uint32_t flag : {kFdflagDsync, kFdflagRsync, kFdflagSync}) {
    SCOPED_TRACE(flag);
    EXPECT_EQ(OpenWith(3, "inside.txt", 0, kFdRead, 0, flag), kSuccess);
    EXPECT_EQ(ReadFd(U32(60000)), "inside");
  }
  EXPECT_EQ(OpenWith(4, "data.txt", 0, kFdRead, 0, kFdflagSync), kSuccess);  // read-only too

  // APPEND on a descriptor that only reads: opens (like O_RDONLY | O_APPEND), even under
  // a read-only pre-open, and writes nothing.
  ASSERT_EQ(OpenWith(3, "inside.txt", 0, kFdRead, 0, kFdflagAppend), kSuccess);
  const uint32_t reader = U32(60000);
  st = GetFdstat(reader);
  EXPECT_EQ(st.flags & kFdflagAppend, kFdflagAppend);
  EXPECT_EQ(st.base & kFdWrite, 0u);
  EXPECT_EQ(Call("fd_write", {I32(reader), I32(100), I32(1), I32(108)}), kNotcapable);
  EXPECT_EQ(ReadFd(reader), "inside");
  ASSERT_EQ(OpenWith(4, "data.txt", 0, kFdRead, 0, kFdflagAppend), kSuccess);
  EXPECT_EQ(ReadFd(U32(60000)), "read me");
  EXPECT_EQ(OpenWith(4, "data.txt", 0, kFdRead | kFdWrite, 0, kFdflagAppend), kRofs);
  // fd_fdstat_set_flags likewise: APPEND on and off without the write right.
  ASSERT_EQ(OpenWith(3, "inside.txt", 0, kFdRead | kFdFdstatSetFlags, 0, 0), kSuccess);
  const uint32_t flagged = U32(60000);
  EXPECT_EQ(Call("fd_fdstat_set_flags", {I32(flagged), I32(kFdflagAppend)}), kSuccess);
  EXPECT_EQ(GetFdstat(flagged).flags & kFdflagAppend, kFdflagAppend);
  EXPECT_EQ(Call("fd_fdstat_set_flags", {I32(flagged), I32(0)}), kSuccess);
  EXPECT_EQ(GetFdstat(flagged).flags & kFdflagAppend, 0);
  EXPECT_EQ(Slurp(box_ / "inside.txt"), "inside");
  EXPECT_EQ(Slurp(root_ / "ro" / "data.txt"), "read me");
}

// A path ending in "/" names a directory, in every path_* function, as Linux resolves it:
// a symlink there is followed even by calls that do not follow, and creating a symlink or
// hard link through one always fails.
TEST_P(WasiFsTest, TrailingSlashesNameDirectories) {
  fs::create_symlink("inside.txt", box_ / "to_file");
  fs::create_symlink("a", box_ / "to_dir");
  fs::create_symlink("nowhere", box_ / "dangling");
  fs::create_directories(box_ / "empty");

  // path_symlink and path_link create nothing through "name/": ENOENT when the name is
  // free, EEXIST when anything is there.
  EXPECT_EQ(Symlink("x", "new/"), kNoent);
  EXPECT_EQ(Symlink("x", "a/"), kExist);
  EXPECT_EQ(Symlink("x", "inside.txt/"), kExist);
  EXPECT_EQ(Symlink("x", "dangling/"), kExist);
  EXPECT_EQ(Symlink("x", "new"), kSuccess);  // without the slash it works
  EXPECT_EQ(OnPaths("path_link", "inside.txt", "link/"), kNoent);
  EXPECT_EQ(OnPaths("path_link", "inside.txt", "a/"), kExist);
  EXPECT_EQ(OnPaths("path_link", "inside.txt", "inside.txt/"), kExist);
  // A source "name/" must be a directory, and a directory cannot be linked.
  EXPECT_EQ(OnPaths("path_link", "inside.txt/", "link"), kNotdir);
  EXPECT_EQ(OnPaths("path_link", "to_file/", "link"), kNotdir);
  EXPECT_EQ(OnPaths("path_link", "dangling/", "link"), kNoent);
  EXPECT_EQ(OnPaths("path_link", "a/", "link"), kPerm);
  EXPECT_EQ(OnPaths("path_link", "to_dir/", "link"), kPerm);
  EXPECT_FALSE(fs::exists(fs::symlink_status(box_ / "link")));
  EXPECT_EQ(OnPaths("path_link", "inside.txt", "link"), kSuccess);

  // path_readlink of "link/" reads what the link points to: not a link.
  EXPECT_EQ(Readlink("to_file/"), kNotdir);
  EXPECT_EQ(Readlink("to_dir/"), kInval);
  EXPECT_EQ(Readlink("dangling/"), kNoent);
  EXPECT_EQ(Readlink("to_dir"), kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory_ + 2000), U32(2100)), "a");

  // path_filestat_set_times without following still follows "link/" to a directory.
  auto set_times = [&](const std::string& path) {
    auto [p, l] = Str(1000, path);
    return Call("path_filestat_set_times",
                {I32(3), I32(0), p, l, I64(0), I64(1234567890ull * 1000000000ull), I32(4)});
  };
  EXPECT_EQ(set_times("inside.txt/"), kNotdir);
  EXPECT_EQ(set_times("to_file/"), kNotdir);
  EXPECT_EQ(set_times("dangling/"), kNoent);
  EXPECT_EQ(set_times("to_dir/"), kSuccess);
  struct stat st;
  ASSERT_EQ(stat((box_ / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1234567890);
  ASSERT_EQ(lstat((box_ / "to_dir").c_str(), &st), 0);
  EXPECT_NE(st.st_mtime, 1234567890);  // the link itself is left alone
  ASSERT_EQ(lstat((box_ / "inside.txt").c_str(), &st), 0);
  EXPECT_NE(st.st_mtime, 1234567890);

  // path_filestat_get: "name/" is a directory or nothing, following or not.
  EXPECT_EQ(Stat(3, "inside.txt/", 0), kNotdir);
  EXPECT_EQ(Stat(3, "to_file/", 0), kNotdir);
  EXPECT_EQ(Stat(3, "to_dir/", 0), kSuccess);
  EXPECT_EQ(memory_[50000 + 16], 3);  // the directory, not the link

  // path_unlink_file never removes through "name/"; path_remove_directory does not follow.
  EXPECT_EQ(OnPath("path_unlink_file", "inside.txt/"), kNotdir);
  EXPECT_EQ(OnPath("path_unlink_file", "a/"), kIsdir);
  EXPECT_EQ(OnPath("path_unlink_file", "to_dir/"), kNotdir);
  EXPECT_EQ(OnPath("path_unlink_file", "missing/"), kNoent);
  EXPECT_EQ(OnPath("path_remove_directory", "inside.txt/"), kNotdir);
  EXPECT_EQ(OnPath("path_remove_directory", "to_dir/"), kNotdir);
  EXPECT_EQ(OnPath("path_remove_directory", "empty/"), kSuccess);
  EXPECT_EQ(OnPath("path_create_directory", "made/"), kSuccess);
  EXPECT_TRUE(fs::is_directory(box_ / "made"));
  EXPECT_EQ(OnPath("path_create_directory", "inside.txt/"), kExist);

  // path_rename: a slash on either side needs the source to be a directory.
  EXPECT_EQ(OnPaths("path_rename", "inside.txt/", "moved"), kNotdir);
  EXPECT_EQ(OnPaths("path_rename", "inside.txt", "moved/"), kNotdir);
  EXPECT_EQ(OnPaths("path_rename", "to_dir/", "moved"), kNotdir);
  EXPECT_EQ(OnPaths("path_rename", "made/", "moved/"), kSuccess);
  EXPECT_TRUE(fs::is_directory(box_ / "moved"));

  // path_open: "file/" is ENOTDIR; O_CREAT through "name/" is EISDIR and makes nothing.
  EXPECT_EQ(Open(3, "inside.txt/"), kNotdir);
  EXPECT_EQ(Open(3, "inside.txt///"), kNotdir);
  EXPECT_EQ(Open(3, "a/"), kSuccess);
  EXPECT_EQ(Open(3, "to_dir//", 0, kFdReaddir, 0), kSuccess);
  EXPECT_EQ(Open(3, "created/", kOflagCreat, kFdRead | kFdWrite), kIsdir);
  EXPECT_EQ(Open(3, "a/b/created/", kOflagCreat, kFdRead | kFdWrite), kIsdir);
  EXPECT_EQ(Open(3, "inside.txt/", kOflagCreat, kFdRead | kFdWrite), kIsdir);
  EXPECT_EQ(Open(3, "dangling/", kOflagCreat, kFdRead | kFdWrite), kIsdir);
  EXPECT_EQ(Open(3, "missing/created/", kOflagCreat, kFdRead | kFdWrite), kNoent);

  // Nothing was made or removed on the way.
  EXPECT_TRUE(fs::is_symlink(box_ / "new"));  // only the one made without a slash
  EXPECT_FALSE(fs::exists(box_ / "created"));
  EXPECT_FALSE(fs::exists(box_ / "a" / "b" / "created"));
  EXPECT_FALSE(fs::exists(box_ / "nowhere"));
  EXPECT_FALSE(fs::exists(box_ / "moved" / "moved"));
  EXPECT_EQ(Slurp(box_ / "inside.txt"), "inside");
  EXPECT_TRUE(fs::is_directory(box_ / "a"));
  EXPECT_TRUE(fs::is_symlink(box_ / "to_dir"));
  EXPECT_FALSE(fs::exists(box_ / "empty"));
}

// Narrowing (kiln_sandbox's narrow, here through the embedder's API): fd 3 shows only
// box/a, fd 4 only ro/sub. Nothing else is reachable by any path, "..", or symlink.
TEST_P(WasiFsTest, NarrowedPreopenReachesOnlyItsViews) {
  wasi::WasiContext& ctx = wasi_->context();
  // Refused narrowings change nothing.
  EXPECT_FALSE(ctx.NarrowPreopens({{"/box/nope", wasi::kCapFsRead}}).ok());
  EXPECT_FALSE(ctx.NarrowPreopens({{"/box/inside.txt", wasi::kCapFsRead}}).ok());
  EXPECT_FALSE(ctx.NarrowPreopens({{"/box/a/../..", wasi::kCapFsRead}}).ok());
  EXPECT_FALSE(ctx.NarrowPreopens({{"/box/rel_out", wasi::kCapFsRead}}).ok());
  EXPECT_FALSE(ctx.NarrowPreopens({{"/box/up", wasi::kCapFsRead}}).ok());
  EXPECT_FALSE(ctx.NarrowPreopens({{"/elsewhere", wasi::kCapFsRead}}).ok());
  EXPECT_EQ(Open(3, "inside.txt"), kSuccess);

  ASSERT_TRUE(ctx.NarrowPreopens({{"/box/a", wasi::kCapFs}, {"/ro/sub", wasi::kCapFs}}).ok());
  const std::vector<std::string> outside = {
      "inside.txt", ".", "", "a/..", "a/../inside.txt", "a/b/../../inside.txt",
      "a/b/link_up_in", "a/b/link_up_out", "rel_out", "up", "../secret.txt", "/box/a",
      "./inside.txt", "a/./../inside.txt"};
  for (const std::string& path : outside) {
    SCOPED_TRACE(path);
    const uint32_t e = Open(3, path);
    EXPECT_TRUE(e == kNotcapable || e == kNoent) << e;
    EXPECT_EQ(U32(60000), 0xEEEEEEEEu);
    EXPECT_NE(Stat(3, path), kSuccess);
  }
  // Inside the view everything works, ".." that stays inside included.
  EXPECT_EQ(Open(3, "a", kOflagDirectory, kFdReaddir), kSuccess);
  EXPECT_EQ(Open(3, "a/b/..", kOflagDirectory, kFdReaddir), kSuccess);
  ASSERT_EQ(Open(3, "a/made.txt", kOflagCreat, kFdRead | kFdWrite), kSuccess);
  EXPECT_TRUE(fs::exists(box_ / "a" / "made.txt"));
  // A directory opened through the view works below itself (and, as any directory
  // descriptor, never above).
  ASSERT_EQ(Open(3, "a/b", kOflagDirectory, kDirRights), kSuccess);
  const uint32_t b = U32(60000);
  EXPECT_EQ(Open(b, ".", kOflagDirectory, kFdReaddir), kSuccess);
  EXPECT_EQ(Open(b, "../made.txt"), kNotcapable);
  EXPECT_EQ(Open(b, "../../inside.txt"), kNotcapable);
  // The pre-open itself can no longer be listed or stat'ed.
  EXPECT_EQ(Call("fd_readdir", {I32(3), I32(3000), I32(256), I64(0), I32(108)}), kNotcapable);
  EXPECT_EQ(Call("fd_filestat_get", {I32(3), I32(3000)}), kNotcapable);
  // Under the read-only pre-open the view stays read-only, and what is outside it is gone.
  EXPECT_EQ(Open(4, "data.txt"), kNotcapable);
  EXPECT_EQ(Open(4, "sub/new.txt", kOflagCreat, kFdRead | kFdWrite), kRofs);

  // Narrowing further: views shrink, perms never grow, the outside stays out.
  EXPECT_FALSE(ctx.NarrowPreopens({{"/box", wasi::kCapFs}}).ok());
  ASSERT_TRUE(ctx.NarrowPreopens({{"/box/a/b", wasi::kCapFsRead}}).ok());
  EXPECT_EQ(Open(3, "a/made.txt"), kNotcapable);
  EXPECT_EQ(Open(3, "a/b/new.txt", kOflagCreat, kFdRead | kFdWrite), kNotcapable);
  EXPECT_EQ(Open(3, "a/b", kOflagDirectory, kFdReaddir), kSuccess);
  EXPECT_EQ(Open(4, "sub", kOflagDirectory, kFdReaddir), kNotcapable);
  // The directory descriptor opened before this narrowing can do nothing now.
  EXPECT_EQ(Open(b, "."), kNotcapable);
  // Dropping the last file-system capabilities ends everything.
  ctx.DropCapabilities(wasi::kCapFs);
  EXPECT_EQ(Open(3, "a/b", kOflagDirectory, kFdReaddir), kNotcapable);
  EXPECT_EQ(Slurp(root_ / "secret.txt"), "secret");
  EXPECT_EQ(Slurp(box_ / "inside.txt"), "inside");
}

TEST_P(WasiFsTest, ReaddirPaginatesWithCookies) {
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 60; ++i) {
    const std::string name = "entry-with-a-fairly-long-name-" + std::to_string(i);
    std::ofstream(box_ / "a" / name) << i;
    want.insert(name);
  }
  want.insert("b");
  ASSERT_EQ(Open(3, "a", kOflagDirectory, kFdReaddir), kSuccess);
  const uint32_t dir = U32(60000);
  std::set<std::string> got;
  uint64_t cookie = 0;
  int calls = 0;
  for (;;) {
    ASSERT_LT(++calls, 1000);
    constexpr uint32_t kBuf = 3000, kLen = 200;  // room for ~3 entries per call
    ASSERT_EQ(Call("fd_readdir", {I32(dir), I32(kBuf), I32(kLen), I64(cookie), I32(2900)}),
              kSuccess);
    const uint32_t used = U32(2900);
    uint32_t pos = 0;
    bool advanced = false;
    while (pos + 24 <= used) {
      uint64_t next;
      uint32_t namlen;
      std::memcpy(&next, memory_ + kBuf + pos, 8);
      std::memcpy(&namlen, memory_ + kBuf + pos + 16, 4);
      if (pos + 24 + namlen > used) break;  // cut off: ask again from this entry
      got.insert(std::string(reinterpret_cast<char*>(memory_ + kBuf + pos + 24), namlen));
      cookie = next;
      advanced = true;
      pos += 24 + namlen;
    }
    if (used < kLen) break;  // the whole directory was read
    ASSERT_TRUE(advanced);
  }
  EXPECT_EQ(got, want);
  EXPECT_GT(calls, 10);
}

// Wild pointers and lengths in every argument of every function: an errno, never a read or
// write outside the guest's memory, and the same instance goes on working afterwards.
TEST_P(WasiFsTest, WildPointersGetAnErrnoAndServingGoesOn) {
  // Functions without pointer arguments (and ones that would close or narrow fd 3).
  const std::vector<std::string> skip = {"proc_exit",   "proc_raise",  "sched_yield",
                                         "fd_close",    "fd_renumber", "fd_sync",
                                         "fd_datasync", "fd_fdstat_set_rights"};
  const uint32_t wild[] = {0xFFFFFFF0u, 0x10000u, 0xFFFFu, 0x7FFFFFFFu};
  for (const std::string_view name : wasi_->ImplementedFunctions()) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    for (uint32_t w : wild) {
      for (int fd : {1, 3}) {
        SCOPED_TRACE(std::string(name) + " " + std::to_string(w));
        std::vector<kiln_val> args(9);
        for (kiln_val& a : args) a = I64(w);
        args[0] = I32(fd);
        if (name.substr(0, 4) != "fd_" && name.substr(0, 5) != "path_" &&
            name.substr(0, 5) != "sock_") {
          args[0] = I64(w);
        }
        if (name == "path_symlink") args[2] = I32(3);
        if (name == "path_rename" || name == "path_link") args[3] = I32(3);
        const uint32_t e = Call(std::string(name), args);
        EXPECT_NE(e, kSuccess);
        EXPECT_LT(e, 77u);
      }
    }
  }
  // An iovec array longer than the memory, and one whose length wraps.
  EXPECT_EQ(Call("fd_write", {I32(1), I32(0), I32(0x7FFFFFFF), I32(8)}), kInval);
  const uint32_t iov[4] = {0, 0x10, 0xFFFFFFF8u, 0x10};
  std::memcpy(memory_ + 100, iov, 16);
  EXPECT_EQ(Call("fd_write", {I32(1), I32(100), I32(2), I32(8)}), kFault);
  // Still serving: a good write reaches stdout.
  std::memcpy(memory_ + 300, "ok", 2);
  const uint32_t good[2] = {300, 2};
  std::memcpy(memory_ + 100, good, 8);
  EXPECT_EQ(Call("fd_write", {I32(1), I32(100), I32(1), I32(108)}), kSuccess);
  char buf[8] = {};
  EXPECT_EQ(read(out_[0], buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "ok");
  EXPECT_EQ(Open(3, "inside.txt"), kSuccess);
  EXPECT_EQ(ReadFd(U32(60000)), "inside");
}

TEST(TerminalFilter, ControlSequencesBecomeVisible) {
  wasi::TerminalFilter f;
  std::string out;
  f.Filter("plain \xc3\xa9 \xe6\x97\xa5\t\r\n", &out);
  EXPECT_EQ(out, "plain \xc3\xa9 \xe6\x97\xa5\t\r\n");  // text, UTF-8, \t \r \n pass
  out.clear();
  f.Filter("\x1b[31mred\x1b]0;title\x07\x08\x7f", &out);
  EXPECT_EQ(out, "^[[31mred^[]0;title^G^H^?");
  out.clear();
  f.Filter("\x9b" "2J \xc2\x9b" "2J \xff", &out);  // raw C1, C1 as UTF-8, invalid byte
  EXPECT_EQ(out, "\\x9b2J \\u009b2J \\xff");
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(TerminalFilter, SequencesSplitAcrossWritesAreJoined) {
  wasi::TerminalFilter f;
  std::string out;
  f.Filter("a\xe6\x97", &out);
  EXPECT_EQ(out, "a");
  f.Filter("\xa5" "b\xc2", &out);
  EXPECT_EQ(out, "a\xe6\x97\xa5" "b");
  f.Filter("\x9b", &out);  // completes a C1 control
  EXPECT_EQ(out, "a\xe6\x97\xa5" "b\\u009b");
  f.Filter("\xe6", &out);
  f.Flush(&out);  // never completed
  EXPECT_EQ(out, "a\xe6\x97\xa5" "b\\u009b\\xe6");
}

}  // namespace
}  // namespace kiln

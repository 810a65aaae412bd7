// The WASI preview 1 shim: functions called with guest pointers into a real instance's
// memory (the fake.so fixture exports one), bounds checks, stdio through pipes, stubs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "kiln/wasi/WasiModule.h"
#include "loader_test_util.h"

namespace kiln {
namespace {

using testing::I32;
using testing::LoadOrDie;

constexpr uint32_t kSuccess = 0, kBadf = 8, kFault = 21, kInval = 28, kNosys = 52;

class WasiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(pipe(out_pipe_), 0);
    ASSERT_EQ(pipe(in_pipe_), 0);
    wasi::WasiConfig config;
    config.args = {"prog", "a", "bc"};
    config.env = {"GREETING=hi"};
    config.stdin_host_fd = in_pipe_[0];
    config.stdout_host_fd = out_pipe_[1];
    wasi_ = std::make_shared<wasi::WasiModule>(std::make_shared<wasi::WasiContext>(config));
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
    for (int fd : {out_pipe_[0], out_pipe_[1], in_pipe_[0], in_pipe_[1]}) {
      if (fd >= 0) close(fd);
    }
  }

  std::shared_ptr<HostFunction> Function(const std::string& name, FuncType type) {
    ImportRequest req;
    req.module = wasi::kModuleName;
    req.name = name;
    req.kind = ExternKind::kFunc;
    req.func_type = &type;
    std::optional<Extern> e = wasi_->Resolve(req);
    return e ? e->host_function : nullptr;
  }

  // Calls a WASI function as the fake instance would; returns the errno result.
  uint32_t CallWasi(const std::string& name, std::vector<kiln_val> args,
                    HostCall* out_call = nullptr) {
    const FuncType* type = nullptr;
    std::shared_ptr<HostFunction> fn;
    for (std::string_view n : wasi_->ImplementedFunctions()) {
      if (n == name) {
        fn = Function(name, {});  // implemented functions ignore the requested type
      }
    }
    if (!fn) fn = Function(name, {{KILN_I32}, {KILN_I32}});
    EXPECT_NE(fn, nullptr) << name;
    type = &fn->type();
    args.resize(std::max<size_t>(args.size(), 1));
    HostCall call;
    call.caller = instance_.get();
    call.type = type;
    call.values = args.data();
    fn->Invoke(call);
    if (out_call != nullptr) *out_call = call;
    return args[0].i32;
  }

  static kiln_val I64(uint64_t v) {
    kiln_val x{};
    x.i64 = v;
    return x;
  }

  std::string ReadStdout() {
    char buf[256];
    const ssize_t n = read(out_pipe_[0], buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

  int out_pipe_[2] = {-1, -1};
  int in_pipe_[2] = {-1, -1};
  std::shared_ptr<wasi::WasiModule> wasi_;
  std::shared_ptr<Instance> instance_;
  uint8_t* memory_ = nullptr;
};

TEST_F(WasiTest, ArgsAndEnviron) {
  EXPECT_EQ(CallWasi("args_sizes_get", {I32(0), I32(4)}), kSuccess);
  uint32_t argc, size;
  std::memcpy(&argc, memory_, 4);
  std::memcpy(&size, memory_ + 4, 4);
  EXPECT_EQ(argc, 3u);
  EXPECT_EQ(size, 10u);  // "prog\0a\0bc\0"
  EXPECT_EQ(CallWasi("args_get", {I32(1000), I32(2000)}), kSuccess);
  uint32_t argv1;
  std::memcpy(&argv1, memory_ + 1004, 4);
  EXPECT_EQ(argv1, 2005u);
  EXPECT_EQ(std::memcmp(memory_ + 2000, "prog\0a\0bc\0", 10), 0);
  EXPECT_EQ(CallWasi("environ_sizes_get", {I32(0), I32(4)}), kSuccess);
  std::memcpy(&argc, memory_, 4);
  EXPECT_EQ(argc, 1u);
  EXPECT_EQ(CallWasi("environ_get", {I32(3000), I32(3100)}), kSuccess);
  EXPECT_STREQ(reinterpret_cast<char*>(memory_ + 3100), "GREETING=hi");
}

TEST_F(WasiTest, GuestPointersAreBoundsChecked) {
  // The memory is one page (64 KiB).
  EXPECT_EQ(CallWasi("args_sizes_get", {I32(65534), I32(0)}), kFault);
  EXPECT_EQ(CallWasi("args_sizes_get", {I32(-1), I32(0)}), kFault);
  EXPECT_EQ(CallWasi("args_get", {I32(0), I32(65530)}), kFault);  // strings don't fit
  EXPECT_EQ(CallWasi("random_get", {I32(65000), I32(1000)}), kFault);
  EXPECT_EQ(CallWasi("random_get", {I32(-1), I32(2)}), kFault);
  EXPECT_EQ(CallWasi("clock_time_get", {I32(1), I64(0), I32(65532)}), kFault);
  // An iovec pointing past the memory: nothing is written.
  const uint32_t iov[2] = {65530, 100};
  std::memcpy(memory_ + 0, iov, 8);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(8)}), kFault);
  const uint32_t wrap[2] = {0xFFFFFFF0u, 0x20};  // pointer + length wraps around 2^32
  std::memcpy(memory_ + 0, wrap, 8);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(8)}), kFault);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(65532), I32(2), I32(8)}), kFault);
}

TEST_F(WasiTest, StdioThroughTheConfiguredDescriptors) {
  std::memcpy(memory_ + 100, "hi there", 8);
  const uint32_t iovs[4] = {100, 3, 103, 5};
  std::memcpy(memory_ + 0, iovs, 16);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(2), I32(32)}), kSuccess);
  uint32_t written;
  std::memcpy(&written, memory_ + 32, 4);
  EXPECT_EQ(written, 8u);
  EXPECT_EQ(ReadStdout(), "hi there");

  ASSERT_EQ(write(in_pipe_[1], "input", 5), 5);
  const uint32_t in_iov[2] = {200, 64};
  std::memcpy(memory_ + 40, in_iov, 8);
  EXPECT_EQ(CallWasi("fd_read", {I32(0), I32(40), I32(1), I32(48)}), kSuccess);
  uint32_t got;
  std::memcpy(&got, memory_ + 48, 4);
  EXPECT_EQ(got, 5u);
  EXPECT_EQ(std::memcmp(memory_ + 200, "input", 5), 0);

  EXPECT_EQ(CallWasi("fd_fdstat_get", {I32(1), I32(300)}), kSuccess);
  EXPECT_EQ(CallWasi("fd_fdstat_get", {I32(7), I32(300)}), kBadf);
  EXPECT_EQ(CallWasi("fd_filestat_get", {I32(1), I32(400)}), kSuccess);
  EXPECT_EQ(CallWasi("fd_fdstat_set_flags", {I32(1), I32(0)}), kSuccess);
  EXPECT_EQ(CallWasi("fd_seek", {I32(1), I64(0), I32(0), I32(500)}), 70u);  // ESPIPE on a pipe
  EXPECT_EQ(CallWasi("fd_seek", {I32(1), I64(0), I32(9), I32(500)}), kInval);
  EXPECT_EQ(CallWasi("fd_write", {I32(9), I32(0), I32(1), I32(32)}), kBadf);
  EXPECT_EQ(CallWasi("fd_close", {I32(1)}), kSuccess);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(32)}), kBadf);
  EXPECT_EQ(CallWasi("fd_close", {I32(1)}), kBadf);
}

// Stdio in memory (kiln serve's): the body read from bytes, the output into a capped
// buffer, and fd_fdstat_get answers for them as for any stream (no host descriptor to ask).
TEST_F(WasiTest, StdioInMemory) {
  auto out = std::make_shared<wasi::MemoryOutput>();
  out->cap = 6;
  wasi::WasiConfig config;
  config.stdin_bytes = std::make_shared<const std::string>("body");
  config.stdout_memory = out;
  wasi_ = std::make_shared<wasi::WasiModule>(std::make_shared<wasi::WasiContext>(config));
  for (uint32_t fd : {0u, 1u}) {
    std::memset(memory_ + 300, 0xff, 24);
    EXPECT_EQ(CallWasi("fd_fdstat_get", {I32(fd), I32(300)}), kSuccess) << fd;
    uint16_t flags;
    std::memcpy(&flags, memory_ + 302, 2);
    EXPECT_EQ(flags, 0) << fd;
  }
  const uint32_t in_iov[2] = {200, 64};
  std::memcpy(memory_ + 40, in_iov, 8);
  EXPECT_EQ(CallWasi("fd_read", {I32(0), I32(40), I32(1), I32(48)}), kSuccess);
  uint32_t got;
  std::memcpy(&got, memory_ + 48, 4);
  EXPECT_EQ(got, 4u);
  EXPECT_EQ(std::memcmp(memory_ + 200, "body", 4), 0);
  std::memcpy(memory_ + 100, "hello!!", 7);
  const uint32_t iov[2] = {100, 5};
  std::memcpy(memory_ + 0, iov, 8);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(32)}), kSuccess);
  EXPECT_EQ(out->data, "hello");
  EXPECT_NE(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(32)}), kSuccess);  // past the cap
  EXPECT_TRUE(out->overflowed);
}

// One buffer takes the inline system call path (fd_write/fd_read as direct host functions):
// same results, host errors mapped to WASI's, and a function resolved twice is one object.
TEST_F(WasiTest, SingleBufferReadsAndWrites) {
  EXPECT_EQ(Function("fd_write", {}), Function("fd_write", {}));
  std::memcpy(memory_ + 100, "one", 3);
  const uint32_t iov[2] = {100, 3};
  std::memcpy(memory_ + 0, iov, 8);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(32)}), kSuccess);
  uint32_t n = 0;
  std::memcpy(&n, memory_ + 32, 4);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(ReadStdout(), "one");
  // A buffer past the end of memory: EFAULT before any system call.
  const uint32_t bad[2] = {0xFFFFFFF0u, 64};
  std::memcpy(memory_ + 0, bad, 8);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(32)}), kFault);

  ASSERT_EQ(write(in_pipe_[1], "xy", 2), 2);
  close(in_pipe_[1]);
  in_pipe_[1] = -1;
  const uint32_t in_iov[2] = {200, 64};
  std::memcpy(memory_ + 40, in_iov, 8);
  EXPECT_EQ(CallWasi("fd_read", {I32(0), I32(40), I32(1), I32(48)}), kSuccess);
  std::memcpy(&n, memory_ + 48, 4);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(std::memcmp(memory_ + 200, "xy", 2), 0);
  EXPECT_EQ(CallWasi("fd_read", {I32(0), I32(40), I32(1), I32(48)}), kSuccess);  // end of input
  std::memcpy(&n, memory_ + 48, 4);
  EXPECT_EQ(n, 0u);

  // The host descriptor behind the guest's stdout is a pipe's read end: the kernel's EBADF
  // comes back as WASI's badf, for one buffer and for several.
  wasi::WasiConfig config;
  config.stdout_host_fd = out_pipe_[0];
  wasi_ = std::make_shared<wasi::WasiModule>(std::make_shared<wasi::WasiContext>(config));
  std::memcpy(memory_ + 0, iov, 8);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(1), I32(32)}), kBadf);
  const uint32_t two[4] = {100, 1, 101, 2};
  std::memcpy(memory_ + 0, two, 16);
  EXPECT_EQ(CallWasi("fd_write", {I32(1), I32(0), I32(2), I32(32)}), kBadf);
}

TEST_F(WasiTest, NoPreopensWithoutDir) {
  EXPECT_EQ(CallWasi("fd_prestat_get", {I32(3), I32(0)}), kBadf);
  EXPECT_EQ(CallWasi("fd_prestat_dir_name", {I32(3), I32(0), I32(10)}), kBadf);
  EXPECT_EQ(CallWasi("fd_prestat_get", {I32(1), I32(0)}), kBadf);  // stdio is no pre-open
}

TEST_F(WasiTest, ClocksRandomYieldAndExit) {
  EXPECT_EQ(CallWasi("clock_time_get", {I32(0), I64(1), I32(8)}), kSuccess);
  uint64_t now;
  std::memcpy(&now, memory_ + 8, 8);
  EXPECT_GT(now, 1600000000ull * 1000000000ull);
  EXPECT_EQ(CallWasi("clock_res_get", {I32(1), I32(8)}), kSuccess);
  EXPECT_EQ(CallWasi("clock_time_get", {I32(99), I64(1), I32(8)}), kInval);
  std::memset(memory_ + 600, 0, 64);
  EXPECT_EQ(CallWasi("random_get", {I32(600), I32(64)}), kSuccess);
  int nonzero = 0;
  for (int i = 0; i < 64; ++i) nonzero += memory_[600 + i] != 0;
  EXPECT_GT(nonzero, 32);
  EXPECT_EQ(CallWasi("sched_yield", {}), kSuccess);
  HostCall call;
  CallWasi("proc_exit", {I32(3)}, &call);
  EXPECT_EQ(call.trap_code, KILN_TRAP_EXIT);
  EXPECT_EQ(call.exit_code, 3);
}

TEST_F(WasiTest, EveryPreview1FunctionIsImplemented) {
  // wasi_snapshot_preview1, all 46 functions.
  const std::vector<std::string> all = {
      "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
      "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get",
      "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size",
      "fd_filestat_set_times", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite",
      "fd_read", "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
      "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link",
      "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
      "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get",
      "sock_accept", "sock_recv", "sock_send", "sock_shutdown"};
  std::vector<std::string_view> implemented = wasi_->ImplementedFunctions();
  EXPECT_EQ(implemented.size(), all.size());
  for (const std::string& name : all) {
    EXPECT_NE(std::find(implemented.begin(), implemented.end(), name), implemented.end()) << name;
  }
  // Names preview 1 does not have are not bound (instantiation fails naming them), and
  // other modules are not WASI's.
  FuncType t{{KILN_I32}, {KILN_I32}};
  EXPECT_EQ(Function("weird", t), nullptr);
  ImportRequest other;
  other.module = "env";
  other.name = "fd_write";
  other.kind = ExternKind::kFunc;
  other.func_type = &t;
  EXPECT_FALSE(wasi_->Resolve(other).has_value());
}

TEST(WasiCommand, RunsStartWritesAndExits) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  wasi::WasiConfig config;
  config.args = {"prog", "x"};
  config.stdout_host_fd = out[1];
  auto wasi = std::make_shared<wasi::WasiModule>(std::make_shared<wasi::WasiContext>(config));
  auto inst = Instance::Instantiate(LoadOrDie("fake_wasi.so"), wasi::WasiModule::AsResolver(wasi));
  ASSERT_TRUE(inst.ok()) << inst.status();
  absl::StatusOr<CallResult> r = Call(*(*inst)->GetExport("_start"), {});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->trap.has_value());
  EXPECT_TRUE(r->trap->is_exit());
  EXPECT_EQ(r->trap->exit_code, 2);  // argc
  char buf[16] = {};
  EXPECT_EQ(read(out[0], buf, sizeof buf), 6);
  EXPECT_STREQ(buf, "hello\n");
  close(out[0]);
  close(out[1]);
}

// The shared WASI module: one set of host functions for every instance, each call using
// the calling instance's own context (InstanceOptions::host_context); two instances with
// different contexts see their own arguments and write to their own output; an instance
// without a context traps instead of reaching another's.
TEST(WasiShared, EachInstanceUsesItsOwnContext) {
  auto artifact = LoadOrDie("fake_wasi.so");
  auto shared = wasi::WasiModule::Shared();
  std::vector<int> fds;
  auto run = [&](std::vector<std::string> args, wasi::WasiContext* ctx) {
    InstanceOptions options;
    options.host_context = ctx;
    auto inst = Instance::Instantiate(artifact, wasi::WasiModule::AsResolver(shared), options);
    EXPECT_TRUE(inst.ok()) << inst.status();
    absl::StatusOr<CallResult> r = Call(*(*inst)->GetExport("_start"), {});
    EXPECT_TRUE(r.ok() && r->trap.has_value());
    return r.ok() && r->trap ? *r->trap : Trap{};
  };
  auto make = [&](std::vector<std::string> args) {
    auto out = std::make_shared<wasi::MemoryOutput>();
    out->cap = 1024;
    wasi::WasiConfig config;
    config.args = std::move(args);
    config.stdout_memory = out;
    return std::pair{std::make_shared<wasi::WasiContext>(config), out};
  };
  auto [one, one_out] = make({"prog"});
  auto [three, three_out] = make({"prog", "a", "b"});
  EXPECT_EQ(run({}, three.get()).exit_code, 3);
  EXPECT_EQ(run({}, one.get()).exit_code, 1);
  EXPECT_EQ(three_out->data, "hello\n");
  EXPECT_EQ(one_out->data, "hello\n");
  const Trap none = run({}, nullptr);
  EXPECT_FALSE(none.is_exit());
  EXPECT_EQ(none.code, KILN_TRAP_HOST);
  EXPECT_NE(none.message.find("without a WASI context"), std::string::npos) << none.message;
}

}  // namespace
}  // namespace kiln

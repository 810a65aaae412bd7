// Fuzz target: the WASI preview 1 and kiln_sandbox host functions called the way a hostile
// guest would, with wild pointers, lengths, descriptors, flags and memory contents.
//
// The guest is an instance of the loader's fake.so fixture (one page of memory, exported
// as "memory"). Each input is a little program, read byte by byte (see Program below):
// write bytes into guest memory, grow the memory, pass guest bytes through the terminal
// filter, or call a host function by its number in kFunctions with arguments drawn from
// the input. Every input starts from the same state: a fresh WasiContext whose stdio is
// /dev/null, a scratch directory pre-opened read-write as fd 3 ("/box", with files,
// directories and symlinks pointing inside and out) and one pre-opened read-only as fd 4
// ("/ro"). The first byte picks the path resolver (openat2 or the component walk).
//
// Beyond crashes and sanitizer reports, two oracles abort: anything changed outside the
// box (a file beside it, or inside the read-only pre-open), and terminal-filter output
// holding a control byte. Files are capped at 1 MiB (RLIMIT_FSIZE) so fd_allocate and
// fd_write cannot fill the disk; clock waits in poll_oneoff are shortened to at most 1 ms.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/Artifact.h"
#include "kiln/GuardedMemory.h"
#include "kiln/HostFunction.h"
#include "kiln/Instance.h"
#include "kiln/wasi/TerminalFilter.h"
#include "kiln/wasi/WasiModule.h"

namespace {

namespace fs = std::filesystem;
using kiln::wasi::WasiModule;

// The functions an input can call, by position: the input format depends on this order
// (seeds in make-corpus.py use the same list), so only ever append.
constexpr std::string_view kFunctions[] = {
    "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
    "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync",
    "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get",
    "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_prestat_get",
    "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
    "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get",
    "path_filestat_set_times", "path_link", "path_open", "path_readlink",
    "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
    "poll_oneoff", "proc_exit", "proc_raise", "random_get", "sched_yield", "sock_accept",
    "sock_recv", "sock_send", "sock_shutdown",
    // kiln_sandbox
    "sandbox.drop", "sandbox.capabilities", "sandbox.narrow",
};
constexpr size_t kNumFunctions = sizeof(kFunctions) / sizeof(kFunctions[0]);

struct Process {
  fs::path root;  // the scratch tree: root/box, root/ro, root/secret.txt
  int null_fd = -1;
  std::shared_ptr<const kiln::Artifact> artifact;
  std::shared_ptr<kiln::Instance> instance;
  bool memory_dirty_size = false;  // the last input grew the memory: instantiate anew
};
Process* g = nullptr;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "wasi_fuzzer: %s\n", why.c_str());
  std::abort();
}

void WriteFile(const fs::path& p, std::string_view text) {
  std::ofstream(p, std::ios::binary) << text;
}

// The box's starting contents: some names for paths to hit, and symlinks that a resolver
// must refuse to follow out of the box (and ones it may follow inside).
void ResetBox() {
  const fs::path box = g->root / "box";
  std::error_code ec;
  fs::remove_all(box, ec);
  if (ec) Die("cannot clean the box: " + ec.message());
  fs::create_directories(box / "a" / "b");
  fs::create_directories(box / "empty");
  WriteFile(box / "file.txt", "inside the box\n");
  WriteFile(box / "a" / "b" / "deep.txt", "deep\n");
  fs::create_symlink("../secret.txt", box / "rel_out");
  fs::create_symlink((g->root / "secret.txt").string(), box / "abs_out");
  fs::create_symlink("..", box / "up");
  fs::create_symlink(g->root.string(), box / "abs_root");
  fs::create_symlink("file.txt", box / "link_in");
  fs::create_symlink("../../file.txt", box / "a" / "b" / "link_up_in");
  fs::create_symlink("../../../ro/data.txt", box / "a" / "b" / "link_to_ro");
  fs::create_symlink("loop2", box / "loop1");
  fs::create_symlink("loop1", box / "loop2");
}

// What the guest must never change: everything under root except the box.
std::string Snapshot() {
  std::string out;
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(g->root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->path().filename() == "box" && it.depth() == 0) {
      it.disable_recursion_pending();
      continue;
    }
    paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& p : paths) {
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) Die("lstat " + p.string());
    out += p.string() + " " + std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "\n";
    if (S_ISREG(st.st_mode)) {
      std::ifstream in(p, std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), {});
    }
  }
  return out;
}
std::string* g_snapshot = nullptr;

std::shared_ptr<kiln::Instance> NewInstance() {
  kiln::ImportMap imports;
  imports.Add("env", "host_add",
              kiln::Extern::Func(kiln::HostFunction::Create({{KILN_I32, KILN_I32}, {KILN_I32}},
                                                            [](kiln::HostCall&) {})));
  auto inst = kiln::Instance::Instantiate(g->artifact, imports.AsResolver());
  if (!inst.ok()) Die("cannot instantiate fake.so: " + std::string(inst.status().message()));
  if ((*inst)->exported_memory() == nullptr) Die("fake.so exports no memory");
  return *inst;
}

// Reads the input front to back; past the end every read is 0.
class Program {
 public:
  Program(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ >= end_; }
  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | u8() << 8); }
  uint32_t u32() { return u16() | uint32_t{u16()} << 16; }
  uint64_t u64() { return u32() | uint64_t{u32()} << 32; }
  std::string_view bytes(size_t n) {
    n = std::min<size_t>(n, end_ - p_);
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// An i32 argument: mostly small numbers (descriptors, flags, lengths) and pointers into
// the memory, sometimes the edges of the memory and raw 32-bit values.
uint32_t Arg32(Program& in, uint64_t memory_size) {
  const uint8_t how = in.u8();
  switch (how & 7) {
    case 0: case 1: case 2: case 3: return in.u8();
    case 4: return in.u16();  // a pointer into the first page
    case 5: return static_cast<uint32_t>(memory_size - (in.u8() & 63));  // the memory's end
    case 6: {
      static constexpr uint32_t kEdges[] = {0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0xFFFFFFF0,
                                            0x10000, 0xFFFF, 1024, 4096};
      return kEdges[in.u8() & 7];
    }
    default: return in.u32();
  }
}

uint64_t Arg64(Program& in) {
  const uint8_t how = in.u8();
  switch (how & 3) {
    case 0: case 1: return in.u8();
    case 2: return in.u32();
    default: return in.u64();
  }
}

// Shortens the clock waits of a poll_oneoff call to at most 1 ms, in the guest's memory
// before the call; absolute deadlines become "now" (0). Nothing else is changed.
void ShortenClockWaits(uint8_t* base, uint64_t size, uint32_t in, uint32_t nsubs) {
  constexpr uint64_t kSub = 48;
  for (uint64_t i = 0; i < nsubs && i < 4096; ++i) {
    const uint64_t s = in + kSub * i;
    if (s + kSub > size) return;
    if (base[s + 8] != 0) continue;  // not a clock subscription
    uint64_t timeout;
    uint16_t flags;
    std::memcpy(&timeout, base + s + 24, 8);
    std::memcpy(&flags, base + s + 40, 2);
    timeout = (flags & 1) ? 0 : timeout % 1000000;
    std::memcpy(base + s + 24, &timeout, 8);
  }
}

void CheckFilterOutput(const std::string& out) {
  for (unsigned char ch : out) {
    if ((ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') || ch == 0x7F)
      Die("terminal filter let control byte " + std::to_string(ch) + " through");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g = new Process;
  // Files the guest writes are capped (SIGXFSZ is ignored in LLVMFuzzerTestOneInput).
  struct rlimit fsize = {1 << 20, 1 << 20};
  setrlimit(RLIMIT_FSIZE, &fsize);
  // tmpfs where there is one: fd_sync costs nothing there.
  std::string tmpl = (fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") +
                     std::string("/kiln-wasi-fuzz-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp");
  g->root = tmpl;
  fs::create_directories(g->root / "ro" / "sub");
  WriteFile(g->root / "ro" / "data.txt", "read only\n");
  fs::create_symlink("../secret.txt", g->root / "ro" / "out");
  WriteFile(g->root / "secret.txt", "secret\n");
  fs::create_directories(g->root / "box");
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g->root, ec);
  });
  g_snapshot = new std::string(Snapshot());
  g->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (g->null_fd < 0) Die("open /dev/null");
  auto artifact = kiln::Artifact::LoadFile(KILN_FAKE_ARTIFACT);
  if (!artifact.ok()) Die("cannot load " KILN_FAKE_ARTIFACT ": " + std::string(artifact.status().message()));
  g->artifact = *artifact;
  g->instance = NewInstance();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;  // keeps each run short; the interesting programs are small
  // SIGXFSZ, sent at the file-size cap, is ignored so that the write fails with EFBIG as a
  // guest would see it. Here, not at initialisation: libFuzzer installs a handler for it
  // after that.
  signal(SIGXFSZ, SIG_IGN);
  Program in(data, size);
  if (g->memory_dirty_size) {
    g->instance = NewInstance();
    g->memory_dirty_size = false;
  }
  kiln::GuardedMemory& memory = *g->instance->exported_memory();
  std::memset(memory.base(), 0, memory.size_bytes());
  ResetBox();

  // Fresh stdio descriptors each time: the guest may set flags on them.
  const int stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  kiln::wasi::WasiConfig config;
  config.args = {"prog", "arg one", ""};
  config.env = {"HOME=/box", "EMPTY="};
  config.stdin_host_fd = stdin_fd;
  config.stdout_host_fd = stdout_fd;
  config.stderr_host_fd = stdout_fd;
  config.max_open_files = 32;
  config.use_openat2 = (in.u8() & 1) == 0;
  // The context lives in `wasi` only: it goes, with every descriptor the guest opened, when
  // `wasi` does.
  auto wasi = std::make_unique<WasiModule>(std::make_shared<kiln::wasi::WasiContext>(config));
  if (!wasi->context().PreopenDirectory((g->root / "box").string(), "/box").ok() ||
      !wasi->context().PreopenDirectory((g->root / "ro").string(), "/ro", /*read_only=*/true).ok()) {
    Die("cannot pre-open the scratch directories");
  }
  std::vector<std::shared_ptr<kiln::HostFunction>> functions(kNumFunctions);
  for (size_t i = 0; i < kNumFunctions; ++i) {
    kiln::ImportRequest req;
    std::string_view name = kFunctions[i];
    req.module = kiln::wasi::kModuleName;
    if (name.starts_with("sandbox.")) {
      req.module = kiln::wasi::kSandboxModuleName;
      name.remove_prefix(8);
    }
    req.name = name;
    req.kind = kiln::ExternKind::kFunc;
    std::optional<kiln::Extern> e = wasi->Resolve(req);
    if (e.has_value()) functions[i] = e->host_function;
  }
  kiln::wasi::TerminalFilter filter;

  for (int steps = 0; steps < 64 && !in.done(); ++steps) {
    const uint8_t op = in.u8();
    const uint64_t mem_size = memory.size_bytes();
    if (op < 0xE0) {  // a call
      const std::shared_ptr<kiln::HostFunction>& fn = functions[op % kNumFunctions];
      if (fn == nullptr) continue;
      const kiln::FuncType& type = fn->type();
      std::vector<kiln_val> values(std::max<size_t>(type.params.size(), type.results.size()) + 1);
      for (size_t k = 0; k < type.params.size(); ++k) {
        if (type.params[k] == KILN_I64) {
          values[k].i64 = Arg64(in);
        } else {
          values[k].i32 = Arg32(in, mem_size);
        }
      }
      if (kFunctions[op % kNumFunctions] == "poll_oneoff") {
        ShortenClockWaits(memory.base(), mem_size, values[0].i32, values[2].i32);
      }
      kiln::HostCall call;
      call.caller = g->instance.get();
      call.type = &type;
      call.values = values.data();
      fn->Invoke(call);
      if (call.trap_code != KILN_TRAP_NONE) break;  // proc_exit, proc_raise: the guest ends
    } else if (op < 0xF0) {  // bytes into memory
      const uint32_t addr = (op & 1) ? in.u16() : static_cast<uint32_t>(mem_size - (in.u8() + 1));
      const std::string_view bytes = in.bytes(in.u8());
      if (addr < mem_size) {
        const uint64_t n = std::min<uint64_t>(bytes.size(), mem_size - addr);
        std::memcpy(memory.base() + addr, bytes.data(), n);
      }
    } else if (op < 0xF8) {  // a u32 into memory (iovec fields, lengths, pointers)
      const uint32_t addr = in.u16();
      const uint32_t value = Arg32(in, mem_size);
      if (uint64_t{addr} + 4 <= mem_size) std::memcpy(memory.base() + addr, &value, 4);
    } else if (op < 0xFC) {  // memory.grow
      if (memory.Grow(in.u8() % 3) >= 0) g->memory_dirty_size = true;
    } else {  // guest bytes through the terminal filter
      const uint32_t addr = in.u16();
      const uint32_t len = in.u8();
      if (uint64_t{addr} + len <= mem_size) {
        std::string out;
        filter.Filter(std::string_view(reinterpret_cast<const char*>(memory.base() + addr), len), &out);
        CheckFilterOutput(out);
      }
    }
  }
  std::string out;
  filter.Flush(&out);
  CheckFilterOutput(out);

  functions.clear();
  wasi.reset();  // closes every descriptor the guest opened
  close(stdin_fd);
  close(stdout_fd);
  if (Snapshot() != *g_snapshot) Die("the guest changed something outside its box");
  return 0;
}

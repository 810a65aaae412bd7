// kilnc: compile a WebAssembly module ahead of time into a kiln artifact (.so).
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "kiln/Signature.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/text/Wat.h"

namespace {

// Reads a whole file in one go (its size first: a module can be a gigabyte).
bool readFile(const std::string& path, std::vector<uint8_t>* out, std::string* err) {
  // A directory opens as a stream on Linux and reports a huge size.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *err = "'" + path + "' is a directory";
    return false;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *err = "cannot open '" + path + "'";
    return false;
  }
  f.seekg(0, std::ios::end);
  const std::streamoff size = f ? static_cast<std::streamoff>(f.tellg()) : -1;
  if (size < 0) {  // not seekable (a pipe): read it as a stream
    f.clear();
    out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  } else {
    out->resize(static_cast<size_t>(size));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(out->data()), size);
  }
  if (f.bad() || (size >= 0 && f.gcount() != size)) {
    *err = "cannot read '" + path + "'";
    return false;
  }
  return true;
}

bool endsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Reads a module: binary, or text (.wat, or any file other than .wasm that does not start
// with the `\0asm` magic), which is parsed into its binary encoding. A .wasm file is always
// binary, so that a damaged one gets the decoder's error. Errors are printed; returns false
// on one.
bool readModule(const std::string& path, std::vector<uint8_t>* out) {
  std::string err;
  if (!readFile(path, out, &err)) {
    std::fprintf(stderr, "kilnc: error: %s\n", err.c_str());
    return false;
  }
  if (endsWith(path, ".wasm")) return true;
  if (!endsWith(path, ".wat") && kiln::text::looksLikeBinary(*out)) return true;
  std::string_view text(reinterpret_cast<const char*>(out->data()), out->size());
  absl::StatusOr<std::vector<uint8_t>> binary = kiln::text::parseWat(text, path);
  if (!binary.ok()) {
    std::fprintf(stderr, "kilnc: error: %s\n", std::string(binary.status().message()).c_str());
    return false;
  }
  *out = std::move(*binary);
  return true;
}

std::string defaultOutput(const std::string& input, kiln::EmitKind emit) {
  std::string stem = input;
  size_t slash = stem.find_last_of('/');
  size_t dot = stem.find_last_of('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    stem.resize(dot);
  switch (emit) {
    case kiln::EmitKind::Object: return stem + ".o";
    case kiln::EmitKind::Assembly: return stem + ".s";
    case kiln::EmitKind::LLVMIR: return stem + ".ll";
    default: return stem + ".so";
  }
}

// Shows where a compile is on the terminal and keeps the time each stage took (for -v).
// In "auto" mode nothing is drawn for compiles that finish within a second, or when stderr
// is not a terminal; the line is redrawn in place and erased at the end.
class Progress {
 public:
  enum class Mode { kAuto, kAlways, kNever };
  explicit Progress(Mode mode) : start_(Clock::now()) {
    const char* term = std::getenv("TERM");
    tty_ = isatty(2) && !(term && std::strcmp(term, "dumb") == 0);
    draw_ = mode == Mode::kAlways || (mode == Mode::kAuto && tty_);
    if (draw_) ticker_ = std::thread([this] { Tick(); });
  }
  ~Progress() { Finish(); }

  void Update(std::string_view stage, unsigned done, unsigned total) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stage != stage_) {
      EndStage();
      stage_ = std::string(stage);
      stage_start_ = Clock::now();
    }
    done_ = done;
    total_ = total;
    if (total > parts_) parts_ = total;
    if (draw_ && (!tty_ || Elapsed() >= 1.0)) Draw();
  }

  // Stops drawing and erases the line. Safe to call twice.
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      EndStage();
      if (drawn_ && tty_) std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    }
    cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
  }

  double Elapsed() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }
  unsigned parts() const { return parts_; }
  const std::vector<std::pair<std::string, double>>& stages() const { return stages_; }

 private:
  using Clock = std::chrono::steady_clock;

  void EndStage() {
    if (stage_.empty()) return;
    stages_.emplace_back(stage_,
                         std::chrono::duration<double>(Clock::now() - stage_start_).count());
    stage_.clear();
  }
  void Draw() {
    if (stage_.empty()) return;
    std::string line = "kilnc: " + stage_;
    if (total_ > 1) line += " (" + std::to_string(done_) + "/" + std::to_string(total_) + " parts)";
    char t[32];
    std::snprintf(t, sizeof t, " %.1fs", Elapsed());
    line += t;
    if (tty_)
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    else
      std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  void Tick() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopped_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (!stopped_ && tty_ && Elapsed() >= 1.0) Draw();
    }
  }

  Clock::time_point start_, stage_start_;
  bool tty_ = false, draw_ = false, drawn_ = false, stopped_ = false;
  std::string stage_;
  unsigned done_ = 0, total_ = 0, parts_ = 0;
  std::vector<std::pair<std::string, double>> stages_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread ticker_;
};

}  // namespace

// Appends a signature block to the artifact at `path` (written anew, then renamed over it).
absl::Status signFile(const std::string& path, const kiln::SecretKey& key) {
  std::vector<uint8_t> artifact;
  std::string err;
  if (!readFile(path, &artifact, &err)) return absl::DataLossError(err + " to sign it");
  const std::vector<uint8_t> signed_bytes = kiln::SignArtifact(artifact, key);
  const std::string tmp = path + ".signing";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(signed_bytes.data()),
              static_cast<std::streamsize>(signed_bytes.size()));
    if (!out.good()) return absl::DataLossError("cannot write the signed artifact");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::DataLossError("cannot replace the artifact with its signed form");
  }
  return absl::OkStatus();
}

int main(int argc, char** argv) {
  CLI::App app{
      "kilnc: compile a WebAssembly module ahead of time into a native x86-64 kiln artifact.\n"
      "The module is fully validated first; errors name the byte offset and function.\n"
      "Input is a binary module (.wasm) or a text module (.wat, or any other file that does\n"
      "not start with the \\0asm magic), read by kiln's own text-format reader.\n\n"
      "  kilnc app.wasm -o app.so [-O0|-O1|-O2|-O3] [--target-cpu=NAME] [--emit=KIND] [-j N]\n"
      "  kilnc app.wat -o app.so\n"
      "  kilnc validate app.wasm|app.wat\n",
      "kilnc"};
  app.set_version_flag("--version", kiln::compilerVersion());
  app.require_subcommand(0, 1);

  std::string input, output, cpu = kiln::kDefaultTargetCpu, emit = "so";
  int opt = 2;
  bool fuel = false, no_epoch = false, verbose = false;
  unsigned jobs = 0;
  std::string sign_key, progress = "auto";
  app.add_option("input", input, "Input WebAssembly module (.wasm binary or .wat text)");
  app.add_option("-o,--output", output, "Output file (default: input name with .so/.o/.s/.ll)");
  app.add_option("-O", opt, "Optimisation level 0-3 (default 2)")->check(CLI::Range(0, 3));
  app.add_option("--target-cpu", cpu,
                 "Target CPU (default x86-64-v2, a portable baseline; 'native' = this host)");
  app.add_option("--emit", emit, "What to write: so (default), obj, asm, llvm")
      ->check(CLI::IsMember({"so", "obj", "asm", "llvm"}));
  app.add_flag("--fuel", fuel,
               "Meter fuel: every executed Wasm instruction costs one unit, so `kiln run\n"
               "--fuel N` stops the guest at the same point on every run (costs speed; the\n"
               "epoch checks behind `kiln run --timeout` are always compiled in)");
  bool epoch = false;
  app.add_flag("--epoch-checks", epoch,
               "Poll for interruption at every function entry and loop header (costs speed and\n"
               "stops loops from being vectorised). Not needed by `kiln run --timeout`, which\n"
               "interrupts Wasm code by signal; for embedders that cannot use signals");
  app.add_flag("--no-epoch-checks", no_epoch, "No polling for interruption (the default)");
  bool no_code_map = false;
  app.add_flag("--no-code-map", no_code_map,
               "Leave out the code map, which lets traps report the Wasm byte offset of the\n"
               "trapping instruction (also inside inlined functions) and a backtrace of every\n"
               "Wasm frame. Smaller artifact, faster compile; no effect on run-time speed");

  app.add_option("-j,--jobs", jobs,
                 "Threads for code generation (default: one per core). The module is split\n"
                 "into parts by its size alone, so the artifact is byte-identical whatever N")
      ->type_name("N")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--progress", progress,
                 "Show the compile's progress on stderr: auto (default: on a terminal, for\n"
                 "compiles over a second), always (one line per stage), never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  std::vector<std::string> llvm_args;
  app.add_option("--llvm-arg", llvm_args, "Pass an option to LLVM (for compiler developers)")
      ->group("");
  app.add_flag("-v,--verbose", verbose,
               "Print what the compile did: size, time per stage, code generation parts and\n"
               "threads, throughput in KB of Wasm per second");

  app.add_option("--sign", sign_key,
                 "Sign the artifact with the Ed25519 secret key in KEY (made by `kiln keygen`):\n"
                 "a signature block over every byte is appended, which `kiln run\n"
                 "--require-signature KEY.pub` and `kiln verify` check before mapping it")
      ->type_name("KEY");

  CLI::App* validate = app.add_subcommand("validate", "Decode and validate only");
  std::string validateInput;
  validate->add_option("input", validateInput, "Input WebAssembly module (.wasm or .wat)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help, version or the error
    return rc == 0 ? 0 : 2;
  }

  std::vector<uint8_t> bytes;
  if (validate->parsed()) {
    if (!readModule(validateInput, &bytes)) return 1;
    absl::Status s = kiln::validateOnly(bytes);
    if (!s.ok()) {
      std::fprintf(stderr, "kilnc: error: %s: %s\n", validateInput.c_str(),
                   std::string(s.message()).c_str());
      return 1;
    }
    return 0;
  }
  if (input.empty()) {
    std::fprintf(stderr, "kilnc: error: no input file (see kilnc --help)\n");
    return 2;
  }
  if (!readModule(input, &bytes)) return 1;
  kiln::CompileOptions options;
  options.optLevel = opt;
  options.targetCpu = cpu;
  options.inputName = input;
  options.fuel = fuel;
  options.epochChecks = epoch && !no_epoch;
  options.codeMap = !no_code_map;
  options.emit = emit == "obj"    ? kiln::EmitKind::Object
                 : emit == "asm"  ? kiln::EmitKind::Assembly
                 : emit == "llvm" ? kiln::EmitKind::LLVMIR
                                  : kiln::EmitKind::SharedObject;
  if (output.empty()) output = defaultOutput(input, options.emit);
  if (std::error_code ec; output != "-" && std::filesystem::equivalent(input, output, ec)) {
    std::fprintf(stderr, "kilnc: error: the output %s is the input: it would be overwritten\n",
                 output.c_str());
    return 2;
  }
  std::optional<kiln::SecretKey> key;
  if (!sign_key.empty()) {
    if (options.emit != kiln::EmitKind::SharedObject) {
      std::fprintf(stderr, "kilnc: error: --sign signs artifacts (.so), not --emit=%s output\n",
                   emit.c_str());
      return 2;
    }
    absl::StatusOr<kiln::SecretKey> k = kiln::ReadSecretKeyFile(sign_key);
    if (!k.ok()) {
      std::fprintf(stderr, "kilnc: error: --sign: %s\n", std::string(k.status().message()).c_str());
      return 1;
    }
    key = *k;
  }
  options.jobs = jobs;
  kiln::setLlvmOptions(llvm_args);
  Progress tracker(progress == "always" ? Progress::Mode::kAlways
                   : progress == "never" ? Progress::Mode::kNever
                                         : Progress::Mode::kAuto);
  options.progress = [&](std::string_view stage, unsigned done, unsigned total) {
    tracker.Update(stage, done, total);
  };
  absl::Status s = kiln::compileToFile(bytes, options, output);
  if (s.ok() && key.has_value()) {
    tracker.Update("signing", 0, 0);
    s = signFile(output, *key);
  }
  tracker.Finish();
  if (s.ok() && verbose) {
    const double seconds = tracker.Elapsed();
    std::string stages;
    for (const auto& [name, t] : tracker.stages()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%s %.3fs", stages.empty() ? "" : ", ", name.c_str(), t);
      stages += buf;
    }
    const unsigned threads =
        std::min(jobs ? jobs : std::max(1u, std::thread::hardware_concurrency()),
                 std::max(1u, tracker.parts()));
    std::fprintf(stderr,
                 "kilnc: %s: %zu bytes of Wasm in %.3fs (%.0f KB/s) at -O%d; %s; code generation "
                 "in %u part%s on %u thread%s\n",
                 input.c_str(), bytes.size(), seconds, bytes.size() / 1024.0 / seconds, opt,
                 stages.c_str(), tracker.parts(), tracker.parts() == 1 ? "" : "s",
                 threads, threads == 1 ? "" : "s");
  }
  if (!s.ok()) {
    std::fprintf(stderr, "kilnc: error: %s: %s\n", input.c_str(), std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

// wasm_module_new in libkiln: compiles in-process with kilnc's library.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "Compile.h"
#include "kiln/compiler/Compiler.h"

namespace kiln::capi {

absl::StatusOr<std::vector<uint8_t>> CompileModule(const std::vector<uint8_t>& wasm,
                                                   const CompileSettings& settings) {
  kiln::CompileOptions options;
  options.optLevel = settings.opt_level;
  options.fuel = settings.fuel;
  options.epochChecks = settings.epoch_checks;
  options.inputName = "wasm_module_new";
  options.jobs = 1;
  // lld links to a file: a private temporary one, read back and removed.
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  const std::filesystem::path out =
      dir / ("kiln-capi-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".so");
  absl::Status s = kiln::compileToFile(wasm, options, out.string());
  if (!s.ok()) {
    std::filesystem::remove(out, ec);
    return s;
  }
  std::ifstream in(out, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(out, ec);
  if (bytes.empty()) return absl::InternalError("the compiled artifact could not be read back");
  return bytes;
}

}  // namespace kiln::capi

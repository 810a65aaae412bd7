// In-process link of the object into the artifact `.so` with lld's ELF driver.
#include <mutex>

#include "codegen/Codegen.h"
#include "lld/Common/Driver.h"
#include "llvm/Support/raw_ostream.h"

LLD_HAS_DRIVER(elf)

namespace kiln::codegen {

absl::Status linkSharedObject(const std::vector<std::string>& objectPaths,
                              const std::string& outputPath, bool stripDebug) {
  // lld keeps global state per link: links run one at a time in a process.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::vector<const char*> args = {
      "ld.lld", "-shared", "--no-undefined", "-z", "now", "-z", "relro", "-z", "noexecstack",
      "-z", "text", "-z", "separate-code", "--hash-style=gnu", "--build-id=none",
      "--eh-frame-hdr", "-Bsymbolic", "--no-dynamic-linker", "-nostdlib", "-o",
      outputPath.c_str()};
  if (stripDebug) args.push_back("--strip-debug");
  for (const std::string& path : objectPaths) args.push_back(path.c_str());
  std::string out, err;
  llvm::raw_string_ostream outs(out), errs(err);
  lld::Result r = lld::lldMain(args, outs, errs, {{lld::Gnu, &lld::elf::link}});
  outs.flush();
  errs.flush();
  if (r.retCode != 0)
    return absl::InternalError("link failed: " + (err.empty() ? out : err));
  if (!r.canRunAgain)
    return absl::InternalError("lld cannot run again in this process: " + err);
  return absl::OkStatus();
}

}  // namespace kiln::codegen

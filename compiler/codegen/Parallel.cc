// Parallel code generation: the optimised module is split into parts that are compiled to
// objects concurrently, each in a context of its own, and linked together afterwards.
//
// Determinism: the number of parts depends on the module alone and the split itself is a
// pure function of the module (llvm::SplitModule, round-robin over functions in module
// order), so the objects, and the linked artifact, are the same bytes whatever the number
// of threads or the order in which the parts finish.
#include <future>

#include "absl/strings/str_format.h"
#include "codegen/Codegen.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/SplitModule.h"

namespace kiln::codegen {
namespace {

// Instructions per part: below this a part's fixed cost (a context, a target machine, the
// bitcode round trip, the declarations it repeats) is not worth paying.
constexpr uint64_t kInstructionsPerPart = 8000;
constexpr unsigned kMaxParts = 32;

}  // namespace

unsigned definedFunctions(const llvm::Module& module) {
  unsigned n = 0;
  for (const llvm::Function& f : module) n += !f.isDeclaration();
  return n;
}

unsigned partitionCount(const llvm::Module& module) {
  uint64_t instructions = 0;
  unsigned functions = 0;
  for (const llvm::Function& f : module) {
    if (f.isDeclaration()) continue;
    ++functions;
    instructions += f.getInstructionCount();
  }
  uint64_t parts = instructions / kInstructionsPerPart;
  if (parts > kMaxParts) parts = kMaxParts;
  if (parts > functions) parts = functions;
  return parts < 1 ? 1 : static_cast<unsigned>(parts);
}

absl::StatusOr<std::vector<std::string>> emitObjectsInParallel(
    llvm::Module& module, unsigned parts, unsigned threads, const std::string& cpu,
    int optLevel, const std::function<void(unsigned done)>& partDone) {
  // Split in this thread (the parts share `module`'s context) and serialise each part, so
  // that the workers share nothing.
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  bitcode.reserve(parts);
  llvm::SplitModule(
      module, parts,
      [&](std::unique_ptr<llvm::Module> part) {
        bitcode.emplace_back();
        llvm::raw_svector_ostream os(bitcode.back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);
  if (bitcode.size() != parts)
    return absl::InternalError(absl::StrFormat("module split into %d parts, not %d",
                                               bitcode.size(), parts));

  std::vector<absl::StatusOr<std::string>> objects(parts, absl::UnknownError("not compiled"));
  if (threads == 0) threads = llvm::hardware_concurrency().compute_thread_count();
  if (threads > parts) threads = parts;
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(threads));
  std::vector<std::shared_future<void>> done;
  done.reserve(parts);
  for (unsigned i = 0; i < parts; ++i) {
    done.push_back(pool.async([&, i] {
      llvm::LLVMContext ctx;
      llvm::MemoryBufferRef buffer(llvm::StringRef(bitcode[i].data(), bitcode[i].size()),
                                   "wasm");
      llvm::Expected<std::unique_ptr<llvm::Module>> part = llvm::parseBitcodeFile(buffer, ctx);
      if (!part) {
        objects[i] = absl::InternalError("cannot read back a code generation part: " +
                                         llvm::toString(part.takeError()));
        return;
      }
      absl::StatusOr<Target> target = createTarget(cpu, optLevel);
      if (!target.ok()) {
        objects[i] = target.status();
        return;
      }
      objects[i] = emitMachineCode(**part, *target->machine, /*assembly=*/false);
    }));
  }
  std::vector<std::string> out;
  out.reserve(parts);
  for (unsigned i = 0; i < parts; ++i) {
    done[i].wait();
    if (partDone) partDone(i + 1);
  }
  pool.wait();
  for (unsigned i = 0; i < parts; ++i) {
    if (!objects[i].ok()) return objects[i].status();
    out.push_back(std::move(*objects[i]));
  }
  return out;
}

}  // namespace kiln::codegen

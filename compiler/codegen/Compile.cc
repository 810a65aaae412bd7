// The compile pipeline: decode, validate, lower, optimise, emit, link.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/abi.h"
#include "codegen/CodeMap.h"
#include "codegen/Codegen.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Validator.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

const char* compilerVersion() { return "kilnc " KILN_VERSION " (LLVM " LLVM_VERSION_STRING ")"; }

void setLlvmOptions(const std::vector<std::string>& args) {
  if (args.empty()) return;
  codegen::initializeTargets();  // kilnc's defaults first, so that these override them
  std::vector<const char*> argv = {"kilnc"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  llvm::cl::ParseCommandLineOptions(static_cast<int>(argv.size()), argv.data(), "kilnc\n");
}

namespace {

absl::Status writeFile(const std::string& path, const std::string& data) {
  if (path == "-") {
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fflush(stdout);
    return absl::OkStatus();
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return absl::NotFoundError("cannot open '" + path + "' for writing");
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  f.close();
  if (!f) return absl::DataLossError("writing '" + path + "' failed");
  return absl::OkStatus();
}

constexpr double kMiB = 1024.0 * 1024.0;

// A module the loader could never take is refused before any work: an artifact carries
// every data segment's bytes, so data larger than the largest artifact cannot fit (and
// compiling it would take several times its size in memory, only to be refused at load).
absl::Status checkFitsInArtifact(const wasm::Module& m) {
  uint64_t data = 0;
  for (const wasm::DataSegment& s : m.datas) data += s.dataSize;
  if (data > KILN_MAX_ARTIFACT_SIZE) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the module's data segments total %.1f MiB; a kiln artifact holds at most %.0f MiB "
        "(KILN_MAX_ARTIFACT_SIZE, the largest file and image the loader maps), so it cannot "
        "be compiled",
        data / kMiB, KILN_MAX_ARTIFACT_SIZE / kMiB));
  }
  return absl::OkStatus();
}

// The linked artifact must be one the loader accepts.
absl::Status checkArtifactSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::InternalError("cannot stat " + path);
  if (static_cast<uint64_t>(st.st_size) <= KILN_MAX_ARTIFACT_SIZE) return absl::OkStatus();
  std::remove(path.c_str());
  return absl::ResourceExhaustedError(absl::StrFormat(
      "the artifact would be %.1f MiB; the loader maps at most %.0f MiB "
      "(KILN_MAX_ARTIFACT_SIZE); nothing was written",
      st.st_size / kMiB, KILN_MAX_ARTIFACT_SIZE / kMiB));
}

absl::StatusOr<wasm::Module> decodeAndValidate(const std::vector<uint8_t>& bytes,
                                               const wasm::Features& features) {
  absl::StatusOr<wasm::Module> m = wasm::decodeModule(bytes, features);
  if (!m.ok()) return m.status();
  if (absl::Status s = wasm::validateModule(*m, features); !s.ok()) return s;
  return m;
}

}  // namespace

absl::Status validateOnly(const std::vector<uint8_t>& wasm, const wasm::Features& features) {
  return decodeAndValidate(wasm, features).status();
}

absl::Status compileToFile(const std::vector<uint8_t>& bytes, const CompileOptions& options,
                           const std::string& outputPath) {
  auto stage = [&](std::string_view name, unsigned done = 0, unsigned total = 0) {
    if (options.progress) options.progress(name, done, total);
  };
  stage("validating");
  absl::StatusOr<wasm::Module> m = decodeAndValidate(bytes, options.features);
  if (!m.ok()) return m.status();
  if (absl::Status s = checkFitsInArtifact(*m); !s.ok()) return s;

  absl::StatusOr<codegen::Target> target =
      codegen::createTarget(options.targetCpu, options.optLevel);
  if (!target.ok()) return target.status();

  stage("lowering");
  llvm::LLVMContext ctx;
  // A fixed module name: the input's path would end up in the object (its source file
  // name) and the artifact would differ with the directory it was built in.
  llvm::Module mod("wasm", ctx);
  mod.setTargetTriple(target->machine->getTargetTriple().str());
  mod.setDataLayout(target->machine->createDataLayout());
  lower::TargetInfo info = target->info;
  info.fuel = options.fuel;
  info.epochChecks = options.epochChecks;
  info.codeMap = options.codeMap && options.emit == EmitKind::SharedObject;
  if (absl::Status s = lower::lowerModule(*m, info, bytes, mod); !s.ok()) return s;

  stage("optimising");
  if (absl::Status s = codegen::optimize(mod, *target->machine, options.optLevel); !s.ok())
    return s;

  if (options.emit == EmitKind::LLVMIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    mod.print(os, nullptr);
    os.flush();
    return writeFile(outputPath, text);
  }
  if (options.emit != EmitKind::SharedObject) {
    // A single object or assembly file: one part, on this thread.
    stage("generating code", 0, 1);
    absl::StatusOr<std::string> code = codegen::emitMachineCode(
        mod, *target->machine, options.emit == EmitKind::Assembly);
    if (!code.ok()) return code.status();
    return writeFile(outputPath, *code);
  }
  if (outputPath == "-") return absl::InvalidArgumentError("a shared object cannot be written to stdout");

  const unsigned parts = options.codegenParts
                             ? std::min(options.codegenParts, codegen::definedFunctions(mod))
                             : codegen::partitionCount(mod);
  stage("generating code", 0, parts);
  std::vector<std::string> objects;
  if (parts <= 1) {
    absl::StatusOr<std::string> code = codegen::emitMachineCode(mod, *target->machine, false);
    if (!code.ok()) return code.status();
    objects.push_back(std::move(*code));
    stage("generating code", 1, 1);
  } else {
    absl::StatusOr<std::vector<std::string>> codes = codegen::emitObjectsInParallel(
        mod, parts, options.jobs, target->info.cpu, options.optLevel,
        [&](unsigned done) { stage("generating code", done, parts); });
    if (!codes.ok()) return codes.status();
    objects = std::move(*codes);
  }

  // Link through private temporary object files in a directory of their own.
  stage("linking");
  char dirTemplate[] = "/tmp/kilnc-XXXXXX";
  if (!mkdtemp(dirTemplate)) return absl::InternalError("cannot create a temporary directory in /tmp");
  const std::string dir = dirTemplate;
  std::vector<std::string> paths;
  absl::Status s;
  for (size_t i = 0; i < objects.size() && s.ok(); ++i) {
    paths.push_back(absl::StrCat(dir, "/part", i, ".o"));
    s = writeFile(paths.back(), objects[i]);
  }
  if (s.ok() && info.codeMap) {
    // Link once with the debug information and an empty map, read the map from that, and
    // link again with the map instead of the debug information (codegen/CodeMap.h).
    const std::string mapPath = dir + "/codemap.o", firstPath = dir + "/with-debug.so";
    absl::StatusOr<std::string> empty = codegen::emitCodeMapObject(
        codegen::serializeCodeMap({}), *target->machine);
    s = empty.status();
    if (s.ok()) s = writeFile(mapPath, *empty);
    std::vector<std::string> all = paths;
    all.push_back(mapPath);
    if (s.ok()) s = codegen::linkSharedObject(all, firstPath, /*stripDebug=*/false);
    absl::StatusOr<std::string> map = s.ok() ? codegen::buildCodeMap(firstPath, *m)
                                             : absl::StatusOr<std::string>(s);
    std::remove(firstPath.c_str());
    if (!map.ok()) s = map.status();
    absl::StatusOr<std::string> mapObject =
        s.ok() ? codegen::emitCodeMapObject(*map, *target->machine) : absl::StatusOr<std::string>(s);
    if (!mapObject.ok()) s = mapObject.status();
    if (s.ok()) s = writeFile(mapPath, *mapObject);
    if (s.ok()) s = codegen::linkSharedObject(all, outputPath, /*stripDebug=*/true);
    std::remove(mapPath.c_str());
  } else if (s.ok()) {
    s = codegen::linkSharedObject(paths, outputPath, /*stripDebug=*/true);
  }
  if (s.ok()) s = checkArtifactSize(outputPath);
  for (const std::string& p : paths) std::remove(p.c_str());
  rmdir(dir.c_str());
  return s;
}

}  // namespace kiln

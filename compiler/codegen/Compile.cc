// The compile pipeline: decode, validate, lower, optimise, emit, link.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "codegen/Codegen.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Validator.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

const char* compilerVersion() { return "kilnc " KILN_VERSION " (LLVM " LLVM_VERSION_STRING ")"; }

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
  absl::StatusOr<wasm::Module> m = decodeAndValidate(bytes, options.features);
  if (!m.ok()) return m.status();

  absl::StatusOr<codegen::Target> target =
      codegen::createTarget(options.targetCpu, options.optLevel);
  if (!target.ok()) return target.status();

  llvm::LLVMContext ctx;
  // A fixed module name: the input's path would end up in the object (its source file
  // name) and the artifact would differ with the directory it was built in.
  llvm::Module mod("wasm", ctx);
  mod.setTargetTriple(target->machine->getTargetTriple().str());
  mod.setDataLayout(target->machine->createDataLayout());
  lower::TargetInfo info = target->info;
  info.fuel = options.fuel;
  info.epochChecks = options.epochChecks;
  if (absl::Status s = lower::lowerModule(*m, info, bytes, mod); !s.ok()) return s;

  codegen::optimize(mod, *target->machine, options.optLevel);

  if (options.emit == EmitKind::LLVMIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    mod.print(os, nullptr);
    os.flush();
    return writeFile(outputPath, text);
  }
  absl::StatusOr<std::string> code = codegen::emitMachineCode(
      mod, *target->machine, options.emit == EmitKind::Assembly);
  if (!code.ok()) return code.status();
  if (options.emit != EmitKind::SharedObject) return writeFile(outputPath, *code);
  if (outputPath == "-") return absl::InvalidArgumentError("a shared object cannot be written to stdout");

  // Link through a private temporary object file next to nothing else.
  char tmpl[] = "/tmp/kilnc-XXXXXX.o";
  int fd = mkstemps(tmpl, 2);
  if (fd < 0) return absl::InternalError("cannot create a temporary file in /tmp");
  close(fd);
  std::string objPath = tmpl;
  absl::Status s = writeFile(objPath, *code);
  if (s.ok()) s = codegen::linkSharedObject(objPath, outputPath);
  std::remove(objPath.c_str());
  return s;
}

}  // namespace kiln

#include "codegen/Codegen.h"

#include "absl/strings/str_format.h"
#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "lower/BoundsVersioning.h"
#include "lower/CheckFolding.h"
#include "lower/TrapWitness.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/Mem2Reg.h"
#include "llvm/Transforms/Scalar/SROA.h"

namespace kiln::codegen {
namespace {

constexpr const char* kTriple = "x86_64-unknown-linux-gnu";

// Pass options kilnc sets differently from LLVM's defaults (process-wide; set once, before
// any compile, and still overridable by --llvm-arg, which is parsed later).
void setPassDefaults() {
  llvm::StringMap<llvm::cl::Option*>& options = llvm::cl::getRegisteredOptions();
  // Induction-variable widening rewrites a 32-bit Wasm index that feeds an address,
  // zext(i32 iv), into `and i64 wide_iv, 0xffffffff`, which scalar evolution cannot see
  // through: the loop vectoriser then finds no consecutive accesses. Left narrow, the
  // index stays zext(affine i32 recurrence), which the vectoriser versions with a run-time
  // check that it does not wrap (Wasm's 32-bit address arithmetic) and vectorises.
  if (auto it = options.find("indvars-widen-indvars"); it != options.end())
    static_cast<llvm::cl::opt<bool>*>(it->second)->setValue(false);
}

}  // namespace

void initializeTargets() {
  static bool done = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
    setPassDefaults();
    return true;
  }();
  (void)done;
}

namespace {

uint64_t featureMask(const llvm::MCSubtargetInfo& sti) {
  struct F {
    const char* name;
    uint64_t bit;
  };
  static const F features[] = {
      {"sse3", KILN_CPU_SSE3},       {"ssse3", KILN_CPU_SSSE3},   {"sse4.1", KILN_CPU_SSE41},
      {"sse4.2", KILN_CPU_SSE42},    {"popcnt", KILN_CPU_POPCNT}, {"avx", KILN_CPU_AVX},
      {"avx2", KILN_CPU_AVX2},       {"bmi", KILN_CPU_BMI1},      {"bmi2", KILN_CPU_BMI2},
      {"lzcnt", KILN_CPU_LZCNT},     {"fma", KILN_CPU_FMA},       {"f16c", KILN_CPU_F16C},
      {"movbe", KILN_CPU_MOVBE},     {"avx512f", KILN_CPU_AVX512F},
      {"avx512bw", KILN_CPU_AVX512BW}, {"avx512dq", KILN_CPU_AVX512DQ},
      {"avx512vl", KILN_CPU_AVX512VL}, {"cx16", KILN_CPU_CX16},   {"sahf", KILN_CPU_SAHF}};
  uint64_t mask = 0;
  for (const F& f : features)
    if (sti.checkFeatures(std::string("+") + f.name)) mask |= f.bit;
  return mask;
}

}  // namespace

absl::StatusOr<Target> createTarget(const std::string& cpuIn, int optLevel) {
  initializeTargets();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, error);
  if (!target) return absl::InternalError("no x86-64 target in this LLVM: " + error);
  std::string cpu = cpuIn == "native" ? llvm::sys::getHostCPUName().str() : cpuIn;
  // Check the name on a generic subtarget first: LLVM warns on stderr for unknown CPUs.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(target->createMCSubtargetInfo(kTriple, "", ""));
  if (!generic || !generic->isCPUStringValid(cpu))
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown target CPU '%s' (try x86-64, x86-64-v2, x86-64-v3, x86-64-v4, native or an "
        "LLVM CPU name such as skylake)", cpuIn));
  std::unique_ptr<llvm::MCSubtargetInfo> sti(target->createMCSubtargetInfo(kTriple, cpu, ""));
  Target t;
  t.info.cpu = cpu;
  t.info.cpuFeatureMask = featureMask(*sti);
  t.info.optLevel = optLevel;
  if (!(t.info.cpuFeatureMask & KILN_CPU_SSE41))
    return absl::InvalidArgumentError(absl::StrFormat(
        "target CPU '%s' lacks SSE4.1, which kiln requires for exact float rounding; use "
        "x86-64-v2 or newer", cpu));
  llvm::TargetOptions opts;
  opts.ExceptionModel = llvm::ExceptionHandling::None;
  // Wasm tail calls (return_call*) must run in constant stack even across signatures: with
  // this option every fastcc call marked `tail` in tail position becomes a jump, and fastcc
  // functions pop their own stack arguments (part of ABI 2, see kiln/abi.h).
  opts.GuaranteedTailCallOpt = true;
  llvm::CodeGenOptLevel level = optLevel <= 0   ? llvm::CodeGenOptLevel::None
                                : optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                                : llvm::CodeGenOptLevel::Aggressive;
  t.machine.reset(target->createTargetMachine(kTriple, cpu, "", opts, llvm::Reloc::PIC_,
                                              llvm::CodeModel::Small, level));
  if (!t.machine) return absl::InternalError("could not create the x86-64 target machine");
  return t;
}

absl::Status optimize(llvm::Module& module, llvm::TargetMachine& tm, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  // As clang and opt do at -O2 and above: loop and SLP vectorisation.
  pto.LoopVectorization = optLevel >= 2;
  pto.SLPVectorization = optLevel >= 2;
  // Pass instrumentation, so that --llvm-arg=-print-after-all, -print-changed,
  // -opt-bisect-limit and the like work for compiler developers.
  llvm::PassInstrumentationCallbacks pic;
  llvm::StandardInstrumentations si(module.getContext(), /*DebugLogging=*/false);
  si.registerCallbacks(pic, &mam);
  llvm::PassBuilder pb(&tm, pto, std::nullopt, &pic);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  if (optLevel <= 0) {
    // Even at -O0 promote locals to SSA: keeps -O0 code and compile time reasonable.
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::PromotePass());
    llvm::ModulePassManager mpm;
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
    mpm.run(module, mam);
    return lower::resolveTrapWitnesses(module);
  }
  llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  // Where LLVM starts vectorising (after inlining and scalar optimisation): loops whose
  // memory accesses one test before the loop covers lose their bounds checks
  // (lower/BoundsVersioning.h).
  pb.registerVectorizerStartEPCallback(
      [](llvm::FunctionPassManager& fpm, llvm::OptimizationLevel) {
        fpm.addPass(lower::BoundsVersioningPass());
      });
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
  // The IR optimiser is done: a check with its access right behind it becomes the access
  // alone, faulting in the guard pages (lower/CheckFolding.h).
  lower::foldBoundsChecks(module);
  // Last, after every pass that could delete a load: the loads kept only by their trap
  // witness become volatile, and the witnesses go (lower/TrapWitness.h).
  return lower::resolveTrapWitnesses(module);
}

absl::StatusOr<std::string> emitMachineCode(llvm::Module& module, llvm::TargetMachine& tm,
                                            bool assembly) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile))
    return absl::InternalError("the target cannot emit this file type");
  pm.run(module);
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace kiln::codegen

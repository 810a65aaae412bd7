// Fuzz target: everything the loader does with an artifact file before any of its code
// runs (DESIGN.md contract 2): the signature block (found, and verified against the key it
// names), the ELF verifier on the raw bytes, then Artifact::LoadBytes, which verifies,
// maps, relocates and validates the descriptor; on success, what `kiln inspect` reads
// from the descriptor and the memory images instantiation would build. The host's CPU features are taken as "all", so the result does not
// depend on the machine. No code of the artifact is ever called.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "kiln/Artifact.h"
#include "kiln/ElfVerifier.h"
#include "kiln/Signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  kiln::LoadOptions options;
  options.host_cpu_features = ~uint64_t{0};
  auto signature = kiln::FindSignature(file);
  if (signature.ok() && signature->has_value()) {
    // Ed25519 cannot be forged by mutation, but the signed seeds pass this and then load
    // with the signature required.
    const kiln::PublicKey signer = (*signature)->signer;
    if (kiln::VerifySignature(file, signer).ok()) options.required_signer = signer;
  }
  (void)kiln::VerifyElf(file);
  auto artifact = kiln::Artifact::LoadBytes(file, "fuzz.so", options);
  if (!artifact.ok()) return 0;
  const kiln::Artifact& a = **artifact;
  const kiln_module_desc& d = a.desc();
  std::string sink;
  for (uint32_t i = 0; i < d.num_imports; ++i) sink += a.DescribeImport(i);
  for (uint32_t i = 0; i < d.num_exports; ++i) sink += a.DescribeExport(i);
  for (uint32_t i = 0; i < d.num_funcs; ++i) sink += a.function_name(i);
  sink += a.PerfMapLines();
  for (const auto& f : a.FunctionRanges()) (void)a.FunctionAt(f.start);
  // The copy-on-write images instantiation would map: built from the data segments.
  for (uint32_t i = 0; i < d.num_memories; ++i) (void)a.memory_image(i);
  return sink.empty() ? 0 : 0;
}

// The artifact checks: what the ELF verifier and descriptor validator accept and reject.
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"

#include <cstddef>
#include <cstring>
#include <random>

#include "loader_test_util.h"

namespace kiln {
namespace {

using testing::FixturePath;
using testing::ReadFixture;

std::string RejectionOf(const std::string& fixture) {
  auto a = Artifact::LoadFile(FixturePath(fixture));
  EXPECT_FALSE(a.ok()) << fixture << " was accepted";
  return a.ok() ? "" : std::string(a.status().message());
}

TEST(ElfVerifier, AcceptsHandMadeArtifacts) {
  for (const char* name : {"fake.so", "fake_relr.so", "fake_importer.so"}) {
    auto a = Artifact::LoadFile(FixturePath(name));
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(std::string((*a)->desc().magic), "KILNMOD");
  }
}

TEST(ElfVerifier, RejectsSharedObjectNeedingLibc) {
  const std::string why = RejectionOf("bad_needs_libc.so");
  EXPECT_NE(why.find("DT_NEEDED"), std::string::npos) << why;
  EXPECT_NE(why.find("bad_needs_libc.so"), std::string::npos) << why;
}

TEST(ElfVerifier, RejectsEachForbiddenFeatureWithItsReason) {
  EXPECT_NE(RejectionOf("bad_constructor.so").find("DT_INIT_ARRAY"), std::string::npos)
      << RejectionOf("bad_constructor.so");
  EXPECT_NE(RejectionOf("bad_undefined.so").find("undefined symbol \"host_symbol\""),
            std::string::npos)
      << RejectionOf("bad_undefined.so");
  EXPECT_NE(RejectionOf("bad_plt.so").find("DT_JMPREL"), std::string::npos);
  EXPECT_NE(RejectionOf("bad_tls.so").find("PT_TLS"), std::string::npos);
  EXPECT_NE(RejectionOf("bad_symbolic_relocation.so").find("R_X86_64_64"), std::string::npos);
  EXPECT_NE(RejectionOf("bad_no_descriptor.so").find("no kiln_module_v1"), std::string::npos);
  EXPECT_NE(RejectionOf("bad_execstack.so").find("executable stack"), std::string::npos);
  EXPECT_NE(RejectionOf("bad_rwx.so").find("both writable and executable"), std::string::npos);
}

TEST(ElfVerifier, RejectsMissingTruncatedAndGarbageFiles) {
  auto missing = Artifact::LoadFile("/nonexistent/kiln/artifact.so");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/kiln/artifact.so"), std::string::npos);

  const std::vector<uint8_t> good = ReadFixture("fake.so");
  ASSERT_GT(good.size(), 4096u);
  // Cuts inside the headers and the loadable segments (the section headers at the end of
  // the file are not needed for loading, so cutting those is harmless).
  for (size_t len : {size_t{0}, size_t{3}, size_t{63}, size_t{64}, size_t{700}, size_t{4096},
                     good.size() / 2}) {
    std::vector<uint8_t> truncated(good.begin(), good.begin() + len);
    auto a = Artifact::LoadBytes(truncated, "truncated.so");
    EXPECT_FALSE(a.ok()) << "accepted a file truncated to " << len << " bytes";
    if (!a.ok()) {
      EXPECT_EQ(a.status().message().rfind("truncated.so: ", 0), 0u) << a.status();
    }
  }
  std::mt19937_64 rng(1234);
  std::vector<uint8_t> garbage(8192);
  for (auto& b : garbage) b = static_cast<uint8_t>(rng());
  EXPECT_FALSE(Artifact::LoadBytes(garbage, "garbage").ok());
  // Garbage behind a valid ELF header.
  std::memcpy(garbage.data(), good.data(), 64);
  EXPECT_FALSE(Artifact::LoadBytes(garbage, "garbage").ok());
}

// Random byte mutations of a valid artifact: every outcome is a status, never a crash.
TEST(ElfVerifier, MutatedArtifactsNeverCrashTheLoader) {
  const std::vector<uint8_t> good = ReadFixture("fake.so");
  std::mt19937_64 rng(42);
  int accepted = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::vector<uint8_t> bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k) {
      // Bias towards the headers and tables at the front, where the structure is.
      const size_t limit = (rng() % 2) ? std::min<size_t>(bytes.size(), 2048) : bytes.size();
      bytes[rng() % limit] = static_cast<uint8_t>(rng());
    }
    auto a = Artifact::LoadBytes(bytes, "mutant");
    if (a.ok()) ++accepted;
  }
  // Most single-byte flips land in code or padding and are accepted; that is fine. The
  // test is that we got here.
  SUCCEED() << accepted << " mutants accepted";
}

// Patches a field of the descriptor inside the file image.
std::vector<uint8_t> PatchDescriptor(size_t field_offset, const void* value, size_t size) {
  std::vector<uint8_t> bytes = ReadFixture("fake.so");
  static const char kMagic[8] = "KILNMOD";
  auto it = std::search(bytes.begin(), bytes.end(), kMagic, kMagic + 8);
  EXPECT_NE(it, bytes.end());
  std::memcpy(&*it + field_offset, value, size);
  return bytes;
}

TEST(DescriptorValidator, RefusesOtherAbiVersions) {
  const uint32_t major = KILN_ABI_MAJOR + 1;
  auto a = Artifact::LoadBytes(
      PatchDescriptor(offsetof(kiln_module_desc, abi_major), &major, 4), "newer.so");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find(absl::StrFormat("ABI version %u.%u", major, KILN_ABI_MINOR)),
            std::string::npos)
      << a.status();

  const uint32_t minor = KILN_ABI_MINOR + 1;
  a = Artifact::LoadBytes(PatchDescriptor(offsetof(kiln_module_desc, abi_minor), &minor, 4),
                          "newer-minor.so");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find(absl::StrFormat("ABI version %u.%u", KILN_ABI_MAJOR, minor)),
            std::string::npos)
      << a.status();
}

TEST(DescriptorValidator, RefusesBadMagicAndVmctxSize) {
  const char bad[8] = "KILNXXX";
  auto a = Artifact::LoadBytes(PatchDescriptor(0, bad, 8), "magic.so");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("magic"), std::string::npos) << a.status();

  const uint32_t size = 8;
  a = Artifact::LoadBytes(PatchDescriptor(offsetof(kiln_module_desc, vmctx_size), &size, 4),
                          "vmctx.so");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("vmctx_size"), std::string::npos) << a.status();

  const uint32_t funcs = 1u << 30;
  a = Artifact::LoadBytes(PatchDescriptor(offsetof(kiln_module_desc, num_funcs), &funcs, 4),
                          "count.so");
  EXPECT_FALSE(a.ok());
}

TEST(DescriptorValidator, RefusesMissingCpuFeaturesByName) {
  const uint64_t wants = KILN_CPU_AVX2 | KILN_CPU_BMI2 | KILN_CPU_SSE41;
  std::vector<uint8_t> bytes =
      PatchDescriptor(offsetof(kiln_module_desc, cpu_features), &wants, 8);
  LoadOptions old_cpu;
  old_cpu.host_cpu_features = KILN_CPU_SSE3 | KILN_CPU_SSE41;
  auto a = Artifact::LoadBytes(bytes, "avx2.so", old_cpu);
  ASSERT_FALSE(a.ok());
  const std::string why(a.status().message());
  EXPECT_NE(why.find("avx2, bmi2"), std::string::npos) << why;
  EXPECT_EQ(why.find("sse4.1"), std::string::npos) << why;

  LoadOptions new_cpu;
  new_cpu.host_cpu_features = wants;
  EXPECT_TRUE(Artifact::LoadBytes(bytes, "avx2.so", new_cpu).ok());
}

TEST(CpuFeatures, HostHasTheX86_64Baseline) {
  // Every x86-64 CPU kiln runs on has SSE3 and CX16 in practice; the names are stable.
  EXPECT_EQ(CpuFeatureNames(KILN_CPU_SSE41 | KILN_CPU_AVX512VL), "sse4.1, avx512vl");
  EXPECT_NE(HostCpuFeatures() & KILN_CPU_SSE3, 0u);
}

TEST(Artifact, MapsCodeExecutableAndDataReadOnly) {
  auto a = testing::LoadOrDie("fake.so");
  ASSERT_NE(a, nullptr);
  const kiln_module_desc& d = a->desc();
  const uintptr_t code = reinterpret_cast<uintptr_t>(d.funcs[1].code);
  EXPECT_TRUE(a->ContainsCode(code));
  EXPECT_EQ(Artifact::FindByPc(code + 1), a.get());
  EXPECT_EQ(a->FunctionAt(code + 1), 1u);
  EXPECT_EQ(a->function_name(1), "add");
  // Descriptor (RELRO) is read-only and code is not writable: check via /proc/self/maps.
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool found_code = false, found_desc = false;
  const uintptr_t desc = reinterpret_cast<uintptr_t>(&d);
  while (std::getline(maps, line)) {
    uintptr_t lo, hi;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (code >= lo && code < hi) {
      EXPECT_STREQ(perms, "r-xp");
      found_code = true;
    }
    if (desc >= lo && desc < hi) {
      EXPECT_STREQ(perms, "r--p");
      found_desc = true;
    }
  }
  EXPECT_TRUE(found_code && found_desc);
}

TEST(Artifact, PackedRelativeRelocationsWork) {
  auto a = testing::LoadOrDie("fake_relr.so");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->export_name(0), "add");
  EXPECT_EQ(std::string(a->desc().module_name), "fake");
}

}  // namespace
}  // namespace kiln

// Signed artifacts: the signed original loads and runs; 1,000 random single-byte flips,
// truncations, a spliced artifact, a missing signature and a wrong key are all refused,
// and nothing of a refused artifact ever becomes executable (the mapper's hook sees every
// range it makes executable; /proc/self/maps is checked too). Refusals by the descriptor
// (CPU features, ABI) happen before any code is executable as well.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "ArtifactMapper.h"
#include "GdbJit.h"
#include "kiln/Signature.h"
#include "loader_test_util.h"

namespace kiln {
namespace {

using testing::I32;
using testing::ReadFixture;

std::atomic<int> g_exec_mappings{0};
void CountExecutable(uintptr_t, size_t) { ++g_exec_mappings; }

// Executable mappings of this process now (lines of /proc/self/maps with 'x').
int ExecutableMappings() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int n = 0;
  while (std::getline(maps, line)) {
    char perms[5] = {};
    unsigned long lo, hi;
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && perms[2] == 'x') ++n;
  }
  return n;
}

class Signatures : public ::testing::Test {
 protected:
  void SetUp() override {
    SetExecutableMappingHookForTesting(CountExecutable);
    key_ = GenerateKey();
    other_ = GenerateKey();
    plain_ = ReadFixture("fake.so");
    ASSERT_FALSE(plain_.empty());
    signed_ = SignArtifact(plain_, key_);
    options_.required_signer = key_.Public();
  }
  void TearDown() override { SetExecutableMappingHookForTesting(nullptr); }

  // Loading must fail, and make nothing executable.
  std::string ExpectRefused(const std::vector<uint8_t>& bytes, const LoadOptions& options) {
    const int before_hook = g_exec_mappings, before_maps = ExecutableMappings();
    auto a = Artifact::LoadBytes(bytes, "a.so", options);
    EXPECT_FALSE(a.ok());
    EXPECT_EQ(g_exec_mappings, before_hook) << "a refused artifact was made executable";
    EXPECT_EQ(ExecutableMappings(), before_maps);
    return a.ok() ? "" : std::string(a.status().message());
  }

  SecretKey key_, other_;
  std::vector<uint8_t> plain_, signed_;
  LoadOptions options_;
};

TEST_F(Signatures, SignedOriginalLoadsAndRuns) {
  const int before = g_exec_mappings;
  auto a = Artifact::LoadBytes(signed_, "signed.so", options_);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_GT(g_exec_mappings, before);  // sealed after the checks
  ASSERT_TRUE((*a)->signature().has_value());
  EXPECT_TRUE((*a)->signature_verified());
  EXPECT_EQ((*a)->signature()->signer, key_.Public());
  ImportMap imports;
  imports.Add("env", "host_add",
              Extern::Func(HostFunction::Create({{KILN_I32, KILN_I32}, {KILN_I32}},
                                                [](HostCall&) {})));
  auto inst = Instance::Instantiate(*a, imports.AsResolver());
  ASSERT_TRUE(inst.ok()) << inst.status();
  EXPECT_EQ(testing::InvokeI32(**inst, "add", {I32(2), I32(40)}), 42);
  // Without a required key a signed artifact loads like any other.
  EXPECT_TRUE(Artifact::LoadBytes(signed_, "signed.so").ok());
  // Signing again replaces the block: still one block, still valid.
  const std::vector<uint8_t> resigned = SignArtifact(signed_, key_);
  EXPECT_EQ(resigned.size(), signed_.size());
  EXPECT_TRUE(VerifySignature(resigned, key_.Public()).ok());
}

TEST_F(Signatures, ThousandRandomByteFlipsAreAllRefused) {
  std::mt19937_64 rng(20261121);
  std::uniform_int_distribution<size_t> where(0, signed_.size() - 1);
  std::uniform_int_distribution<int> bit(0, 7);
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint8_t> bytes = signed_;
    const size_t at = where(rng);
    bytes[at] ^= static_cast<uint8_t>(1u << bit(rng));
    SCOPED_TRACE(at);
    ExpectRefused(bytes, options_);
    if (HasFailure()) return;
  }
  // Every byte of the signature block itself too.
  for (size_t at = signed_.size() - kSignatureBlockSize; at < signed_.size(); ++at) {
    std::vector<uint8_t> bytes = signed_;
    bytes[at] ^= 0x01;
    SCOPED_TRACE(at);
    ExpectRefused(bytes, options_);
  }
  EXPECT_TRUE(Artifact::LoadBytes(signed_, "signed.so", options_).ok());
}

TEST_F(Signatures, TruncatedSplicedUnsignedAndWrongKeyAreRefusedWithTheReason) {
  // Truncated anywhere (also just the block's last byte, or the whole block).
  for (size_t cut : {size_t{1}, size_t{8}, kSignatureBlockSize, kSignatureBlockSize + 1,
                     signed_.size() / 2}) {
    std::vector<uint8_t> bytes(signed_.begin(), signed_.end() - static_cast<ptrdiff_t>(cut));
    ExpectRefused(bytes, options_);
  }
  std::vector<uint8_t> no_block(signed_.begin(), signed_.end() - kSignatureBlockSize);
  EXPECT_NE(ExpectRefused(no_block, options_).find("not signed"), std::string::npos);
  // Another artifact's code under this one's signature block.
  std::vector<uint8_t> spliced = ReadFixture("fake_relr.so");
  spliced.insert(spliced.end(), signed_.end() - kSignatureBlockSize, signed_.end());
  const std::string why = ExpectRefused(spliced, options_);
  EXPECT_NE(why.find("malformed signature block"), std::string::npos) << why;
  // The same with the length field adjusted: then the signature does not match.
  std::vector<uint8_t> adjusted = ReadFixture("fake_relr.so");
  std::vector<uint8_t> block(signed_.end() - kSignatureBlockSize, signed_.end());
  for (int i = 0; i < 8; ++i) block[8 + i] = static_cast<uint8_t>(adjusted.size() >> (8 * i));
  adjusted.insert(adjusted.end(), block.begin(), block.end());
  EXPECT_NE(ExpectRefused(adjusted, options_).find("does not match the artifact"),
            std::string::npos);
  // Signed by another key.
  const std::string other = ExpectRefused(SignArtifact(plain_, other_), options_);
  EXPECT_NE(other.find("signed by key " + other_.Public().Id() + ", not by the required key " +
                       key_.Public().Id()),
            std::string::npos)
      << other;
  EXPECT_NE(ExpectRefused(plain_, options_).find("not signed"), std::string::npos);
}

TEST_F(Signatures, DescriptorRefusalsHappenBeforeAnythingIsExecutable) {
  std::vector<uint8_t> bytes = plain_;
  static const char kMagic[8] = "KILNMOD";
  auto it = std::search(bytes.begin(), bytes.end(), kMagic, kMagic + 8);
  ASSERT_NE(it, bytes.end());
  const uint64_t wants = KILN_CPU_AVX512F;
  std::memcpy(&*it + offsetof(kiln_module_desc, cpu_features), &wants, 8);
  LoadOptions old_cpu;
  old_cpu.host_cpu_features = KILN_CPU_SSE3;
  EXPECT_NE(ExpectRefused(bytes, old_cpu).find("avx512f"), std::string::npos);
  const uint32_t major = KILN_ABI_MAJOR + 1;
  std::memcpy(&*it + offsetof(kiln_module_desc, abi_major), &major, 4);
  ExpectRefused(bytes, LoadOptions());
}

// Every loaded artifact is described to gdb (an ELF object naming each function at its
// mapped address) until it is destroyed; a refused artifact never is.
TEST_F(Signatures, LoadedArtifactsAreRegisteredWithGdbUntilDestroyed) {
  const size_t before = GdbJitRegisteredCount();
  ExpectRefused(plain_, options_);  // unsigned
  EXPECT_EQ(GdbJitRegisteredCount(), before);
  {
    auto a = Artifact::LoadBytes(signed_, "signed.so", options_);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(GdbJitRegisteredCount(), before + 1);
    EXPECT_EQ(__jit_debug_descriptor.version, 1u);
    EXPECT_EQ(__jit_debug_descriptor.action_flag, 1u);  // JIT_REGISTER_FN
    const jit_code_entry* e = __jit_debug_descriptor.first_entry;
    ASSERT_NE(e, nullptr);
    const std::string object(e->symfile_addr, e->symfile_size);
    ASSERT_GE(object.size(), 64u);
    EXPECT_EQ(object.compare(0, 4, "\x7f" "ELF"), 0);
    const auto ranges = (*a)->FunctionRanges();
    ASSERT_FALSE(ranges.empty());
    for (const Artifact::FunctionRange& f : ranges) {
      EXPECT_TRUE((*a)->ContainsCode(f.start)) << f.name;
      EXPECT_NE(object.find(std::string(1, '\0') + f.name + '\0'), std::string::npos) << f.name;
    }
  }
  EXPECT_EQ(GdbJitRegisteredCount(), before);
  EXPECT_EQ(__jit_debug_descriptor.action_flag, 2u);  // JIT_UNREGISTER_FN
}

TEST_F(Signatures, KeyFilesRoundTripAndRejectGarbage) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kiln-keys-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "k").string();
  ASSERT_TRUE(WriteKeyFiles(path, key_).ok());
  EXPECT_FALSE(WriteKeyFiles(path, other_).ok());  // never overwrites
  auto sk = ReadSecretKeyFile(path);
  auto pk = ReadPublicKeyFile(path + ".pub");
  ASSERT_TRUE(sk.ok() && pk.ok());
  EXPECT_EQ(sk->Public(), key_.Public());
  EXPECT_EQ(*pk, key_.Public());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream(dir / "bad.pub") << "kiln-ed25519-public-key 1234\n";
  EXPECT_FALSE(ReadPublicKeyFile((dir / "bad.pub").string()).ok());
  EXPECT_FALSE(ReadPublicKeyFile(path).ok());         // a secret key is not a public one
  EXPECT_FALSE(ReadSecretKeyFile(path + ".pub").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kiln

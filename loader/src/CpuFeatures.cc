#include "kiln/CpuFeatures.h"

#include <cpuid.h>

#include "kiln/abi.h"

namespace kiln {
namespace {

struct FeatureName {
  uint64_t bit;
  const char* name;
};

constexpr FeatureName kFeatureNames[] = {
    {KILN_CPU_SSE3, "sse3"},       {KILN_CPU_SSSE3, "ssse3"},     {KILN_CPU_SSE41, "sse4.1"},
    {KILN_CPU_SSE42, "sse4.2"},    {KILN_CPU_POPCNT, "popcnt"},   {KILN_CPU_AVX, "avx"},
    {KILN_CPU_AVX2, "avx2"},       {KILN_CPU_BMI1, "bmi"},        {KILN_CPU_BMI2, "bmi2"},
    {KILN_CPU_LZCNT, "lzcnt"},     {KILN_CPU_FMA, "fma"},         {KILN_CPU_F16C, "f16c"},
    {KILN_CPU_MOVBE, "movbe"},     {KILN_CPU_AVX512F, "avx512f"}, {KILN_CPU_AVX512BW, "avx512bw"},
    {KILN_CPU_AVX512DQ, "avx512dq"}, {KILN_CPU_AVX512VL, "avx512vl"}, {KILN_CPU_CX16, "cx16"},
    {KILN_CPU_SAHF, "sahf"},
};

uint64_t Xgetbv() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t{edx} << 32) | eax;
}

uint64_t Detect() {
  uint64_t f = 0;
  unsigned eax, ebx, ecx, edx;
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 1) return 0;
  __cpuid(1, eax, ebx, ecx, edx);
  if (ecx & (1u << 0)) f |= KILN_CPU_SSE3;
  if (ecx & (1u << 9)) f |= KILN_CPU_SSSE3;
  if (ecx & (1u << 13)) f |= KILN_CPU_CX16;
  if (ecx & (1u << 19)) f |= KILN_CPU_SSE41;
  if (ecx & (1u << 20)) f |= KILN_CPU_SSE42;
  if (ecx & (1u << 22)) f |= KILN_CPU_MOVBE;
  if (ecx & (1u << 23)) f |= KILN_CPU_POPCNT;
  // AVX-family features also need the OS to save the YMM (and ZMM) state.
  const bool osxsave = ecx & (1u << 27);
  const uint64_t xcr0 = osxsave ? Xgetbv() : 0;
  const bool ymm = (xcr0 & 0x6) == 0x6;
  const bool zmm = ymm && (xcr0 & 0xE0) == 0xE0;
  if (ymm) {
    if (ecx & (1u << 28)) f |= KILN_CPU_AVX;
    if (ecx & (1u << 12)) f |= KILN_CPU_FMA;
    if (ecx & (1u << 29)) f |= KILN_CPU_F16C;
  }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if (ebx & (1u << 3)) f |= KILN_CPU_BMI1;
    if (ebx & (1u << 8)) f |= KILN_CPU_BMI2;
    if (ymm && (ebx & (1u << 5))) f |= KILN_CPU_AVX2;
    if (zmm) {
      if (ebx & (1u << 16)) f |= KILN_CPU_AVX512F;
      if (ebx & (1u << 17)) f |= KILN_CPU_AVX512DQ;
      if (ebx & (1u << 30)) f |= KILN_CPU_AVX512BW;
      if (ebx & (1u << 31)) f |= KILN_CPU_AVX512VL;
    }
  }
  if (__get_cpuid_max(0x80000000u, nullptr) >= 0x80000001u) {
    __cpuid(0x80000001u, eax, ebx, ecx, edx);
    if (ecx & (1u << 0)) f |= KILN_CPU_SAHF;
    if (ecx & (1u << 5)) f |= KILN_CPU_LZCNT;
  }
  return f;
}

}  // namespace

uint64_t HostCpuFeatures() {
  static const uint64_t features = Detect();
  return features;
}

std::string CpuFeatureNames(uint64_t mask) {
  std::string out;
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t b = uint64_t{1} << bit;
    if (!(mask & b)) continue;
    if (!out.empty()) out += ", ";
    const char* name = nullptr;
    for (const FeatureName& fn : kFeatureNames) {
      if (fn.bit == b) name = fn.name;
    }
    out += name ? std::string(name) : "bit " + std::to_string(bit);
  }
  return out;
}

}  // namespace kiln

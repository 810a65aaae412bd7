// The KILN_CPU_* features of the running CPU, and their names for error messages.
#ifndef KILN_LOADER_CPU_FEATURES_H
#define KILN_LOADER_CPU_FEATURES_H

#include <cstdint>
#include <string>

namespace kiln {

// KILN_CPU_* bits this CPU (and OS, for AVX state) supports. Cached after the first call.
uint64_t HostCpuFeatures();

// "avx2, bmi2" for a KILN_CPU_* mask; unknown bits are shown as "bit N".
std::string CpuFeatureNames(uint64_t mask);

}  // namespace kiln

#endif  // KILN_LOADER_CPU_FEATURES_H

// Checks the kiln_module_desc of a mapped artifact: magic, ABI version, size, CPU features,
// and that every count is sane and every pointer lies inside the mapped image (code
// pointers inside executable segments).
#ifndef KILN_LOADER_DESCRIPTOR_VALIDATOR_H
#define KILN_LOADER_DESCRIPTOR_VALIDATOR_H

#include <cstdint>

#include "absl/status/status.h"
#include "ArtifactMapper.h"
#include "kiln/abi.h"

namespace kiln {

absl::Status ValidateDescriptor(uintptr_t desc_addr, uint64_t symbol_size,
                                const MappedImage& image, uint64_t host_cpu_features);

}  // namespace kiln

#endif  // KILN_LOADER_DESCRIPTOR_VALIDATOR_H

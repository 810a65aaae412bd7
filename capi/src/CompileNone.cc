// wasm_module_new in libkiln-runtime: no compiler here.
#include "Compile.h"

namespace kiln::capi {

absl::StatusOr<std::vector<uint8_t>> CompileModule(const std::vector<uint8_t>&,
                                                   const CompileSettings&) {
  return absl::UnimplementedError(
      "this is kiln's runtime library, built without the compiler: compile the module with "
      "kilnc and load it with wasm_module_deserialize or kiln_module_load_file");
}

}  // namespace kiln::capi

// Fuzz target: the binary decoder and the validator on arbitrary bytes. Every input is
// decoded under both feature presets (3.0 without GC, and the frozen 2.0 spec, whose
// encodings differ in places), and what decodes is validated. Any crash, sanitizer report,
// hang or runaway allocation is a bug: DESIGN.md contract 1 says malformed and invalid
// input gets an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::wasm::Features;
  for (const Features& features : {Features::wasm3(), Features::wasm2()}) {
    auto module = kiln::wasm::decodeModule(std::vector<uint8_t>(data, data + size), features);
    if (module.ok()) (void)kiln::wasm::validateModule(*module, features);
  }
  return 0;
}

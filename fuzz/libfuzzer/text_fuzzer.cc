// Fuzz target: the text reader on arbitrary text, as a .wat module (3.0 and 2.0 grammars)
// and as a .wast script (with its `module quote` texts parsed too). A module the reader
// encodes is then decoded and validated, as kilnc would. Errors are expected; crashes,
// sanitizer reports and hangs are bugs.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kiln/text/Wast.h"
#include "kiln/text/Wat.h"
#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Validator.h"

namespace {

void DecodeAndValidate(const std::vector<uint8_t>& bytes) {
  const auto features = kiln::wasm::Features::wasm3();
  auto module = kiln::wasm::decodeModule(bytes, features);
  if (module.ok()) (void)kiln::wasm::validateModule(*module, features);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::text::TextVersion;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (TextVersion version : {TextVersion::Wasm3, TextVersion::Wasm2}) {
    auto wat = kiln::text::parseWat(text, "fuzz.wat", {version});
    if (wat.ok() && version == TextVersion::Wasm3) DecodeAndValidate(*wat);
  }
  auto script = kiln::text::parseWast(text, "fuzz.wast");
  if (script.ok()) {
    for (const kiln::text::Command& c : script->commands) {
      if (!c.module.has_value()) continue;
      auto bytes = kiln::text::moduleBinary(*c.module, "fuzz.wast");
      if (bytes.ok()) DecodeAndValidate(*bytes);
    }
  }
  return 0;
}

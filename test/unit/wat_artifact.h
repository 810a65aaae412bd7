// Tests that go through the whole pipeline: compile a text module with kilnc's library into
// a temporary artifact and load it (the file is removed once loaded).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kiln/Artifact.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/text/Wat.h"

namespace kiln::testing {

inline std::shared_ptr<const Artifact> CompileWatForTest(
    const std::string& wat, const CompileOptions& options = CompileOptions{}) {
  auto wasm = text::parseWat(wat, "test.wat");
  EXPECT_TRUE(wasm.ok()) << wasm.status();
  if (!wasm.ok()) return nullptr;
  static int counter = 0;
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() /
      ("kiln-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".so");
  absl::Status s = compileToFile(*wasm, options, out.string());
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) return nullptr;
  auto artifact = Artifact::LoadFile(out.string());
  std::filesystem::remove(out);
  EXPECT_TRUE(artifact.ok()) << artifact.status();
  return artifact.ok() ? *artifact : nullptr;
}

}  // namespace kiln::testing

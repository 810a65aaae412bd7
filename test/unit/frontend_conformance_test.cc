// Conformance of the front end (text reader, decoder, validator) against the official
// WebAssembly 2.0 test suite.
//
// Every .wast of $KILN_SPEC_TESTSUITE_WG2 (default: ../shared/testsuite/spec-wg-2.0 beside
// the source tree) and of its simd/ folder is one test,
// FrontendConformance/SpecWg2.DecodeAndValidate/<file> (simd/simd_load.wast: simd_simd_load).
// The script is read with kiln's own reader (kiln::text::parseWast, 2.0 text rules); the
// decoder and validator run with Features::wasm2(). Per command:
//   module (text or binary), the modules of assert_unlinkable / assert_uninstantiable /
//   assert_trap                          -> must decode and validate
//   module quote (not in assert_malformed) -> must parse, decode and validate
//   assert_invalid                       -> must parse (it is well-formed text), then fail
//                                           to decode or validate
//   assert_malformed, binary module      -> must fail to decode or validate
//   assert_malformed, text/quote module  -> the text reader must reject it
// Actions and assertions on actions are runtime matters (the spec-wg2.* tests run them);
// they are counted but not checked here. Nothing is skipped: a script the reader cannot
// read fails its test, and a missing suite fails FrontendConformance.SuiteIsPresent.
//
// The suite's expected message is compared with ours for information only (the count is
// printed; KILN_CONFORMANCE_VERBOSE=1 lists the differences).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/text/Wast.h"
#include "kiln/text/Wat.h"
#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Features.h"
#include "kiln/wasm/Validator.h"

namespace fs = std::filesystem;

namespace {

using kiln::text::Command;
using kiln::text::ScriptModule;

fs::path testsuiteDir() {
  if (const char* env = std::getenv("KILN_SPEC_TESTSUITE_WG2"); env && *env) return env;
  return fs::path(KILN_SOURCE_DIR) / ".." / "shared" / "testsuite" / "spec-wg-2.0";
}

bool verbose() {
  const char* env = std::getenv("KILN_CONFORMANCE_VERBOSE");
  return env && *env && std::string(env) != "0";
}

struct WastFile {
  fs::path path;
  std::string rel;   // e.g. "simd/simd_load.wast"
  std::string name;  // GoogleTest name, e.g. "simd_simd_load"
};

// So that a failing parameter prints as its file name.
void PrintTo(const WastFile& f, std::ostream* os) { *os << f.rel; }

std::vector<fs::path> wastsIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".wast") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<WastFile> suiteFiles() {
  std::vector<WastFile> files;
  auto add = [&](const fs::path& p, const std::string& prefix) {
    WastFile f;
    f.path = p;
    f.rel = prefix + p.filename().string();
    for (char c : prefix + p.stem().string()) {
      const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      f.name += word ? c : '_';
    }
    files.push_back(std::move(f));
  };
  const fs::path suite = testsuiteDir();
  for (const fs::path& p : wastsIn(suite)) add(p, "");
  for (const fs::path& p : wastsIn(suite / "simd")) add(p, "simd/");
  return files;
}

// What decode + validate made of a binary.
struct Outcome {
  enum class Stage { Accepted, Decoder, Validator };
  Stage stage = Stage::Accepted;
  std::string message;
  bool ok() const { return stage == Stage::Accepted; }
};

Outcome decodeAndValidate(const std::vector<uint8_t>& bytes) {
  const kiln::wasm::Features features = kiln::wasm::Features::wasm2();
  absl::StatusOr<kiln::wasm::Module> m = kiln::wasm::decodeModule(bytes, features);
  if (!m.ok()) return {Outcome::Stage::Decoder, std::string(m.status().message())};
  absl::Status s = kiln::wasm::validateModule(*m, features);
  if (!s.ok()) return {Outcome::Stage::Validator, std::string(s.message())};
  return {};
}

kiln::text::TextOptions textOptions() {
  kiln::text::TextOptions o;
  o.version = kiln::text::TextVersion::Wasm2;
  return o;
}

// The binary of a script module as the text reader makes it: the bytes of a binary or
// parsed text module, the parse of a quote module, or the parse error.
absl::StatusOr<std::vector<uint8_t>> moduleBytes(const ScriptModule& m, const std::string& where) {
  return kiln::text::moduleBinary(m, where, textOptions());
}

// Categories, in report order.
enum Category {
  kModule,               // module (text/binary) -> accepted
  kModuleQuote,          // module quote -> parsed and accepted
  kAssertUnlinkable,     // its module -> accepted
  kAssertUninstantiable, // its module -> accepted
  kAssertTrapModule,     // assert_trap on a module -> accepted
  kAssertInvalid,        // -> rejected by decoder or validator
  kMalformedBinary,      // -> rejected by decoder or validator
  kMalformedText,        // -> rejected by the text reader
  kMalformedQuote,       // -> rejected by the text reader
  kCategoryCount,
};

const char* const kCategoryNames[kCategoryCount] = {
    "module",
    "module quote",
    "assert_unlinkable",
    "assert_uninstantiable",
    "assert_trap (module)",
    "assert_invalid",
    "assert_malformed (binary)",
    "assert_malformed (text)",
    "assert_malformed (quote)",
};

struct Tally {
  int checked[kCategoryCount] = {};
  int failed[kCategoryCount] = {};
  int runtimeCommands = 0;         // actions and assertions on actions: not checked here
  int invalidByDecoder = 0;        // assert_invalid rejected already by the decoder
  int malformedByValidator = 0;    // binary assert_malformed only rejected by the validator
  int messageDifferences = 0;      // rejected, but not with the suite's message
  int scriptErrors = 0;            // parseWast failed on the whole file

  int totalChecked() const {
    int n = 0;
    for (int c : checked) n += c;
    return n;
  }
  int totalFailed() const {
    int n = scriptErrors;
    for (int c : failed) n += c;
    return n;
  }
  void add(const Tally& o) {
    for (int i = 0; i < kCategoryCount; ++i) {
      checked[i] += o.checked[i];
      failed[i] += o.failed[i];
    }
    runtimeCommands += o.runtimeCommands;
    invalidByDecoder += o.invalidByDecoder;
    malformedByValidator += o.malformedByValidator;
    messageDifferences += o.messageDifferences;
    scriptErrors += o.scriptErrors;
  }
  std::string describe(const std::string& indent) const {
    std::ostringstream os;
    for (int i = 0; i < kCategoryCount; ++i) {
      if (checked[i] == 0) continue;
      os << indent << kCategoryNames[i] << ": " << checked[i] - failed[i] << " of "
         << checked[i] << " as expected\n";
    }
    os << indent << "actions and assertions on actions (not checked here): " << runtimeCommands
       << "\n";
    os << indent << "assert_invalid rejected by the decoder (not the validator): "
       << invalidByDecoder << "\n";
    os << indent << "binary assert_malformed rejected by the validator (not the decoder): "
       << malformedByValidator << "\n";
    os << indent << "rejected with a different message than the suite's: " << messageDifferences
       << "\n";
    if (scriptErrors) os << indent << "scripts the reader cannot read: " << scriptErrors << "\n";
    return os.str();
  }
};

// Checks one script. Failures are reported through `fail`.
class FileChecker {
 public:
  FileChecker(std::string file, Tally& tally) : file_(std::move(file)), tally_(tally) {}

  void run(const std::string& text) {
    absl::StatusOr<kiln::text::Script> script = kiln::text::parseWast(text, file_, textOptions());
    if (!script.ok()) {
      ++tally_.scriptErrors;
      ADD_FAILURE() << file_ << ": the text reader cannot read the script: "
                    << script.status().message();
      return;
    }
    for (const Command& c : script->commands) command(c);
  }

 private:
  std::string where(const Command& c) const { return file_ + ":" + std::to_string(c.line); }

  void fail(Category cat, const Command& c, const std::string& what) {
    ++tally_.failed[cat];
    ADD_FAILURE() << where(c) << ": " << kCategoryNames[cat] << ": " << what;
  }

  void noteMessage(Category cat, const Command& c, const std::string& actual) {
    if (c.text.empty() || actual.find(c.text) != std::string::npos) return;
    ++tally_.messageDifferences;
    if (verbose()) {
      std::cout << "  " << where(c) << ": " << kCategoryNames[cat] << ": expected \"" << c.text
                << "\", got: " << actual << "\n";
    }
  }

  // The command's module must be well-formed and valid.
  void mustAccept(Category cat, const Command& c) {
    ++tally_.checked[cat];
    absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(*c.module, where(c));
    if (!bytes.ok()) return fail(cat, c, "the text reader rejected the module: " +
                                             std::string(bytes.status().message()));
    Outcome o = decodeAndValidate(*bytes);
    if (o.stage == Outcome::Stage::Decoder) return fail(cat, c, "decoder rejected the module: " + o.message);
    if (o.stage == Outcome::Stage::Validator) return fail(cat, c, "validator rejected the module: " + o.message);
  }

  void assertInvalid(const Command& c) {
    ++tally_.checked[kAssertInvalid];
    absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(*c.module, where(c));
    if (!bytes.ok()) {
      return fail(kAssertInvalid, c, "the text reader rejected the module (it is well-formed, "
                                     "only invalid): " + std::string(bytes.status().message()));
    }
    Outcome o = decodeAndValidate(*bytes);
    if (o.ok()) return fail(kAssertInvalid, c, "accepted, expected \"" + c.text + "\"");
    if (o.stage == Outcome::Stage::Decoder) ++tally_.invalidByDecoder;
    noteMessage(kAssertInvalid, c, o.message);
  }

  void assertMalformed(const Command& c) {
    const ScriptModule& m = *c.module;
    if (m.kind == ScriptModule::Kind::Binary) {
      ++tally_.checked[kMalformedBinary];
      Outcome o = decodeAndValidate(m.bytes);
      if (o.ok()) return fail(kMalformedBinary, c, "accepted, expected \"" + c.text + "\"");
      if (o.stage == Outcome::Stage::Validator) ++tally_.malformedByValidator;
      noteMessage(kMalformedBinary, c, o.message);
      return;
    }
    const Category cat = m.kind == ScriptModule::Kind::Quote ? kMalformedQuote : kMalformedText;
    ++tally_.checked[cat];
    absl::StatusOr<std::vector<uint8_t>> bytes = moduleBytes(m, where(c));
    if (bytes.ok()) {
      Outcome o = decodeAndValidate(*bytes);
      return fail(cat, c, "the text reader accepted the module, expected \"" + c.text +
                              "\" (decoder + validator then " +
                              (o.ok() ? std::string("accept it") : "say: " + o.message) + ")");
    }
    noteMessage(cat, c, std::string(bytes.status().message()));
  }

  void command(const Command& c) {
    const bool hasModule = c.module.has_value();
    switch (c.kind) {
      case Command::Kind::Module:
        if (!hasModule) return missingModule(kModule, c);
        return mustAccept(c.module->kind == ScriptModule::Kind::Quote ? kModuleQuote : kModule, c);
      case Command::Kind::AssertUnlinkable:
        if (!hasModule) return missingModule(kAssertUnlinkable, c);
        return mustAccept(kAssertUnlinkable, c);
      case Command::Kind::AssertUninstantiable:
        if (!hasModule) return missingModule(kAssertUninstantiable, c);
        return mustAccept(kAssertUninstantiable, c);
      case Command::Kind::AssertInvalid:
        if (!hasModule) return missingModule(kAssertInvalid, c);
        return assertInvalid(c);
      case Command::Kind::AssertMalformed:
        if (!hasModule) return missingModule(kMalformedText, c);
        return assertMalformed(c);
      case Command::Kind::AssertTrap:
        if (hasModule) return mustAccept(kAssertTrapModule, c);
        ++tally_.runtimeCommands;
        return;
      case Command::Kind::ModuleInstance:
      case Command::Kind::Register:
      case Command::Kind::Action:
      case Command::Kind::AssertReturn:
      case Command::Kind::AssertExhaustion:
      case Command::Kind::AssertException:
        if (hasModule) {
          // No such command carries a module in the script grammar; if the reader gave one
          // it must still be a good module.
          return mustAccept(kModule, c);
        }
        ++tally_.runtimeCommands;
        return;
    }
    ++tally_.scriptErrors;
    ADD_FAILURE() << where(c) << ": unknown command kind " << static_cast<int>(c.kind);
  }

  void missingModule(Category cat, const Command& c) {
    ++tally_.checked[cat];
    fail(cat, c, "the reader gave no module for this command");
  }

  std::string file_;
  Tally& tally_;
};

Tally& totals() {
  static Tally t;
  return t;
}
int& filesRun() {
  static int n = 0;
  return n;
}

class SpecWg2 : public ::testing::TestWithParam<WastFile> {
 protected:
  static void TearDownTestSuite() {
    if (filesRun() == 0) return;
    std::cout << "\nWebAssembly 2.0 front-end conformance (" << testsuiteDir().string() << ", "
              << filesRun() << " files):\n"
              << totals().describe("  ") << "  failures: " << totals().totalFailed() << "\n";
  }
};

TEST_P(SpecWg2, DecodeAndValidate) {
  const WastFile& f = GetParam();
  std::ifstream in(f.path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "cannot open " << f.path;
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(in.bad()) << "cannot read " << f.path;

  Tally tally;
  FileChecker(f.rel, tally).run(text);
  ++filesRun();
  totals().add(tally);

  if (tally.scriptErrors == 0) {
    EXPECT_GT(tally.totalChecked(), 0) << f.rel << ": no module in the script was checked";
  }
  std::cout << "  " << f.rel << ": " << tally.totalChecked() << " checked, "
            << tally.totalFailed() << " failed\n";
  if (HasFailure()) {
    ADD_FAILURE() << f.rel << ": " << tally.totalFailed() << " failures; counts:\n"
                  << tally.describe("  ");
  }
}

INSTANTIATE_TEST_SUITE_P(FrontendConformance, SpecWg2, ::testing::ValuesIn(suiteFiles()),
                         [](const ::testing::TestParamInfo<WastFile>& info) {
                           return info.param.name;
                         });
// With no suite there is nothing to instantiate; SuiteIsPresent reports that as a failure.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SpecWg2);

TEST(FrontendConformance, SuiteIsPresent) {
  const fs::path suite = testsuiteDir();
  ASSERT_TRUE(fs::is_directory(suite))
      << "the WebAssembly 2.0 spec test suite is not at " << suite
      << " (set KILN_SPEC_TESTSUITE_WG2): conformance cannot be checked";
  EXPECT_FALSE(wastsIn(suite).empty()) << "no .wast files in " << suite;
  EXPECT_FALSE(wastsIn(suite / "simd").empty()) << "no .wast files in " << suite / "simd";
}

}  // namespace

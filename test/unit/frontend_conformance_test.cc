// Conformance of the decoder + validator against the official WebAssembly 2.0 test suite.
//
// Every top-level .wast of $KILN_SPEC_TESTSUITE_WG2 (default: ../shared/testsuite/spec-wg-2.0
// beside the source tree; simd/ is not included) is converted with wabt's wast2json, then:
//   module, assert_unlinkable, assert_uninstantiable, assert_trap/return modules
//                                         -> must decode and validate
//   assert_invalid (binary)               -> must fail to decode or validate
//   assert_malformed (module_type binary) -> must fail to decode or validate
// Text-format assert_malformed cases test the text parser and are skipped. When wast2json
// rejects a whole file (wabt 1.0.32 lacks some 2.0 syntax), its forms are converted one by
// one and only those wast2json still rejects are skipped and listed. A missing wast2json is
// a failure, not a skip.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kiln/wasm/Decoder.h"
#include "kiln/wasm/Validator.h"

namespace fs = std::filesystem;

namespace {

fs::path testsuiteDir() {
  if (const char* env = std::getenv("KILN_SPEC_TESTSUITE_WG2"); env && *env) return env;
  return fs::path(KILN_SOURCE_DIR) / ".." / "shared" / "testsuite" / "spec-wg-2.0";
}

// wast2json from $KILN_WAST2JSON, else the first one on $PATH.
std::optional<fs::path> findWast2json() {
  if (const char* env = std::getenv("KILN_WAST2JSON"); env && *env) {
    if (::access(env, X_OK) == 0) return fs::path(env);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / "wast2json";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::vector<uint8_t> readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Decode + validate; the error text, or "" if the module is valid.
std::string check(const fs::path& wasm) {
  auto m = kiln::wasm::decodeModule(readFile(wasm));
  if (!m.ok()) return std::string(m.status().message());
  absl::Status s = kiln::wasm::validateModule(*m);
  if (!s.ok()) return std::string(s.message());
  return "";
}

// Splits a .wast script into its top-level S-expressions (skipping comments and strings
// correctly), each with the line it starts on.
std::vector<std::pair<int, std::string>> topLevelForms(const std::string& text) {
  std::vector<std::pair<int, std::string>> forms;
  int depth = 0, line = 1, startLine = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == ';' && i + 1 < text.size() && text[i + 1] == ';') {
      while (i < text.size() && text[i] != '\n') ++i;
      --i;
    } else if (c == '(' && i + 1 < text.size() && text[i + 1] == ';') {
      int nest = 1;
      for (i += 2; i < text.size() && nest > 0; ++i) {
        if (text[i] == '\n') ++line;
        if (text[i] == '(' && i + 1 < text.size() && text[i + 1] == ';') nest++, ++i;
        else if (text[i] == ';' && i + 1 < text.size() && text[i + 1] == ')') nest--, ++i;
      }
      --i;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
        else if (text[i] == '\n') ++line;
      }
    } else if (c == '(') {
      if (depth++ == 0) start = i, startLine = line;
    } else if (c == ')') {
      if (--depth == 0) forms.emplace_back(startLine, text.substr(start, i + 1 - start));
    }
  }
  return forms;
}

struct Command {
  nlohmann::json json;
  std::string where;  // file:line
  fs::path wasm;      // the module file, if the command has one
};

bool runWast2json(const fs::path& tool, const fs::path& wast, const fs::path& json) {
  const std::string cmd = shellQuote(tool.string()) + " " + shellQuote(wast.string()) + " -o " +
                          shellQuote(json.string()) + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 && fs::exists(json);
}

void appendCommands(const fs::path& json, const std::string& file, std::vector<Command>& out) {
  std::ifstream in(json);
  nlohmann::json doc = nlohmann::json::parse(in);
  for (const auto& c : doc["commands"]) {
    Command cmd{c, file + ":" + std::to_string(c.value("line", 0)), {}};
    if (c.contains("filename")) cmd.wasm = json.parent_path() / c["filename"].get<std::string>();
    out.push_back(std::move(cmd));
  }
}

// Converts a whole .wast; when wast2json rejects the file, converts its module and
// assertion forms one by one instead (padded so line numbers stay right) and reports the
// forms it still cannot convert in `lost`.
std::vector<Command> convert(const fs::path& tool, const fs::path& wast, const fs::path& outDir,
                             std::vector<std::string>& lost) {
  std::vector<Command> commands;
  const std::string file = wast.filename().string();
  const fs::path json = outDir / (wast.stem().string() + ".json");
  if (runWast2json(tool, wast, json)) {
    appendCommands(json, file, commands);
    return commands;
  }
  std::ifstream in(wast, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  int n = 0;
  for (const auto& [line, form] : topLevelForms(text)) {
    static const char* const kinds[] = {"(module", "(assert_invalid", "(assert_malformed",
                                        "(assert_unlinkable", "(assert_uninstantiable"};
    bool wanted = false;
    for (const char* k : kinds) wanted |= form.rfind(k, 0) == 0;
    if (!wanted) continue;
    const fs::path chunkDir = outDir / ("form" + std::to_string(n++));
    fs::create_directories(chunkDir);
    const fs::path chunk = chunkDir / "form.wast";
    std::ofstream(chunk) << std::string(line - 1, '\n') << form << "\n";
    if (runWast2json(tool, chunk, chunkDir / "form.json")) {
      appendCommands(chunkDir / "form.json", file, commands);
    } else {
      lost.push_back(file + ":" + std::to_string(line));
    }
  }
  return commands;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kiln-conformance-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(FrontendConformance, Wast2jsonIsInstalled) {
  auto tool = findWast2json();
  ASSERT_TRUE(tool.has_value())
      << "wast2json (wabt) not found on PATH or in $KILN_WAST2JSON: the conformance test "
         "cannot run. Install wabt (utils/install-deps.sh).";
}

TEST(FrontendConformance, SpecWg2BinaryModules) {
  const fs::path suite = testsuiteDir();
  if (!fs::is_directory(suite)) {
    GTEST_SKIP() << "\n*** WebAssembly 2.0 spec test suite not found at " << suite
                 << " (set KILN_SPEC_TESTSUITE_WG2): conformance NOT checked ***\n";
  }
  auto tool = findWast2json();
  ASSERT_TRUE(tool.has_value()) << "wast2json not found: conformance cannot be checked";
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty()) << "cannot create a temporary directory";

  std::vector<fs::path> wasts;
  for (const auto& entry : fs::directory_iterator(suite)) {
    if (entry.is_regular_file() && entry.path().extension() == ".wast") {
      wasts.push_back(entry.path());
    }
  }
  std::sort(wasts.begin(), wasts.end());
  ASSERT_FALSE(wasts.empty()) << "no .wast files in " << suite;

  std::vector<std::string> lost;  // forms wast2json cannot convert
  std::map<std::string, int> counts;  // command kind -> checked
  int failures = 0;
  int messageDifferences = 0;
  std::vector<std::string> differences;

  for (const fs::path& wast : wasts) {
    const fs::path outDir = tmp.path() / wast.stem();
    fs::create_directories(outDir);
    std::vector<Command> commands;
    try {
      commands = convert(*tool, wast, outDir, lost);
    } catch (const std::exception& e) {
      ADD_FAILURE() << wast << ": cannot read wast2json output: " << e.what();
      continue;
    }
    for (const Command& c : commands) {
      const std::string type = c.json.value("type", "");
      const std::string moduleType = c.json.value("module_type", "binary");
      if (c.wasm.empty()) continue;  // actions
      if (type == "module" || type == "assert_unlinkable" || type == "assert_uninstantiable") {
        ++counts[type];
        std::string err = check(c.wasm);
        if (!err.empty()) {
          ++failures;
          ADD_FAILURE() << c.where << ": " << type << " must be accepted, got: " << err;
        }
      } else if ((type == "assert_invalid" || type == "assert_malformed") &&
                 moduleType == "binary") {
        ++counts[type];
        std::string err = check(c.wasm);
        const std::string expected = c.json.value("text", "");
        if (err.empty()) {
          ++failures;
          ADD_FAILURE() << c.where << ": " << type << " (\"" << expected << "\") was accepted";
        } else if (err.find(expected) == std::string::npos) {
          ++messageDifferences;
          differences.push_back(c.where + ": expected \"" + expected + "\", got: " + err);
        }
      }
    }
  }

  std::cout << "\nWebAssembly 2.0 conformance (" << suite.string() << "):\n";
  for (const auto& [kind, n] : counts) std::cout << "  " << kind << ": " << n << " checked\n";
  std::cout << "  failures: " << failures << "\n";
  std::cout << "  rejected with a different message than the spec interpreter: "
            << messageDifferences << "\n";
  if (std::getenv("KILN_CONFORMANCE_VERBOSE")) {
    for (const std::string& d : differences) std::cout << "    " << d << "\n";
  }
  if (!lost.empty()) {
    std::cout << "  NOT CHECKED (" << lost.size() << " forms wast2json cannot convert):";
    for (const auto& f : lost) std::cout << " " << f;
    std::cout << "\n";
  }
}

}  // namespace

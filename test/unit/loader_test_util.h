// Helpers shared by the loader's unit tests.
#ifndef KILN_TEST_LOADER_TEST_UTIL_H
#define KILN_TEST_LOADER_TEST_UTIL_H

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "kiln/loader.h"

namespace kiln::testing {

inline std::string FixturePath(const std::string& name) {
  return std::string(KILN_LOADER_FIXTURE_DIR) + "/" + name;
}

inline std::vector<uint8_t> ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline kiln_val I32(int32_t v) {
  kiln_val x{};
  x.i32 = static_cast<uint32_t>(v);
  return x;
}

inline std::shared_ptr<const Artifact> LoadOrDie(const std::string& name,
                                                 const LoadOptions& options = {}) {
  auto a = Artifact::LoadFile(FixturePath(name), options);
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? *a : nullptr;
}

// Calls export `name` of `instance` and returns the result (must not trap).
inline CallResult Invoke(Instance& instance, const std::string& name,
                         std::vector<kiln_val> args = {}) {
  std::optional<Extern> e = instance.GetExport(name);
  EXPECT_TRUE(e.has_value()) << "no export " << name;
  if (!e) return {};
  absl::StatusOr<CallResult> r = Call(*e, args);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : CallResult{};
}

inline int32_t InvokeI32(Instance& instance, const std::string& name,
                         std::vector<kiln_val> args = {}) {
  CallResult r = Invoke(instance, name, std::move(args));
  EXPECT_FALSE(r.trap.has_value()) << name << " trapped: " << r.trap->Describe();
  if (r.trap || r.results.empty()) return INT32_MIN;
  return static_cast<int32_t>(r.results[0].i32);
}

inline std::optional<Trap> InvokeTrap(Instance& instance, const std::string& name,
                                      std::vector<kiln_val> args = {}) {
  return Invoke(instance, name, std::move(args)).trap;
}

}  // namespace kiln::testing

#endif  // KILN_TEST_LOADER_TEST_UTIL_H

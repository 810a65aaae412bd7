// Pooled memory reservations and copy-on-write memory images: an instance's memory always
// starts as the module says (its data in place, zeros elsewhere, its initial size, nothing
// accessible beyond it), whatever instances used the same reservation before, with the
// pool and the images on or off.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/GuardedMemory.h"
#include "kiln/Instance.h"
#include "kiln/compiler/Compiler.h"
#include "kiln/text/Wat.h"
#include "wat_artifact.h"

namespace kiln {
namespace {

std::shared_ptr<const Artifact> Build(const std::string& wat) {
  return testing::CompileWatForTest(wat);
}

// 20,000 bytes of 'x' at 100 and "late" at 70000 (an image: over the 16 KiB threshold),
// 2 pages initially, up to 10.
std::string ModuleText(const std::string& offset_expr = "(i32.const 100)") {
  return "(module (import \"env\" \"g\" (global $g i32)) (memory (export \"memory\") 2 10)\n"
         "  (data " + offset_expr + " \"" + std::string(20000, 'x') + "\")\n"
         "  (data (i32.const 70000) \"late\")\n"
         "  (func (export \"load\") (param i32) (result i32) (i32.load8_u (local.get 0)))\n"
         "  (func (export \"store\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))\n"
         "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))\n"
         "  (func (export \"size\") (result i32) (memory.size)))";
}

struct Result {
  bool trapped = false;
  int32_t value = 0;
};

Result Invoke(Instance& inst, const char* name, std::vector<kiln_val> args) {
  auto e = inst.GetExport(name);
  EXPECT_TRUE(e.has_value()) << name;
  auto r = Call(*e, args);
  EXPECT_TRUE(r.ok()) << r.status();
  Result out;
  if (!r.ok()) return out;
  out.trapped = r->trap.has_value();
  if (!out.trapped && !r->results.empty()) out.value = r->results[0].i32;
  return out;
}

kiln_val I32(int32_t v) {
  kiln_val x{};
  x.i32 = v;
  return x;
}

std::shared_ptr<Instance> New(const std::shared_ptr<const Artifact>& a, int32_t g = 100) {
  auto global = Global::Create({KILN_I32, false, 0}, I32(g));
  auto inst = Instance::Instantiate(a, [&](const ImportRequest&) -> std::optional<Extern> {
    return Extern::FromGlobal(global);
  });
  EXPECT_TRUE(inst.ok()) << inst.status();
  return inst.ok() ? *inst : nullptr;
}

// Checks a fresh instance's memory, then dirties it: writes over data and zeros, grows.
void CheckFreshThenDirty(Instance& inst) {
  EXPECT_EQ(Invoke(inst, "size", {}).value, 2);
  EXPECT_EQ(Invoke(inst, "load", {I32(99)}).value, 0);
  EXPECT_EQ(Invoke(inst, "load", {I32(100)}).value, 'x');
  EXPECT_EQ(Invoke(inst, "load", {I32(20099)}).value, 'x');
  EXPECT_EQ(Invoke(inst, "load", {I32(20100)}).value, 0);
  EXPECT_EQ(Invoke(inst, "load", {I32(70000)}).value, 'l');
  EXPECT_EQ(Invoke(inst, "load", {I32(2 * 65536 - 1)}).value, 0);
  EXPECT_TRUE(Invoke(inst, "load", {I32(2 * 65536)}).trapped);
  Invoke(inst, "store", {I32(100), I32('Q')});
  Invoke(inst, "store", {I32(50000), I32('Z')});
  Invoke(inst, "store", {I32(2 * 65536 - 1), I32('E')});
  EXPECT_EQ(Invoke(inst, "grow", {I32(3)}).value, 2);
  Invoke(inst, "store", {I32(4 * 65536), I32('G')});
  EXPECT_EQ(Invoke(inst, "load", {I32(4 * 65536)}).value, 'G');
}

class MemoryPool : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  void SetUp() override {
    GuardedMemory::SetPoolCapacity(std::get<0>(GetParam()) ? kDefaultMemoryPoolCapacity : 0);
    GuardedMemory::SetCopyOnWriteImages(std::get<1>(GetParam()));
  }
  void TearDown() override {
    GuardedMemory::SetPoolCapacity(kDefaultMemoryPoolCapacity);
    GuardedMemory::SetCopyOnWriteImages(true);
  }
};

TEST_P(MemoryPool, EveryInstanceStartsFromTheModulesMemory) {
  auto a = Build(ModuleText());
  ASSERT_NE(a, nullptr);
  for (int round = 0; round < 5; ++round) {
    auto inst = New(a);
    ASSERT_NE(inst, nullptr);
    EXPECT_EQ(inst->memory(0)->from_image(), std::get<1>(GetParam()));
    CheckFreshThenDirty(*inst);
  }
}

TEST_P(MemoryPool, LiveInstancesOfOneImageAreIndependent) {
  auto a = Build(ModuleText());
  ASSERT_NE(a, nullptr);
  auto first = New(a), second = New(a);
  ASSERT_TRUE(first && second);
  Invoke(*first, "store", {I32(100), I32('1')});
  Invoke(*second, "store", {I32(101), I32('2')});
  EXPECT_EQ(Invoke(*first, "load", {I32(100)}).value, '1');
  EXPECT_EQ(Invoke(*first, "load", {I32(101)}).value, 'x');
  EXPECT_EQ(Invoke(*second, "load", {I32(100)}).value, 'x');
  EXPECT_EQ(Invoke(*second, "load", {I32(101)}).value, '2');
}

// A reservation used by one module is reused by another with different contents and
// sizes: none of the first module's bytes or pages show through.
TEST_P(MemoryPool, ReuseAcrossModulesLeaksNothing) {
  auto a = Build(ModuleText());
  auto other = Build(
      "(module (memory 3) (func (export \"load\") (param i32) (result i32)"
      " (i32.load8_u (local.get 0))) (func (export \"size\") (result i32) (memory.size)))");
  ASSERT_TRUE(a && other);
  for (int round = 0; round < 3; ++round) {
    auto inst = New(a);
    ASSERT_NE(inst, nullptr);
    CheckFreshThenDirty(*inst);
    inst.reset();
    auto o = Instance::Instantiate(other, [](const ImportRequest&) { return std::nullopt; });
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(Invoke(**o, "size", {}).value, 3);
    for (int32_t addr : {100, 50000, 70000, 2 * 65536 - 1, 2 * 65536, 3 * 65536 - 1})
      EXPECT_EQ(Invoke(**o, "load", {I32(addr)}).value, 0) << addr;
    EXPECT_TRUE(Invoke(**o, "load", {I32(3 * 65536)}).trapped);
    EXPECT_TRUE(Invoke(**o, "load", {I32(4 * 65536)}).trapped);
  }
}

// An offset read from an imported global cannot be in an image: the data is copied, at
// the offset this instance's import says.
TEST_P(MemoryPool, OffsetsFromGlobalsAreCopied) {
  auto a = Build(ModuleText("(global.get $g)"));
  ASSERT_NE(a, nullptr);
  auto at100 = New(a, 100);
  ASSERT_NE(at100, nullptr);
  EXPECT_FALSE(at100->memory(0)->from_image());
  CheckFreshThenDirty(*at100);
  auto at200 = New(a, 200);
  ASSERT_NE(at200, nullptr);
  EXPECT_EQ(Invoke(*at200, "load", {I32(100)}).value, 0);
  EXPECT_EQ(Invoke(*at200, "load", {I32(200)}).value, 'x');
  EXPECT_EQ(Invoke(*at200, "load", {I32(20199)}).value, 'x');
}

INSTANTIATE_TEST_SUITE_P(PoolAndImages, MemoryPool,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Pool" : "NoPool") +
                                  (std::get<1>(info.param) ? "Cow" : "Copy");
                         });

}  // namespace
}  // namespace kiln

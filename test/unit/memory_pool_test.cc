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

// Released memories are put back in place (their written pages rewritten from the image or
// zeroed, and kept) rather than discarded. Every byte of every page of the next instance
// is checked, whichever way the written pages are found, and when there are more of them
// than the keep-resident budget (then they are discarded instead).
class ResetInPlace : public ::testing::TestWithParam<std::tuple<bool, uint64_t>> {
 protected:
  void SetUp() override {
    GuardedMemory::UsePagemapReadForTesting(std::get<0>(GetParam()));
    GuardedMemory::SetKeepResidentBytes(std::get<1>(GetParam()));
  }
  void TearDown() override {
    GuardedMemory::UsePagemapReadForTesting(false);
    GuardedMemory::SetKeepResidentBytes(kDefaultKeepResidentBytes);
  }
};

// 4 pages; 20,000 bytes of a pattern at 5000 (an image); `sum` hashes every byte in order.
std::string HashModuleText(bool image) {
  std::string pattern;
  for (int i = 0; i < 20000; ++i) pattern.push_back(static_cast<char>('a' + i % 23));
  if (!image) pattern.resize(200);
  return "(module (memory (export \"memory\") 4 8)\n"
         "  (data (i32.const 5000) \"" + pattern + "\")\n"
         "  (func (export \"sum\") (result i32) (local $i i32) (local $h i32)\n"
         "    (block $done (loop $l\n"
         "      (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))\n"
         "      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))\n"
         "                             (i32.load8_u (local.get $i))))\n"
         "      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))\n"
         "    (local.get $h))\n"
         "  (func (export \"fill\") (param $step i32) (param $v i32) (local $i i32)\n"
         "    (block $done (loop $l\n"
         "      (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))\n"
         "      (i32.store8 (local.get $i) (local.get $v))\n"
         "      (local.set $i (i32.add (local.get $i) (local.get $step))) (br $l))))\n"
         "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))";
}

TEST_P(ResetInPlace, NothingWrittenSurvivesIntoTheNextInstance) {
  ASSERT_NE(std::string(GuardedMemory::ResetInPlaceMethod()), "off")
      << "this kernel gives no pagemap: released memories are always discarded";
  for (bool image : {true, false}) {
    auto a = Build(HashModuleText(image));
    ASSERT_NE(a, nullptr);
    auto fresh = [&] {
      auto inst = Instance::Instantiate(a, [](const ImportRequest&) { return std::nullopt; });
      EXPECT_TRUE(inst.ok()) << inst.status();
      return inst.ok() ? *inst : nullptr;
    };
    int32_t want = 0;
    {
      auto first = fresh();
      ASSERT_NE(first, nullptr);
      want = Invoke(*first, "sum", {}).value;
    }
    // Every byte, every 4096th, every 5000th (pages skipped), one byte; with growth.
    for (int32_t step : {1, 4096, 5000, 300000, 1}) {
      for (bool grow : {false, true}) {
        {
          auto inst = fresh();
          ASSERT_NE(inst, nullptr);
          EXPECT_EQ(Invoke(*inst, "sum", {}).value, want) << "image " << image << " step " << step;
          if (grow) {
            EXPECT_EQ(Invoke(*inst, "grow", {I32(2)}).value, 4);
          }
          Invoke(*inst, "fill", {I32(step), I32(0x5a)});
        }
        auto next = fresh();
        ASSERT_NE(next, nullptr);
        EXPECT_EQ(Invoke(*next, "sum", {}).value, want) << "image " << image << " step " << step;
        EXPECT_EQ(Invoke(*next, "grow", {I32(0)}).value, 4);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ScanAndBudget, ResetInPlace,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(kDefaultKeepResidentBytes,
                                                              uint64_t{8192})),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Read" : "Scan") +
                                  (std::get<1>(info.param) == kDefaultKeepResidentBytes
                                       ? "Default"
                                       : "TwoPages");
                         });

INSTANTIATE_TEST_SUITE_P(PoolAndImages, MemoryPool,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Pool" : "NoPool") +
                                  (std::get<1>(info.param) ? "Cow" : "Copy");
                         });

}  // namespace
}  // namespace kiln

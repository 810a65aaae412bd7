// GuardedMemory, Table, the type registry and the constant-expression evaluator.
#include <gtest/gtest.h>

#include <cstring>

#include "ConstExpr.h"
#include "kiln/loader.h"

namespace kiln {
namespace {

TEST(GuardedMemory, ReservesGrowsAndNeverMoves) {
  auto m = GuardedMemory::Create({{1, 3}});
  ASSERT_TRUE(m.ok()) << m.status();
  GuardedMemory& mem = **m;
  EXPECT_EQ(mem.pages(), 1u);
  EXPECT_EQ(mem.raw()->reserved_bytes, KILN_GUARDED_RESERVATION);
  uint8_t* base = mem.base();
  base[65535] = 1;  // last byte writable
  EXPECT_EQ(mem.Grow(1), 1);
  base[2 * 65536 - 1] = 2;
  EXPECT_EQ(base[65536], 0);
  EXPECT_EQ(mem.Grow(2), -1);
  EXPECT_EQ(mem.Grow(1), 2);
  EXPECT_EQ(mem.Grow(0), 3);
  EXPECT_EQ(mem.base(), base);
  EXPECT_EQ(mem.size_bytes(), 3u * 65536);
  EXPECT_TRUE(mem.InBounds(3 * 65536, 0));
  EXPECT_FALSE(mem.InBounds(3 * 65536, 1));
  EXPECT_FALSE(mem.InBounds(UINT64_MAX, 2));
  EXPECT_EQ(mem.current_type().limits.min, 3u);
}

TEST(GuardedMemory, PolicyCapAndLimits) {
  auto m = GuardedMemory::Create({{0, std::nullopt}}, 10);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->pages(), 0u);
  EXPECT_EQ((*m)->max_pages(), 10u);
  EXPECT_EQ((*m)->Grow(11), -1);
  EXPECT_EQ((*m)->Grow(10), 0);
  EXPECT_FALSE(GuardedMemory::Create({{5, 10}}, 4).ok());
  auto unbounded = GuardedMemory::Create({{0, std::nullopt}});
  ASSERT_TRUE(unbounded.ok());
  EXPECT_EQ((*unbounded)->max_pages(), 65536u);
  EXPECT_EQ((*unbounded)->Grow(65537), -1);
}

TEST(Table, GrowsWithinMaximum) {
  auto t = Table::Create({KILN_EXTERNREF, {2, 5}});
  ASSERT_TRUE(t.ok());
  int marker;
  EXPECT_EQ((*t)->Grow(2, &marker), 2);
  EXPECT_EQ((*t)->Get(3).value(), &marker);
  EXPECT_EQ((*t)->Get(0).value(), nullptr);
  EXPECT_FALSE((*t)->Get(4).has_value());
  EXPECT_EQ((*t)->Grow(2, nullptr), -1);
  EXPECT_EQ((*t)->raw()->size, 4u);
  EXPECT_EQ((*t)->raw()->max, 5u);
  EXPECT_FALSE(Table::Create({KILN_FUNCREF, {20, std::nullopt}}, nullptr, 10).ok());
}

TEST(TypeRegistry, EqualSignaturesShareAnId) {
  const uint32_t a = TypeRegistry::Intern({{KILN_I32, KILN_I64}, {KILN_F32}});
  const uint32_t b = TypeRegistry::Intern({{KILN_I32, KILN_I64}, {KILN_F32}});
  const uint32_t c = TypeRegistry::Intern({{KILN_I32}, {KILN_I64, KILN_F32}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(TypeRegistry::Lookup(c).ToString(), "(i32) -> (i64, f32)");
}

TEST(Limits, MatchFollowsTheSpec) {
  EXPECT_TRUE(Limits::Matches({2, 5}, {1, 5}));
  EXPECT_TRUE(Limits::Matches({2, 5}, {1, std::nullopt}));
  EXPECT_FALSE(Limits::Matches({2, std::nullopt}, {1, 5}));
  EXPECT_FALSE(Limits::Matches({2, 6}, {1, 5}));
  EXPECT_FALSE(Limits::Matches({0, 5}, {1, 5}));
}

absl::StatusOr<ConstValue> Eval(std::vector<uint8_t> bytes, ConstExprEnv env = {}) {
  return EvaluateConstExpr(bytes, env);
}

TEST(ConstExpr, Numbers) {
  auto v = Eval({0x41, 0x7F, 0x0B});  // i32.const -1
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, KILN_I32);
  EXPECT_EQ(v->value.i32, 0xFFFFFFFFu);
  v = Eval({0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F, 0x0B});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value.i64, 0x8000000000000000ull);  // i64 min
  v = Eval({0x43, 0x00, 0x00, 0xC0, 0x7F, 0x0B});  // f32 nan
  ASSERT_TRUE(v.ok());
  uint32_t bits;
  std::memcpy(&bits, &v->value.f32, 4);
  EXPECT_EQ(bits, 0x7FC00000u);
  v = Eval({0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value.f64, 1.0);
}

TEST(ConstExpr, ExtendedConstArithmetic) {
  auto v = Eval({0x41, 10, 0x41, 3, 0x6B, 0x41, 4, 0x6C, 0x0B});  // (10 - 3) * 4
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value.i32, 28u);
  v = Eval({0x42, 1, 0x42, 2, 0x7C, 0x0B});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, KILN_I64);
  EXPECT_EQ(v->value.i64, 3u);
  EXPECT_FALSE(Eval({0x41, 1, 0x42, 2, 0x6A, 0x0B}).ok());  // type mismatch
  EXPECT_FALSE(Eval({0x41, 1, 0x6A, 0x0B}).ok());           // underflow
}

TEST(ConstExpr, GlobalsAndReferences) {
  int target;
  ConstExprEnv env;
  env.num_readable_globals = 1;
  env.read_global = [](uint32_t) {
    ConstValue v;
    v.type = KILN_I32;
    v.value.i32 = 77;
    return v;
  };
  env.num_funcs = 3;
  env.func_ref = [&](uint32_t i) -> void* { return i == 2 ? &target : nullptr; };
  auto v = Eval({0x23, 0, 0x41, 3, 0x6A, 0x0B}, env);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value.i32, 80u);
  v = Eval({0xD2, 2, 0x0B}, env);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, KILN_FUNCREF);
  EXPECT_EQ(v->value.ref, &target);
  v = Eval({0xD0, 0x6F, 0x0B}, env);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, KILN_EXTERNREF);
  EXPECT_EQ(v->value.ref, nullptr);
  EXPECT_FALSE(Eval({0x23, 1, 0x0B}, env).ok());  // global out of range
  EXPECT_FALSE(Eval({0xD2, 3, 0x0B}, env).ok());  // function out of range
}

TEST(ConstExpr, MalformedBytesAreErrors) {
  EXPECT_FALSE(Eval({}).ok());
  EXPECT_FALSE(Eval({0x41, 1}).ok());                                 // no end
  EXPECT_FALSE(Eval({0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0B}).ok()); // LEB too long
  EXPECT_FALSE(Eval({0x44, 0, 0, 0x0B}).ok());                        // short f64
  EXPECT_FALSE(Eval({0x0B}).ok());                                    // no value
  EXPECT_FALSE(Eval({0x41, 1, 0x41, 2, 0x0B}).ok());                  // two values
  EXPECT_FALSE(Eval({0x20, 0, 0x0B}).ok());                           // local.get
  EXPECT_FALSE(Eval({0x41, 1, 0x0B, 0x00}).ok());                     // trailing bytes
}

}  // namespace
}  // namespace kiln

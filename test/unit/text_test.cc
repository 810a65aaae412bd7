// kiln's text-format reader: binary encodings checked byte for byte, abbreviations, name
// resolution, malformed-text errors with line:column, and spec-script reading.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/text/Wast.h"
#include "kiln/text/Wat.h"

namespace {

using Bytes = std::vector<uint8_t>;
using kiln::text::Expected;
using kiln::text::parseWat;

Bytes header() { return {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}; }

// A module from sections (each: id, size, contents; sizes here are all < 128).
Bytes module(std::initializer_list<std::pair<uint8_t, Bytes>> sections) {
  Bytes out = header();
  for (const auto& [id, body] : sections) {
    out.push_back(id);
    out.push_back(static_cast<uint8_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
  }
  return out;
}

Bytes wat(const std::string& text, kiln::text::TextVersion v = kiln::text::TextVersion::Wasm3) {
  kiln::text::TextOptions o;
  o.version = v;
  absl::StatusOr<Bytes> r = parseWat(text, "t.wat", o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Bytes{};
}

std::string error(const std::string& text,
                  kiln::text::TextVersion v = kiln::text::TextVersion::Wasm3) {
  kiln::text::TextOptions o;
  o.version = v;
  absl::StatusOr<Bytes> r = parseWat(text, "t.wat", o);
  EXPECT_FALSE(r.ok()) << "accepted: " << text;
  return r.ok() ? "" : std::string(r.status().message());
}

uint64_t readLeb(const Bytes& b, size_t* i) {
  uint64_t v = 0;
  int shift = 0;
  while (true) {
    uint8_t x = b[(*i)++];
    v |= uint64_t{x & 0x7fu} << shift;
    shift += 7;
    if (!(x & 0x80)) return v;
  }
}

// The ids of the sections in order.
std::vector<int> sectionIds(const Bytes& b) {
  std::vector<int> ids;
  size_t i = 8;
  while (i < b.size()) {
    ids.push_back(b[i++]);
    i += readLeb(b, &i);
  }
  return ids;
}

// The contents of the (first) section with this id.
Bytes section(const Bytes& b, int id) {
  size_t i = 8;
  while (i < b.size()) {
    int sid = b[i++];
    size_t n = readLeb(b, &i);
    if (sid == id) return Bytes(b.begin() + i, b.begin() + i + n);
    i += n;
  }
  ADD_FAILURE() << "no section " << id;
  return {};
}

// ---- Encodings ----

TEST(TextEncode, EmptyModuleAndBareFields) {
  EXPECT_EQ(wat("(module)"), header());
  EXPECT_EQ(wat(""), header());
  EXPECT_EQ(wat("(func)"), wat("(module (func))"));
}

TEST(TextEncode, FunctionWithSignature) {
  EXPECT_EQ(wat("(module (func (param i32 i64) (result f32) (f32.const 1.5)))"),
            module({{1, {0x01, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D}},
                    {3, {0x01, 0x00}},
                    {10, {0x01, 0x07, 0x00, 0x43, 0x00, 0x00, 0xC0, 0x3F, 0x0B}}}));
}

TEST(TextEncode, ImplicitTypesReuseLaterDefinitionsAndAppendInOrder) {
  // The first function matches $t although $t is defined after it; the second needs a
  // new type, appended after the explicit ones.
  EXPECT_EQ(wat("(func (param i32))"
                "(func (result i64) (i64.const -1))"
                "(type $t (func (param i32)))"),
            module({{1, {0x02, 0x60, 0x01, 0x7F, 0x00, 0x60, 0x00, 0x01, 0x7E}},
                    {3, {0x02, 0x00, 0x01}},
                    {10, {0x02, 0x02, 0x00, 0x0B, 0x04, 0x00, 0x42, 0x7F, 0x0B}}}));
}

TEST(TextEncode, InlineImportAndExport) {
  EXPECT_EQ(wat("(func (export \"e\") (import \"m\" \"n\") (param i32))"),
            module({{1, {0x01, 0x60, 0x01, 0x7F, 0x00}},
                    {2, {0x01, 0x01, 'm', 0x01, 'n', 0x00, 0x00}},
                    {7, {0x01, 0x01, 'e', 0x00, 0x00}}}));
  // Each kind, imported and exported inline.
  Bytes b = wat(
      "(table $t (export \"t\") (import \"m\" \"t\") 1 funcref)"
      "(memory (export \"m\") (import \"m\" \"m\") 1 2)"
      "(global (export \"g\") (import \"m\" \"g\") (mut i32))"
      "(tag (export \"x\") (import \"m\" \"x\") (param i64))");
  EXPECT_EQ(section(b, 2),
            (Bytes{0x04, 0x01, 'm', 0x01, 't', 0x01, 0x70, 0x00, 0x01,  //
                   0x01, 'm', 0x01, 'm', 0x02, 0x01, 0x01, 0x02,        //
                   0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x01,              //
                   0x01, 'm', 0x01, 'x', 0x04, 0x00, 0x00}));
  EXPECT_EQ(section(b, 7), (Bytes{0x04, 0x01, 't', 0x01, 0x00, 0x01, 'm', 0x02, 0x00, 0x01, 'g',
                                  0x03, 0x00, 0x01, 'x', 0x04, 0x00}));
}

TEST(TextEncode, FoldedIfAndNamedLabels) {
  Bytes b = wat(
      "(func (param i32) (result i32)"
      "  (block $b (result i32)"
      "    (if (result i32) (local.get 0)"
      "      (then (br $b (i32.const 1)))"
      "      (else (i32.const 2)))))");
  EXPECT_EQ(section(b, 10), (Bytes{0x01, 0x11, 0x00, 0x02, 0x7F, 0x20, 0x00, 0x04, 0x7F, 0x41,
                                   0x01, 0x0C, 0x01, 0x05, 0x41, 0x02, 0x0B, 0x0B, 0x0B}));
  // The same in plain syntax, with `end $label` and `else $label`.
  Bytes plain = wat(
      "(func (param i32) (result i32)"
      "  block $b (result i32)"
      "    local.get 0"
      "    if $i (result i32) i32.const 1 br $b else $i i32.const 2 end $i"
      "  end $b)");
  EXPECT_EQ(section(plain, 10), section(b, 10));
}

TEST(TextEncode, FoldedInstructionWithManyOperandsAndTypedSelect) {
  Bytes b = wat(
      "(func (result i32)"
      "  (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)))");
  EXPECT_EQ(section(b, 10), (Bytes{0x01, 0x0B, 0x00, 0x41, 0x01, 0x41, 0x02, 0x41, 0x00, 0x1C,
                                   0x01, 0x7F, 0x0B}));
}

TEST(TextEncode, LocalsByNameAndCompressedLocalDeclarations) {
  Bytes b = wat(
      "(func (param $p i32) (local $a i64) (local i64 f32)"
      "  (local.set $a (i64.extend_i32_u (local.get $p))) (local.tee 3 (f32.const 0)) drop)");
  EXPECT_EQ(section(b, 10),
            (Bytes{0x01, 0x13, 0x02, 0x02, 0x7E, 0x01, 0x7D, 0x20, 0x00, 0xAD, 0x21, 0x01, 0x43,
                   0x00, 0x00, 0x00, 0x00, 0x22, 0x03, 0x1A, 0x0B}));
}

TEST(TextEncode, MemargAndMemoryIndex) {
  Bytes b = wat(
      "(memory 1) (memory $m 2 3)"
      "(func (result i32) (i32.load $m offset=8 align=2 (i32.const 0)))"
      "(func (i64.store offset=0x10 (i32.const 0) (i64.const 1)))"
      "(func (result i32) (memory.size $m))");
  EXPECT_EQ(section(b, 5), (Bytes{0x02, 0x00, 0x01, 0x01, 0x02, 0x03}));
  EXPECT_EQ(section(b, 10),
            (Bytes{0x03,
                   0x08, 0x00, 0x41, 0x00, 0x28, 0x41, 0x01, 0x08, 0x0B,        //
                   0x09, 0x00, 0x41, 0x00, 0x42, 0x01, 0x37, 0x03, 0x10, 0x0B,  //
                   0x04, 0x00, 0x3F, 0x01, 0x0B}));
}

TEST(TextEncode, NumericLiterals) {
  Bytes b = wat(
      "(func"
      "  (drop (i32.const 0xffff_ffff)) (drop (i32.const -2147483648))"
      "  (drop (i64.const 0x7fff_ffff_ffff_ffff))"
      "  (drop (f32.const nan:0x200000)) (drop (f64.const -0x1p-1074))"
      "  (drop (f32.const -inf)) (drop (f64.const 1_000.5e-1)))");
  Bytes code = section(b, 10);
  Bytes expected = {0x41, 0x7F, 0x1A,                                                  //
                    0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x1A,                          //
                    0x42, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x1A,  //
                    0x43, 0x00, 0x00, 0xA0, 0x7F, 0x1A,                                //
                    0x44, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x1A,        //
                    0x43, 0x00, 0x00, 0x80, 0xFF, 0x1A,                                //
                    0x44, 0x33, 0x33, 0x33, 0x33, 0x33, 0x03, 0x59, 0x40, 0x1A, 0x0B};
  ASSERT_GE(code.size(), expected.size());
  EXPECT_EQ(Bytes(code.end() - expected.size(), code.end()), expected);
}

TEST(TextEncode, TableWithInlineElementsAndMemoryWithInlineData) {
  Bytes b = wat("(table funcref (elem $f $f)) (func $f) (memory (data \"ab\" \"c\"))");
  EXPECT_EQ(section(b, 4), (Bytes{0x01, 0x70, 0x01, 0x02, 0x02}));
  EXPECT_EQ(section(b, 9), (Bytes{0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x00, 0x00}));
  EXPECT_EQ(section(b, 5), (Bytes{0x01, 0x01, 0x01, 0x01}));
  EXPECT_EQ(section(b, 12), (Bytes{0x01}));
  EXPECT_EQ(section(b, 11), (Bytes{0x01, 0x00, 0x41, 0x00, 0x0B, 0x03, 'a', 'b', 'c'}));
  EXPECT_EQ(sectionIds(b), (std::vector<int>{1, 3, 4, 5, 9, 12, 10, 11, 0}));
}

TEST(TextEncode, ElementSegmentForms) {
  Bytes b = wat(
      "(table 1 funcref) (func $f)"
      "(elem func $f)"
      "(elem declare func $f)"
      "(elem (table 0) (offset (i32.const 1)) func $f)"
      "(elem externref (ref.null extern))"
      "(elem (i32.const 0) funcref (item ref.func $f))"
      "(elem (i32.const 0) $f)");
  EXPECT_EQ(section(b, 9),
            (Bytes{0x06,                                            //
                   0x01, 0x00, 0x01, 0x00,                          // passive, funcidx
                   0x03, 0x00, 0x01, 0x00,                          // declarative
                   0x00, 0x41, 0x01, 0x0B, 0x01, 0x00,              // active, table 0
                   0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,              // passive, expressions
                   0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B,  // active, expressions
                   0x00, 0x41, 0x00, 0x0B, 0x01, 0x00}));           // legacy funcidx list
}

TEST(TextEncode, DataSegmentForms) {
  Bytes b = wat("(memory 1) (memory $m 1) (data \"x\") (data (memory $m) (i32.const 4) \"y\")"
                "(data (offset (i32.const 0)) \"\\00\\u{e9}\")");
  EXPECT_EQ(section(b, 11), (Bytes{0x03, 0x01, 0x01, 'x', 0x02, 0x01, 0x41, 0x04, 0x0B, 0x01,
                                   'y', 0x00, 0x41, 0x00, 0x0B, 0x03, 0x00, 0xC3, 0xA9}));
}

TEST(TextEncode, ExceptionsAndTagSectionPlacement) {
  Bytes b = wat(
      "(tag $e (param i32))"
      "(memory 1)"
      "(global i32 (i32.const 0))"
      "(func (result i32)"
      "  (block $h (result i32)"
      "    (try_table (catch $e $h) (throw $e (i32.const 7)))"
      "    (i32.const 0)))");
  EXPECT_EQ(sectionIds(b), (std::vector<int>{1, 3, 5, 13, 6, 10}));
  EXPECT_EQ(section(b, 13), (Bytes{0x01, 0x00, 0x00}));
  EXPECT_EQ(section(b, 10), (Bytes{0x01, 0x12, 0x00, 0x02, 0x7F, 0x1F, 0x40, 0x01, 0x00, 0x00,
                                   0x00, 0x41, 0x07, 0x08, 0x00, 0x0B, 0x41, 0x00, 0x0B, 0x0B}));
  Bytes c = wat("(tag $e) (func (try_table (catch_ref $e 0) (catch_all 0) (catch_all_ref 0)))");
  EXPECT_EQ(section(c, 10), (Bytes{0x01, 0x0D, 0x00, 0x1F, 0x40, 0x03, 0x01, 0x00, 0x00, 0x02,
                                   0x00, 0x03, 0x00, 0x0B, 0x0B}));
}

TEST(TextEncode, TypedReferencesTailCallsAndTableInitialiser) {
  Bytes b = wat(
      "(type $t (func))"
      "(func $f (type $t))"
      "(table 2 (ref null $t) (ref.func $f))"
      "(func (param (ref $t)) (call_ref $t (local.get 0)) (return_call $f))"
      "(elem declare func $f)");
  EXPECT_EQ(section(b, 1), (Bytes{0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x64, 0x00, 0x00}));
  EXPECT_EQ(section(b, 4), (Bytes{0x01, 0x40, 0x00, 0x63, 0x00, 0x00, 0x02, 0xD2, 0x00, 0x0B}));
  EXPECT_EQ(section(b, 10), (Bytes{0x02, 0x02, 0x00, 0x0B, 0x08, 0x00, 0x20, 0x00, 0x14, 0x00,
                                   0x12, 0x00, 0x0B}));
  // (ref null func) is funcref; nullable abstract types use the short forms.
  EXPECT_EQ(section(wat("(func (param (ref null func) (ref extern) exnref nullexternref))"), 1),
            (Bytes{0x01, 0x60, 0x04, 0x70, 0x64, 0x6F, 0x69, 0x72, 0x00}));
}

TEST(TextEncode, Memory64AndTable64Limits) {
  Bytes b = wat("(memory i64 1 2) (memory i64 1) (table i64 1 funcref)"
                "(func (drop (i64.load offset=0x1_0000_0000 (i64.const 0))))");
  EXPECT_EQ(section(b, 5), (Bytes{0x02, 0x05, 0x01, 0x02, 0x04, 0x01}));
  EXPECT_EQ(section(b, 4), (Bytes{0x01, 0x70, 0x04, 0x01}));
  EXPECT_EQ(section(b, 10), (Bytes{0x01, 0x0C, 0x00, 0x42, 0x00, 0x29, 0x03, 0x80, 0x80, 0x80,
                                   0x80, 0x10, 0x1A, 0x0B}));
}

TEST(TextEncode, VectorInstructions) {
  Bytes b = wat(
      "(memory 1) (memory $m 1)"
      "(func (result v128)"
      "  (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31"
      "    (v128.const i32x4 1 2 3 -1)"
      "    (v128.load8_lane 1 (i32.const 0) (v128.const i64x2 0 0))))"
      "(func (param v128) (result v128)"
      "  (v128.load16_lane $m offset=2 3 (i32.const 0) (local.get 0)))"
      "(func (param v128 v128 v128) (result v128)"
      "  (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))");
  Bytes code = section(b, 10);
  Bytes f0 = {0xFD, 0x0C, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,  //
              0x41, 0x00, 0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   //
              0xFD, 0x54, 0x00, 0x00, 0x01,                                             //
              0xFD, 0x0D, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31, 0x0B};
  Bytes f1 = {0x41, 0x00, 0x20, 0x00, 0xFD, 0x55, 0x41, 0x01, 0x02, 0x03, 0x0B};
  Bytes f2 = {0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xFD, 0x93, 0x02, 0x0B};
  Bytes expected = {0x03, static_cast<uint8_t>(f0.size() + 1), 0x00};
  expected.insert(expected.end(), f0.begin(), f0.end());
  expected.push_back(static_cast<uint8_t>(f1.size() + 1));
  expected.push_back(0x00);
  expected.insert(expected.end(), f1.begin(), f1.end());
  expected.push_back(static_cast<uint8_t>(f2.size() + 1));
  expected.push_back(0x00);
  expected.insert(expected.end(), f2.begin(), f2.end());
  EXPECT_EQ(code, expected);
  EXPECT_EQ(section(wat("(func (result v128) (v128.const f32x4 nan -0 inf 0x1p-149))"), 10),
            (Bytes{0x01, 0x14, 0x00, 0xFD, 0x0C, 0x00, 0x00, 0xC0, 0x7F, 0x00, 0x00, 0x00, 0x80,
                   0x00, 0x00, 0x80, 0x7F, 0x01, 0x00, 0x00, 0x00, 0x0B}));
}

TEST(TextEncode, BulkMemoryAndTableInstructions) {
  Bytes b = wat(
      "(table $t 1 funcref) (table $u 1 funcref) (memory 1) (elem $e func) (data $d \"\")"
      "(func"
      "  (table.init $u $e (i32.const 0) (i32.const 0) (i32.const 0))"
      "  (table.copy $t $u (i32.const 0) (i32.const 0) (i32.const 0))"
      "  (memory.init $d (i32.const 0) (i32.const 0) (i32.const 0))"
      "  (data.drop $d) (elem.drop $e)"
      "  (drop (table.size $u)))");
  Bytes code = section(b, 10);
  Bytes tail = {0xFC, 0x0C, 0x00, 0x01, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,  //
                0xFC, 0x0E, 0x00, 0x01, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,  //
                0xFC, 0x08, 0x00, 0x00, 0xFC, 0x09, 0x00, 0xFC, 0x0D, 0x00,  //
                0xFC, 0x10, 0x01, 0x1A, 0x0B};
  ASSERT_GE(code.size(), tail.size());
  EXPECT_EQ(Bytes(code.end() - tail.size(), code.end()), tail);
  EXPECT_EQ(section(b, 12), (Bytes{0x01}));
}

TEST(TextEncode, StartGlobalsAndExtendedConstants) {
  Bytes b = wat(
      "(global $a i32 (i32.const 1))"
      "(global $b (mut i64) (i64.add (i64.const 2) (i64.const 3)))"
      "(func $s) (start $s) (export \"b\" (global $b))");
  EXPECT_EQ(section(b, 6), (Bytes{0x02, 0x7F, 0x00, 0x41, 0x01, 0x0B, 0x7E, 0x01, 0x42, 0x02,
                                  0x42, 0x03, 0x7C, 0x0B}));
  EXPECT_EQ(section(b, 8), (Bytes{0x00}));
  EXPECT_EQ(section(b, 7), (Bytes{0x01, 0x01, 'b', 0x03, 0x01}));
}

TEST(TextEncode, GcTypesAndInstructions) {
  // GC is not executed by kiln, but it is encoded so that the decoder can refuse it by name.
  Bytes b = wat(
      "(rec (type $s (struct (field $x i32) (field $y (mut i64)))) (type $a (array i8)))"
      "(type $sub (sub final $s (struct (field i32) (field (mut i64)))))"
      "(func (param anyref) (result i64)"
      "  (block $l (result (ref $s))"
      "    (drop (br_on_cast $l anyref (ref $s) (local.get 0)))"
      "    (drop (ref.test (ref null $a) (local.get 0)))"
      "    (return (struct.get $s $y (ref.cast (ref $s) (local.get 0)))))"
      "  drop (i64.const 0))");
  EXPECT_EQ(section(b, 1),
            (Bytes{0x03, 0x4E, 0x02, 0x5F, 0x02, 0x7F, 0x00, 0x7E, 0x01, 0x5E, 0x78, 0x00,  //
                   0x4F, 0x01, 0x00, 0x5F, 0x02, 0x7F, 0x00, 0x7E, 0x01,                   //
                   0x60, 0x01, 0x6E, 0x01, 0x7E}));
  EXPECT_EQ(section(b, 10),
            (Bytes{0x01, 0x22, 0x00, 0x02, 0x64, 0x00,                    // block (ref $s)
                   0x20, 0x00, 0xFB, 0x18, 0x01, 0x00, 0x6E, 0x00, 0x1A,  // br_on_cast
                   0x20, 0x00, 0xFB, 0x15, 0x01, 0x1A,                    // ref.test null
                   0x20, 0x00, 0xFB, 0x16, 0x00, 0xFB, 0x02, 0x00, 0x01, 0x0F, 0x0B,  //
                   0x1A, 0x42, 0x00, 0x0B}));
  EXPECT_EQ(error("(type $s (struct (field $x i32))) (func (struct.get $s $z (unreachable)))"),
            "t.wat:1:56: unknown field $z");
}

TEST(TextEncode, CommentsAndAnnotationsAreSkipped) {
  EXPECT_EQ(wat("(module (@a x (y \"z\") (@b)) (; c (; nested ;) ;) ;; line\n"
                "  ((@a) func (@b) nop (@c 1 2)))"),
            wat("(module (func nop))"));
}

TEST(TextEncode, QuotedIdentifiersAndNameSection) {
  Bytes b = wat("(module $mod (func $\"f g\") (func (call $\"f g\")))");
  EXPECT_EQ(section(b, 10), (Bytes{0x02, 0x02, 0x00, 0x0B, 0x04, 0x00, 0x10, 0x00, 0x0B}));
  // name section: "name", module name "mod", function 0 named "f g".
  EXPECT_EQ(section(b, 0), (Bytes{0x04, 'n', 'a', 'm', 'e', 0x00, 0x04, 0x03, 'm', 'o', 'd', 0x01,
                                  0x06, 0x01, 0x00, 0x03, 'f', ' ', 'g'}));
}

TEST(TextEncode, BinaryAndQuoteModules) {
  EXPECT_EQ(wat("(module binary \"\\00asm\" \"\\01\\00\\00\\00\")"), header());
  EXPECT_EQ(wat("(module quote \"(func\" \" nop)\")"), wat("(func nop)"));
}

// ---- Malformed text ----

TEST(TextErrors, PositionsAndMessages) {
  EXPECT_EQ(error("(module\n  (func (i32.ad)))"), "t.wat:2:10: unknown operator i32.ad");
  EXPECT_EQ(error("(func (br $l))"), "t.wat:1:11: unknown label $l");
  EXPECT_EQ(error("(func $f) (func $f)"), "t.wat:1:17: duplicate func $f");
  EXPECT_EQ(error("(func (param $x i32) (local $x i32))"), "t.wat:1:29: duplicate local $x");
  EXPECT_EQ(error("(func (call $g))"), "t.wat:1:13: unknown function $g");
  EXPECT_EQ(error("(func (local.get $x))"), "t.wat:1:18: unknown local $x");
  EXPECT_EQ(error("(func) (import \"m\" \"n\" (func))"), "t.wat:1:9: import after function");
  EXPECT_EQ(error("(memory 1) (func (import \"m\" \"n\"))"), "t.wat:1:19: import after memory");
  EXPECT_EQ(error("(type $t (func)) (func (type $t) (param i32))"),
            "t.wat:1:19: inline function type does not match its type use");
  EXPECT_EQ(error("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))"),
            "t.wat:1:34: alignment must be a power of two");
  EXPECT_EQ(error("(func (drop (i32.const 4294967296)))"), "t.wat:1:24: i32 constant out of range");
  EXPECT_EQ(error("(func (drop (f32.const 1e39)))"), "t.wat:1:24: f32 constant out of range");
  EXPECT_EQ(error("(func (drop (f64.const nan:0x0)))"), "t.wat:1:24: f64 constant out of range");
  EXPECT_EQ(error("(func (export \"\\ff\"))"), "t.wat:1:15: malformed UTF-8 encoding");
  EXPECT_EQ(error("(func block $a end $b)"), "t.wat:1:20: mismatching label");
  EXPECT_EQ(error("(func block end $b)"), "t.wat:1:17: mismatching label");
  EXPECT_EQ(error("(data \"abc)"), "t.wat:1:7: unclosed string");
  EXPECT_EQ(error("(func $f) (start $f) (start $f)"), "t.wat:1:23: multiple start sections");
  EXPECT_EQ(error("(@ x)"), "t.wat:1:1: empty annotation id");
  EXPECT_EQ(error("(@x (y)"), "t.wat:1:1: unclosed annotation");
  EXPECT_EQ(error("(func (nop) (; open"), "t.wat:1:13: unclosed comment");
  EXPECT_EQ(error("(func (i32.const 0x))"), "t.wat:1:18: unexpected token \"0x\", expected an integer");
  EXPECT_EQ(error("(func (result i32) (param i32))"), "t.wat:1:21: unknown operator param");
  EXPECT_EQ(error("(func $\"\")"), "t.wat:1:7: empty identifier");
  EXPECT_EQ(error("(func nop)\n(func end)"), "t.wat:2:7: unexpected token \"end\", expected \")\"");
  EXPECT_EQ(error("(module (func)) (func)"), "t.wat:1:17: unexpected token after the module");
  EXPECT_EQ(error("(func (v128.const i32x4 1 2 3))"), "t.wat:1:30: wrong number of lane literals");
  EXPECT_EQ(error("(func (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))"),
            "t.wat:1:29: malformed lane index");
  EXPECT_EQ(error("(func (drop (i32.const 1 ) ) ) )"), "t.wat:1:32: unexpected token \")\"");
  EXPECT_EQ(error("(func\n\t(get_local 0))"), "t.wat:2:3: unknown operator get_local");
  EXPECT_EQ(error("(func nop \x01)"), "t.wat:1:11: illegal character");
  EXPECT_EQ(error("(module\n  (func nop)"), "t.wat:1:1: unclosed parenthesis");
  EXPECT_EQ(error("(func (drop (i32.const +0x8000_0000)))"), "t.wat:1:24: i32 constant out of range");
}

TEST(TextErrors, FieldsCutShortAreErrorsNotCrashes) {
  // `(import)` once read past the end of the tokens (found by kiln-fuzz-text).
  EXPECT_EQ(error("(import)"), "t.wat:1:8: unexpected token \")\", expected the import's module name");
  EXPECT_EQ(error("(import \"m\")"), "t.wat:1:12: unexpected token \")\", expected the import's name");
  EXPECT_EQ(error("(import \"m\" \"n\")"), "t.wat:1:16: unexpected token \")\", expected an import descriptor");
  EXPECT_EQ(error("(module (import \"m\" \"n\" (func)) (import))"),
            "t.wat:1:40: unexpected token \")\", expected the import's module name");
}

TEST(TextErrors, DeepNestingIsAnErrorNotACrash) {
  std::string ok = "(func";
  for (int i = 0; i < 9000; ++i) ok += " (block";
  ok += std::string(9000, ')') + ")";
  EXPECT_FALSE(wat(ok).empty());
  std::string deep = "(func";
  for (int i = 0; i < 100000; ++i) deep += " (nop";
  deep += std::string(100000, ')') + ")";
  EXPECT_EQ(error(deep), "t.wat:1:50007: instructions nested too deeply (more than 10000 levels)");
}

TEST(TextErrors, OffsetAndLimitRangesDependOnTheVersion) {
  const std::string m = "(memory 1) (func (drop (i32.load offset=4294967296 (i32.const 0))))";
  EXPECT_EQ(error(m, kiln::text::TextVersion::Wasm2),
            "t.wat:1:34: offset out of range (i32 constant)");
  EXPECT_FALSE(wat(m, kiln::text::TextVersion::Wasm3).empty());
  EXPECT_EQ(error("(memory 0x1_0000_0000)", kiln::text::TextVersion::Wasm2),
            "t.wat:1:9: i32 constant out of range");
  EXPECT_FALSE(wat("(memory 0x1_0000_0000)", kiln::text::TextVersion::Wasm3).empty());
}

TEST(TextErrors, UnknownTypeIndexIsLeftToTheValidatorUnlessInlineTypesNeedIt) {
  // Without an inline signature a missing type is invalid, not malformed.
  EXPECT_FALSE(wat("(func (type 3))").empty());
  EXPECT_EQ(error("(func (type 3) (param i32))"), "t.wat:1:2: unknown type");
}

// ---- Scripts ----

TEST(Wast, CommandsValuesAndExpectations) {
  const char* script =
      "(module $M (func (export \"f\") (param i32) (result i32) (local.get 0)))\n"
      "(register \"m\" $M)\n"
      "(assert_return (invoke $M \"f\" (i32.const -1)) (i32.const 0xffffffff))\n"
      "(assert_return (invoke \"g\" (f32.const 1) (v128.const i16x8 0 1 2 3 4 5 6 -1))\n"
      "  (f64.const nan:canonical) (v128.const f32x4 nan:arithmetic 1 -0 inf)\n"
      "  (either (ref.null func) (ref.extern 3)) (ref.null) (ref.func) (ref.extern))\n"
      "(assert_trap (invoke \"t\") \"unreachable\")\n"
      "(assert_trap (module (func $s unreachable) (start $s)) \"unreachable\")\n"
      "(assert_malformed (module quote \"(func i32.ad)\") \"unknown operator\")\n"
      "(assert_invalid (module binary \"\\00asm\") \"unexpected end\")\n"
      "(assert_exhaustion (invoke \"r\") \"call stack exhausted\")\n"
      "(assert_exception (invoke \"x\"))\n"
      "(get \"glob\")\n"
      "(module definition $D (func))\n"
      "(module instance $I $D)\n"
      "(assert_unlinkable (module (import \"a\" \"b\" (func))) \"unknown import\")\n";
  absl::StatusOr<kiln::text::Script> s = kiln::text::parseWast(script, "s.wast");
  ASSERT_TRUE(s.ok()) << s.status().message();
  using K = kiln::text::Command::Kind;
  const auto& c = s->commands;
  ASSERT_EQ(c.size(), 14u);
  EXPECT_EQ(c[0].kind, K::Module);
  EXPECT_EQ(*c[0].module->name, "M");
  EXPECT_EQ(c[0].line, 1u);
  EXPECT_FALSE(c[0].module->bytes.empty());
  EXPECT_EQ(c[1].kind, K::Register);
  EXPECT_EQ(c[1].registerName, "m");
  EXPECT_EQ(*c[1].instanceName, "M");
  EXPECT_EQ(c[2].kind, K::AssertReturn);
  EXPECT_EQ(*c[2].action->module, "M");
  EXPECT_EQ(c[2].action->args[0].bits, 0xffffffffu);
  EXPECT_EQ(c[2].expected[0].bits, 0xffffffffu);
  const auto& r = c[3];
  EXPECT_EQ(r.line, 4u);
  ASSERT_EQ(r.action->args.size(), 2u);
  EXPECT_EQ(r.action->args[0].bits, 0x3f800000u);
  EXPECT_EQ(r.action->args[1].v128[14], 0xFF);
  EXPECT_EQ(r.action->args[1].v128[2], 1);
  ASSERT_EQ(r.expected.size(), 6u);
  EXPECT_EQ(r.expected[0].nan, kiln::text::NanClass::Canonical);
  EXPECT_EQ(r.expected[1].laneNans[0], kiln::text::NanClass::Arithmetic);
  EXPECT_EQ(r.expected[1].lanes[2], 0x80000000u);
  EXPECT_EQ(r.expected[2].kind, Expected::Kind::Either);
  ASSERT_EQ(r.expected[2].alternatives.size(), 2u);
  EXPECT_EQ(r.expected[2].alternatives[1].bits, 3u);
  EXPECT_TRUE(r.expected[3].anyNull);
  EXPECT_EQ(r.expected[4].kind, Expected::Kind::RefFunc);
  EXPECT_FALSE(r.expected[5].hasValue);
  EXPECT_EQ(c[4].kind, K::AssertTrap);
  EXPECT_EQ(c[4].text, "unreachable");
  EXPECT_EQ(c[5].kind, K::AssertTrap);
  EXPECT_TRUE(c[5].module.has_value());
  EXPECT_EQ(c[6].kind, K::AssertMalformed);
  EXPECT_EQ(c[6].module->kind, kiln::text::ScriptModule::Kind::Quote);
  EXPECT_EQ(c[6].module->quote, "(func i32.ad)");
  EXPECT_EQ(c[7].module->kind, kiln::text::ScriptModule::Kind::Binary);
  EXPECT_EQ(c[7].module->bytes, (Bytes{0, 'a', 's', 'm'}));
  EXPECT_EQ(c[8].kind, K::AssertExhaustion);
  EXPECT_EQ(c[9].kind, K::AssertException);
  EXPECT_EQ(c[10].action->kind, kiln::text::Action::Kind::Get);
  EXPECT_TRUE(c[11].module->definition);
  EXPECT_EQ(c[12].kind, K::ModuleInstance);
  EXPECT_EQ(*c[12].instanceName, "I");
  EXPECT_EQ(*c[12].definitionName, "D");
  EXPECT_EQ(c[13].kind, K::AssertUnlinkable);
}

TEST(Wast, TextModuleErrorsStayWithTheirCommand) {
  absl::StatusOr<kiln::text::Script> s = kiln::text::parseWast(
      "(module (func (bad.op)))\n(assert_invalid (module (func $f) (func $f)) \"dup\")\n",
      "s.wast");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->commands.size(), 2u);
  EXPECT_EQ(s->commands[0].module->textError.message(), "s.wast:1:16: unknown operator bad.op");
  EXPECT_EQ(s->commands[1].module->textError.message(), "s.wast:2:41: duplicate func $f");
}

TEST(Wast, StructuralErrorsFailTheScript) {
  absl::StatusOr<kiln::text::Script> s =
      kiln::text::parseWast("(module)\n(assert_return (invoke \"f\")", "s.wast");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "s.wast:2:28: unexpected token end of input, expected \")\"");
  s = kiln::text::parseWast("(frobnicate)", "s.wast");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "s.wast:1:2: unknown command frobnicate");
}

TEST(Wast, ScriptMadeOfModuleFieldsIsOneModule) {
  absl::StatusOr<kiln::text::Script> s =
      kiln::text::parseWast("(func) (memory 0) (func (export \"f\"))", "s.wast");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->commands.size(), 1u);
  EXPECT_TRUE(s->commands[0].module->textError.ok());
  EXPECT_EQ(sectionIds(s->commands[0].module->bytes), (std::vector<int>{1, 3, 5, 7, 10}));
}

}  // namespace

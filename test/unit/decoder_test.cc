// The binary decoder: header, LEB128 edge cases, section structure, every section's
// content, function bodies, the name section, and the error messages with their offsets.
#include "kiln/wasm/Decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "WasmBuilder.h"
#include "absl/strings/str_format.h"
#include "kiln/wasm/BodyReader.h"

namespace kiln::wasm {
namespace {

using namespace kiln::test;
using ::testing::HasSubstr;

std::string errorOf(const Bytes& bytes, const Features& f = Features{}) {
  auto m = decodeModule(bytes, f);
  if (m.ok()) return "<decoded OK>";
  return std::string(m.status().message());
}

std::string at(size_t offset) { return absl::StrFormat("at byte 0x%x: ", offset); }

const Bytes kVoidType = section(kTypeId, vec({funcType({}, {})}));
const Bytes kOneFunc = section(kFunctionId, vec({uleb(0)}));

Bytes oneFunction(const Bytes& code, std::initializer_list<Bytes> extra = {}) {
  Bytes m = cat({header(), kVoidType, kOneFunc});
  for (const Bytes& s : extra) m.insert(m.end(), s.begin(), s.end());
  Bytes c = section(kCodeId, vec({body({}, code)}));
  m.insert(m.end(), c.begin(), c.end());
  return m;
}

// ---- BodyReader (LEB128) -----------------------------------------------------------

uint64_t readU32(const Bytes& b, std::string* err = nullptr) {
  BodyReader r(b.data(), 0, b.size());
  uint64_t v = r.u32();
  if (err) *err = r.failed() ? r.error() : "";
  return v;
}

TEST(BodyReader, Unsigned32Boundaries) {
  std::string err;
  EXPECT_EQ(readU32({0x00}, &err), 0u);
  EXPECT_EQ(readU32({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, &err), 0xFFFFFFFFu);
  EXPECT_EQ(err, "");
  EXPECT_EQ(readU32({0x81, 0x80, 0x80, 0x80, 0x00}, &err), 1u);  // padded, still allowed
  EXPECT_EQ(err, "");
  readU32({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, &err);  // bit 32 set
  EXPECT_EQ(err, "integer too large");
  readU32({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, &err);  // six bytes
  EXPECT_EQ(err, "integer representation too long");
  readU32({0x80, 0x80}, &err);
  EXPECT_EQ(err, "unexpected end");
}

TEST(BodyReader, Signed32And64Boundaries) {
  Bytes minI32 = {0x80, 0x80, 0x80, 0x80, 0x78};
  BodyReader r1(minI32.data(), 0, minI32.size());
  EXPECT_EQ(r1.s32(), INT32_MIN);
  EXPECT_FALSE(r1.failed());

  Bytes maxI32 = {0xFF, 0xFF, 0xFF, 0xFF, 0x07};
  BodyReader r2(maxI32.data(), 0, maxI32.size());
  EXPECT_EQ(r2.s32(), INT32_MAX);

  Bytes badSign = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};  // unused bits not a sign extension
  BodyReader r3(badSign.data(), 0, badSign.size());
  r3.s32();
  EXPECT_EQ(r3.error(), "integer too large");

  Bytes minusOne64 = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
  BodyReader r4(minusOne64.data(), 0, minusOne64.size());
  EXPECT_EQ(r4.s64(), -1);
  EXPECT_FALSE(r4.failed());

  Bytes min64 = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F};
  BodyReader r5(min64.data(), 0, min64.size());
  EXPECT_EQ(r5.s64(), INT64_MIN);

  Bytes bad64 = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x41};
  BodyReader r6(bad64.data(), 0, bad64.size());
  r6.s64();
  EXPECT_EQ(r6.error(), "integer too large");

  Bytes blockTypeEmpty = {0x40};
  BodyReader r7(blockTypeEmpty.data(), 0, 1);
  EXPECT_EQ(r7.s33(), -64);
}

// ---- Header ----------------------------------------------------------------------

TEST(Decoder, EmptyModule) {
  auto m = decodeModule(header());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->types.empty());
  EXPECT_TRUE(m->functions.empty());
  EXPECT_EQ(m->bytes.size(), 8u);
}

TEST(Decoder, Header) {
  EXPECT_THAT(errorOf({}), HasSubstr("unexpected end"));
  EXPECT_THAT(errorOf({0x00, 0x61, 0x73}), HasSubstr("unexpected end"));
  EXPECT_EQ(errorOf({0x00, 0x61, 0x73, 0x6E, 1, 0, 0, 0}),
            "malformed module at byte 0x0: magic header not detected");
  EXPECT_THAT(errorOf({0x00, 0x61, 0x73, 0x6D, 1, 0}), HasSubstr("unexpected end"));
  EXPECT_EQ(errorOf({0x00, 0x61, 0x73, 0x6D, 2, 0, 0, 0}),
            "malformed module at byte 0x4: unknown binary version");
}

// ---- Sections --------------------------------------------------------------------

TEST(Decoder, SectionIdAboveDataCountIsMalformed) {
  EXPECT_EQ(errorOf(module({section(13, {})})),
            "malformed module at byte 0x8: malformed section id");
}

TEST(Decoder, SectionLargerThanModule) {
  Bytes m = cat({header(), {kTypeId, 0x05, 0x00}});
  EXPECT_THAT(errorOf(m), HasSubstr(at(8) + "length out of bounds"));
}

TEST(Decoder, SectionContentShorterThanDeclaredSize) {
  // A type section of 3 bytes holding an empty vector (1 byte) and two stray bytes.
  Bytes m = module({section(kTypeId, {0x00, 0x60, 0x00})});
  EXPECT_THAT(errorOf(m), HasSubstr(at(11) + "section size mismatch"));
}

TEST(Decoder, ReadingPastSectionEnd) {
  // Two types declared, one given.
  Bytes m = module({section(kTypeId, cat({uleb(2), funcType({}, {})}))});
  EXPECT_THAT(errorOf(m), HasSubstr("unexpected end of section or function"));
}

TEST(Decoder, DuplicateAndMisorderedSections) {
  EXPECT_THAT(errorOf(module({kVoidType, kVoidType})),
              HasSubstr(at(14) + "unexpected content after last section"));
  Bytes code = section(kCodeId, vec({body({}, {0x0B})}));
  EXPECT_THAT(errorOf(module({kVoidType, code, kOneFunc})),
              HasSubstr("unexpected content after last section"));
  // The data count section goes between element and code.
  EXPECT_THAT(errorOf(module({section(kDataId, vec({})), section(kDataCountId, uleb(0))})),
              HasSubstr("unexpected content after last section"));
}

TEST(Decoder, CustomSectionsAnywhere) {
  Bytes custom = section(kCustomId, cat({name("hello"), {1, 2, 3}}));
  auto m = decodeModule(module({custom, kVoidType, custom, kOneFunc,
                                section(kCodeId, vec({body({}, {0x0B})})), custom}));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->customSections.size(), 3u);
  EXPECT_EQ(m->customSections[0].name, "hello");
  EXPECT_EQ(m->customSections[0].start, 8u + 2 + 6);
  EXPECT_EQ(m->customSections[0].size, 3u);
}

TEST(Decoder, CustomSectionNameMustBeUtf8) {
  Bytes bad = section(kCustomId, cat({uleb(2), {0xC0, 0x80}}));  // overlong NUL
  EXPECT_THAT(errorOf(module({bad})), HasSubstr(at(10) + "malformed UTF-8 encoding"));
  Bytes surrogate = section(kCustomId, cat({uleb(3), {0xED, 0xA0, 0x80}}));
  EXPECT_THAT(errorOf(module({surrogate})), HasSubstr("malformed UTF-8 encoding"));
  Bytes good = section(kCustomId, cat({name("\xE2\x82\xAC\xF0\x9F\x98\x80")}));
  EXPECT_EQ(errorOf(module({good})), "<decoded OK>");
}

TEST(Decoder, FunctionAndCodeCountsMustAgree) {
  EXPECT_THAT(errorOf(module({kVoidType, kOneFunc})),
              HasSubstr("function and code section have inconsistent lengths"));
  Bytes twoBodies = section(kCodeId, vec({body({}, {0x0B}), body({}, {0x0B})}));
  EXPECT_THAT(errorOf(module({kVoidType, kOneFunc, twoBodies})),
              HasSubstr("function and code section have inconsistent lengths"));
}

TEST(Decoder, DataCountMustMatchDataSection) {
  Bytes mem = section(kMemoryId, vec({{0x00, 0x01}}));
  Bytes passive = cat({uleb(1), uleb(2), {'h', 'i'}});
  EXPECT_THAT(errorOf(module({mem, section(kDataCountId, uleb(2)),
                              section(kDataId, vec({passive}))})),
              HasSubstr("data count and data section have inconsistent lengths"));
  EXPECT_THAT(errorOf(module({mem, section(kDataCountId, uleb(1))})),
              HasSubstr("data count and data section have inconsistent lengths"));
  EXPECT_EQ(errorOf(module({mem, section(kDataCountId, uleb(1)),
                            section(kDataId, vec({passive}))})),
            "<decoded OK>");
}

TEST(Decoder, DataDropNeedsDataCountSection) {
  Bytes code = {0xFC, 0x09, 0x00, 0x0B};  // data.drop 0
  Bytes m = oneFunction(code);
  EXPECT_THAT(errorOf(m), HasSubstr(at(find(m, code)) + "data count section required"));
}

// ---- Types, imports, limits ----------------------------------------------------------

TEST(Decoder, TypesAndImports) {
  Bytes types = section(kTypeId, vec({funcType({I32, I64}, {F32, F64}), funcType({}, {})}));
  Bytes imports = section(
      kImportId, vec({cat({name("env"), name("f"), {0x00}, uleb(1)}),
                      cat({name("env"), name("t"), {0x01, EXTERNREF, 0x01}, uleb(1), uleb(9)}),
                      cat({name("env"), name("m"), {0x02, 0x00}, uleb(3)}),
                      cat({name("env"), name("g"), {0x03, I64, 0x01}})}));
  Bytes funcs = section(kFunctionId, vec({uleb(0)}));
  Bytes code = section(kCodeId, vec({body({{2, I32}, {1, F64}}, {0x01, 0x0B})}));
  Bytes bytes = module({types, imports, funcs, code});
  auto m = decodeModule(bytes);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->types.size(), 2u);
  EXPECT_EQ(m->types[0].params, (std::vector<ValType>{ValType::I32, ValType::I64}));
  EXPECT_EQ(m->types[0].results, (std::vector<ValType>{ValType::F32, ValType::F64}));
  ASSERT_EQ(m->imports.size(), 4u);
  EXPECT_EQ(m->imports[0].module, "env");
  EXPECT_EQ(m->imports[0].kind, ExternKind::Func);
  EXPECT_EQ(m->imports[0].funcType, 1u);
  EXPECT_EQ(m->imports[1].table.elem, ValType::ExternRef);
  EXPECT_EQ(m->imports[1].table.limits.min, 1u);
  EXPECT_EQ(m->imports[1].table.limits.max, 9u);
  EXPECT_EQ(m->imports[2].memory.limits.min, 3u);
  EXPECT_FALSE(m->imports[2].memory.limits.max.has_value());
  EXPECT_EQ(m->imports[3].global.type, ValType::I64);
  EXPECT_TRUE(m->imports[3].global.mut);
  // Index spaces: imports first.
  EXPECT_EQ(m->numImportedFuncs, 1u);
  EXPECT_EQ(m->funcTypes, (std::vector<uint32_t>{1, 0}));
  EXPECT_EQ(m->tables.size(), 1u);
  EXPECT_EQ(m->memories.size(), 1u);
  EXPECT_EQ(m->globals.size(), 1u);
  EXPECT_EQ(m->offsets.imports.size(), 4u);
  // The defined function: locals expanded, body range after the local declarations.
  ASSERT_EQ(m->functions.size(), 1u);
  const Function& f = m->functions[0];
  EXPECT_EQ(f.locals, (std::vector<ValType>{ValType::I32, ValType::I32, ValType::F64}));
  EXPECT_EQ(f.bodyEnd, bytes.size());
  EXPECT_EQ(f.bodyStart, bytes.size() - 2);
  EXPECT_EQ(bytes[f.bodyStart], 0x01);
  EXPECT_EQ(f.codeEntryOffset, bytes.size() - 8);  // size, 2 groups, 2 code bytes
}

TEST(Decoder, MalformedTypeBytes) {
  EXPECT_THAT(errorOf(module({section(kTypeId, vec({funcType({0x7A}, {})}))})),
              HasSubstr("malformed value type"));
  EXPECT_THAT(errorOf(module({section(kTableId, vec({{I32, 0x00, 0x01}}))})),
              HasSubstr("malformed reference type"));
  EXPECT_THAT(errorOf(module({section(kGlobalId, vec({{I32, 0x02, 0x41, 0x00, 0x0B}}))})),
              HasSubstr("malformed mutability"));
  EXPECT_THAT(errorOf(module({section(kImportId, vec({cat({name("a"), name("b"), {0x04}})}))})),
              HasSubstr("malformed import kind"));
  EXPECT_THAT(errorOf(module({section(kTypeId, vec({{0x61, 0x00, 0x00}}))})),
              HasSubstr("malformed function type"));
}

TEST(Decoder, LimitsFlags) {
  EXPECT_THAT(errorOf(module({section(kMemoryId, vec({{0x02, 0x00}}))})),
              HasSubstr(at(11) + "integer too large"));
  EXPECT_THAT(errorOf(module({section(kMemoryId, vec({{0x81, 0x00, 0x00}}))})),
              HasSubstr("integer representation too long"));
  // Table limits are u32.
  EXPECT_THAT(errorOf(module({section(kTableId, vec({{FUNCREF, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
                                                      0x1F}}))})),
              HasSubstr("integer too large"));
  auto m = decodeModule(module({section(kMemoryId, vec({{0x01, 0x00, 0x80, 0x80, 0x04}}))}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->memories[0].limits.max, 65536u);
}

TEST(Decoder, ImportNamesMustBeUtf8) {
  Bytes imp = section(kImportId, vec({cat({uleb(1), {0xFF}, name("f"), {0x00}, uleb(0)})}));
  EXPECT_THAT(errorOf(module({kVoidType, imp})), HasSubstr("malformed UTF-8 encoding"));
}

TEST(Decoder, NameLengthBeyondSection) {
  Bytes exp = section(kExportId, cat({uleb(1), uleb(10), {'a'}}));
  EXPECT_THAT(errorOf(module({exp})), HasSubstr("length out of bounds"));
}

// ---- Globals, exports, start, segments ------------------------------------------------

TEST(Decoder, GlobalsExportsStart) {
  Bytes globals = section(kGlobalId, vec({{I32, 0x00, 0x41, 0x2A, 0x0B},
                                          {FUNCREF, 0x01, 0xD2, 0x00, 0x0B}}));
  Bytes exports = section(kExportId, vec({cat({name("run"), {0x00}, uleb(0)}),
                                          cat({name("g"), {0x03}, uleb(1)})}));
  Bytes start = section(kStartId, uleb(0));
  Bytes code = section(kCodeId, vec({body({}, {0x0B})}));
  Bytes bytes = module({kVoidType, kOneFunc, globals, exports, start, code});
  auto m = decodeModule(bytes);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->definedGlobals.size(), 2u);
  EXPECT_EQ(m->definedGlobals[0].init.bytes, (Bytes{0x41, 0x2A, 0x0B}));
  EXPECT_EQ(m->definedGlobals[0].init.offset, find(bytes, {0x41, 0x2A, 0x0B}));
  EXPECT_TRUE(m->definedGlobals[1].type.mut);
  EXPECT_EQ(m->definedGlobals[1].type.type, ValType::FuncRef);
  ASSERT_EQ(m->exports.size(), 2u);
  EXPECT_EQ(m->exports[1].name, "g");
  EXPECT_EQ(m->exports[1].kind, ExternKind::Global);
  EXPECT_EQ(m->start, 0u);
}

TEST(Decoder, ConstExprMayNestBlocksStructurally) {
  // block ... end end: the decoder finds the right end; the validator rejects it later.
  Bytes globals = section(kGlobalId, vec({{I32, 0x00, 0x02, 0x40, 0x0B, 0x41, 0x00, 0x0B}}));
  auto m = decodeModule(module({globals}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->definedGlobals[0].init.bytes.size(), 6u);
}

TEST(Decoder, AllEightElementSegmentEncodings) {
  Bytes table = section(kTableId, vec({{FUNCREF, 0x00, 0x0A}}));
  Bytes off = {0x41, 0x01, 0x0B};
  Bytes refNull = {0xD0, FUNCREF, 0x0B};
  Bytes elems = section(
      kElemId,
      vec({cat({uleb(0), off, vec({uleb(0)})}),                           // 0 active, t0, idx
           cat({uleb(1), {0x00}, vec({uleb(0), uleb(0)})}),               // 1 passive, idx
           cat({uleb(2), uleb(0), off, {0x00}, vec({uleb(0)})}),          // 2 active, t, idx
           cat({uleb(3), {0x00}, vec({uleb(0)})}),                        // 3 declarative
           cat({uleb(4), off, vec({refNull})}),                           // 4 active, exprs
           cat({uleb(5), {EXTERNREF}, vec({{0xD0, EXTERNREF, 0x0B}})}),   // 5 passive, exprs
           cat({uleb(6), uleb(0), off, {FUNCREF}, vec({refNull})}),       // 6 active, t, exprs
           cat({uleb(7), {FUNCREF}, vec({{0xD2, 0x00, 0x0B}})})}));       // 7 declarative
  Bytes code = section(kCodeId, vec({body({}, {0x0B})}));
  auto m = decodeModule(module({kVoidType, kOneFunc, table, elems, code}));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->elems.size(), 8u);
  const SegmentMode modes[] = {SegmentMode::Active,      SegmentMode::Passive,
                               SegmentMode::Active,      SegmentMode::Declarative,
                               SegmentMode::Active,      SegmentMode::Passive,
                               SegmentMode::Active,      SegmentMode::Declarative};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(m->elems[i].mode, modes[i]) << "flags " << i;
  EXPECT_EQ(m->elems[0].items[0].bytes, (Bytes{0xD2, 0x00, 0x0B}));  // ref.func 0; end
  EXPECT_EQ(m->elems[1].items.size(), 2u);
  EXPECT_EQ(m->elems[0].offset.bytes, off);
  EXPECT_EQ(m->elems[5].type, ValType::ExternRef);
  EXPECT_EQ(m->elems[4].items[0].bytes, refNull);
}

TEST(Decoder, FunctionIndexItemsBecomeRefFuncExpressions) {
  Bytes elems = section(kElemId, vec({cat({uleb(1), {0x00}, vec({uleb(300)})})}));
  auto m = decodeModule(module({elems}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->elems[0].items[0].bytes, (Bytes{0xD2, 0xAC, 0x02, 0x0B}));
}

TEST(Decoder, MalformedSegmentKinds) {
  EXPECT_THAT(errorOf(module({section(kElemId, vec({uleb(8)}))})),
              HasSubstr("malformed elements segment kind"));
  EXPECT_THAT(errorOf(module({section(kElemId, vec({cat({uleb(1), {0x01}, vec({})})}))})),
              HasSubstr("malformed element kind"));
  EXPECT_THAT(errorOf(module({section(kDataId, vec({uleb(3)}))})),
              HasSubstr("malformed data segment kind"));
}

TEST(Decoder, DataSegmentEncodings) {
  Bytes mem = section(kMemoryId, vec({{0x00, 0x01}}));
  Bytes data = section(kDataId, vec({cat({uleb(0), {0x41, 0x10, 0x0B}, name("abc")}),
                                     cat({uleb(1), name("xy")}),
                                     cat({uleb(2), uleb(0), {0x41, 0x00, 0x0B}, name("")})}));
  Bytes bytes = module({mem, data});
  auto m = decodeModule(bytes);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->datas.size(), 3u);
  EXPECT_EQ(m->datas[0].mode, SegmentMode::Active);
  EXPECT_EQ(m->datas[0].dataSize, 3u);
  EXPECT_EQ(std::string(bytes.begin() + m->datas[0].dataStart,
                        bytes.begin() + m->datas[0].dataStart + 3),
            "abc");
  EXPECT_EQ(m->datas[1].mode, SegmentMode::Passive);
  EXPECT_EQ(m->datas[2].memory, 0u);
  EXPECT_EQ(m->datas[2].dataSize, 0u);
}

TEST(Decoder, DataBytesBeyondSection) {
  Bytes mem = section(kMemoryId, vec({{0x00, 0x01}}));
  Bytes data = section(kDataId, cat({uleb(1), uleb(1), uleb(7), {'a', 'b'}}));
  EXPECT_THAT(errorOf(module({mem, data})), HasSubstr("unexpected end of section or function"));
}

// ---- Function bodies ---------------------------------------------------------------

TEST(Decoder, TooManyLocals) {
  Bytes code = section(kCodeId, vec({body({{0xFFFFFFFF, I32}, {2, I64}}, {0x0B})}));
  EXPECT_THAT(errorOf(module({kVoidType, kOneFunc, code})), HasSubstr("too many locals"));
  Bytes justOver = section(kCodeId, vec({body({{kMaxFunctionLocals, I32}, {1, I64}}, {0x0B})}));
  EXPECT_THAT(errorOf(module({kVoidType, kOneFunc, justOver})), HasSubstr("too many locals"));
  Bytes atCap = section(kCodeId, vec({body({{kMaxFunctionLocals, I32}}, {0x0B})}));
  auto m = decodeModule(module({kVoidType, kOneFunc, atCap}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->functions[0].locals.size(), kMaxFunctionLocals);
}

TEST(Decoder, ImplementationLimits) {
  Bytes params(kMaxFunctionParams + 1, I32);
  EXPECT_THAT(errorOf(module({section(kTypeId, vec({funcType(params, {})}))})),
              HasSubstr("implementation limit exceeded: function type with 1001 parameters"));
  Bytes results(kMaxFunctionResults, I64);
  EXPECT_EQ(errorOf(module({section(kTypeId, vec({funcType({}, results)}))})), "<decoded OK>");

  // Every body may declare the per-function maximum, but not without bound in total: a
  // few bytes per body must not turn into gigabytes of expanded locals.
  const uint64_t bodies = kMaxModuleLocals / kMaxFunctionLocals + 1;
  Bytes funcs = uleb(bodies);
  Bytes code = uleb(bodies);
  const Bytes oneBody = body({{kMaxFunctionLocals, I32}}, {0x0B});
  for (uint64_t i = 0; i < bodies; ++i) {
    funcs.push_back(0x00);
    code.insert(code.end(), oneBody.begin(), oneBody.end());
  }
  EXPECT_THAT(errorOf(module({kVoidType, section(kFunctionId, funcs), section(kCodeId, code)})),
              HasSubstr("locals declared in the whole module"));
}

TEST(Decoder, BodyMustEndWithEnd) {
  Bytes m = oneFunction({0x41, 0x00, 0x1A});  // i32.const 0; drop; (no end)
  EXPECT_THAT(errorOf(m), HasSubstr("END opcode expected"));
}

TEST(Decoder, BytesAfterFinalEnd) {
  Bytes m = oneFunction({0x0B, 0x01});
  EXPECT_THAT(errorOf(m), HasSubstr("section size mismatch"));
}

TEST(Decoder, ElseOutsideIf) {
  Bytes m = oneFunction({0x02, 0x40, 0x05, 0x0B, 0x0B});  // block else end end
  EXPECT_THAT(errorOf(m), HasSubstr("END opcode expected"));
  Bytes ok = oneFunction({0x41, 0x01, 0x04, 0x40, 0x05, 0x0B, 0x0B});  // if else end
  EXPECT_EQ(errorOf(ok), "<decoded OK>");
}

TEST(Decoder, IllegalOpcodes) {
  Bytes m = oneFunction({0x06, 0x0B});
  EXPECT_THAT(errorOf(m), HasSubstr(at(find(m, {0x06, 0x0B})) + "illegal opcode 0x06"));
  EXPECT_THAT(errorOf(oneFunction({0xFC, 0x12, 0x0B})), HasSubstr("illegal opcode 0xfc 18"));
  EXPECT_THAT(errorOf(oneFunction({0xFF, 0x0B})), HasSubstr("illegal opcode 0xff"));
}

TEST(Decoder, ReservedZeroBytes) {
  Bytes mem = section(kMemoryId, vec({{0x00, 0x01}}));
  EXPECT_THAT(errorOf(oneFunction({0x3F, 0x01, 0x1A, 0x0B}, {mem})),
              HasSubstr("zero byte expected"));
  // A zero written as a two-byte LEB is not the zero byte.
  EXPECT_THAT(errorOf(oneFunction({0x41, 0x00, 0x40, 0x80, 0x00, 0x1A, 0x0B}, {mem})),
              HasSubstr("zero byte expected"));
  EXPECT_THAT(errorOf(oneFunction({0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0B, 0x01,
                                   0x0B},
                                  {mem})),
              HasSubstr("zero byte expected"));
}

TEST(Decoder, MemargFlags) {
  Bytes mem = section(kMemoryId, vec({{0x00, 0x01}}));
  EXPECT_THAT(errorOf(oneFunction({0x41, 0x00, 0x28, 0x20, 0x00, 0x1A, 0x0B}, {mem})),
              HasSubstr("malformed memop flags"));
  EXPECT_EQ(errorOf(oneFunction({0x41, 0x00, 0x28, 0x1F, 0x00, 0x1A, 0x0B}, {mem})),
            "<decoded OK>");  // too large, but that's the validator's "alignment" error
}

TEST(Decoder, MultiMemoryMemargCarriesIndex) {
  Bytes mems = section(kMemoryId, vec({{0x00, 0x01}, {0x00, 0x01}}));
  Bytes code = {0x41, 0x00, 0x28, 0x42, 0x01, 0x04, 0x1A, 0x0B};  // i32.load mem=1 align=4 off=4
  EXPECT_THAT(errorOf(oneFunction(code, {mems})), HasSubstr("malformed memop flags"));
  Features f;
  f.multiMemory = true;
  EXPECT_EQ(errorOf(oneFunction(code, {mems}), f), "<decoded OK>");
}

TEST(Decoder, BlockTypes) {
  Bytes types = section(kTypeId, vec({funcType({}, {}), funcType({I32}, {I32})}));
  Bytes okIndex = cat({header(), types, kOneFunc,
                       section(kCodeId, vec({body({}, {0x41, 0x00, 0x02, 0x01, 0x0B, 0x1A,
                                                       0x0B})}))});
  EXPECT_EQ(errorOf(okIndex), "<decoded OK>");
  EXPECT_THAT(errorOf(oneFunction({0x02, 0x50, 0x0B, 0x0B})), HasSubstr("malformed value type"));
  // A negative multi-byte s33 is not a type index.
  EXPECT_THAT(errorOf(oneFunction({0x02, 0xFF, 0x7F, 0x0B, 0x0B})),
              HasSubstr("malformed block type"));
}

TEST(Decoder, UnimplementedFeatureFlagsAreRefused) {
  // Threads is refused up front.
  Features f;
  f.threads = true;
  auto e = decodeModule(header(), f);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(e.status().message(), HasSubstr("threads"));

  // Exception handling and typed function references are refused where they are used, as
  // unsupported rather than malformed; modules that do not use them decode.
  Features eh;
  eh.exceptions = eh.functionReferences = true;
  EXPECT_EQ(errorOf(header(), eh), "<decoded OK>");
  // The tag section (id 13, between memory and global) decodes with exception handling.
  auto tag = decodeModule(module({section(kTypeId, vec({funcType({I32}, {})})),
                                  section(13, vec({{0x00, 0x00}}))}),
                          eh);
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->tags, std::vector<uint32_t>{0});
  EXPECT_THAT(errorOf(module({section(13, vec({{0x01, 0x00}}))}), eh),
              HasSubstr("malformed tag attribute"));
  EXPECT_THAT(errorOf(module({section(kGlobalId, vec({})), section(13, vec({}))}), eh),
              HasSubstr("out of order"));
  // GC heap types are refused as unsupported: (ref null any) as a local type.
  Bytes anyLocal = cat({header(), section(kTypeId, vec({funcType({}, {})})),
                        section(kFunctionId, vec({uleb(0)})),
                        section(kCodeId, vec({{0x05, 0x01, 0x01, 0x63, 0x6E, 0x0B}}))});
  auto gc = decodeModule(anyLocal, eh);
  ASSERT_FALSE(gc.ok());
  EXPECT_EQ(gc.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(gc.status().message(), HasSubstr("garbage collection"));
  // Without the features the same bytes are malformed.
  EXPECT_THAT(errorOf(module({section(13, vec({{0x00, 0x00}}))})),
              HasSubstr("malformed section id"));
}

// ---- The name section --------------------------------------------------------------

Bytes nameSection(std::initializer_list<Bytes> subsections) {
  Bytes payload = name("name");
  for (const Bytes& s : subsections) payload.insert(payload.end(), s.begin(), s.end());
  return section(kCustomId, payload);
}

TEST(Decoder, NameSection) {
  Bytes names = nameSection({
      section(0, name("mod")),
      section(1, vec({cat({uleb(0), name("first")}), cat({uleb(1), name("second")})})),
      section(2, vec({cat({uleb(1), vec({cat({uleb(0), name("x")})})})})),
  });
  Bytes funcs = section(kFunctionId, vec({uleb(0), uleb(0)}));
  Bytes code = section(kCodeId, vec({body({}, {0x0B}), body({{1, I32}}, {0x0B})}));
  auto m = decodeModule(module({kVoidType, funcs, code, names}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->names.module, "mod");
  EXPECT_EQ(m->names.functions.at(0), "first");
  EXPECT_EQ(m->names.functions.at(1), "second");
  EXPECT_EQ(m->names.locals.at(1).at(0), "x");
  EXPECT_FALSE(m->nameSectionProblem.has_value());
}

TEST(Decoder, MalformedNameSectionIsIgnored) {
  // Function-name subsection claiming more bytes than it has.
  Bytes truncated = nameSection({cat({{0x01}, uleb(20), vec({cat({uleb(0), name("f")})})})});
  auto m = decodeModule(module({truncated}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->names.functions.empty());
  ASSERT_TRUE(m->nameSectionProblem.has_value());
  EXPECT_THAT(*m->nameSectionProblem, HasSubstr("name section ignored"));

  // Invalid UTF-8 in a function name, and unsorted indices: ignored as a whole.
  Bytes badUtf8 = nameSection({section(0, name("ok")),
                               section(1, vec({cat({uleb(0), uleb(1), {0xFF}})}))});
  auto m2 = decodeModule(module({badUtf8}));
  ASSERT_TRUE(m2.ok()) << m2.status();
  EXPECT_FALSE(m2->names.module.has_value());
  Bytes unsorted = nameSection(
      {section(1, vec({cat({uleb(1), name("b")}), cat({uleb(0), name("a")})}))});
  auto m3 = decodeModule(module({unsorted}));
  ASSERT_TRUE(m3.ok()) << m3.status();
  EXPECT_TRUE(m3->names.functions.empty());
}

}  // namespace
}  // namespace kiln::wasm

// The validator: typing of instructions (stack and control frames, polymorphic stack,
// multi-value blocks), indices, constant expressions, module-level rules, and the error
// message with byte offset, function index and name.
#include "kiln/wasm/Validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "WasmBuilder.h"
#include "absl/strings/str_format.h"
#include "kiln/wasm/Decoder.h"

namespace kiln::wasm {
namespace {

using namespace kiln::test;
using ::testing::HasSubstr;

// Decodes and validates; "" when valid.
std::string validate(const Bytes& bytes, const Features& f = Features{}) {
  auto m = decodeModule(bytes, f);
  if (!m.ok()) return "DECODE FAILED: " + std::string(m.status().message());
  absl::Status s = validateModule(*m, f);
  return s.ok() ? "" : std::string(s.message());
}

// A module whose function 0 has type `type` and body `code` (plus optional sections that
// go between the function and code sections, in section order).
struct FuncSpec {
  Bytes type = funcType({}, {});
  Locals locals = {};
  Bytes code;
};

Bytes moduleWith(const FuncSpec& f, std::initializer_list<Bytes> middle = {},
                 std::initializer_list<Bytes> after = {}) {
  Bytes m = cat({header(), section(kTypeId, vec({f.type})), section(kFunctionId, vec({uleb(0)}))});
  for (const Bytes& s : middle) m.insert(m.end(), s.begin(), s.end());
  Bytes code = section(kCodeId, vec({body(f.locals, f.code)}));
  m.insert(m.end(), code.begin(), code.end());
  for (const Bytes& s : after) m.insert(m.end(), s.begin(), s.end());
  return m;
}

Bytes funcBody(const Bytes& code) { return moduleWith(FuncSpec{.code = code}); }

const Bytes kMemory = section(kMemoryId, vec({{0x00, 0x01}}));

// ---- Types of instructions, and the message format -------------------------------------

TEST(Validator, ValidFunction) {
  // (func (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  EXPECT_EQ(validate(moduleWith({.type = funcType({I32}, {I32}),
                                 .code = {0x20, 0x00, 0x41, 0x01, 0x6A, 0x0B}})),
            "");
}

TEST(Validator, TypeMismatchNamesOffsetAndFunction) {
  Bytes code = {0x41, 0x01, 0x43, 0, 0, 0, 0, 0x6A, 0x1A, 0x0B};  // i32.const, f32.const, i32.add
  Bytes m = funcBody(code);
  size_t add = find(m, code) + 7;
  EXPECT_EQ(validate(m), absl::StrFormat("invalid module at byte 0x%x in function 0: type "
                                         "mismatch: expected i32 but got f32",
                                         add));
}

TEST(Validator, MessageUsesNameSectionAndCountsImports) {
  Bytes types = section(kTypeId, vec({funcType({}, {})}));
  Bytes imports = section(kImportId, vec({cat({name("env"), name("f"), {0x00}, uleb(0)})}));
  Bytes funcs = section(kFunctionId, vec({uleb(0)}));
  Bytes code = section(kCodeId, vec({body({}, {0x6A, 0x0B})}));  // i32.add on empty stack
  Bytes names = section(kCustomId, cat({name("name"),
                                        section(1, vec({cat({uleb(1), name("adder")})}))}));
  std::string err = validate(module({types, imports, funcs, code, names}));
  EXPECT_THAT(err, HasSubstr("in function 1 ($adder): type mismatch: expected i32 but nothing "
                             "is on the stack"));
}

TEST(Validator, ResultsAtEndOfFunction) {
  EXPECT_THAT(validate(moduleWith({.type = funcType({}, {I32}), .code = {0x0B}})),
              HasSubstr("type mismatch: expected i32 but nothing is on the stack"));
  EXPECT_THAT(validate(funcBody({0x41, 0x00, 0x0B})),
              HasSubstr("type mismatch: 1 value(s) left on the stack"));
  EXPECT_THAT(validate(moduleWith({.type = funcType({}, {I64}), .code = {0x41, 0x00, 0x0B}})),
              HasSubstr("type mismatch: expected i64 but got i32"));
}

TEST(Validator, BlockCannotSeeOuterOperands) {
  // i32.const 1; block (result i32) i32.eqz end: the block's stack starts empty.
  EXPECT_THAT(validate(funcBody({0x41, 0x01, 0x02, I32, 0x45, 0x0B, 0x1A, 0x1A, 0x0B})),
              HasSubstr("type mismatch"));
}

TEST(Validator, UnreachableMakesTheStackPolymorphic) {
  EXPECT_EQ(validate(funcBody({0x00, 0x6A, 0x1A, 0x0B})), "");  // unreachable i32.add drop
  EXPECT_EQ(validate(moduleWith({.type = funcType({}, {I32}), .code = {0x00, 0x0B}})), "");
  // unreachable; f32.const; i32.add: the known operand still has to match.
  EXPECT_THAT(validate(funcBody({0x00, 0x43, 0, 0, 0, 0, 0x6A, 0x1A, 0x0B})),
              HasSubstr("expected i32 but got f32"));
  // br 0 then junk of the wrong type in the same block.
  EXPECT_THAT(validate(funcBody({0x0C, 0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B})),
              HasSubstr("expected i32 but got i64"));
  // return needs the results even though it ends the block; after it anything goes.
  EXPECT_THAT(validate(moduleWith({.type = funcType({}, {I32}), .code = {0x0F, 0x0B}})),
              HasSubstr("expected i32 but nothing is on the stack"));
  EXPECT_EQ(validate(moduleWith({.type = funcType({}, {I32}),
                                 .code = {0x41, 0x00, 0x0F, 0x6A, 0x0B}})),
            "");
}

TEST(Validator, MultiValueBlocks) {
  Bytes types = section(kTypeId, vec({funcType({}, {I32}), funcType({I32}, {I32, I32})}));
  // i32.const 7; block (type 1) [i32] -> [i32 i32]: dup via local? use i32.const; end; i32.add
  Bytes code = {0x41, 0x07, 0x02, 0x01, 0x41, 0x01, 0x0B, 0x6A, 0x0B};
  Bytes m = cat({header(), types, section(kFunctionId, vec({uleb(0)})),
                 section(kCodeId, vec({body({}, code)}))});
  EXPECT_EQ(validate(m), "");
  // A loop's label takes the parameters: br 0 inside loop (type 1) needs an i32.
  Bytes loop = {0x41, 0x07, 0x03, 0x01, 0x0C, 0x00, 0x0B, 0x6A, 0x0B};
  Bytes m2 = cat({header(), types, section(kFunctionId, vec({uleb(0)})),
                  section(kCodeId, vec({body({}, loop)}))});
  EXPECT_EQ(validate(m2), "");
  Bytes unknownType = {0x02, 0x05, 0x0B, 0x0B};
  EXPECT_THAT(validate(funcBody(unknownType)), HasSubstr("unknown type 5"));
}

TEST(Validator, IfWithoutElse) {
  Bytes types = section(kTypeId, vec({funcType({}, {}), funcType({I32}, {I32})}));
  // [i32] -> [i32] without else is fine: the implicit else passes the value through.
  Bytes ok = {0x41, 0x05, 0x41, 0x01, 0x04, 0x01, 0x0B, 0x1A, 0x0B};
  EXPECT_EQ(validate(cat({header(), types, section(kFunctionId, vec({uleb(0)})),
                          section(kCodeId, vec({body({}, ok)}))})),
            "");
  // if (result i32) i32.const 1 end: the missing else cannot produce the i32.
  EXPECT_THAT(validate(funcBody({0x41, 0x01, 0x04, I32, 0x41, 0x01, 0x0B, 0x1A, 0x0B})),
              HasSubstr("type mismatch: if without else"));
  EXPECT_EQ(validate(funcBody({0x41, 0x01, 0x04, I32, 0x41, 0x01, 0x05, 0x41, 0x02, 0x0B, 0x1A,
                               0x0B})),
            "");
  EXPECT_THAT(validate(funcBody({0x04, 0x40, 0x0B, 0x0B})),
              HasSubstr("expected i32 but nothing is on the stack"));
}

TEST(Validator, Branches) {
  EXPECT_THAT(validate(funcBody({0x0C, 0x01, 0x0B})), HasSubstr("unknown label 1"));
  // br_table with targets of different arity.
  Bytes mixed = {0x02, I32, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x1A, 0x0B};
  EXPECT_THAT(validate(funcBody(mixed)), HasSubstr("type mismatch: br_table target"));
  // br_if keeps the value.
  Bytes brIf = {0x02, I32, 0x41, 0x01, 0x41, 0x00, 0x0D, 0x00, 0x0B, 0x1A, 0x0B};
  EXPECT_EQ(validate(funcBody(brIf)), "");
  // br_table in unreachable code with typed labels.
  Bytes poly = {0x02, I32, 0x00, 0x0E, 0x00, 0x00, 0x0B, 0x1A, 0x0B};
  EXPECT_EQ(validate(funcBody(poly)), "");
}

TEST(Validator, HugeBrTableStaysFast) {
  // 20 nested blocks with 1000 results each in unreachable code and a br_table with 200000
  // targets: checking each distinct label once keeps this linear.
  Bytes results(1000, I32);
  Bytes types = section(kTypeId, vec({funcType({}, {}), funcType({}, results)}));
  Bytes code;
  for (int i = 0; i < 20; ++i) code.insert(code.end(), {0x02, 0x01});
  code.push_back(0x00);  // unreachable
  code.push_back(0x0E);
  Bytes n = uleb(200000);
  code.insert(code.end(), n.begin(), n.end());
  for (int i = 0; i < 200000; ++i) code.push_back(static_cast<uint8_t>(i % 20));
  code.push_back(0x00);
  for (int i = 0; i < 20; ++i) {
    code.push_back(0x0B);
    if (i < 19) code.insert(code.end(), {0x00});  // make the outer blocks' results unreachable
  }
  // The outermost block's 1000 results are dropped by unreachable before the final end.
  code.insert(code.end(), {0x00, 0x0B});
  Bytes m = cat({header(), types, section(kFunctionId, vec({uleb(0)})),
                 section(kCodeId, vec({body({}, code)}))});
  EXPECT_EQ(validate(m), "");
}

TEST(Validator, Select) {
  EXPECT_EQ(validate(funcBody({0x41, 1, 0x41, 2, 0x41, 0, 0x1B, 0x1A, 0x0B})), "");
  EXPECT_THAT(validate(funcBody({0x41, 1, 0x42, 2, 0x41, 0, 0x1B, 0x1A, 0x0B})),
              HasSubstr("type mismatch"));
  // Untyped select on references is not allowed; typed select is.
  Bytes refs = {0xD0, FUNCREF, 0xD0, FUNCREF, 0x41, 0x00};
  EXPECT_THAT(validate(funcBody(cat({refs, {0x1B, 0x1A, 0x0B}}))),
              HasSubstr("needs numeric operands"));
  EXPECT_EQ(validate(funcBody(cat({refs, {0x1C, 0x01, FUNCREF, 0x1A, 0x0B}}))), "");
  EXPECT_THAT(validate(funcBody(cat({refs, {0x1C, 0x02, FUNCREF, FUNCREF, 0x1A, 0x0B}}))),
              HasSubstr("invalid result arity"));
  // Unreachable operands of select take the other operand's type.
  EXPECT_EQ(validate(moduleWith({.type = funcType({}, {I64}),
                                 .code = {0x00, 0x42, 0x00, 0x41, 0x00, 0x1B, 0x0B}})),
            "");
}

TEST(Validator, Locals) {
  EXPECT_EQ(validate(moduleWith({.type = funcType({I32}, {}),
                                 .locals = {{1, F64}},
                                 .code = {0x20, 0x01, 0x21, 0x01, 0x20, 0x00, 0x1A, 0x0B}})),
            "");
  EXPECT_THAT(validate(moduleWith({.type = funcType({I32}, {}), .code = {0x20, 0x01, 0x1A,
                                                                         0x0B}})),
              HasSubstr("unknown local 1"));
  EXPECT_THAT(validate(moduleWith({.locals = {{1, F64}}, .code = {0x41, 0x00, 0x21, 0x00,
                                                                  0x0B}})),
              HasSubstr("expected f64 but got i32"));
}

TEST(Validator, Globals) {
  Bytes globals = section(kGlobalId, vec({{I32, 0x00, 0x41, 0x00, 0x0B},
                                          {I64, 0x01, 0x42, 0x00, 0x0B}}));
  EXPECT_THAT(validate(moduleWith({.code = {0x41, 0x01, 0x24, 0x00, 0x0B}}, {globals})),
              HasSubstr("global is immutable"));
  EXPECT_EQ(validate(moduleWith({.code = {0x42, 0x01, 0x24, 0x01, 0x0B}}, {globals})), "");
  EXPECT_THAT(validate(moduleWith({.code = {0x23, 0x02, 0x1A, 0x0B}}, {globals})),
              HasSubstr("unknown global 2"));
}

TEST(Validator, Calls) {
  EXPECT_THAT(validate(funcBody({0x10, 0x01, 0x0B})), HasSubstr("unknown function 1"));
  Bytes table = section(kTableId, vec({{FUNCREF, 0x00, 0x01}}));
  EXPECT_EQ(validate(moduleWith({.code = {0x41, 0x00, 0x11, 0x00, 0x00, 0x0B}}, {table})), "");
  EXPECT_THAT(validate(funcBody({0x41, 0x00, 0x11, 0x00, 0x00, 0x0B})),
              HasSubstr("unknown table 0"));
  EXPECT_THAT(validate(moduleWith({.code = {0x41, 0x00, 0x11, 0x03, 0x00, 0x0B}}, {table})),
              HasSubstr("unknown type 3"));
  Bytes externTable = section(kTableId, vec({{EXTERNREF, 0x00, 0x01}}));
  EXPECT_THAT(validate(moduleWith({.code = {0x41, 0x00, 0x11, 0x00, 0x00, 0x0B}},
                                  {externTable})),
              HasSubstr("type mismatch: call_indirect needs a funcref table"));
}

TEST(Validator, MemoryInstructions) {
  Bytes load = {0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B};  // i32.load align=4
  EXPECT_EQ(validate(moduleWith({.code = load}, {kMemory})), "");
  EXPECT_THAT(validate(funcBody(load)), HasSubstr("unknown memory 0"));
  Bytes overAligned = {0x41, 0x00, 0x28, 0x03, 0x00, 0x1A, 0x0B};  // align=8 > 4
  Bytes m = moduleWith({.code = overAligned}, {kMemory});
  EXPECT_THAT(validate(m), HasSubstr(absl::StrFormat("at byte 0x%x in function 0: alignment "
                                                     "must not be larger than natural",
                                                     find(m, overAligned) + 2)));
  Bytes store8 = {0x41, 0x00, 0x42, 0x00, 0x3C, 0x00, 0x00, 0x0B};  // i64.store8 align=1
  EXPECT_EQ(validate(moduleWith({.code = store8}, {kMemory})), "");
  Bytes badStore = {0x41, 0x00, 0x41, 0x00, 0x37, 0x03, 0x00, 0x0B};  // i64.store of an i32
  EXPECT_THAT(validate(moduleWith({.code = badStore}, {kMemory})),
              HasSubstr("expected i64 but got i32"));
  EXPECT_THAT(validate(funcBody({0x3F, 0x00, 0x1A, 0x0B})), HasSubstr("unknown memory 0"));
}

TEST(Validator, BulkMemory) {
  Bytes dataCount = section(kDataCountId, uleb(1));
  Bytes data = section(kDataId, vec({cat({uleb(1), name("x")})}));
  Bytes init = {0x41, 0, 0x41, 0, 0x41, 1, 0xFC, 0x08, 0x00, 0x00, 0xFC, 0x09, 0x00, 0x0B};
  EXPECT_EQ(validate(moduleWith({.code = init}, {kMemory, dataCount}, {data})), "");
  Bytes dropUnknown = {0xFC, 0x09, 0x01, 0x0B};
  EXPECT_THAT(validate(moduleWith({.code = dropUnknown}, {kMemory, dataCount}, {data})),
              HasSubstr("unknown data segment 1"));
  Bytes fillCopy = {0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 0x0B, 0x00,
                    0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 0x0A, 0x00, 0x00, 0x0B};
  EXPECT_EQ(validate(moduleWith({.code = fillCopy}, {kMemory})), "");
  EXPECT_THAT(validate(funcBody(fillCopy)), HasSubstr("unknown memory 0"));
  Bytes sat = {0x43, 0, 0, 0, 0, 0xFC, 0x00, 0x1A, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0xFC, 0x07,
               0x1A, 0x0B};
  EXPECT_EQ(validate(funcBody(sat)), "");
}

TEST(Validator, TablesAndReferences) {
  Bytes tables = section(kTableId, vec({{FUNCREF, 0x00, 0x01}, {EXTERNREF, 0x00, 0x01}}));
  Bytes elems = section(kElemId, vec({cat({uleb(5), {EXTERNREF}, vec({{0xD0, EXTERNREF,
                                                                        0x0B}})})}));
  auto with = [&](const Bytes& code) {
    return validate(moduleWith({.code = code}, {tables}, {}));
  };
  // table.get 1; ref.is_null; drop
  EXPECT_EQ(with({0x41, 0x00, 0x25, 0x01, 0xD1, 0x1A, 0x0B}), "");
  // table.set 0 with an externref
  EXPECT_THAT(with({0x41, 0x00, 0xD0, EXTERNREF, 0x26, 0x00, 0x0B}),
              HasSubstr("expected funcref but got externref"));
  // table.grow / size / fill
  EXPECT_EQ(with({0xD0, EXTERNREF, 0x41, 0x01, 0xFC, 0x0F, 0x01, 0xFC, 0x10, 0x01, 0x6A, 0x1A,
                  0x0B}),
            "");
  EXPECT_EQ(with({0x41, 0x00, 0xD0, FUNCREF, 0x41, 0x01, 0xFC, 0x11, 0x00, 0x0B}), "");
  // table.copy between different element types
  EXPECT_THAT(with({0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 0x0E, 0x00, 0x01, 0x0B}),
              HasSubstr("type mismatch: table.copy"));
  EXPECT_THAT(with({0x41, 0x00, 0x25, 0x02, 0x1A, 0x0B}), HasSubstr("unknown table 2"));
  // ref.is_null of a number
  EXPECT_THAT(with({0x41, 0x00, 0xD1, 0x1A, 0x0B}),
              HasSubstr("expected a reference but got i32"));
  // table.init: externref segment into the funcref table 0 is a mismatch, into table 1 fine.
  Bytes initT0 = {0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 0x0C, 0x00, 0x00, 0x0B};
  Bytes initT1 = {0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 0x0C, 0x00, 0x01, 0xFC, 0x0D, 0x00, 0x0B};
  EXPECT_THAT(validate(moduleWith({.code = initT0}, {tables, elems})),
              HasSubstr("type mismatch: table.init"));
  EXPECT_EQ(validate(moduleWith({.code = initT1}, {tables, elems})), "");
  EXPECT_THAT(validate(moduleWith({.code = {0xFC, 0x0D, 0x01, 0x0B}}, {tables, elems})),
              HasSubstr("unknown elem segment 1"));
}

TEST(Validator, RefFuncMustBeDeclared) {
  Bytes code = {0xD2, 0x00, 0x1A, 0x0B};
  EXPECT_THAT(validate(funcBody(code)), HasSubstr("undeclared function reference"));
  Bytes declare = section(kElemId, vec({cat({uleb(3), {0x00}, vec({uleb(0)})})}));
  EXPECT_EQ(validate(moduleWith({.code = code}, {declare})), "");
  Bytes exportIt = section(kExportId, vec({cat({name("f"), {0x00}, uleb(0)})}));
  EXPECT_EQ(validate(moduleWith({.code = code}, {exportIt})), "");
  Bytes global = section(kGlobalId, vec({{FUNCREF, 0x00, 0xD2, 0x00, 0x0B}}));
  EXPECT_EQ(validate(moduleWith({.code = code}, {global})), "");
}

// ---- Module-level rules ------------------------------------------------------------

TEST(Validator, ConstantExpressions) {
  Bytes importedConst = section(kImportId, vec({cat({name("m"), name("c"), {0x03, I32, 0x00}}),
                                                cat({name("m"), name("v"), {0x03, I32, 0x01}})}));
  auto globals = [](const Bytes& g) { return section(kGlobalId, vec({g})); };
  EXPECT_EQ(validate(module({importedConst, globals({I32, 0x00, 0x23, 0x00, 0x0B})})), "");
  EXPECT_THAT(validate(module({importedConst, globals({I32, 0x00, 0x23, 0x01, 0x0B})})),
              HasSubstr("constant expression required"));
  EXPECT_THAT(validate(module({globals({I32, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B})})),
              HasSubstr("constant expression required"));
  EXPECT_THAT(validate(module({globals({I32, 0x00, 0x42, 0x00, 0x0B})})),
              HasSubstr("type mismatch"));
  EXPECT_THAT(validate(module({globals({I32, 0x00, 0x0B})})), HasSubstr("type mismatch"));
  // In 2.0 only imported globals may be read, even by later definitions.
  Bytes two = section(kGlobalId, vec({{I32, 0x00, 0x41, 0x00, 0x0B},
                                      {I32, 0x00, 0x23, 0x00, 0x0B}}));
  EXPECT_THAT(validate(module({two})), HasSubstr("unknown global 0"));
  Bytes mem = kMemory;
  Bytes dataFromDefined = section(kDataId, vec({cat({uleb(0), {0x23, 0x00, 0x0B}, name("")})}));
  EXPECT_THAT(validate(module({mem, section(kGlobalId, vec({{I32, 0x00, 0x41, 0x00, 0x0B}})),
                               dataFromDefined})),
              HasSubstr("unknown global 0"));
}

TEST(Validator, Limits) {
  EXPECT_THAT(validate(module({section(kMemoryId, vec({{0x00, 0x81, 0x80, 0x04}}))})),
              HasSubstr("memory size must be at most 65536 pages (4GiB)"));
  EXPECT_EQ(validate(module({section(kMemoryId, vec({{0x00, 0x80, 0x80, 0x04}}))})), "");
  EXPECT_THAT(validate(module({section(kMemoryId, vec({{0x01, 0x02, 0x01}}))})),
              HasSubstr("size minimum must not be greater than maximum"));
  EXPECT_THAT(validate(module({section(kTableId, vec({{FUNCREF, 0x01, 0x02, 0x01}}))})),
              HasSubstr("size minimum must not be greater than maximum"));
  EXPECT_EQ(validate(module({section(kTableId, vec({{FUNCREF, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
                                                     0x0F}}))})),
            "");
}

TEST(Validator, MultipleMemoriesNeedTheFeature) {
  Bytes mems = section(kMemoryId, vec({{0x00, 0x01}, {0x00, 0x01}}));
  EXPECT_THAT(validate(module({mems})), HasSubstr("multiple memories"));
  Features f;
  f.multiMemory = true;
  EXPECT_EQ(validate(module({mems}), f), "");
  // With multi-memory, the memory index of loads is checked.
  Bytes load = {0x41, 0x00, 0x28, 0x42, 0x02, 0x00, 0x1A, 0x0B};  // i32.load memory 2
  EXPECT_THAT(validate(moduleWith({.code = load}, {mems}), f), HasSubstr("unknown memory 2"));
}

TEST(Validator, ExportsAndStart) {
  Bytes dup = section(kExportId, vec({cat({name("x"), {0x00}, uleb(0)}),
                                      cat({name("x"), {0x00}, uleb(0)})}));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {dup})),
              HasSubstr("in export \"x\": duplicate export name"));
  Bytes badIndex = section(kExportId, vec({cat({name("m"), {0x02}, uleb(0)})}));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {badIndex})), HasSubstr("unknown memory 0"));
  Bytes start = section(kStartId, uleb(0));
  EXPECT_EQ(validate(moduleWith({.code = {0x0B}}, {start})), "");
  EXPECT_THAT(validate(moduleWith({.type = funcType({I32}, {}), .code = {0x0B}}, {start})),
              HasSubstr("start function"));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {section(kStartId, uleb(4))})),
              HasSubstr("unknown function 4"));
}

TEST(Validator, Segments) {
  Bytes table = section(kTableId, vec({{FUNCREF, 0x00, 0x01}}));
  Bytes activeOnMissingTable = section(kElemId, vec({cat({uleb(2), uleb(3), {0x41, 0x00, 0x0B},
                                                          {0x00}, vec({uleb(0)})})}));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {table, activeOnMissingTable})),
              HasSubstr("unknown table 3"));
  Bytes wrongOffset = section(kElemId, vec({cat({uleb(0), {0x42, 0x00, 0x0B}, vec({})})}));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {table, wrongOffset})),
              HasSubstr("type mismatch"));
  Bytes externIntoFuncref = section(kElemId, vec({cat({uleb(6), uleb(0), {0x41, 0x00, 0x0B},
                                                       {EXTERNREF}, vec({})})}));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {table, externIntoFuncref})),
              HasSubstr("type mismatch"));
  Bytes badItem = section(kElemId, vec({cat({uleb(1), {0x00}, vec({uleb(9)})})}));
  EXPECT_THAT(validate(moduleWith({.code = {0x0B}}, {table, badItem})),
              HasSubstr("unknown function 9"));
  Bytes dataNoMemory = section(kDataId, vec({cat({uleb(0), {0x41, 0x00, 0x0B}, name("")})}));
  EXPECT_THAT(validate(module({dataNoMemory})), HasSubstr("unknown memory 0"));
}

TEST(Validator, RejectsUnimplementedFeatureFlags) {
  auto m = decodeModule(header());
  ASSERT_TRUE(m.ok());
  Features f;
  f.threads = true;
  absl::Status s = validateModule(*m, f);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("threads"));
}

// ---- blockType helper ----------------------------------------------------------------

TEST(BlockTypeHelper, DecodesAllForms) {
  Module m;
  m.types.push_back(FuncType{{ValType::I32}, {ValType::I64, ValType::F32}});
  EXPECT_EQ(*blockType(m, int64_t{-64}), FuncType{});
  EXPECT_EQ(*blockType(m, int64_t{-1}), (FuncType{{}, {ValType::I32}}));
  EXPECT_EQ(*blockType(m, int64_t{-17}), (FuncType{{}, {ValType::ExternRef}}));
  EXPECT_EQ(*blockType(m, int64_t{0}), m.types[0]);
  EXPECT_FALSE(blockType(m, int64_t{1}).ok());
  EXPECT_FALSE(blockType(m, int64_t{-10}).ok());
  BlockType bt;
  bt.kind = BlockType::Kind::Value;
  bt.value = ValType::F64;
  EXPECT_EQ(*blockType(m, bt), (FuncType{{}, {ValType::F64}}));
}

// ---- SIMD ---------------------------------------------------------------------------

Bytes v128Const() {
  Bytes b = {0xFD, 0x0C};
  for (int i = 0; i < 16; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

TEST(Validator, SimdTypes) {
  Features f = Features::wasm2();
  // v128.const; v128.const; i32x4.add (0xae 0x01); drop
  Bytes ok = cat({v128Const(), v128Const(), {0xFD, 0xAE, 0x01, 0x1A, 0x0B}});
  EXPECT_EQ(validate(funcBody(ok), f), "");
  // i32x4.add of an i32 and a v128
  Bytes bad = cat({{0x41, 0x00}, v128Const(), {0xFD, 0xAE, 0x01, 0x1A, 0x0B}});
  EXPECT_THAT(validate(funcBody(bad), f), HasSubstr("type mismatch: expected v128 but got i32"));
  // Without the feature the 0xFD prefix is refused by the decoder.
  EXPECT_THAT(validate(funcBody(ok), Features{}), HasSubstr("DECODE FAILED"));
}

TEST(Validator, SimdLaneIndices) {
  Features f = Features::wasm2();
  // i32x4.extract_lane 3 is fine, 4 is not.
  EXPECT_EQ(validate(funcBody(cat({v128Const(), {0xFD, 0x1B, 0x03, 0x1A, 0x0B}})), f), "");
  EXPECT_THAT(validate(funcBody(cat({v128Const(), {0xFD, 0x1B, 0x04, 0x1A, 0x0B}})), f),
              HasSubstr("invalid lane index 4"));
  // i8x16.shuffle with a lane index of 32.
  Bytes shuffle = cat({v128Const(), v128Const(), {0xFD, 0x0D}});
  for (int i = 0; i < 16; ++i) shuffle.push_back(i == 5 ? 32 : 31);
  shuffle.insert(shuffle.end(), {0x1A, 0x0B});
  EXPECT_THAT(validate(funcBody(shuffle), f), HasSubstr("invalid lane index 32"));
}

TEST(Validator, SimdMemoryAlignment) {
  Features f = Features::wasm2();
  // v128.load8_splat (0x07) allows alignment 2^0 only; v128.load (0x00) up to 2^4.
  auto load = [](uint8_t sub, uint8_t align) {
    return Bytes{0x41, 0x00, 0xFD, sub, align, 0x00, 0x1A, 0x0B};
  };
  EXPECT_EQ(validate(moduleWith(FuncSpec{.code = load(0x00, 4)}, {kMemory}), f), "");
  EXPECT_THAT(validate(moduleWith(FuncSpec{.code = load(0x00, 5)}, {kMemory}), f),
              HasSubstr("alignment must not be larger than natural"));
  EXPECT_THAT(validate(moduleWith(FuncSpec{.code = load(0x07, 1)}, {kMemory}), f),
              HasSubstr("alignment must not be larger than natural"));
  // Relaxed SIMD needs its own feature flag: i8x16.relaxed_swizzle is 0xFD 0x80 0x02.
  Bytes relaxed = cat({v128Const(), v128Const(), {0xFD, 0x80, 0x02, 0x1A, 0x0B}});
  EXPECT_THAT(validate(funcBody(relaxed), f), HasSubstr("illegal opcode 0xfd 256"));
}

// ---- Wasm 3.0: tail calls, memory64, extended constants, table initialisers ------------

TEST(Validator, TailCallResultsMustMatchTheCaller) {
  Features f = Features::defaults();
  // Two types: 0 = [] -> [i32], 1 = [] -> [i64]; function 0 (type 0) return_calls itself,
  // function 1 (type 1) return_calls function 0.
  Bytes types = section(kTypeId, vec({funcType({}, {I32}), funcType({}, {I64})}));
  Bytes funcs = section(kFunctionId, vec({uleb(0), uleb(1)}));
  auto moduleOf = [&](const Bytes& body1) {
    return cat({header(), types, funcs,
                section(kCodeId, vec({body({}, {0x12, 0x00, 0x0B}), body({}, body1)}))});
  };
  EXPECT_EQ(validate(moduleOf({0x42, 0x00, 0x0B}), f), "");
  EXPECT_THAT(validate(moduleOf({0x12, 0x00, 0x0B}), f),
              HasSubstr("type mismatch: tail call to a function returning [i32] from a "
                        "function returning [i64]"));
  // Code after a tail call is unreachable: `i32.add` pops from the polymorphic stack.
  Bytes afterTail = cat({header(), types, funcs,
                         section(kCodeId, vec({body({}, {0x12, 0x00, 0x6A, 0x0B}),
                                               body({}, {0x42, 0x00, 0x0B})}))});
  EXPECT_EQ(validate(afterTail, f), "");
  // Without the feature 0x12 is not an instruction.
  EXPECT_THAT(validate(moduleOf({0x42, 0x00, 0x0B}), Features::wasm2()),
              HasSubstr("illegal opcode 0x12"));
}

TEST(Validator, Memory64UsesI64Addresses) {
  Features f = Features::defaults();
  const Bytes mem64 = section(kMemoryId, vec({{0x04, 0x01}}));  // i64, min 1
  auto withMem = [&](const Bytes& type, const Bytes& code) {
    return moduleWith(FuncSpec{.type = type, .code = code}, {mem64});
  };
  // (i64.const 0) i32.load -> i32; memory.size -> i64
  EXPECT_EQ(validate(withMem(funcType({}, {I32}), {0x42, 0x00, 0x28, 0x02, 0x00, 0x0B}), f), "");
  EXPECT_EQ(validate(withMem(funcType({}, {I64}), {0x3F, 0x00, 0x0B}), f), "");
  EXPECT_THAT(validate(withMem(funcType({}, {I32}), {0x41, 0x00, 0x28, 0x02, 0x00, 0x0B}), f),
              HasSubstr("type mismatch: expected i64 but got i32"));
  // Offsets above 2^32 - 1 only fit a 64-bit memory.
  Bytes bigOffset = cat({{0x41, 0x00, 0x28, 0x02}, uleb(uint64_t{1} << 32), {0x0B}});
  EXPECT_THAT(validate(moduleWith(FuncSpec{.type = funcType({}, {I32}), .code = bigOffset},
                                  {kMemory}),
                       f),
              HasSubstr("offset out of range"));
  // A 64-bit memory may have more than 65536 pages (up to 2^48), a 32-bit one not.
  EXPECT_EQ(validate(module({section(kMemoryId, vec({cat({{0x04}, uleb(70000)})}))}), f), "");
  EXPECT_THAT(validate(module({section(kMemoryId, vec({cat({{0x00}, uleb(70000)})}))}), f),
              HasSubstr("memory size must be at most 65536 pages"));
  // Without memory64 the i64 limits flag is malformed.
  EXPECT_THAT(validate(module({mem64}), Features::wasm2()), HasSubstr("malformed limits flags"));
}

TEST(Validator, ExtendedConstantExpressions) {
  // (global i32 (i32.add (i32.const 1) (i32.const 2)))
  Bytes global = section(kGlobalId, vec({{I32, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B}}));
  EXPECT_EQ(validate(module({global}), Features::defaults()), "");
  EXPECT_THAT(validate(module({global}), Features::wasm2()),
              HasSubstr("constant expression required"));
  // i64.add on i32 operands is a type error.
  Bytes bad = section(kGlobalId, vec({{I64, 0x00, 0x41, 0x01, 0x41, 0x02, 0x7C, 0x0B}}));
  EXPECT_THAT(validate(module({bad}), Features::defaults()), HasSubstr("type mismatch"));
  // A 3.0 global initialiser may read an earlier defined immutable global, not a later one.
  Bytes chain = section(kGlobalId, vec({{I32, 0x00, 0x41, 0x05, 0x0B},
                                        {I32, 0x00, 0x23, 0x00, 0x0B}}));
  EXPECT_EQ(validate(module({chain}), Features::defaults()), "");
  EXPECT_THAT(validate(module({chain}), Features::wasm2()), HasSubstr("unknown global 0"));
  Bytes forward = section(kGlobalId, vec({{I32, 0x00, 0x23, 0x01, 0x0B},
                                          {I32, 0x00, 0x41, 0x05, 0x0B}}));
  EXPECT_THAT(validate(module({forward}), Features::defaults()), HasSubstr("unknown global 1"));
}

}  // namespace
}  // namespace kiln::wasm

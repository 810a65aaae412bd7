// kiln's reader of WebAssembly spec scripts (.wast): modules, registrations, actions and
// assertions, each with its line number. Text modules are encoded to binary while the
// script is read (see Wat.h); `module quote` text is kept for the runner to parse, since
// a parse error there may be exactly what an `assert_malformed` expects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/text/Wat.h"

namespace kiln::text {

// Value type codes as in the binary format (they equal KILN_I32 ... of kiln/abi.h).
enum : uint8_t {
  kI32 = 0x7F,
  kI64 = 0x7E,
  kF32 = 0x7D,
  kF64 = 0x7C,
  kV128 = 0x7B,
};

// Heap types of `ref.null` as binary-format codes.
enum : uint8_t {
  kHeapFunc = 0x70,
  kHeapExtern = 0x6F,
  kHeapAny = 0x6E,
  kHeapEq = 0x6D,
  kHeapI31 = 0x6C,
  kHeapStruct = 0x6B,
  kHeapArray = 0x6A,
  kHeapExn = 0x69,
  kHeapNoExn = 0x74,
  kHeapNoFunc = 0x73,
  kHeapNoExtern = 0x72,
  kHeapNone = 0x71,
  kHeapConcrete = 0x00,  // a type index
};

// Lane shapes of v128 constants.
enum class Shape : uint8_t { I8x16, I16x8, I32x4, I64x2, F32x4, F64x2 };
int laneCount(Shape s);

// An argument of an action.
struct Value {
  enum class Kind : uint8_t { Num, V128, RefNull, RefExtern, RefHost };
  Kind kind = Kind::Num;
  uint8_t type = kI32;  // Num: kI32/kI64/kF32/kF64
  uint64_t bits = 0;    // Num: the bit pattern; RefExtern/RefHost: the host value N
  uint8_t v128[16] = {};
  uint8_t heapType = kHeapFunc;  // RefNull
};

// What a float (or a float lane) may be.
enum class NanClass : uint8_t { None, Canonical, Arithmetic };

// An expected result of assert_return.
struct Expected {
  enum class Kind : uint8_t {
    Num,        // type + bits, or a NaN class for f32/f64
    V128,       // shape + lanes (each lane its bits or a NaN class)
    RefNull,    // `ref.null ht` (heapType), or `ref.null` (any null: anyNull)
    RefFunc,    // `ref.func`: any non-null function reference
    RefExtern,  // `ref.extern N` (hasValue) or `ref.extern` (any non-null extern)
    RefHost,    // `ref.host N`
    RefOther,   // other non-null reference patterns (`ref.i31`, `ref.struct`, ...): refName
    Either,     // one of `alternatives`
  };
  Kind kind = Kind::Num;
  uint8_t type = kI32;
  uint64_t bits = 0;
  NanClass nan = NanClass::None;
  Shape shape = Shape::I32x4;
  std::vector<uint64_t> lanes;       // V128: lane bit patterns
  std::vector<NanClass> laneNans;    // V128: per-lane NaN class (None = exact bits)
  uint8_t heapType = kHeapFunc;
  bool anyNull = false;
  bool hasValue = false;
  std::string refName;
  std::vector<Expected> alternatives;
};

// A module in a script.
struct ScriptModule {
  enum class Kind : uint8_t { Text, Binary, Quote };
  Kind kind = Kind::Text;
  std::optional<std::string> name;  // $id
  bool definition = false;          // (module definition ...): not instantiated
  std::vector<uint8_t> bytes;       // Text (if parsed) and Binary
  std::string quote;                // Quote: the module text
  absl::Status textError;           // Text: the parse error, if any
  uint32_t line = 0;
};

struct Action {
  enum class Kind : uint8_t { Invoke, Get };
  Kind kind = Kind::Invoke;
  std::optional<std::string> module;  // $id of the instance, or the current one
  std::string field;
  std::vector<Value> args;
};

struct Command {
  enum class Kind : uint8_t {
    Module,            // module
    ModuleInstance,    // (module instance $inst? $def?)
    Register,          // (register "name" $id?)
    Action,            // a bare invoke/get
    AssertReturn,
    AssertTrap,        // with an action, or with a module (trap during instantiation)
    AssertExhaustion,
    AssertException,
    AssertInvalid,
    AssertMalformed,
    AssertUnlinkable,
    AssertUninstantiable,
  };
  Kind kind = Kind::Module;
  uint32_t line = 0;
  std::optional<ScriptModule> module;  // Module and assertions on modules
  std::optional<Action> action;        // Action and assertions on actions
  std::vector<Expected> expected;      // AssertReturn
  std::string text;                    // the expected failure message of an assertion
  std::string registerName;            // Register
  std::optional<std::string> instanceName;    // ModuleInstance ($inst), Register ($id)
  std::optional<std::string> definitionName;  // ModuleInstance ($def)
};

struct Script {
  std::vector<Command> commands;
};

// Reads a whole script. Errors (a lexical error anywhere, or a command that cannot be
// read) are InvalidArgument `fileName:line:col: message`. A text module that does not
// parse does not fail the script: its error is in ScriptModule::textError.
absl::StatusOr<Script> parseWast(std::string_view text, std::string_view fileName,
                                 const TextOptions& options = {});

// The binary of a script module: the bytes of a binary or parsed text module, the parse of
// a quote module (named `where:quote` in errors), or the text module's parse error.
absl::StatusOr<std::vector<uint8_t>> moduleBinary(const ScriptModule& m, std::string_view where,
                                                  const TextOptions& options = {});

}  // namespace kiln::text

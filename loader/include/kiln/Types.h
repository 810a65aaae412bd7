// Wasm external types as the loader sees them, and the process-wide registry that gives
// every function signature a canonical id (what call_indirect compares).
#ifndef KILN_LOADER_TYPES_H
#define KILN_LOADER_TYPES_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiln/abi.h"

namespace kiln {

// A function signature: value type codes (KILN_I32, ...) of params and results.
// The canonical form of a reference's details (see KILN_REF_* in abi.h): bit 0 non-null,
// bits 1-2 kind (0 top, 1 bottom, 2 a function type, 3 a type of the enclosing recursion
// group), bits 3.. the canonical type id (kind 2) or the position in the group (kind 3).
// 0 for numbers and the nullable top references.
using CanonicalRef = uint64_t;
inline constexpr CanonicalRef kRefInGroup = 3u << 1;
// Whether a value of reference details `a` may be used where `b` is expected (same
// reference family, i.e. the same one-byte code).
bool RefMatches(CanonicalRef a, CanonicalRef b);

struct FuncType {
  std::vector<uint8_t> params;
  std::vector<uint8_t> results;
  // Empty, or one CanonicalRef per param then result: typed references in the signature.
  std::vector<CanonicalRef> refs;
  // Empty for a type that is a recursion group of its own and final (every plain function
  // type); otherwise the whole group's structure and this type's position in it.
  std::vector<uint64_t> group;

  bool operator==(const FuncType&) const = default;
  // "(i32, i64) -> (f32)"
  std::string ToString() const;
};

// "i32", "funcref", ...; "<0xNN>" for unknown codes.
const char* ValueTypeName(uint8_t code);
bool IsValidValueType(uint8_t code);
bool IsReferenceType(uint8_t code);

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;

  bool operator==(const Limits&) const = default;
  // The import-matching rule of the spec: `actual` (what the exporter has now) matches
  // `declared` (what the importer asks for).
  static bool Matches(const Limits& actual, const Limits& declared);
};

struct TableType {
  uint8_t elem_type = KILN_FUNCREF;
  Limits limits;
  bool is64 = false;  // table64: i64 indices
  CanonicalRef elem_ref = 0;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
  bool is64 = false;
  bool shared = false;
};

struct GlobalType {
  uint8_t type = KILN_I32;
  bool mut = false;
  CanonicalRef ref = 0;
  bool operator==(const GlobalType&) const = default;
};

// Process-wide canonical signature ids. Equal signatures get equal ids in every module of
// the process, so a call_indirect across modules can compare ids. Thread-safe; ids are
// never released.
class TypeRegistry {
 public:
  static uint32_t Intern(const FuncType& type);
  // The signature of a registered id (it never moves or changes: the reference stays
  // valid); aborts on an id that was never handed out. Lock-free.
  static const FuncType& Lookup(uint32_t id);
};

}  // namespace kiln

#endif  // KILN_LOADER_TYPES_H

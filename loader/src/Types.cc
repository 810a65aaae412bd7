#include "kiln/Types.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

namespace kiln {

const char* ValueTypeName(uint8_t code) {
  switch (code) {
    case KILN_I32: return "i32";
    case KILN_I64: return "i64";
    case KILN_F32: return "f32";
    case KILN_F64: return "f64";
    case KILN_V128: return "v128";
    case KILN_FUNCREF: return "funcref";
    case KILN_EXTERNREF: return "externref";
    case KILN_EXNREF: return "exnref";
    default: return "<invalid type>";
  }
}

bool IsValidValueType(uint8_t code) {
  switch (code) {
    case KILN_I32: case KILN_I64: case KILN_F32: case KILN_F64: case KILN_V128:
    case KILN_FUNCREF: case KILN_EXTERNREF: case KILN_EXNREF:
      return true;
    default:
      return false;
  }
}

bool IsReferenceType(uint8_t code) {
  return code == KILN_FUNCREF || code == KILN_EXTERNREF || code == KILN_EXNREF;
}

std::string FuncType::ToString() const {
  std::string out = "(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += ", ";
    out += ValueTypeName(params[i]);
  }
  out += ") -> (";
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ", ";
    out += ValueTypeName(results[i]);
  }
  out += ")";
  return out;
}

bool Limits::Matches(const Limits& actual, const Limits& declared) {
  if (actual.min < declared.min) return false;
  if (declared.max.has_value()) {
    if (!actual.max.has_value()) return false;
    if (*actual.max > *declared.max) return false;
  }
  return true;
}

bool RefMatches(CanonicalRef a, CanonicalRef b) {
  if (a == b) return true;
  if ((a & 1) == 0 && (b & 1) != 0) return false;  // nullable where non-null is expected
  const uint64_t ka = (a >> 1) & 3, kb = (b >> 1) & 3;
  if (kb == KILN_REF_TOP) return true;      // everything of the family is below its top
  if (ka == KILN_REF_BOTTOM) return true;   // the bottom is below everything
  return ka == kb && (a >> 3) == (b >> 3);  // the same canonical function type
}

namespace {

// Ids index fixed-size chunks that are never moved or freed, so a lookup reads without the
// lock (calls and instantiations look types up on every request); interning takes it.
constexpr uint32_t kChunkBits = 10, kChunkSize = 1u << kChunkBits, kMaxChunks = 4096;

struct Registry {
  std::mutex mu;
  std::map<std::tuple<std::vector<uint8_t>, std::vector<uint8_t>, std::vector<CanonicalRef>,
                      std::vector<uint64_t>>,
           uint32_t>
      ids;
  std::atomic<FuncType*> chunks[kMaxChunks] = {};
  std::atomic<uint32_t> size{0};  // ids below it are complete (published with release)
};

Registry& GetRegistry() {
  static Registry* registry = new Registry;  // never destroyed: ids outlive everything
  return *registry;
}

}  // namespace

uint32_t TypeRegistry::Intern(const FuncType& type) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  const uint32_t next = r.size.load(std::memory_order_relaxed);
  auto [it, inserted] =
      r.ids.try_emplace({type.params, type.results, type.refs, type.group}, next);
  if (inserted) {
    if ((next >> kChunkBits) >= kMaxChunks) {
      std::fprintf(stderr, "kiln: internal error: more than %u function types\n",
                   kMaxChunks * kChunkSize);
      std::abort();
    }
    std::atomic<FuncType*>& chunk = r.chunks[next >> kChunkBits];
    if (chunk.load(std::memory_order_relaxed) == nullptr)
      chunk.store(new FuncType[kChunkSize], std::memory_order_release);
    chunk.load(std::memory_order_relaxed)[next & (kChunkSize - 1)] = type;
    r.size.store(next + 1, std::memory_order_release);
  }
  return it->second;
}

const FuncType& TypeRegistry::Lookup(uint32_t id) {
  Registry& r = GetRegistry();
  if (id >= r.size.load(std::memory_order_acquire)) {
    std::fprintf(stderr, "kiln: internal error: unknown canonical type id %u\n", id);
    std::abort();
  }
  return r.chunks[id >> kChunkBits].load(std::memory_order_acquire)[id & (kChunkSize - 1)];
}

}  // namespace kiln

// A 32-bit linear memory on the guard-page strategy: an 8 GiB PROT_NONE reservation
// (KILN_GUARDED_RESERVATION) of which [0, size) is read-write. Growing only changes
// protections, so `base` never moves. Used for module-defined and host-created memories.
#ifndef KILN_LOADER_GUARDED_MEMORY_H
#define KILN_LOADER_GUARDED_MEMORY_H

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

inline constexpr uint64_t kMaxMemoryPages32 = 65536;  // 4 GiB

class GuardedMemory {
 public:
  // `policy_max_pages` caps growth below the type's maximum (operator limit).
  static absl::StatusOr<std::shared_ptr<GuardedMemory>> Create(
      const MemoryType& type, std::optional<uint64_t> policy_max_pages = std::nullopt);
  ~GuardedMemory();
  GuardedMemory(const GuardedMemory&) = delete;
  GuardedMemory& operator=(const GuardedMemory&) = delete;

  // The object generated code and the vmctx point to.
  kiln_memory* raw() { return &mem_; }
  uint8_t* base() const { return mem_.base; }
  uint64_t size_bytes() const { return mem_.length; }
  uint64_t pages() const { return mem_.length / KILN_WASM_PAGE_SIZE; }
  uint64_t max_pages() const { return mem_.max_pages; }  // effective maximum

  // The declared type, and the type used for import matching (min = current pages).
  const MemoryType& declared_type() const { return type_; }
  MemoryType current_type() const;

  // Grows by `delta_pages`; returns the old size in pages or -1 (beyond the maximum, or the
  // OS refused). New pages read as zero.
  int64_t Grow(uint64_t delta_pages);

  // True if [offset, offset + len) is inside the current size (overflow-safe).
  bool InBounds(uint64_t offset, uint64_t len) const {
    return offset <= mem_.length && len <= mem_.length - offset;
  }

 private:
  GuardedMemory() = default;
  kiln_memory mem_{};
  MemoryType type_;
  int registry_slot_ = -1;
};

}  // namespace kiln

#endif  // KILN_LOADER_GUARDED_MEMORY_H

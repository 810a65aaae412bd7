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
// Released reservations kept for reuse, process-wide, by default.
inline constexpr size_t kDefaultMemoryPoolCapacity = 64;
// Pages of a released memory that are rewritten in place (and stay resident) rather than
// discarded, by default, per reservation.
inline constexpr uint64_t kDefaultKeepResidentBytes = uint64_t{1} << 20;

class MemoryImage;

class GuardedMemory {
 public:
  // `policy_max_pages` caps growth below the type's maximum (operator limit). With an
  // `image` (the module's initial contents, see MemoryImage) that fits the initial size,
  // the memory starts as a private copy-on-write mapping of it.
  static absl::StatusOr<std::shared_ptr<GuardedMemory>> Create(
      const MemoryType& type, std::optional<uint64_t> policy_max_pages = std::nullopt,
      std::shared_ptr<const MemoryImage> image = nullptr);

  // Process-wide tuning (benchmarks, embedders): how many released reservations are kept
  // for reuse (0: none; each is 8 GiB of address space, no memory), and whether module
  // memories start from copy-on-write images (otherwise Instance copies data segments and
  // passes no image).
  static void SetPoolCapacity(size_t reservations);
  static void SetCopyOnWriteImages(bool enabled);
  static bool CopyOnWriteImages();
  // Up to this many bytes of a released memory's written pages are put back to the
  // module's initial contents in place and kept resident for the next instance (no
  // madvise: no TLB shootdown across cores, no page faults next time); beyond it, or with
  // 0, the pages are discarded. True if this process can do it (it reads
  // /proc/self/pagemap to find the written pages).
  static void SetKeepResidentBytes(uint64_t bytes);
  // Gives back the pages pooled reservations keep resident (a server going idle calls it;
  // the next instances fault them in again).
  static void ReleasePooledPages();
  // How released pages are found: "pagemap-scan" (the PAGEMAP_SCAN ioctl, Linux 6.7),
  // "pagemap-read" (one pagemap entry per page) or "off" (pages are discarded).
  static const char* ResetInPlaceMethod();
  // Opens /proc/self/pagemap now (before a sandbox that forbids opening files) and returns
  // its descriptor, to be kept open, or -1 when memories are not reset in place.
  static int PrepareResetInPlace();
  // Tests: find released pages by reading pagemap entries even where the ioctl works.
  static void UsePagemapReadForTesting(bool enabled);
  // True if this memory was initialised from a copy-on-write image (its data segments
  // need no copying).
  bool from_image() const { return image_ != nullptr; }
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
  std::shared_ptr<const MemoryImage> image_;
  uint64_t initial_bytes_ = 0;
  int registry_slot_ = -1;
};

}  // namespace kiln

#endif  // KILN_LOADER_GUARDED_MEMORY_H

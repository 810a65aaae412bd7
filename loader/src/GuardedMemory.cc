#include "kiln/GuardedMemory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "AddressRangeRegistry.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln {

absl::StatusOr<std::shared_ptr<GuardedMemory>> GuardedMemory::Create(
    const MemoryType& type, std::optional<uint64_t> policy_max_pages) {
  // A 64-bit memory lives in the same reservation; its code checks bounds explicitly. Its
  // size is capped at 4 GiB like a 32-bit memory (an implementation limit: memory.grow
  // beyond it returns -1, a larger minimum fails instantiation).
  if (type.shared) return absl::UnimplementedError("shared memories are not supported yet");
  uint64_t max_pages = std::min(type.limits.max.value_or(kMaxMemoryPages32), kMaxMemoryPages32);
  if (policy_max_pages.has_value()) max_pages = std::min(max_pages, *policy_max_pages);
  if (type.limits.min > max_pages) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "memory of %u pages exceeds the limit of %u pages", type.limits.min, max_pages));
  }
  void* base = mmap(nullptr, KILN_GUARDED_RESERVATION, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot reserve 8 GiB for a linear memory: ", std::strerror(errno)));
  }
  std::shared_ptr<GuardedMemory> m(new GuardedMemory);
  m->type_ = type;
  m->mem_.base = static_cast<uint8_t*>(base);
  m->mem_.length = 0;
  m->mem_.max_pages = max_pages;
  m->mem_.reserved_bytes = KILN_GUARDED_RESERVATION;
  const uint64_t bytes = type.limits.min * KILN_WASM_PAGE_SIZE;
  if (bytes > 0 && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot commit linear memory: ", std::strerror(errno)));
  }
  m->mem_.length = bytes;
  const uintptr_t start = reinterpret_cast<uintptr_t>(base);
  m->registry_slot_ = MemoryReservations().Add(start, start + KILN_GUARDED_RESERVATION, m.get());
  if (m->registry_slot_ < 0) return absl::ResourceExhaustedError("too many linear memories");
  return m;
}

GuardedMemory::~GuardedMemory() {
  MemoryReservations().Remove(registry_slot_);
  if (mem_.base != nullptr) munmap(mem_.base, KILN_GUARDED_RESERVATION);
}

MemoryType GuardedMemory::current_type() const {
  MemoryType t = type_;
  t.limits.min = pages();
  return t;
}

int64_t GuardedMemory::Grow(uint64_t delta_pages) {
  const uint64_t old_pages = pages();
  if (delta_pages > mem_.max_pages - old_pages) return -1;  // old_pages <= max_pages
  if (delta_pages == 0) return static_cast<int64_t>(old_pages);
  const uint64_t new_bytes = (old_pages + delta_pages) * KILN_WASM_PAGE_SIZE;
  if (mprotect(mem_.base + mem_.length, new_bytes - mem_.length, PROT_READ | PROT_WRITE) != 0) {
    return -1;
  }
  mem_.length = new_bytes;
  return static_cast<int64_t>(old_pages);
}

}  // namespace kiln

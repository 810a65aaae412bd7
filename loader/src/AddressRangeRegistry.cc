#include "AddressRangeRegistry.h"

namespace kiln {

AddressRangeRegistry::AddressRangeRegistry(size_t capacity)
    : capacity_(capacity), slots_(new Slot[capacity]) {}

// Lock-free: instances are created and destroyed on many threads at once (a server's
// event loops), and a global lock here was contended on every request.
int AddressRangeRegistry::Add(uintptr_t start, uintptr_t end, const void* owner) {
  const size_t begin = next_.load(std::memory_order_relaxed) % capacity_;
  for (size_t k = 0; k < capacity_; ++k) {
    const size_t i = (begin + k) % capacity_;
    Slot& s = slots_[i];
    uintptr_t expected = 0;
    // kClaimed: taken, not yet valid (Find skips it).
    if (s.end.load(std::memory_order_relaxed) != 0 ||
        !s.end.compare_exchange_strong(expected, kClaimed, std::memory_order_acquire,
                                       std::memory_order_relaxed))
      continue;
    s.owner.store(owner, std::memory_order_relaxed);
    s.start.store(start, std::memory_order_relaxed);
    size_t high = high_water_.load(std::memory_order_relaxed);
    while (i + 1 > high &&
           !high_water_.compare_exchange_weak(high, i + 1, std::memory_order_release,
                                              std::memory_order_relaxed)) {
    }
    s.end.store(end, std::memory_order_release);
    next_.store(i + 1, std::memory_order_relaxed);
    return static_cast<int>(i);
  }
  return -1;
}

void AddressRangeRegistry::Remove(int slot) {
  if (slot < 0 || static_cast<size_t>(slot) >= capacity_) return;
  Slot& s = slots_[slot];
  s.owner.store(nullptr, std::memory_order_relaxed);
  s.end.store(0, std::memory_order_release);
  // Slots are reused from the lowest free one on: the search for the owner of a faulting
  // address stays short.
  size_t next = next_.load(std::memory_order_relaxed);
  while (static_cast<size_t>(slot) < next % capacity_ &&
         !next_.compare_exchange_weak(next, static_cast<size_t>(slot), std::memory_order_relaxed)) {
  }
}

const void* AddressRangeRegistry::Find(uintptr_t addr) const {
  const size_t n = high_water_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    const Slot& s = slots_[i];
    const uintptr_t end = s.end.load(std::memory_order_acquire);
    if (end <= kClaimed) continue;
    const uintptr_t start = s.start.load(std::memory_order_relaxed);
    if (addr >= start && addr < end) return s.owner.load(std::memory_order_relaxed);
  }
  return nullptr;
}

AddressRangeRegistry& CodeRanges() {
  static AddressRangeRegistry* registry = new AddressRangeRegistry(4096);
  return *registry;
}

AddressRangeRegistry& MemoryReservations() {
  // 8 GiB each: 32768 reservations already exceed a 47-bit address space.
  static AddressRangeRegistry* registry = new AddressRangeRegistry(32768);
  return *registry;
}

}  // namespace kiln

#include "AddressRangeRegistry.h"

namespace kiln {

AddressRangeRegistry::AddressRangeRegistry(size_t capacity)
    : capacity_(capacity), slots_(new Slot[capacity]) {}

int AddressRangeRegistry::Add(uintptr_t start, uintptr_t end, const void* owner) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < capacity_; ++i) {
    Slot& s = slots_[i];
    if (s.end.load(std::memory_order_relaxed) != 0) continue;
    s.owner.store(owner, std::memory_order_relaxed);
    s.start.store(start, std::memory_order_relaxed);
    s.end.store(end, std::memory_order_release);
    if (i + 1 > high_water_.load(std::memory_order_relaxed)) {
      high_water_.store(i + 1, std::memory_order_release);
    }
    return static_cast<int>(i);
  }
  return -1;
}

void AddressRangeRegistry::Remove(int slot) {
  if (slot < 0 || static_cast<size_t>(slot) >= capacity_) return;
  std::lock_guard<std::mutex> lock(mu_);
  Slot& s = slots_[slot];
  s.end.store(0, std::memory_order_release);
  s.start.store(0, std::memory_order_relaxed);
  s.owner.store(nullptr, std::memory_order_relaxed);
}

const void* AddressRangeRegistry::Find(uintptr_t addr) const {
  const size_t n = high_water_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    const Slot& s = slots_[i];
    const uintptr_t end = s.end.load(std::memory_order_acquire);
    if (end == 0) continue;
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

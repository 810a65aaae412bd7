// A fixed-capacity set of address ranges that a signal handler can search without locks
// or allocation. Used for the code ranges of loaded artifacts and for the reservations of
// live linear memories.
#ifndef KILN_LOADER_ADDRESS_RANGE_REGISTRY_H
#define KILN_LOADER_ADDRESS_RANGE_REGISTRY_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace kiln {

class AddressRangeRegistry {
 public:
  explicit AddressRangeRegistry(size_t capacity);

  // Returns a slot handle, or -1 when the registry is full.
  int Add(uintptr_t start, uintptr_t end, const void* owner);
  void Remove(int slot);

  // Async-signal-safe: the owner of the range containing `addr`, or nullptr.
  const void* Find(uintptr_t addr) const;

 private:
  struct Slot {
    std::atomic<uintptr_t> start{0};
    std::atomic<uintptr_t> end{0};  // 0: free
    std::atomic<const void*> owner{nullptr};
  };
  static constexpr uintptr_t kClaimed = 1;  // `end` of a slot being filled in
  size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<size_t> high_water_{0};
  std::atomic<size_t> next_{0};  // where Add starts looking (a hint)
};

// Executable ranges of loaded artifacts (owner: the Artifact).
AddressRangeRegistry& CodeRanges();
// Reservations of live linear memories (owner: the GuardedMemory).
AddressRangeRegistry& MemoryReservations();

}  // namespace kiln

#endif  // KILN_LOADER_ADDRESS_RANGE_REGISTRY_H

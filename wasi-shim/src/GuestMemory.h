// Bounds-checked access to a guest's linear memory for host functions. Every pointer and
// length from the guest goes through here; nothing outside [0, size) is ever touched.
#ifndef KILN_WASI_GUEST_MEMORY_H
#define KILN_WASI_GUEST_MEMORY_H

#include <cstdint>
#include <cstring>
#include <string_view>

#include "kiln/GuardedMemory.h"
#include "kiln/Instance.h"

namespace kiln::wasi {

class GuestMemory {
 public:
  // The memory the instance exports as "memory" (none: every access fails).
  explicit GuestMemory(Instance* instance)
      : memory_(instance != nullptr ? instance->exported_memory() : nullptr) {}

  bool valid() const { return memory_ != nullptr; }

  // Host pointer to guest [ptr, ptr + len), or nullptr when out of bounds.
  uint8_t* At(uint64_t ptr, uint64_t len) const {
    if (memory_ == nullptr || !memory_->InBounds(ptr, len)) return nullptr;
    return memory_->base() + ptr;
  }

  template <typename T>
  bool Load(uint64_t ptr, T* out) const {
    const uint8_t* p = At(ptr, sizeof(T));
    if (p == nullptr) return false;
    std::memcpy(out, p, sizeof(T));
    return true;
  }

  template <typename T>
  bool Store(uint64_t ptr, T value) const {
    uint8_t* p = At(ptr, sizeof(T));
    if (p == nullptr) return false;
    std::memcpy(p, &value, sizeof(T));
    return true;
  }

  bool StoreBytes(uint64_t ptr, std::string_view bytes) const {
    uint8_t* p = At(ptr, bytes.size());
    if (p == nullptr) return false;
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    return true;
  }

 private:
  GuardedMemory* memory_ = nullptr;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_GUEST_MEMORY_H

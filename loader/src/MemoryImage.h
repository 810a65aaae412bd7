// Copy-on-write images of a module's initial linear memory. For a defined memory whose
// active data segments all have constant offsets and lie inside its initial size, the
// bytes the segments would write are laid out once per artifact in a sealed memfd. Each
// instance then maps that file privately over the start of its memory: instantiation
// costs one mmap instead of a copy of every byte and a fault on every page, and pages are
// only copied when the instance writes them.
#ifndef KILN_LOADER_MEMORY_IMAGE_H
#define KILN_LOADER_MEMORY_IMAGE_H

#include <cstdint>
#include <memory>

#include "kiln/abi.h"

namespace kiln {

class MemoryImage {
 public:
  // The image of defined memory `memory` of `d`, or nullptr when the memory has to be
  // initialised by copying (an offset that reads a global, a segment out of bounds (the
  // copy path reports the trap), too little data to be worth a mapping, or no memfd).
  static std::shared_ptr<const MemoryImage> Build(const kiln_module_desc& d, uint32_t memory);
  ~MemoryImage();
  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;

  int fd() const { return fd_; }
  // Bytes to map from offset 0 (a multiple of the host page size).
  uint64_t size() const { return size_; }
  // The image itself, mapped read-only and shared (what a reused memory is reset to).
  const uint8_t* bytes() const { return bytes_; }

 private:
  MemoryImage() = default;
  int fd_ = -1;
  uint64_t size_ = 0;
  const uint8_t* bytes_ = nullptr;
};

// Images are used only from this much data up (below it, copying is cheaper than mapping).
inline constexpr uint64_t kMinImageBytes = 16 * 1024;

}  // namespace kiln

#endif  // KILN_LOADER_MEMORY_IMAGE_H

// Maps a verified artifact into memory without the dynamic linker: one PROT_NONE
// reservation, segments copied in, relative relocations applied, then each segment set to
// its final protection (RELRO read-only) except that code stays read-only, not
// executable, until Seal(): the loader seals an image only once every check on it (the
// descriptor, the CPU features) has passed, so nothing of a rejected artifact is ever
// executable. Code is never writable.
#ifndef KILN_LOADER_ARTIFACT_MAPPER_H
#define KILN_LOADER_ARTIFACT_MAPPER_H

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/ElfVerifier.h"

namespace kiln {

class MappedImage {
 public:
  struct Segment {
    uintptr_t start;  // absolute, exact (not page-rounded)
    uintptr_t end;
    bool readable, writable, executable;
  };

  ~MappedImage();
  MappedImage(const MappedImage&) = delete;
  MappedImage& operator=(const MappedImage&) = delete;

  // Absolute address of an image virtual address.
  uintptr_t Address(uint64_t vaddr) const { return bias_ + vaddr; }
  const std::vector<Segment>& segments() const { return segments_; }

  // True if [addr, addr + len) lies inside one readable segment.
  bool IsReadable(uintptr_t addr, uint64_t len) const;
  // True if `addr` lies inside an executable segment.
  bool IsCode(uintptr_t addr) const;
  // Makes the code segments executable (read+execute).
  absl::Status Seal();
  // Length of a NUL-terminated string at `addr` inside one readable segment, or -1.
  int64_t StringLength(uintptr_t addr) const;

 private:
  friend absl::StatusOr<std::unique_ptr<MappedImage>> MapArtifact(const VerifiedElf&,
                                                                   std::span<const uint8_t>);
  MappedImage() = default;
  void* reservation_ = nullptr;
  size_t reservation_size_ = 0;
  uintptr_t bias_ = 0;
  std::vector<Segment> segments_;
};

absl::StatusOr<std::unique_ptr<MappedImage>> MapArtifact(const VerifiedElf& elf,
                                                         std::span<const uint8_t> file);

// Tests: called with every range the mapper makes executable, before it does.
using ExecutableMappingHook = void (*)(uintptr_t start, size_t length);
void SetExecutableMappingHookForTesting(ExecutableMappingHook hook);

}  // namespace kiln

#endif  // KILN_LOADER_ARTIFACT_MAPPER_H

#include "ArtifactMapper.h"

#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln {
namespace {

uintptr_t PageDown(uintptr_t v) { return v & ~(kElfPageSize - 1); }
uintptr_t PageUp(uintptr_t v) { return (v + kElfPageSize - 1) & ~(kElfPageSize - 1); }

absl::Status OsError(const char* what) {
  return absl::ResourceExhaustedError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::atomic<ExecutableMappingHook> g_exec_hook{nullptr};

}  // namespace

void SetExecutableMappingHookForTesting(ExecutableMappingHook hook) { g_exec_hook = hook; }

absl::Status MappedImage::Seal() {
  for (const Segment& s : segments_) {
    if (!s.executable) continue;
    const uintptr_t page_start = PageDown(s.start);
    const uintptr_t page_end = PageUp(s.end);
    if (ExecutableMappingHook hook = g_exec_hook.load()) hook(page_start, page_end - page_start);
    if (mprotect(reinterpret_cast<void*>(page_start), page_end - page_start,
                 PROT_READ | PROT_EXEC) != 0) {
      return OsError("mprotect (code)");
    }
  }
  return absl::OkStatus();
}

MappedImage::~MappedImage() {
  if (reservation_ != nullptr) munmap(reservation_, reservation_size_);
}

bool MappedImage::IsReadable(uintptr_t addr, uint64_t len) const {
  for (const Segment& s : segments_) {
    if (!s.readable || addr < s.start || addr >= s.end) continue;
    return len <= s.end - addr;
  }
  return false;
}

bool MappedImage::IsCode(uintptr_t addr) const {
  for (const Segment& s : segments_) {
    if (s.executable && addr >= s.start && addr < s.end) return true;
  }
  return false;
}

int64_t MappedImage::StringLength(uintptr_t addr) const {
  for (const Segment& s : segments_) {
    if (!s.readable || addr < s.start || addr >= s.end) continue;
    const void* nul = std::memchr(reinterpret_cast<const void*>(addr), 0, s.end - addr);
    if (nul == nullptr) return -1;
    return static_cast<const char*>(nul) - reinterpret_cast<const char*>(addr);
  }
  return -1;
}

absl::StatusOr<std::unique_ptr<MappedImage>> MapArtifact(const VerifiedElf& elf,
                                                         std::span<const uint8_t> file) {
  std::unique_ptr<MappedImage> image(new MappedImage);
  const size_t span = elf.image_end - elf.image_start;
  void* base = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return OsError("cannot reserve address space for the artifact");
  image->reservation_ = base;
  image->reservation_size_ = span;
  image->bias_ = reinterpret_cast<uintptr_t>(base) - elf.image_start;

  // 1. Make every segment writable and copy its file bytes; the rest stays zero (.bss).
  for (const LoadSegment& s : elf.segments) {
    const uintptr_t start = image->Address(s.vaddr);
    const uintptr_t page_start = PageDown(start);
    const uintptr_t page_end = PageUp(start + s.memsz);
    if (mprotect(reinterpret_cast<void*>(page_start), page_end - page_start,
                 PROT_READ | PROT_WRITE) != 0) {
      return OsError("mprotect");
    }
    std::memcpy(reinterpret_cast<void*>(start), file.data() + s.offset, s.filesz);
    image->segments_.push_back({start, start + s.memsz, s.readable, s.writable, s.executable});
  }

  // 2. Relative relocations (targets were checked to lie in writable segments).
  for (const RelativeRelocation& r : elf.relocations) {
    // A byte pointer: a relocation's offset need not be 8-aligned, and a misaligned
    // uint64_t* is undefined behaviour even when only memcpy'd through (found by the
    // libFuzzer artifact target).
    auto* where = reinterpret_cast<uint8_t*>(image->Address(r.offset));
    uint64_t value;
    std::memcpy(&value, where, sizeof value);
    value = r.implicit_addend ? image->bias_ + value
                              : image->bias_ + static_cast<uint64_t>(r.addend);
    std::memcpy(where, &value, sizeof value);
  }

  // 3. Final protections, but code only readable until Seal(). Writable segments never
  //    become executable.
  for (const LoadSegment& s : elf.segments) {
    const uintptr_t start = image->Address(s.vaddr);
    const uintptr_t page_start = PageDown(start);
    const uintptr_t page_end = PageUp(start + s.memsz);
    int prot = PROT_NONE;
    if (s.readable) prot |= PROT_READ;
    if (s.writable) prot |= PROT_WRITE;
    if (mprotect(reinterpret_cast<void*>(page_start), page_end - page_start, prot) != 0) {
      return OsError("mprotect");
    }
  }
  if (elf.relro.has_value()) {
    // Like the dynamic linker: from the page holding the start to the last whole page.
    const uintptr_t start = PageDown(image->Address(elf.relro->first));
    const uintptr_t end = PageDown(image->Address(elf.relro->first + elf.relro->second));
    if (end > start) {
      if (mprotect(reinterpret_cast<void*>(start), end - start, PROT_READ) != 0) {
        return OsError("mprotect (RELRO)");
      }
      for (MappedImage::Segment& seg : image->segments_) {
        // The descriptor checks must know RELRO pages are now read-only: split nothing,
        // just remember that a fully covered segment is no longer writable.
        if (seg.start >= start && seg.end <= end) seg.writable = false;
      }
    }
  }
  return image;
}

}  // namespace kiln

#include "kiln/GuardedMemory.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "AddressRangeRegistry.h"
#include "MemoryImage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln {
namespace {

constexpr int kRw = PROT_READ | PROT_WRITE;

// Released reservations kept for reuse. A reservation comes back clean: its initial
// pages were discarded with MADV_DONTNEED (anonymous pages read as zero again, pages of a
// private image mapping read the sealed image again) and anything grown beyond them was
// replaced by fresh PROT_NONE. One that is taken again for the same image and size needs
// no system call at all; any other is remapped first.
class ReservationPool {
 public:
  struct Entry {
    uint8_t* base = nullptr;
    std::shared_ptr<const MemoryImage> image;  // what is mapped over its start, if anything
    uint64_t committed = 0;                    // read-write bytes from the base
  };

  // A clean reservation, preferring one already set up for `image` and `bytes`
  // (`*ready`); nullptr base if none is pooled.
  Entry Take(const MemoryImage* image, uint64_t bytes, bool* ready) {
    std::lock_guard<std::mutex> lock(mu_);
    *ready = false;
    if (free_.empty()) return {};
    size_t pick = free_.size() - 1;
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i].image.get() == image && free_[i].committed == bytes) {
        pick = i;
        *ready = true;
        break;
      }
    }
    Entry e = std::move(free_[pick]);
    free_[pick] = std::move(free_.back());
    free_.pop_back();
    return e;
  }

  // Keeps `e` if there is room; returns false if the caller must unmap it.
  bool Put(Entry e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() >= capacity_.load(std::memory_order_relaxed)) return false;
    free_.push_back(std::move(e));
    return true;
  }

  void SetCapacity(size_t n) {
    std::vector<Entry> drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      capacity_ = n;
      while (free_.size() > n) {
        drop.push_back(std::move(free_.back()));
        free_.pop_back();
      }
    }
    for (Entry& e : drop) munmap(e.base, KILN_GUARDED_RESERVATION);
  }

 private:
  std::mutex mu_;
  std::vector<Entry> free_;
  std::atomic<size_t> capacity_{kDefaultMemoryPoolCapacity};
};

ReservationPool& Pool() {
  static ReservationPool* pool = new ReservationPool;  // never destroyed (exit order)
  return *pool;
}

std::atomic<bool> g_images_enabled{true};

// Makes [0, bytes) of the clean reservation at `base` read-write, with `image` (if any)
// mapped privately over its start.
bool Commit(uint8_t* base, const MemoryImage* image, uint64_t bytes) {
  uint64_t done = 0;
  if (image != nullptr) {
    if (mmap(base, image->size(), kRw, MAP_PRIVATE | MAP_FIXED, image->fd(), 0) == MAP_FAILED)
      return false;
    done = image->size();
  }
  return bytes <= done || mprotect(base + done, bytes - done, kRw) == 0;
}

// Back to an untouched PROT_NONE reservation over [0, bytes).
bool Reset(uint8_t* base, uint64_t bytes) {
  return bytes == 0 || mmap(base, bytes, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
                            0) != MAP_FAILED;
}

}  // namespace

void GuardedMemory::SetPoolCapacity(size_t reservations) { Pool().SetCapacity(reservations); }
void GuardedMemory::SetCopyOnWriteImages(bool enabled) { g_images_enabled = enabled; }
bool GuardedMemory::CopyOnWriteImages() { return g_images_enabled; }

absl::StatusOr<std::shared_ptr<GuardedMemory>> GuardedMemory::Create(
    const MemoryType& type, std::optional<uint64_t> policy_max_pages,
    std::shared_ptr<const MemoryImage> image) {
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
  const uint64_t bytes = type.limits.min * KILN_WASM_PAGE_SIZE;
  if (image != nullptr && image->size() > bytes) image = nullptr;

  bool ready = false;
  ReservationPool::Entry e = Pool().Take(image.get(), bytes, &ready);
  if (e.base != nullptr && !ready) {
    // Pooled but set up for another image or size: start it over.
    if (!Reset(e.base, std::max(e.committed, e.image ? e.image->size() : 0))) {
      munmap(e.base, KILN_GUARDED_RESERVATION);
      e.base = nullptr;
    }
  }
  if (e.base == nullptr) {
    void* base = mmap(nullptr, KILN_GUARDED_RESERVATION, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot reserve 8 GiB for a linear memory: ", std::strerror(errno)));
    }
    e.base = static_cast<uint8_t*>(base);
  }
  std::shared_ptr<GuardedMemory> m(new GuardedMemory);
  m->type_ = type;
  m->mem_.base = e.base;
  m->mem_.length = 0;
  m->mem_.max_pages = max_pages;
  m->mem_.reserved_bytes = KILN_GUARDED_RESERVATION;
  if (!ready && !Commit(e.base, image.get(), bytes)) {
    // Half set up: never pooled, unmapped whole.
    const int err = errno;
    munmap(e.base, KILN_GUARDED_RESERVATION);
    m->mem_.base = nullptr;
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot commit linear memory: ", std::strerror(err)));
  }
  m->image_ = std::move(image);
  m->mem_.length = bytes;
  m->initial_bytes_ = bytes;
  const uintptr_t start = reinterpret_cast<uintptr_t>(e.base);
  m->registry_slot_ = MemoryReservations().Add(start, start + KILN_GUARDED_RESERVATION, m.get());
  if (m->registry_slot_ < 0) return absl::ResourceExhaustedError("too many linear memories");
  return m;
}

GuardedMemory::~GuardedMemory() {
  MemoryReservations().Remove(registry_slot_);
  if (mem_.base == nullptr) return;
  // Clean it for the pool: what grew beyond the initial size goes back to PROT_NONE, the
  // initial pages are discarded. Anything that fails is simply unmapped.
  ReservationPool::Entry e{mem_.base, image_, initial_bytes_};
  const bool clean =
      (mem_.length <= initial_bytes_ ||
       Reset(mem_.base + initial_bytes_, mem_.length - initial_bytes_)) &&
      (initial_bytes_ == 0 || madvise(mem_.base, initial_bytes_, MADV_DONTNEED) == 0);
  if (!clean || !Pool().Put(std::move(e))) munmap(mem_.base, KILN_GUARDED_RESERVATION);
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

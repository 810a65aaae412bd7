#include "kiln/GuardedMemory.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

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
    size_.store(free_.size(), std::memory_order_relaxed);
    return e;
  }

  // Whether a released reservation would be kept (otherwise cleaning it is wasted work).
  bool HasRoom() {  // without the lock: a hint
    return size_.load(std::memory_order_relaxed) < capacity_.load(std::memory_order_relaxed);
  }

  // Keeps `e` if there is room; returns false if the caller must unmap it.
  bool Put(Entry e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() >= capacity_.load(std::memory_order_relaxed)) return false;
    free_.push_back(std::move(e));
    size_.store(free_.size(), std::memory_order_relaxed);
    return true;
  }

  // Discards the pages kept resident by pooled reservations (their contents are the
  // module's initial memory, so discarding them changes nothing but the RSS).
  void ReleaseResident() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Entry& e : free_)
      if (e.committed > 0) madvise(e.base, e.committed, MADV_DONTNEED);
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
      size_.store(free_.size(), std::memory_order_relaxed);
    }
    for (Entry& e : drop) munmap(e.base, KILN_GUARDED_RESERVATION);
  }

 private:
  std::mutex mu_;
  std::vector<Entry> free_;
  std::atomic<size_t> size_{0};  // free_.size(), readable without the lock
  std::atomic<size_t> capacity_{kDefaultMemoryPoolCapacity};
};

ReservationPool& Pool() {
  static ReservationPool* pool = new ReservationPool;  // never destroyed (exit order)
  return *pool;
}

std::atomic<bool> g_images_enabled{true};
std::atomic<uint64_t> g_keep_resident{kDefaultKeepResidentBytes};

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

// --- Resetting a memory in place -------------------------------------------------------
// Discarding a released memory's pages with madvise costs, in a multi-threaded process, a
// TLB shootdown on every other core running the process (an inter-processor interrupt,
// expensive under a hypervisor), and the next instance then faults every page in again.
// Instead, the kernel's page tables say which pages may differ from the module's initial
// memory: only pages this process wrote are anonymous (a page of the copy-on-write image
// that was only read is still the file's page; a page never touched is not present; a
// page only read in the zero-filled part maps the shared zero page). Those are compared
// with the image (or zero), rewritten where they differ, and stay resident for the next
// instance. Once more pages than the keep-resident budget would stay, or if the kernel
// does not answer as described, the memory is discarded with madvise as before.
//
// Pages are found with the PAGEMAP_SCAN ioctl on /proc/self/pagemap (Linux 6.7: runs of
// matching pages, holes skipped) or, on older kernels, by reading one pagemap entry per
// page.

constexpr uint64_t kPage = 4096;

// /proc/PID/pagemap entries (Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t kPmPresent = uint64_t{1} << 63;
constexpr uint64_t kPmSwapped = uint64_t{1} << 62;
constexpr uint64_t kPmFile = uint64_t{1} << 61;  // page of a file, or shared anonymous

// The PAGEMAP_SCAN ioctl (include/uapi/linux/fs.h, Linux 6.7), declared here because
// older kernel headers lack it.
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct PageRegion {
  uint64_t start, end, categories;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kIsFile = 1u << 2, kIsPresent = 1u << 3, kIsSwapped = 1u << 4,
                   kIsPfnZero = 1u << 5;

enum class ScanMode { kUnavailable, kIoctl, kRead };

// A page that may differ from what its mapping started with.
bool MaybeWritten(uint64_t entry) {
  return (entry & kPmSwapped) != 0 || ((entry & kPmPresent) != 0 && (entry & kPmFile) == 0);
}

bool ReadEntries(int fd, const void* addr, uint64_t count, uint64_t* out) {
  uint64_t offset = reinterpret_cast<uintptr_t>(addr) / kPage * sizeof(uint64_t);
  auto* dst = reinterpret_cast<uint8_t*>(out);
  uint64_t want = count * sizeof(uint64_t);
  while (want > 0) {
    const ssize_t n = pread(fd, dst, want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    dst += n;
    want -= static_cast<uint64_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// Calls `run(first_page, count)` for each run of pages of [base, base + pages * kPage)
// that may have been written. False if the kernel did not answer, or if there are more
// than `budget` such pages (then not all of them were reported).
template <typename Run>
bool ForEachWrittenRun(int fd, ScanMode mode, const uint8_t* base, uint64_t pages,
                       uint64_t budget, Run run) {
  uint64_t found = 0;
  if (mode == ScanMode::kIoctl) {
    const uint64_t begin = reinterpret_cast<uintptr_t>(base);
    const uint64_t end = begin + pages * kPage;
    uint64_t at = begin;
    PageRegion regions[32];
    while (at < end) {
      PmScanArg arg{};
      arg.size = sizeof arg;
      arg.start = at;
      arg.end = end;
      arg.vec = reinterpret_cast<uintptr_t>(regions);
      arg.vec_len = std::size(regions);
      arg.max_pages = budget - found + 1;  // one more than allowed: then it is too many
      // Anonymous (not of a file), not the zero page, and present or swapped out.
      arg.category_inverted = kIsFile | kIsPfnZero;
      arg.category_mask = kIsFile | kIsPfnZero;
      arg.category_anyof_mask = kIsPresent | kIsSwapped;
      arg.return_mask = kIsPresent | kIsSwapped;
      const int n = ioctl(fd, kPagemapScan, &arg);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      for (int i = 0; i < n; ++i) {
        const PageRegion& r = regions[i];
        if (r.start < at || r.end > end || r.end <= r.start || r.start % kPage != 0 ||
            r.end % kPage != 0)
          return false;
        const uint64_t count = (r.end - r.start) / kPage;
        found += count;
        if (found > budget) return false;
        run((r.start - begin) / kPage, count);
      }
      if (arg.walk_end <= at || arg.walk_end > end) return false;
      at = arg.walk_end;
    }
    return true;
  }
  if (mode != ScanMode::kRead) return false;
  constexpr uint64_t kBatch = 512;
  uint64_t entries[kBatch];
  for (uint64_t first = 0; first < pages; first += kBatch) {
    const uint64_t n = std::min(kBatch, pages - first);
    if (!ReadEntries(fd, base + first * kPage, n, entries)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      if (!MaybeWritten(entries[i])) continue;
      if (++found > budget) return false;
      run(first + i, 1);
    }
  }
  return true;
}

// Checks that `mode` tells apart the pages this mechanism relies on, with a private
// mapping of a file (one page read, one written, one untouched) followed by an anonymous
// one (one page read, one written). Any surprise disables the mechanism.
bool ScanBehaves(int fd, ScanMode mode) {
  const int file = memfd_create("kiln-pagemap-probe", MFD_CLOEXEC);
  if (file < 0) return false;
  bool ok = false;
  void* m = mmap(nullptr, 6 * kPage, kRw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ftruncate(file, 3 * kPage) == 0 && m != MAP_FAILED &&
      mmap(m, 3 * kPage, kRw, MAP_PRIVATE | MAP_FIXED, file, 0) != MAP_FAILED) {
    auto* p = static_cast<volatile uint8_t*>(m);
    (void)p[0];           // file page, read: the file's page
    p[kPage] = 1;         // file page, written: a private copy
    (void)p[3 * kPage];   // anonymous, read: the zero page (or, with THP, a real page)
    p[4 * kPage] = 1;     // anonymous, written
    std::vector<uint64_t> written;
    ok = ForEachWrittenRun(fd, mode, static_cast<uint8_t*>(m), 6, 6,
                           [&](uint64_t first, uint64_t count) {
                             for (uint64_t i = 0; i < count; ++i) written.push_back(first + i);
                           });
    // Page 3 may be reported (a huge zero page is not the zero PFN): that is harmless.
    std::erase(written, uint64_t{3});
    ok = ok && written == std::vector<uint64_t>{1, 4};
  }
  if (m != MAP_FAILED) munmap(m, 6 * kPage);
  close(file);
  return ok;
}

// Opened once (a released memory reads them without a lock); -2: not yet, -1: unavailable.
std::mutex g_pagemap_mu;
std::atomic<int> g_pagemap_fd{-2};
std::atomic<ScanMode> g_scan_mode{ScanMode::kUnavailable};
std::atomic<bool> g_force_read{false};

void ForgetPagemapInChild() {
  // The descriptor names the parent's /proc/PID: a child must open its own.
  const int fd = g_pagemap_fd.exchange(-2);
  if (fd >= 0) close(fd);
  g_scan_mode = ScanMode::kUnavailable;
}

int PagemapFd(ScanMode* mode) {
  int fd = g_pagemap_fd.load(std::memory_order_acquire);
  if (fd == -2) {
    std::lock_guard<std::mutex> lock(g_pagemap_mu);
    fd = g_pagemap_fd.load(std::memory_order_acquire);
    if (fd == -2) {
      static const bool registered =
          pthread_atfork(nullptr, nullptr, ForgetPagemapInChild) == 0;
      fd = registered && sysconf(_SC_PAGESIZE) == static_cast<long>(kPage)
               ? open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
               : -1;
      ScanMode found = ScanMode::kUnavailable;
      for (ScanMode m : {ScanMode::kIoctl, ScanMode::kRead}) {
        if (fd >= 0 && ScanBehaves(fd, m)) {
          found = m;
          break;
        }
      }
      if (fd >= 0 && found == ScanMode::kUnavailable) {
        close(fd);
        fd = -1;
      }
      g_scan_mode.store(found, std::memory_order_relaxed);
      g_pagemap_fd.store(fd, std::memory_order_release);  // the mode is visible with it
    }
  }
  *mode = g_scan_mode.load(std::memory_order_relaxed);
  if (g_force_read && fd >= 0) *mode = ScanMode::kRead;
  return fd;
}

// Puts [0, bytes) of `base` back to `image` (then zeros) without releasing a page.
// False if it could not (the caller discards the pages instead; what was already rewritten
// does no harm).
bool ResetInPlace(uint8_t* base, const MemoryImage* image, uint64_t bytes) {
  const uint64_t budget = g_keep_resident.load(std::memory_order_relaxed) / kPage;
  if (budget == 0) return false;
  ScanMode mode;
  const int fd = PagemapFd(&mode);
  if (fd < 0) return false;
  const uint64_t image_bytes = image != nullptr ? image->size() : 0;
  if (image != nullptr && image->bytes() == nullptr) return false;
  // A written page nearly always differs: rewriting it outright is cheaper than reading
  // it first to compare.
  return ForEachWrittenRun(fd, mode, base, bytes / kPage, budget,
                           [&](uint64_t first, uint64_t count) {
    const uint64_t begin = first * kPage, end = (first + count) * kPage;
    const uint64_t split = std::clamp(image_bytes, begin, end);
    if (split > begin) std::memcpy(base + begin, image->bytes() + begin, split - begin);
    if (end > split) std::memset(base + split, 0, end - split);
  });
}

}  // namespace

void GuardedMemory::SetPoolCapacity(size_t reservations) { Pool().SetCapacity(reservations); }
void GuardedMemory::SetKeepResidentBytes(uint64_t bytes) { g_keep_resident = bytes; }
void GuardedMemory::ReleasePooledPages() { Pool().ReleaseResident(); }
const char* GuardedMemory::ResetInPlaceMethod() {
  ScanMode mode;
  if (PagemapFd(&mode) < 0) return "off";
  return mode == ScanMode::kIoctl ? "pagemap-scan" : "pagemap-read";
}
int GuardedMemory::PrepareResetInPlace() {
  ScanMode mode;
  return PagemapFd(&mode);
}
void GuardedMemory::UsePagemapReadForTesting(bool enabled) { g_force_read = enabled; }
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
  // initial pages are put back in place or discarded. Anything that fails is unmapped.
  ReservationPool::Entry e{mem_.base, image_, initial_bytes_};
  if (!Pool().HasRoom()) {
    munmap(mem_.base, KILN_GUARDED_RESERVATION);
    return;
  }
  const bool clean =
      (mem_.length <= initial_bytes_ ||
       Reset(mem_.base + initial_bytes_, mem_.length - initial_bytes_)) &&
      (initial_bytes_ == 0 || ResetInPlace(mem_.base, image_.get(), initial_bytes_) ||
       madvise(mem_.base, initial_bytes_, MADV_DONTNEED) == 0);
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

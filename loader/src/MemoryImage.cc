#include "MemoryImage.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "ConstExpr.h"

namespace kiln {
namespace {

constexpr uint64_t kPage = 4096;

bool WriteAll(int fd, const uint8_t* bytes, uint64_t size, uint64_t offset) {
  while (size > 0) {
    const ssize_t n = pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<uint64_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

std::shared_ptr<const MemoryImage> MemoryImage::Build(const kiln_module_desc& d,
                                                      uint32_t memory) {
  if (memory < d.num_imported_memories || memory >= d.num_memories) return nullptr;
  const kiln_limits_desc& limits = d.memories[memory].limits;
  if (limits.shared || limits.min > 65536) return nullptr;
  const uint64_t initial_bytes = limits.min * uint64_t{KILN_WASM_PAGE_SIZE};
  // Where each active segment of this memory lands; offsets must be constant (no globals).
  struct Placed {
    uint64_t offset;
    const kiln_data_desc* seg;
  };
  std::vector<Placed> placed;
  uint64_t end = 0;
  ConstExprEnv env;  // no globals, no functions: only constant offsets evaluate
  for (uint32_t i = 0; i < d.num_datas; ++i) {
    const kiln_data_desc& s = d.datas[i];
    if (s.mode != KILN_SEG_ACTIVE || s.memory != memory) continue;
    absl::StatusOr<ConstValue> v = EvaluateConstExpr({s.offset, s.offset_len}, env);
    if (!v.ok()) return nullptr;
    const uint64_t offset = limits.is64 ? v->value.i64 : v->value.i32;
    if (offset > initial_bytes || s.size > initial_bytes - offset) return nullptr;
    if (s.size == 0) continue;
    placed.push_back({offset, &s});
    end = std::max(end, offset + s.size);
  }
  if (end < kMinImageBytes) return nullptr;
  const uint64_t size = (end + kPage - 1) / kPage * kPage;
  const int fd = memfd_create("kiln-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return nullptr;
  std::shared_ptr<MemoryImage> image(new MemoryImage);
  image->fd_ = fd;
  image->size_ = size;
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) return nullptr;
  // In segment order: a later segment overwrites an earlier one, as the copies would.
  for (const Placed& p : placed)
    if (!WriteAll(fd, p.seg->bytes, p.seg->size, p.offset)) return nullptr;
  // Sealed: the file can no longer change, so every mapping of it starts from these bytes.
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    return nullptr;
  void* view = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (view == MAP_FAILED) return nullptr;
  image->bytes_ = static_cast<const uint8_t*>(view);
  return image;
}

MemoryImage::~MemoryImage() {
  if (bytes_ != nullptr) munmap(const_cast<uint8_t*>(bytes_), size_);
  if (fd_ >= 0) close(fd_);
}

}  // namespace kiln

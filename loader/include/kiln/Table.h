// A Wasm table: an array of references (kiln_funcref* or opaque externref pointers,
// nullptr = ref.null). Shared by every instance that imports it; `raw()->elems` may move
// when the table grows.
#ifndef KILN_LOADER_TABLE_H
#define KILN_LOADER_TABLE_H

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

// Default operator cap on table sizes: growth beyond it fails (returns -1) like an OOM.
inline constexpr uint64_t kDefaultMaxTableElements = 10'000'000;

class Table {
 public:
  static absl::StatusOr<std::shared_ptr<Table>> Create(
      const TableType& type, void* init = nullptr,
      uint64_t policy_max_elements = kDefaultMaxTableElements);
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  kiln_table* raw() { return &table_; }
  uint64_t size() const { return table_.size; }
  uint8_t elem_type() const { return type_.elem_type; }
  const TableType& declared_type() const { return type_; }
  TableType current_type() const;  // min = current size

  // Returns the old size, or -1 if the new size would exceed the maximum.
  int64_t Grow(uint64_t delta, void* init);
  // nullopt / false when `index` is out of bounds.
  std::optional<void*> Get(uint64_t index) const;
  bool Set(uint64_t index, void* value);

  // Keeps `owner` alive as long as this table: used for an instance whose functions were
  // written into the table although its instantiation failed afterwards.
  void KeepAlive(std::shared_ptr<const void> owner) { keep_alive_.push_back(std::move(owner)); }

 private:
  Table() = default;
  kiln_table table_{};
  TableType type_;
  std::vector<void*> elems_;
  std::vector<std::shared_ptr<const void>> keep_alive_;
};

}  // namespace kiln

#endif  // KILN_LOADER_TABLE_H

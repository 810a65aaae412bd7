#include "kiln/Table.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace kiln {

absl::StatusOr<std::shared_ptr<Table>> Table::Create(const TableType& type, void* init,
                                                     uint64_t policy_max_elements) {
  if (!IsReferenceType(type.elem_type)) {
    return absl::InvalidArgumentError("table element type is not a reference type");
  }
  const uint64_t max = std::min<uint64_t>(type.limits.max.value_or(UINT32_MAX),
                                          std::min<uint64_t>(policy_max_elements, UINT32_MAX));
  if (type.limits.min > max) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "table of %u elements exceeds the limit of %u elements", type.limits.min, max));
  }
  std::shared_ptr<Table> t(new Table);
  t->type_ = type;
  t->elems_.assign(type.limits.min, init);
  t->table_.elems = t->elems_.data();
  t->table_.size = t->elems_.size();
  t->table_.max = max;
  t->table_.elem_type = type.elem_type;
  return t;
}

TableType Table::current_type() const {
  TableType t = type_;
  t.limits.min = size();
  return t;
}

int64_t Table::Grow(uint64_t delta, void* init) {
  const uint64_t old = size();
  if (delta > table_.max - old) return -1;
  try {
    elems_.resize(old + delta, init);
  } catch (const std::bad_alloc&) {
    return -1;
  }
  table_.elems = elems_.data();
  table_.size = elems_.size();
  return static_cast<int64_t>(old);
}

std::optional<void*> Table::Get(uint64_t index) const {
  if (index >= elems_.size()) return std::nullopt;
  return elems_[index];
}

bool Table::Set(uint64_t index, void* value) {
  if (index >= elems_.size()) return false;
  elems_[index] = value;
  return true;
}

}  // namespace kiln

// A Wasm global's storage plus its type. Generated code reads and writes the value at
// offset 0 of raw() with the global's own type.
#ifndef KILN_LOADER_GLOBAL_H
#define KILN_LOADER_GLOBAL_H

#include <memory>

#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

class Global {
 public:
  static std::shared_ptr<Global> Create(const GlobalType& type, kiln_val value) {
    return std::shared_ptr<Global>(new Global(type, value));
  }
  kiln_global* raw() { return &storage_; }
  const GlobalType& type() const { return type_; }
  kiln_val value() const { return storage_.value; }
  void set_value(kiln_val v) { storage_.value = v; }

 private:
  Global(const GlobalType& type, kiln_val value) : type_(type) { storage_.value = value; }
  alignas(16) kiln_global storage_{};
  GlobalType type_;
};

}  // namespace kiln

#endif  // KILN_LOADER_GLOBAL_H

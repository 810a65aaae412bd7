// A host function bound into one importing instance: the kiln_host_func the artifact's
// native-to-array stub receives, and the funcref that Wasm calls.
#ifndef KILN_LOADER_HOST_BINDING_H
#define KILN_LOADER_HOST_BINDING_H

#include "kiln/HostFunction.h"
#include "kiln/abi.h"

namespace kiln {

class Instance;

struct HostBinding {
  kiln_host_func raw{};  // raw.env points back to this binding
  HostFunction* function = nullptr;
  Instance* importer = nullptr;
  kiln_funcref funcref{};
};

// The kiln_host_callback of every binding: runs the C++ callback and, if it asked for a
// trap (or threw), unwinds to the entry frame after the callback's frames are gone.
void HostBindingEntry(kiln_host_func* self, kiln_val* values);

}  // namespace kiln

#endif  // KILN_LOADER_HOST_BINDING_H

// The kiln_builtins table every vmctx points to: trap, memory.grow, bulk memory and table
// operations with the spec's semantics (bounds checked before any write; dropped segments
// have length 0).
#ifndef KILN_LOADER_BUILTINS_H
#define KILN_LOADER_BUILTINS_H

#include "kiln/abi.h"

namespace kiln {

const kiln_builtins* GetBuiltins();

}  // namespace kiln

#endif  // KILN_LOADER_BUILTINS_H

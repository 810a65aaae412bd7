// The kiln loader's public C++ API in one include.
#ifndef KILN_LOADER_LOADER_H
#define KILN_LOADER_LOADER_H

#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/CpuFeatures.h"
#include "kiln/Signature.h"
#include "kiln/ElfVerifier.h"
#include "kiln/Extern.h"
#include "kiln/Global.h"
#include "kiln/GuardedMemory.h"
#include "kiln/HostFunction.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Instance.h"
#include "kiln/Table.h"
#include "kiln/Trap.h"
#include "kiln/Types.h"
#include "kiln/abi.h"

#endif  // KILN_LOADER_LOADER_H

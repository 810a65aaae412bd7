// Structural verification of an artifact's ELF image before anything is mapped.
//
// The checks enforce DESIGN.md contract 2 ("the artifact is inert until the loader says
// so"): ELF64 x86-64 ET_DYN; PT_LOAD segments inside the file, congruent, on distinct pages,
// never writable and executable; no PT_INTERP / PT_TLS; a dynamic section without
// DT_NEEDED, initialisers, finalisers, text relocations or PLT relocations; no undefined
// dynamic symbols; only relative relocations (RELA R_X86_64_RELATIVE / NONE, or packed
// RELR), each landing in a writable segment; and a defined `kiln_module_v1` data symbol.
// All offsets and sizes from the file are bounds- and overflow-checked, so any byte
// content yields either a VerifiedElf or an error, never a crash.
#ifndef KILN_LOADER_ELF_VERIFIER_H
#define KILN_LOADER_ELF_VERIFIER_H

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/abi.h"

namespace kiln {

inline constexpr uint64_t kElfPageSize = 4096;

struct LoadSegment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;  // file offset of the first byte
  uint64_t filesz = 0;
  bool readable = false;
  bool writable = false;
  bool executable = false;
};

// A relative relocation: *(uint64_t*)(base + offset) = base + addend. For packed RELR
// entries the addend is the 64-bit value already stored at `offset` (implicit_addend).
struct RelativeRelocation {
  uint64_t offset = 0;
  int64_t addend = 0;
  bool implicit_addend = false;
};

struct VerifiedElf {
  std::vector<LoadSegment> segments;  // sorted by vaddr, page ranges disjoint
  uint64_t image_start = 0;           // page-aligned lowest vaddr of all segments
  uint64_t image_end = 0;             // page-aligned end of the highest segment
  std::optional<std::pair<uint64_t, uint64_t>> relro;  // [vaddr, vaddr + size)
  std::vector<RelativeRelocation> relocations;
  uint64_t descriptor_vaddr = 0;
  uint64_t descriptor_size = 0;
  // PT_GNU_EH_FRAME (vaddr, size), unchecked: only for debugger registration.
  std::optional<std::pair<uint64_t, uint64_t>> eh_frame_hdr;
};

// Upper bound on the span of an artifact's image; far above anything kilnc emits.
inline constexpr uint64_t kMaxImageSize = KILN_MAX_ARTIFACT_SIZE;

absl::StatusOr<VerifiedElf> VerifyElf(std::span<const uint8_t> file);

}  // namespace kiln

#endif  // KILN_LOADER_ELF_VERIFIER_H

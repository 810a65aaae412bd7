// A kilnc artifact (.so) verified, mapped and its descriptor validated. Immutable and
// shareable: any number of instances can be created from one Artifact.
#ifndef KILN_LOADER_ARTIFACT_H
#define KILN_LOADER_ARTIFACT_H

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/Signature.h"
#include "kiln/Types.h"
#include "kiln/abi.h"

namespace kiln {

class MappedImage;

struct LoadOptions {
  // KILN_CPU_* features to check the artifact against instead of this CPU's (for tests and
  // for deciding about an artifact meant for another host).
  std::optional<uint64_t> host_cpu_features;
  // Files larger than this are refused before being read.
  uint64_t max_file_size = KILN_MAX_ARTIFACT_SIZE;
  // When set, the artifact must carry a valid signature by this key (see Signature.h),
  // checked on the file's bytes before anything is mapped.
  std::optional<PublicKey> required_signer;
};

class Artifact {
 public:
  // Reads, verifies and maps `path`. Errors are "<path>: <reason>".
  static absl::StatusOr<std::shared_ptr<const Artifact>> LoadFile(const std::string& path,
                                                                  const LoadOptions& options = {});
  // Same for bytes already in memory; `name` is used in messages.
  static absl::StatusOr<std::shared_ptr<const Artifact>> LoadBytes(
      std::span<const uint8_t> bytes, const std::string& name, const LoadOptions& options = {});

  ~Artifact();
  Artifact(const Artifact&) = delete;
  Artifact& operator=(const Artifact&) = delete;

  const std::string& name() const { return name_; }
  // The signature block the file carried (nullopt: unsigned), and whether it was checked
  // against a required key when loading.
  const std::optional<SignatureInfo>& signature() const { return signature_; }
  bool signature_verified() const { return signature_verified_; }
  const kiln_module_desc& desc() const { return *desc_; }
  // Whether the code checks for interruption (InterruptHandle) and meters fuel.
  // Compiled with `kilnc --epoch-checks`: the code also polls the interrupt counter (every
  // artifact can be interrupted by signal; see InterruptHandle).
  bool polls_epoch() const { return desc_->flags & KILN_MODULE_EPOCH_CHECKS; }
  bool meters_fuel() const { return desc_->flags & KILN_MODULE_FUEL; }

  // Signature of module type `type_index` and its process-wide canonical id.
  const FuncType& type(uint32_t type_index) const { return types_[type_index]; }
  uint32_t canonical_type_id(uint32_t type_index) const { return type_ids_[type_index]; }
  // A descriptor's KILN_REF_* word in canonical form (type indices become canonical ids;
  // the index must refer to a type already registered).
  CanonicalRef canonical_ref(uint32_t ref) const {
    if (KILN_REF_KIND(ref) != KILN_REF_TYPEIDX) return ref;
    return (ref & 7u) | (CanonicalRef{type_ids_[KILN_REF_INDEX(ref)]} << 3);
  }
  const FuncType& func_type(uint32_t func_index) const {
    return types_[desc_->funcs[func_index].type_index];
  }

  // Descriptor strings as views (empty when absent).
  std::string_view import_module(uint32_t i) const;
  std::string_view import_name(uint32_t i) const;
  std::string_view export_name(uint32_t i) const;
  std::string_view function_name(uint32_t func_index) const;
  // The external type of import / export `i` in words: "func (i32) -> (i32)",
  // "memory 1..16 pages", "table 10 funcref", "global mut i64", "tag (i32)".
  std::string DescribeImport(uint32_t i) const;
  std::string DescribeExport(uint32_t i) const;
  // The same for the `kind` (KILN_EXTERN_*) object with index `index`.
  std::string DescribeExtern(uint32_t kind, uint32_t index) const;

  // The defined function whose code contains `pc` (nearest lower entry point), if `pc` is
  // in this artifact's code.
  std::optional<uint32_t> FunctionAt(uintptr_t pc) const;
  bool ContainsCode(uintptr_t pc) const;
  // perf's map format for this artifact's functions, one "START SIZE NAME" line each (hex
  // addresses; NAME is "wasm:" and the function's name, or "wasm:function[N]").
  std::string PerfMapLines() const;
  // Each defined function's code range (up to the next piece of named code) and its display
  // name ("wasm:NAME" or "wasm:function[N]"), and the same for kiln's per-type trampolines
  // ("kiln:call-trampoline[type N]", "kiln:host-trampoline[type N]"), by address. Used for
  // the perf map and for gdb, with which every loaded artifact is registered (GDB JIT
  // interface).
  struct FunctionRange {
    uintptr_t start;
    uint64_t size;
    uint32_t index;  // function index; UINT32_MAX for a trampoline
    std::string name;
  };
  std::vector<FunctionRange> FunctionRanges() const;

  // The copy-on-write image of defined memory `memory`'s initial contents, built on first
  // use and shared by every instance (nullptr: that memory is initialised by copying).
  std::shared_ptr<const class MemoryImage> memory_image(uint32_t memory) const;

  // With a code map (kiln_code_map in abi.h; kilnc writes one unless --no-code-map): the
  // frame rule that covers `pc` and whether its function is a Wasm function (rather than a
  // trampoline), or nullptr when no mapped function contains `pc`. Async-signal-safe.
  const kiln_code_map_rule* FrameRuleAt(uintptr_t pc, bool* wasm) const;
  // The Wasm frames at `pc` (a pc from a backtrace), innermost first: the function the
  // instruction is in, then those it was inlined into. Empty without a code map.
  struct WasmFrame {
    uint32_t func_index;
    uint32_t module_offset;  // of the instruction in the binary; 0: unknown
    uint32_t func_offset;    // from the start of the function's code entry
  };
  std::vector<WasmFrame> WasmFramesAt(uintptr_t pc) const;
  bool has_code_map() const { return desc_->code_map != nullptr; }

  // The loaded artifact whose code contains `pc` (nullptr if none). Not signal-safe.
  static const Artifact* FindByPc(uintptr_t pc);

 private:
  Artifact() = default;

  std::string name_;
  std::optional<SignatureInfo> signature_;
  bool signature_verified_ = false;
  std::unique_ptr<MappedImage> image_;
  const kiln_module_desc* desc_ = nullptr;
  std::vector<FuncType> types_;
  std::vector<uint32_t> type_ids_;
  std::vector<std::pair<uintptr_t, uint32_t>> entry_points_;  // sorted (code, func index)
  std::vector<int> code_slots_;
  struct MappedCode {
    uintptr_t start;
    const kiln_code_map_func* func;
  };
  std::vector<MappedCode> mapped_code_;  // sorted by start
  // The mapped function containing `pc`, and `pc`'s offset in it. Async-signal-safe.
  const MappedCode* MappedCodeAt(uintptr_t pc) const;
  mutable std::mutex images_mu_;
  mutable std::vector<std::optional<std::shared_ptr<const MemoryImage>>> memory_images_;
  // Declared after image_: unregistered from gdb before the code is unmapped.
  std::unique_ptr<class GdbJitRegistration> gdb_;
};

}  // namespace kiln

#endif  // KILN_LOADER_ARTIFACT_H

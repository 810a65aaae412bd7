#include "kiln/Artifact.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "AddressRangeRegistry.h"
#include "ArtifactMapper.h"
#include "DescriptorValidator.h"
#include "GdbJit.h"
#include "MemoryImage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "kiln/CpuFeatures.h"
#include "kiln/ElfVerifier.h"

namespace kiln {
namespace {

absl::Status WithName(const std::string& name, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
}

absl::StatusOr<std::vector<uint8_t>> ReadWholeFile(const std::string& path, uint64_t max_size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": file too large"));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      close(fd);
      return absl::DataLossError(absl::StrCat(path, ": read failed: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return bytes;
}

std::string_view View(const char* p, uint32_t len) {
  return p == nullptr ? std::string_view() : std::string_view(p, len);
}

// The artifact's .eh_frame as mapped, found through the PT_GNU_EH_FRAME header's search
// table (the section ends after its last FDE), or an empty span if anything about it is
// not as lld writes it. Every byte is checked to lie in a readable segment before it is
// read.
std::pair<uintptr_t, std::span<const uint8_t>> FindEhFrame(const MappedImage& image,
                                                           const VerifiedElf& elf) {
  const std::pair<uintptr_t, std::span<const uint8_t>> none{0, {}};
  if (!elf.eh_frame_hdr || elf.eh_frame_hdr->second < 12) return none;
  const uintptr_t hdr = image.Address(elf.eh_frame_hdr->first);
  const uint64_t hdr_size = elf.eh_frame_hdr->second;
  if (!image.IsReadable(hdr, hdr_size)) return none;
  const auto* p = reinterpret_cast<const uint8_t*>(hdr);
  // version 1; eh_frame_ptr pcrel|sdata4; fde_count udata4; table datarel|sdata4.
  if (p[0] != 1 || p[1] != 0x1b || p[2] != 0x03 || p[3] != 0x3b) return none;
  int32_t rel;
  uint32_t count;
  std::memcpy(&rel, p + 4, 4);
  std::memcpy(&count, p + 8, 4);
  if (count == 0 || (hdr_size - 12) / 8 < count) return none;
  const uintptr_t start = hdr + 4 + static_cast<intptr_t>(rel);
  uintptr_t end = start;
  for (uint32_t i = 0; i < count; ++i) {
    int32_t fde_rel;
    std::memcpy(&fde_rel, p + 12 + 8 * uint64_t{i} + 4, 4);
    const uintptr_t fde = hdr + static_cast<intptr_t>(fde_rel);
    if (fde < start || !image.IsReadable(fde, 4)) return none;
    uint32_t len;
    std::memcpy(&len, reinterpret_cast<const void*>(fde), 4);
    if (len == 0 || len == 0xffffffffu || !image.IsReadable(fde, 4 + uint64_t{len})) return none;
    end = std::max<uintptr_t>(end, fde + 4 + len);
  }
  if (end <= start || !image.IsReadable(start, end - start)) return none;
  return {start, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(start), end - start)};
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Artifact>> Artifact::LoadFile(const std::string& path,
                                                                   const LoadOptions& options) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadWholeFile(path, options.max_file_size);
  if (!bytes.ok()) return bytes.status();
  return LoadBytes(*bytes, path, options);
}

absl::StatusOr<std::shared_ptr<const Artifact>> Artifact::LoadBytes(
    std::span<const uint8_t> file, const std::string& name, const LoadOptions& options) {
  // The signature first, on the file's bytes: nothing of an unsigned or mis-signed
  // artifact is mapped.
  if (options.required_signer.has_value()) {
    if (absl::Status s = VerifySignature(file, *options.required_signer); !s.ok()) {
      return WithName(name, s);
    }
  }
  absl::StatusOr<std::optional<SignatureInfo>> signature = FindSignature(file);
  if (!signature.ok()) return WithName(name, signature.status());
  const std::span<const uint8_t> bytes =
      signature->has_value() ? file.first((*signature)->signed_length) : file;
  absl::StatusOr<VerifiedElf> elf = VerifyElf(bytes);
  if (!elf.ok()) return WithName(name, elf.status());
  absl::StatusOr<std::unique_ptr<MappedImage>> image = MapArtifact(*elf, bytes);
  if (!image.ok()) return WithName(name, image.status());

  const uintptr_t desc_addr = (*image)->Address(elf->descriptor_vaddr);
  const uint64_t features = options.host_cpu_features.value_or(HostCpuFeatures());
  if (absl::Status s = ValidateDescriptor(desc_addr, elf->descriptor_size, **image, features);
      !s.ok()) {
    return WithName(name, s);
  }
  // Every check passed: only now does any of the artifact become executable.
  if (absl::Status s = (*image)->Seal(); !s.ok()) return WithName(name, s);

  std::shared_ptr<Artifact> a(new Artifact);
  a->name_ = name;
  a->signature_ = *signature;
  a->signature_verified_ = options.required_signer.has_value();
  a->image_ = std::move(*image);
  a->desc_ = reinterpret_cast<const kiln_module_desc*>(desc_addr);
  const kiln_module_desc& d = *a->desc_;
  a->types_.reserve(d.num_types);
  a->type_ids_.reserve(d.num_types);
  // Types are registered a recursion group at a time (the descriptor validator checked the
  // groups and that references point into the group or to earlier types).
  for (uint32_t start = 0; start < d.num_types;) {
    const uint32_t info = d.types[start].rec_info;
    const uint32_t size = info == 0 ? 1 : info & ~KILN_REC_NOT_FINAL;
    const uint32_t end = start + size;
    auto refOf = [&](uint32_t r) -> CanonicalRef {
      if (KILN_REF_KIND(r) == KILN_REF_TYPEIDX && KILN_REF_INDEX(r) >= start) {
        return (r & KILN_REF_NONNULL) | kRefInGroup |
               (CanonicalRef{KILN_REF_INDEX(r) - start} << 3);
      }
      return a->canonical_ref(r);
    };
    std::vector<FuncType> members;
    std::vector<uint64_t> groupKey;
    for (uint32_t i = start; i < end; ++i) {
      const kiln_type_desc& t = d.types[i];
      FuncType ft;
      ft.params.assign(t.types, t.types + t.num_params);
      ft.results.assign(t.types + t.num_params, t.types + t.num_params + t.num_results);
      if (t.refs != nullptr) {
        for (uint32_t k = 0; k < t.num_params + t.num_results; ++k)
          ft.refs.push_back(refOf(t.refs[k]));
      }
      groupKey.push_back(uint64_t{t.rec_info >> 31} << 32 | t.num_params);
      for (uint8_t c : ft.params) groupKey.push_back(c);
      for (uint8_t c : ft.results) groupKey.push_back(c);
      for (CanonicalRef r : ft.refs) groupKey.push_back(r);
      groupKey.push_back(~uint64_t{0});
      members.push_back(std::move(ft));
    }
    const bool plain = size == 1 && !(d.types[start].rec_info & KILN_REC_NOT_FINAL);
    for (uint32_t k = 0; k < size; ++k) {
      FuncType& ft = members[k];
      if (!plain) {
        ft.group = groupKey;
        ft.group.push_back(k);
      }
      a->type_ids_.push_back(TypeRegistry::Intern(ft));
      a->types_.push_back(std::move(ft));
    }
    start = end;
  }
  for (uint32_t i = d.num_imported_funcs; i < d.num_funcs; ++i) {
    a->entry_points_.emplace_back(reinterpret_cast<uintptr_t>(d.funcs[i].code), i);
  }
  std::sort(a->entry_points_.begin(), a->entry_points_.end());
  if (const kiln_code_map* map = d.code_map) {
    const auto base = reinterpret_cast<uintptr_t>(map);
    const auto* funcs = reinterpret_cast<const kiln_code_map_func*>(base + map->funcs_offset);
    for (uint32_t i = 0; i < map->num_funcs; ++i) {
      const kiln_code_map_func& f = funcs[i];
      const void* start = f.kind == KILN_CODE_WASM ? d.funcs[f.index].code
                          : f.kind == KILN_CODE_ARRAY_TO_NATIVE ? d.types[f.index].array_to_native
                                                                : d.types[f.index].native_to_array;
      a->mapped_code_.push_back({reinterpret_cast<uintptr_t>(start), &f});
    }
    std::sort(a->mapped_code_.begin(), a->mapped_code_.end(),
              [](const MappedCode& x, const MappedCode& y) { return x.start < y.start; });
  }
  for (const MappedImage::Segment& seg : a->image_->segments()) {
    if (!seg.executable) continue;
    const int slot = CodeRanges().Add(seg.start, seg.end, a.get());
    if (slot < 0) return absl::ResourceExhaustedError(absl::StrCat(name, ": too many artifacts"));
    a->code_slots_.push_back(slot);
  }
  // Debuggers: register the functions (and the unwind tables) with gdb's JIT interface.
  uintptr_t code_start = UINTPTR_MAX, code_end = 0;
  for (const MappedImage::Segment& seg : a->image_->segments()) {
    if (!seg.executable) continue;
    code_start = std::min(code_start, seg.start);
    code_end = std::max(code_end, seg.end);
  }
  if (code_start < code_end) {
    std::vector<DebugSymbol> symbols;
    for (const FunctionRange& f : a->FunctionRanges())
      symbols.push_back({f.start, f.size, f.name});
    const auto [eh_addr, eh_frame] = FindEhFrame(*a->image_, *elf);
    a->gdb_ = std::make_unique<GdbJitRegistration>(
        BuildDebugObject(code_start, code_end, symbols, eh_addr, eh_frame));
  }
  return std::shared_ptr<const Artifact>(std::move(a));
}

Artifact::~Artifact() {
  for (int slot : code_slots_) CodeRanges().Remove(slot);
}

std::string_view Artifact::import_module(uint32_t i) const {
  return View(desc_->imports[i].module, desc_->imports[i].module_len);
}
std::string_view Artifact::import_name(uint32_t i) const {
  return View(desc_->imports[i].name, desc_->imports[i].name_len);
}
std::string_view Artifact::export_name(uint32_t i) const {
  return View(desc_->exports[i].name, desc_->exports[i].name_len);
}
std::string_view Artifact::function_name(uint32_t func_index) const {
  if (func_index >= desc_->num_funcs) return {};
  return View(desc_->funcs[func_index].name, desc_->funcs[func_index].name_len);
}

namespace {

std::string DescribeLimits(const kiln_limits_desc& l, const char* unit) {
  std::string out = absl::StrCat(l.min);
  if (l.has_max) absl::StrAppend(&out, "..", l.max);
  if (unit != nullptr) absl::StrAppend(&out, " ", unit);
  if (l.is64) absl::StrAppend(&out, " (64-bit)");
  if (l.shared) absl::StrAppend(&out, " shared");
  return out;
}

}  // namespace

std::string Artifact::DescribeExtern(uint32_t kind, uint32_t index) const {
  const kiln_module_desc& d = *desc_;
  switch (kind) {
    case KILN_EXTERN_FUNC:
      if (index < d.num_funcs) return "func " + func_type(index).ToString();
      break;
    case KILN_EXTERN_TABLE:
      if (index < d.num_tables) {
        return absl::StrCat("table ", DescribeLimits(d.tables[index].limits, nullptr), " ",
                            ValueTypeName(static_cast<uint8_t>(d.tables[index].elem_type)));
      }
      break;
    case KILN_EXTERN_MEMORY:
      if (index < d.num_memories) {
        return "memory " + DescribeLimits(d.memories[index].limits, "pages");
      }
      break;
    case KILN_EXTERN_GLOBAL:
      if (index < d.num_globals) {
        return absl::StrCat("global ", d.globals[index].mut ? "mut " : "",
                            ValueTypeName(static_cast<uint8_t>(d.globals[index].type)));
      }
      break;
    case KILN_EXTERN_TAG:
      if (index < d.num_tags) {
        std::string params = type(d.tag_types[index]).ToString();
        return "tag " + params.substr(0, params.find(" ->"));
      }
      break;
  }
  return "?";
}

std::string Artifact::DescribeImport(uint32_t i) const {
  return DescribeExtern(desc_->imports[i].kind, desc_->imports[i].index);
}

std::string Artifact::DescribeExport(uint32_t i) const {
  return DescribeExtern(desc_->exports[i].kind, desc_->exports[i].index);
}

bool Artifact::ContainsCode(uintptr_t pc) const { return image_->IsCode(pc); }

std::vector<Artifact::FunctionRange> Artifact::FunctionRanges() const {
  // Every piece of code the descriptor names: the functions and the per-type trampolines
  // (which lie between them and would otherwise be counted in the function before).
  struct Entry {
    uintptr_t start;
    uint32_t index;  // function index, or UINT32_MAX for a trampoline
    std::string name;
  };
  std::vector<Entry> entries;
  for (const auto& [start, index] : entry_points_) {
    const std::string_view name = function_name(index);
    entries.push_back({start, index,
                       absl::StrCat("wasm:", name.empty() ? absl::StrCat("function[", index, "]")
                                                          : std::string(name))});
  }
  for (uint32_t t = 0; t < desc_->num_types; ++t) {
    const kiln_type_desc& type = desc_->types[t];
    const auto enter = reinterpret_cast<uintptr_t>(type.array_to_native);
    const auto host = reinterpret_cast<uintptr_t>(type.native_to_array);
    if (enter && ContainsCode(enter))
      entries.push_back({enter, UINT32_MAX, absl::StrCat("kiln:call-trampoline[type ", t, "]")});
    if (host && ContainsCode(host))
      entries.push_back({host, UINT32_MAX, absl::StrCat("kiln:host-trampoline[type ", t, "]")});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.start < b.start; });
  std::vector<FunctionRange> out;
  for (size_t k = 0; k < entries.size(); ++k) {
    const uintptr_t start = entries[k].start;
    if (k > 0 && entries[k - 1].start == start) continue;  // shared code: named once
    uintptr_t end = 0;
    for (const MappedImage::Segment& seg : image_->segments()) {
      if (seg.executable && start >= seg.start && start < seg.end) end = seg.end;
    }
    for (size_t n = k + 1; n < entries.size(); ++n) {
      if (entries[n].start > start) {
        end = std::min(end, entries[n].start);
        break;
      }
    }
    if (end <= start) continue;
    out.push_back({start, end - start, entries[k].index, std::move(entries[k].name)});
  }
  return out;
}

std::shared_ptr<const MemoryImage> Artifact::memory_image(uint32_t memory) const {
  std::lock_guard<std::mutex> lock(images_mu_);
  if (memory_images_.empty()) memory_images_.resize(desc_->num_memories);
  if (memory >= memory_images_.size()) return nullptr;
  if (!memory_images_[memory].has_value()) memory_images_[memory] = MemoryImage::Build(*desc_, memory);
  return *memory_images_[memory];
}

std::string Artifact::PerfMapLines() const {
  std::string out;
  for (const FunctionRange& f : FunctionRanges())
    absl::StrAppend(&out, absl::Hex(f.start), " ", absl::Hex(f.size), " ", f.name, "\n");
  return out;
}

std::optional<uint32_t> Artifact::FunctionAt(uintptr_t pc) const {
  if (!ContainsCode(pc)) return std::nullopt;
  auto it = std::upper_bound(entry_points_.begin(), entry_points_.end(),
                             std::make_pair(pc, UINT32_MAX));
  if (it == entry_points_.begin()) return std::nullopt;
  return std::prev(it)->second;
}

const Artifact::MappedCode* Artifact::MappedCodeAt(uintptr_t pc) const {
  // Hand-written searches: signal handlers call this.
  size_t lo = 0, hi = mapped_code_.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (mapped_code_[mid].start <= pc) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return nullptr;
  const MappedCode& code = mapped_code_[lo - 1];
  return pc - code.start < code.func->size ? &code : nullptr;
}

const kiln_code_map_rule* Artifact::FrameRuleAt(uintptr_t pc, bool* wasm) const {
  const MappedCode* code = MappedCodeAt(pc);
  if (code == nullptr) return nullptr;
  const uintptr_t offset = pc - code->start;
  const auto base = reinterpret_cast<uintptr_t>(desc_->code_map);
  const auto* rules =
      reinterpret_cast<const kiln_code_map_rule*>(base + desc_->code_map->rules_offset) +
      code->func->first_rule;
  size_t lo = 0, hi = code->func->num_rules;  // rules[0].offset == 0 <= offset
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (rules[mid].offset <= offset) lo = mid + 1; else hi = mid;
  }
  *wasm = code->func->kind == KILN_CODE_WASM;
  return &rules[lo - 1];
}

std::vector<Artifact::WasmFrame> Artifact::WasmFramesAt(uintptr_t pc) const {
  std::vector<WasmFrame> out;
  const MappedCode* code = MappedCodeAt(pc);
  if (code == nullptr || code->func->kind != KILN_CODE_WASM) return out;
  const kiln_code_map* map = desc_->code_map;
  const auto base = reinterpret_cast<uintptr_t>(map);
  // The location stream (abi.h), read with every bound checked: the validator did not.
  const auto* p = reinterpret_cast<const uint8_t*>(base + map->locations_offset);
  size_t at = code->func->locations;
  const size_t end = map->locations_size;
  auto leb = [&](uint64_t* v) {
    *v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (at >= end) return false;
      const uint8_t byte = p[at++];
      *v |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  };
  const uint64_t target = pc - code->start;
  uint64_t offset = 0, value = 0, found = 0;
  for (uint32_t i = 0; i < code->func->num_locations; ++i) {
    uint64_t delta_offset, zigzag;
    if (!leb(&delta_offset) || !leb(&zigzag)) return out;
    offset += delta_offset;
    if (offset > target) break;
    value += (zigzag >> 1) ^ (~(zigzag & 1) + 1);
    found = value;
  }
  auto push = [&](uint32_t func, uint32_t module_offset) {
    const uint32_t defined = func - desc_->num_imported_funcs;
    const auto* bodies = reinterpret_cast<const uint32_t*>(base + map->bodies_offset);
    const uint32_t body = defined < map->num_bodies ? bodies[defined] : 0;
    out.push_back({func, module_offset, module_offset >= body ? module_offset - body : 0});
  };
  if (!(found & 1)) {
    push(code->func->index, static_cast<uint32_t>(std::min<uint64_t>(found >> 1, UINT32_MAX)));
    return out;
  }
  const auto* nodes = reinterpret_cast<const kiln_code_map_inlined*>(base + map->inlined_offset);
  uint64_t node = found >> 1;
  while (node < map->num_inlined) {
    const kiln_code_map_inlined& n = nodes[node];
    if (n.func < desc_->num_imported_funcs || n.func >= desc_->num_funcs) break;
    push(n.func, n.offset);
    if (n.parent == KILN_CODE_MAP_NO_PARENT || n.parent >= node) break;  // parents come first
    node = n.parent;
  }
  return out;
}

const Artifact* Artifact::FindByPc(uintptr_t pc) {
  return static_cast<const Artifact*>(CodeRanges().Find(pc));
}

}  // namespace kiln

#include "DescriptorValidator.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/CpuFeatures.h"
#include "kiln/Types.h"

namespace kiln {
namespace {

constexpr uint64_t kMaxCount = 1u << 20;
constexpr uint64_t kMaxParams = 1000;
constexpr uint64_t kMaxPages32 = 65536;

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid descriptor: ", why));
}

class Validator {
 public:
  Validator(const kiln_module_desc& d, const MappedImage& image) : d_(d), image_(image) {}

  absl::Status Run() {
    const uint64_t counts[] = {d_.num_types,   d_.num_imports, d_.num_funcs,   d_.num_tables,
                               d_.num_memories, d_.num_globals, d_.num_exports, d_.num_elems,
                               d_.num_datas,   d_.num_tags};
    for (uint64_t c : counts) {
      if (c > kMaxCount) return Bad("a count exceeds the loader's limit");
    }
    if (d_.num_imported_funcs > d_.num_funcs || d_.num_imported_tables > d_.num_tables ||
        d_.num_imported_memories > d_.num_memories ||
        d_.num_imported_globals > d_.num_globals || d_.num_imported_tags > d_.num_tags) {
      return Bad("more imported than total functions, tables, memories, globals or tags");
    }
    if (uint64_t{d_.num_imported_funcs} + d_.num_imported_tables + d_.num_imported_memories +
            d_.num_imported_globals + d_.num_imported_tags != d_.num_imports) {
      return Bad("num_imports does not match the imported counts");
    }
    for (const char* s : {d_.compiler_version, d_.target_cpu, d_.target_features,
                          d_.module_name}) {
      if (s != nullptr && image_.StringLength(reinterpret_cast<uintptr_t>(s)) < 0) {
        return Bad("a descriptor string lies outside the image or is unterminated");
      }
    }
    if (auto s = CheckTypes(); !s.ok()) return s;
    if (auto s = CheckImports(); !s.ok()) return s;
    if (auto s = CheckFuncs(); !s.ok()) return s;
    if (auto s = CheckTables(); !s.ok()) return s;
    if (auto s = CheckMemories(); !s.ok()) return s;
    if (auto s = CheckGlobals(); !s.ok()) return s;
    if (auto s = CheckTags(); !s.ok()) return s;
    if (auto s = CheckExports(); !s.ok()) return s;
    if (auto s = CheckSegments(); !s.ok()) return s;
    if (auto s = CheckCodeMap(); !s.ok()) return s;
    if (d_.start_func != -1) {
      if (d_.start_func < 0 || static_cast<uint32_t>(d_.start_func) >= d_.num_funcs) {
        return Bad("start function index out of range");
      }
      const kiln_type_desc& t = d_.types[d_.funcs[d_.start_func].type_index];
      if (t.num_params != 0 || t.num_results != 0) return Bad("start function is not [] -> []");
    }
    const kiln_vmctx_layout layout = kiln_compute_vmctx_layout(
        d_.num_memories, d_.num_tables, d_.num_globals, d_.num_funcs, d_.num_types,
        d_.num_tags);
    if (d_.vmctx_size != layout.size) {
      return Bad(absl::StrFormat("vmctx_size %u differs from the loader's layout (%u bytes)",
                                 d_.vmctx_size, layout.size));
    }
    return absl::OkStatus();
  }

 private:
  // The code map (abi.h): inside the image, every array in the blob, every function's code
  // inside an executable segment, its frame rules in order inside it, its location stream
  // inside the locations. (The streams themselves are checked as they are read.)
  absl::Status CheckCodeMap() const {
    if (d_.code_map == nullptr) return absl::OkStatus();
    const kiln_code_map* m = d_.code_map;
    if (!Array(m, 1) || m->magic != KILN_CODE_MAP_MAGIC || m->size < sizeof(kiln_code_map) ||
        !Bytes(m, m->size))
      return Bad("code map: bad header or outside the image");
    const auto base = reinterpret_cast<uintptr_t>(m);
    auto in = [&](uint32_t offset, uint64_t count, size_t elem, size_t align) {
      return offset % align == 0 && offset <= m->size && count <= (m->size - offset) / elem;
    };
    if (!in(m->funcs_offset, m->num_funcs, sizeof(kiln_code_map_func), 8) ||
        !in(m->rules_offset, m->num_rules, sizeof(kiln_code_map_rule), 4) ||
        !in(m->locations_offset, m->locations_size, 1, 1) ||
        !in(m->inlined_offset, m->num_inlined, sizeof(kiln_code_map_inlined), 4) ||
        !in(m->bodies_offset, m->num_bodies, sizeof(uint32_t), 4))
      return Bad("code map: an array lies outside it");
    if (m->num_bodies != 0 && m->num_bodies != d_.num_funcs - d_.num_imported_funcs)
      return Bad("code map: wrong number of function bodies");
    const auto* funcs = reinterpret_cast<const kiln_code_map_func*>(base + m->funcs_offset);
    const auto* rules = reinterpret_cast<const kiln_code_map_rule*>(base + m->rules_offset);
    for (uint32_t i = 0; i < m->num_funcs; ++i) {
      const kiln_code_map_func& f = funcs[i];
      const void* start = nullptr;
      switch (f.kind) {
        case KILN_CODE_WASM:
          if (f.index < d_.num_imported_funcs || f.index >= d_.num_funcs)
            return Bad("code map: function index out of range");
          start = d_.funcs[f.index].code;
          break;
        case KILN_CODE_ARRAY_TO_NATIVE:
        case KILN_CODE_NATIVE_TO_ARRAY:
          if (f.index >= d_.num_types) return Bad("code map: type index out of range");
          start = f.kind == KILN_CODE_ARRAY_TO_NATIVE ? d_.types[f.index].array_to_native
                                                      : d_.types[f.index].native_to_array;
          break;
        default:
          return Bad("code map: unknown kind of function");
      }
      const auto addr = reinterpret_cast<uintptr_t>(start);
      if (f.size == 0 || !Code(start) || !image_.IsCode(addr + f.size - 1))
        return Bad("code map: a function's code lies outside the code");
      if (f.num_rules == 0 || f.first_rule > m->num_rules ||
          f.num_rules > m->num_rules - f.first_rule)
        return Bad("code map: a function's frame rules lie outside the rules");
      for (uint32_t r = f.first_rule; r < f.first_rule + f.num_rules; ++r) {
        const kiln_code_map_rule& rule = rules[r];
        if ((r == f.first_rule ? rule.offset != 0 : rule.offset <= rules[r - 1].offset) ||
            rule.offset >= f.size)
          return Bad("code map: frame rules out of order");
        if (rule.cfa_reg > KILN_CFA_UNKNOWN) return Bad("code map: bad frame rule");
      }
      if (f.locations > m->locations_size || (f.num_locations > 0 && f.kind != KILN_CODE_WASM))
        return Bad("code map: a function's locations lie outside the locations");
    }
    return absl::OkStatus();
  }

  // An array the loader will read as `count` elements of type T: inside the image and
  // aligned for T (reading a misaligned one is undefined behaviour; a hostile descriptor
  // can point anywhere, as the libFuzzer artifact target found).
  template <typename T>
  bool Array(const T* p, uint64_t count) const {
    if (count == 0) return true;
    const auto addr = reinterpret_cast<uintptr_t>(p);
    return addr % alignof(T) == 0 && image_.IsReadable(addr, count * sizeof(T));
  }
  bool Bytes(const void* p, uint64_t len) const {
    return Array(static_cast<const uint8_t*>(p), len);
  }
  bool Code(const void* p) const { return image_.IsCode(reinterpret_cast<uintptr_t>(p)); }

  absl::Status CheckLimits(const kiln_limits_desc& l, uint64_t max_allowed, const char* what,
                           uint32_t i) const {
    if (l.has_max > 1 || l.is64 > 1 || l.shared > 1) {
      return Bad(absl::StrFormat("%s %u: malformed limits", what, i));
    }
    if (l.has_max && l.max < l.min) {
      return Bad(absl::StrFormat("%s %u: minimum exceeds maximum", what, i));
    }
    if (l.min > max_allowed || (l.has_max && l.max > max_allowed)) {
      return Bad(absl::StrFormat("%s %u: limits too large", what, i));
    }
    return absl::OkStatus();
  }

  // A KILN_REF_* word for a value of type `code`, with type indices below `limit`.
  static bool RefOk(uint32_t ref, uint8_t code, uint32_t limit) {
    if (ref == 0) return true;
    if (!IsReferenceType(code)) return false;
    const uint32_t kind = KILN_REF_KIND(ref);
    if (kind > KILN_REF_TYPEIDX) return false;
    if (kind != KILN_REF_TYPEIDX) return KILN_REF_INDEX(ref) == 0;
    return code == KILN_FUNCREF && KILN_REF_INDEX(ref) < limit;
  }

  absl::Status CheckTypes() {
    if (!Array(d_.types, d_.num_types)) return Bad("types outside image");
    for (uint32_t i = 0; i < d_.num_types; ++i) {
      const kiln_type_desc& t = d_.types[i];
      if (t.num_params > kMaxParams || t.num_results > kMaxParams) {
        return Bad(absl::StrFormat("type %u has too many params or results", i));
      }
      const uint64_t n = uint64_t{t.num_params} + t.num_results;
      if (!Bytes(t.types, n)) return Bad(absl::StrFormat("type %u: value types outside image", i));
      for (uint64_t k = 0; k < n; ++k) {
        if (!IsValidValueType(t.types[k])) {
          return Bad(absl::StrFormat("type %u: invalid value type 0x%02x", i, t.types[k]));
        }
      }
      // Recursion groups: consecutive types sharing their start and size (0: a plain type).
      const uint32_t size = t.rec_info == 0 ? 1 : t.rec_info & ~KILN_REC_NOT_FINAL;
      const uint32_t rec_start = t.rec_info == 0 ? i : t.rec_start;
      if (size == 0 || rec_start > i || uint64_t{rec_start} + size <= i ||
          uint64_t{rec_start} + size > d_.num_types ||
          (rec_start != i && (d_.types[rec_start].rec_start != rec_start ||
                              (d_.types[rec_start].rec_info & ~KILN_REC_NOT_FINAL) != size))) {
        return Bad(absl::StrFormat("type %u: bad recursion group", i));
      }
      if (t.refs != nullptr) {
        if (!Array(t.refs, n)) {
          return Bad(absl::StrFormat("type %u: reference details outside image", i));
        }
        for (uint64_t k = 0; k < n; ++k) {
          // A type may refer to the types of its group and to earlier types only.
          if (!RefOk(t.refs[k], t.types[k], rec_start + size)) {
            return Bad(absl::StrFormat("type %u: bad reference details", i));
          }
        }
      }
      if (t.array_to_native != nullptr && !Code(t.array_to_native)) {
        return Bad(absl::StrFormat("type %u: entry trampoline is not in the code", i));
      }
      if (t.native_to_array != nullptr && !Code(t.native_to_array)) {
        return Bad(absl::StrFormat("type %u: host stub is not in the code", i));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckImports() {
    if (!Array(d_.imports, d_.num_imports)) {
      return Bad("imports outside image");
    }
    const uint32_t imported[5] = {d_.num_imported_funcs, d_.num_imported_tables,
                                  d_.num_imported_memories, d_.num_imported_globals,
                                  d_.num_imported_tags};
    std::vector<bool> seen[5];
    for (int k = 0; k < 5; ++k) seen[k].assign(imported[k], false);
    for (uint32_t i = 0; i < d_.num_imports; ++i) {
      const kiln_import_desc& im = d_.imports[i];
      if (!Bytes(im.module, im.module_len) || !Bytes(im.name, im.name_len)) {
        return Bad(absl::StrFormat("import %u: names outside image", i));
      }
      if (im.kind > KILN_EXTERN_TAG) return Bad(absl::StrFormat("import %u: bad kind", i));
      if (im.index >= imported[im.kind] || seen[im.kind][im.index]) {
        return Bad(absl::StrFormat("import %u: index %u out of range or repeated", i, im.index));
      }
      seen[im.kind][im.index] = true;
      if (im.kind == KILN_EXTERN_GLOBAL) {
        // Imported global descriptors are checked with the other globals.
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckFuncs() {
    if (!Array(d_.funcs, d_.num_funcs)) return Bad("funcs outside image");
    for (uint32_t i = 0; i < d_.num_funcs; ++i) {
      const kiln_func_desc& f = d_.funcs[i];
      if (f.type_index >= d_.num_types) {
        return Bad(absl::StrFormat("function %u: type index out of range", i));
      }
      if (f.name != nullptr && !Bytes(f.name, f.name_len)) {
        return Bad(absl::StrFormat("function %u: name outside image", i));
      }
      if (i >= d_.num_imported_funcs && !Code(f.code)) {
        return Bad(absl::StrFormat("function %u: code pointer is not in the code", i));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckTables() {
    if (!Array(d_.tables, d_.num_tables)) return Bad("tables outside image");
    for (uint32_t i = 0; i < d_.num_tables; ++i) {
      const kiln_table_desc& t = d_.tables[i];
      if (auto s = CheckLimits(t.limits, t.limits.is64 ? UINT64_MAX : UINT32_MAX, "table", i);
          !s.ok()) {
        return s;
      }
      if (!IsReferenceType(static_cast<uint8_t>(t.elem_type)) || t.elem_type > 0xFF ||
          !RefOk(t.elem_ref, static_cast<uint8_t>(t.elem_type), d_.num_types)) {
        return Bad(absl::StrFormat("table %u: element type is not a reference type", i));
      }
      if (t.init_len != 0 && !Bytes(t.init, t.init_len)) {
        return Bad(absl::StrFormat("table %u: init expression outside image", i));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckMemories() {
    if (!Array(d_.memories, d_.num_memories)) {
      return Bad("memories outside image");
    }
    for (uint32_t i = 0; i < d_.num_memories; ++i) {
      const kiln_memory_desc& m = d_.memories[i];
      if (m.limits.shared) return Bad("shared memories are not supported by this loader yet");
      if (auto s = CheckLimits(m.limits, m.limits.is64 ? (uint64_t{1} << 48) : kMaxPages32,
                               "memory", i);
          !s.ok()) {
        return s;
      }
      if (m.limits.is64 && m.bounds_strategy != KILN_BOUNDS_EXPLICIT) {
        return Bad(absl::StrFormat("memory %u: a 64-bit memory needs explicit bounds checks", i));
      }
      if (m.page_size_log2 != 16) {
        return Bad(absl::StrFormat("memory %u: page size 2^%u is not supported", i,
                                   m.page_size_log2));
      }
      if (m.bounds_strategy != KILN_BOUNDS_GUARD_PAGES && m.bounds_strategy != KILN_BOUNDS_EXPLICIT) {
        return Bad(absl::StrFormat("memory %u: unknown bounds strategy %u", i, m.bounds_strategy));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckGlobals() {
    if (!Array(d_.globals, d_.num_globals)) {
      return Bad("globals outside image");
    }
    for (uint32_t i = 0; i < d_.num_globals; ++i) {
      const kiln_global_desc& g = d_.globals[i];
      if (g.type > 0xFF || !IsValidValueType(static_cast<uint8_t>(g.type)) || g.mut > 1 ||
          !RefOk(g.ref, static_cast<uint8_t>(g.type), d_.num_types)) {
        return Bad(absl::StrFormat("global %u: bad type", i));
      }
      if (i >= d_.num_imported_globals && (g.init_len == 0 || !Bytes(g.init, g.init_len))) {
        return Bad(absl::StrFormat("global %u: init expression missing or outside image", i));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckExports() {
    if (!Array(d_.exports, d_.num_exports)) {
      return Bad("exports outside image");
    }
    const uint32_t totals[5] = {d_.num_funcs, d_.num_tables, d_.num_memories, d_.num_globals,
                                d_.num_tags};
    for (uint32_t i = 0; i < d_.num_exports; ++i) {
      const kiln_export_desc& e = d_.exports[i];
      if (!Bytes(e.name, e.name_len)) return Bad(absl::StrFormat("export %u: name outside image", i));
      if (e.kind > KILN_EXTERN_TAG) return Bad(absl::StrFormat("export %u: bad kind", i));
      if (e.index >= totals[e.kind]) {
        return Bad(absl::StrFormat("export %u: index out of range", i));
      }
    }
    return absl::OkStatus();
  }

  // Tags: each names a type without results.
  absl::Status CheckTags() {
    if (!Array(d_.tag_types, d_.num_tags)) return Bad("tags outside image");
    for (uint32_t i = 0; i < d_.num_tags; ++i) {
      const uint32_t t = d_.tag_types[i];
      if (t >= d_.num_types) return Bad(absl::StrFormat("tag %u: type index out of range", i));
      if (d_.types[t].num_results != 0) return Bad(absl::StrFormat("tag %u: type has results", i));
    }
    return absl::OkStatus();
  }

  absl::Status CheckSegments() {
    if (!Array(d_.elems, d_.num_elems)) return Bad("elems outside image");
    for (uint32_t i = 0; i < d_.num_elems; ++i) {
      const kiln_elem_desc& e = d_.elems[i];
      if (e.mode > KILN_SEG_DECLARATIVE) return Bad(absl::StrFormat("elem %u: bad mode", i));
      if (e.elem_type > 0xFF || !IsReferenceType(static_cast<uint8_t>(e.elem_type))) {
        return Bad(absl::StrFormat("elem %u: bad element type", i));
      }
      if (e.mode == KILN_SEG_ACTIVE) {
        if (e.table >= d_.num_tables) return Bad(absl::StrFormat("elem %u: table out of range", i));
        if (e.offset_len == 0 || !Bytes(e.offset, e.offset_len)) {
          return Bad(absl::StrFormat("elem %u: offset expression outside image", i));
        }
      }
      if (e.count > e.items_len || !Bytes(e.items, e.items_len)) {
        return Bad(absl::StrFormat("elem %u: items outside image", i));
      }
    }
    if (!Array(d_.datas, d_.num_datas)) return Bad("datas outside image");
    for (uint32_t i = 0; i < d_.num_datas; ++i) {
      const kiln_data_desc& s = d_.datas[i];
      if (s.mode > KILN_SEG_PASSIVE) return Bad(absl::StrFormat("data %u: bad mode", i));
      if (s.mode == KILN_SEG_ACTIVE) {
        if (s.memory >= d_.num_memories) {
          return Bad(absl::StrFormat("data %u: memory out of range", i));
        }
        if (s.offset_len == 0 || !Bytes(s.offset, s.offset_len)) {
          return Bad(absl::StrFormat("data %u: offset expression outside image", i));
        }
      }
      if (s.size > UINT32_MAX || !Bytes(s.bytes, s.size)) {
        return Bad(absl::StrFormat("data %u: bytes outside image", i));
      }
    }
    return absl::OkStatus();
  }

  const kiln_module_desc& d_;
  const MappedImage& image_;
};

}  // namespace

absl::Status ValidateDescriptor(uintptr_t desc_addr, uint64_t symbol_size,
                                const MappedImage& image, uint64_t host_cpu_features) {
  constexpr uint64_t kHead = offsetof(kiln_module_desc, desc_size) + sizeof(uint32_t);
  if (symbol_size < kHead || !image.IsReadable(desc_addr, kHead)) {
    return Bad(KILN_DESCRIPTOR_SYMBOL " is too small");
  }
  // Aligned, like every array it points to (see Validator::Array).
  if (desc_addr % alignof(kiln_module_desc) != 0) {
    return Bad(KILN_DESCRIPTOR_SYMBOL " is misaligned");
  }
  const auto* d = reinterpret_cast<const kiln_module_desc*>(desc_addr);
  if (std::memcmp(d->magic, KILN_DESCRIPTOR_MAGIC, sizeof(d->magic)) != 0) {
    return Bad("bad magic (not a kiln module descriptor)");
  }
  if (d->abi_major != KILN_ABI_MAJOR || d->abi_minor > KILN_ABI_MINOR) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "artifact ABI version %u.%u is not supported by this loader (ABI %u.%u: the major "
        "version must be equal and the minor version at most %u); recompile with a matching "
        "kilnc",
        d->abi_major, d->abi_minor, KILN_ABI_MAJOR, KILN_ABI_MINOR, KILN_ABI_MINOR));
  }
  if (d->desc_size != sizeof(kiln_module_desc) || symbol_size < sizeof(kiln_module_desc) ||
      !image.IsReadable(desc_addr, sizeof(kiln_module_desc))) {
    return Bad(absl::StrFormat("descriptor size %u (symbol %u bytes) does not match %u",
                               d->desc_size, symbol_size, sizeof(kiln_module_desc)));
  }
  const uint64_t missing = d->cpu_features & ~host_cpu_features;
  if (missing != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "artifact was compiled for CPU features this CPU lacks: ", CpuFeatureNames(missing),
        " (recompile with a lower target CPU)"));
  }
  return Validator(*d, image).Run();
}

}  // namespace kiln

#include "kiln/ElfVerifier.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/abi.h"

// Packed relative relocations (DT_RELR); older <elf.h> lack the tags.
#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#endif
#ifndef DT_RELR
#define DT_RELR 36
#endif
#ifndef DT_RELRENT
#define DT_RELRENT 37
#endif

namespace kiln {
namespace {

constexpr uint64_t kMaxProgramHeaders = 256;
constexpr uint64_t kMaxDynamicEntries = 4096;
constexpr uint64_t kMaxSymbols = 1u << 20;
constexpr uint64_t kMaxRelocations = 1u << 24;

absl::Status Reject(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("rejected artifact: ", why));
}

// a + b without wrap-around; false on overflow.
bool AddOk(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }

// True if [off, off + len) lies inside a buffer of `size` bytes.
bool InRange(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

uint64_t PageDown(uint64_t v) { return v & ~(kElfPageSize - 1); }
bool PageUp(uint64_t v, uint64_t* out) {
  if (v > UINT64_MAX - (kElfPageSize - 1)) return false;
  *out = (v + kElfPageSize - 1) & ~(kElfPageSize - 1);
  return true;
}

const char* RelocationTypeName(uint32_t type) {
  switch (type) {
    case R_X86_64_64: return "R_X86_64_64";
    case R_X86_64_PC32: return "R_X86_64_PC32";
    case R_X86_64_GOT32: return "R_X86_64_GOT32";
    case R_X86_64_PLT32: return "R_X86_64_PLT32";
    case R_X86_64_COPY: return "R_X86_64_COPY";
    case R_X86_64_GLOB_DAT: return "R_X86_64_GLOB_DAT";
    case R_X86_64_JUMP_SLOT: return "R_X86_64_JUMP_SLOT";
    case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
    case R_X86_64_32: return "R_X86_64_32";
    case R_X86_64_32S: return "R_X86_64_32S";
    case R_X86_64_DTPMOD64: return "R_X86_64_DTPMOD64";
    case R_X86_64_DTPOFF64: return "R_X86_64_DTPOFF64";
    case R_X86_64_TPOFF64: return "R_X86_64_TPOFF64";
    case R_X86_64_IRELATIVE: return "R_X86_64_IRELATIVE";
    default: return "unknown";
  }
}

class Verifier {
 public:
  explicit Verifier(std::span<const uint8_t> file) : file_(file) {}

  absl::StatusOr<VerifiedElf> Run() {
    if (auto s = CheckHeader(); !s.ok()) return s;
    if (auto s = CheckProgramHeaders(); !s.ok()) return s;
    if (auto s = CheckDynamic(); !s.ok()) return s;
    if (auto s = CheckSymbols(); !s.ok()) return s;
    if (auto s = CheckRelocations(); !s.ok()) return s;
    return std::move(out_);
  }

 private:
  template <typename T>
  bool Read(uint64_t off, T* value) const {
    if (!InRange(off, sizeof(T), file_.size())) return false;
    std::memcpy(value, file_.data() + off, sizeof(T));
    return true;
  }

  // File offset of [vaddr, vaddr + len) when it lies in the file-backed part of one segment.
  bool FileOffsetOf(uint64_t vaddr, uint64_t len, uint64_t* off) const {
    for (const LoadSegment& s : out_.segments) {
      if (vaddr < s.vaddr) continue;
      uint64_t rel = vaddr - s.vaddr;
      if (!InRange(rel, len, s.filesz)) continue;
      *off = s.offset + rel;
      return true;
    }
    return false;
  }

  // The segment whose memory image holds [vaddr, vaddr + len), or nullptr.
  const LoadSegment* SegmentOf(uint64_t vaddr, uint64_t len) const {
    for (const LoadSegment& s : out_.segments) {
      if (vaddr < s.vaddr) continue;
      if (InRange(vaddr - s.vaddr, len, s.memsz)) return &s;
    }
    return nullptr;
  }

  absl::Status CheckHeader() {
    Elf64_Ehdr eh;
    if (!Read(0, &eh)) {
      return Reject(absl::StrFormat("file too small for an ELF header (%u bytes)", file_.size()));
    }
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return Reject("not an ELF file (bad magic)");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) return Reject("not a 64-bit ELF file");
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return Reject("not a little-endian ELF file");
    if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT) {
      return Reject("unsupported ELF version");
    }
    if (eh.e_machine != EM_X86_64) {
      return Reject(absl::StrFormat("ELF machine %u is not x86-64", eh.e_machine));
    }
    if (eh.e_type != ET_DYN) {
      return Reject(absl::StrFormat("ELF type %u is not ET_DYN (shared object)", eh.e_type));
    }
    if (eh.e_phentsize != sizeof(Elf64_Phdr)) return Reject("bad program header entry size");
    if (eh.e_phnum == 0) return Reject("no program headers");
    if (eh.e_phnum > kMaxProgramHeaders) return Reject("too many program headers");
    if (!InRange(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), file_.size())) {
      return Reject("program header table outside the file");
    }
    phoff_ = eh.e_phoff;
    phnum_ = eh.e_phnum;
    return absl::OkStatus();
  }

  absl::Status CheckProgramHeaders() {
    std::optional<Elf64_Phdr> relro;
    for (uint64_t i = 0; i < phnum_; ++i) {
      Elf64_Phdr ph;
      Read(phoff_ + i * sizeof(Elf64_Phdr), &ph);  // in range: checked in CheckHeader
      switch (ph.p_type) {
        case PT_INTERP:
          return Reject("has a PT_INTERP segment (an executable, not a kiln artifact)");
        case PT_TLS:
          return Reject("has a PT_TLS segment (thread-local storage is not allowed)");
        case PT_DYNAMIC:
          if (dynamic_.has_value()) return Reject("more than one PT_DYNAMIC segment");
          dynamic_ = ph;
          break;
        case PT_GNU_RELRO:
          if (relro.has_value()) return Reject("more than one PT_GNU_RELRO segment");
          relro = ph;
          break;
        case PT_GNU_STACK:
          if (ph.p_flags & PF_X) return Reject("requests an executable stack");
          break;
        case PT_LOAD: {
          if (ph.p_flags & PF_W && ph.p_flags & PF_X) {
            return Reject(absl::StrFormat(
                "PT_LOAD segment %u at 0x%x is both writable and executable", i, ph.p_vaddr));
          }
          if (ph.p_filesz > ph.p_memsz) {
            return Reject(absl::StrFormat("PT_LOAD segment %u: file size exceeds memory size", i));
          }
          if (!InRange(ph.p_offset, ph.p_filesz, file_.size())) {
            return Reject(absl::StrFormat("PT_LOAD segment %u lies outside the file", i));
          }
          if (ph.p_align > 1 && (ph.p_align & (ph.p_align - 1)) != 0) {
            return Reject(absl::StrFormat("PT_LOAD segment %u: alignment is not a power of two", i));
          }
          if (ph.p_align < kElfPageSize) {
            return Reject(absl::StrFormat("PT_LOAD segment %u: alignment 0x%x is below the page size",
                                          i, ph.p_align));
          }
          if (ph.p_vaddr % kElfPageSize != ph.p_offset % kElfPageSize) {
            return Reject(absl::StrFormat(
                "PT_LOAD segment %u: address and file offset are not congruent modulo the page "
                "size", i));
          }
          uint64_t end;
          if (!AddOk(ph.p_vaddr, ph.p_memsz, &end) || end > kMaxImageSize) {
            return Reject(absl::StrFormat("PT_LOAD segment %u: address range too large", i));
          }
          if (ph.p_memsz == 0) break;  // nothing to map
          LoadSegment seg;
          seg.vaddr = ph.p_vaddr;
          seg.memsz = ph.p_memsz;
          seg.offset = ph.p_offset;
          seg.filesz = ph.p_filesz;
          seg.readable = ph.p_flags & PF_R;
          seg.writable = ph.p_flags & PF_W;
          seg.executable = ph.p_flags & PF_X;
          out_.segments.push_back(seg);
          break;
        }
        case PT_GNU_EH_FRAME:
          // Informational: where the unwind tables are, for debuggers (the loader checks
          // the range against the mapped segments before it reads anything there).
          out_.eh_frame_hdr = std::make_pair(ph.p_vaddr, ph.p_memsz);
          break;
        default:
          break;  // PT_NOTE, PT_PHDR, PT_GNU_PROPERTY, ...: informational
      }
    }
    if (out_.segments.empty()) return Reject("no loadable segments");
    std::sort(out_.segments.begin(), out_.segments.end(),
              [](const LoadSegment& a, const LoadSegment& b) { return a.vaddr < b.vaddr; });
    // Each segment gets its own pages, since protections are per page.
    uint64_t prev_end = 0;
    for (size_t i = 0; i < out_.segments.size(); ++i) {
      const LoadSegment& s = out_.segments[i];
      uint64_t page_end;
      if (!PageUp(s.vaddr + s.memsz, &page_end)) return Reject("segment end overflows");
      if (i > 0 && PageDown(s.vaddr) < prev_end) {
        return Reject(absl::StrFormat(
            "PT_LOAD segments at 0x%x and 0x%x overlap or share a page",
            out_.segments[i - 1].vaddr, s.vaddr));
      }
      prev_end = page_end;
    }
    out_.image_start = PageDown(out_.segments.front().vaddr);
    out_.image_end = prev_end;
    if (out_.image_end - out_.image_start > kMaxImageSize) return Reject("image too large");

    if (relro.has_value() && relro->p_memsz > 0) {
      const LoadSegment* seg = SegmentOf(relro->p_vaddr, relro->p_memsz);
      if (seg == nullptr || !seg->writable) {
        return Reject("PT_GNU_RELRO does not lie inside one writable PT_LOAD segment");
      }
      out_.relro = {relro->p_vaddr, relro->p_memsz};
    }
    if (!dynamic_.has_value()) return Reject("no PT_DYNAMIC segment (not a shared object)");
    return absl::OkStatus();
  }

  absl::Status CheckDynamic() {
    const Elf64_Phdr& ph = *dynamic_;
    if (!InRange(ph.p_offset, ph.p_filesz, file_.size())) {
      return Reject("dynamic section lies outside the file");
    }
    uint64_t dyn_off;
    if (!FileOffsetOf(ph.p_vaddr, ph.p_filesz, &dyn_off) || dyn_off != ph.p_offset) {
      return Reject("dynamic section is not inside a loadable segment");
    }
    uint64_t count = ph.p_filesz / sizeof(Elf64_Dyn);
    if (count > kMaxDynamicEntries) return Reject("dynamic section too large");
    bool terminated = false;
    for (uint64_t i = 0; i < count; ++i) {
      Elf64_Dyn d;
      Read(ph.p_offset + i * sizeof(Elf64_Dyn), &d);
      const uint64_t v = d.d_un.d_val;
      switch (d.d_tag) {
        case DT_NULL: terminated = true; break;
        case DT_NEEDED:
          return Reject("has DT_NEEDED (depends on another shared library)");
        case DT_INIT: return Reject("has DT_INIT (an initialiser would run on load)");
        case DT_FINI: return Reject("has DT_FINI (a finaliser)");
        case DT_INIT_ARRAY: return Reject("has DT_INIT_ARRAY (initialisers would run on load)");
        case DT_FINI_ARRAY: return Reject("has DT_FINI_ARRAY (finalisers)");
        case DT_PREINIT_ARRAY: return Reject("has DT_PREINIT_ARRAY (pre-initialisers)");
        case DT_TEXTREL: return Reject("has DT_TEXTREL (text relocations)");
        case DT_JMPREL: return Reject("has DT_JMPREL (PLT relocations)");
        case DT_PLTRELSZ:
          if (v != 0) return Reject("has PLT relocations (DT_PLTRELSZ)");
          break;
        case DT_REL:
        case DT_RELSZ:
          return Reject("has DT_REL relocations (only DT_RELA and DT_RELR are accepted)");
        case DT_FLAGS:
          if (v & DF_TEXTREL) return Reject("DT_FLAGS has DF_TEXTREL (text relocations)");
          if (v & DF_STATIC_TLS) return Reject("DT_FLAGS has DF_STATIC_TLS");
          break;
        case DT_AUXILIARY:
        case DT_FILTER:
          return Reject("is a filter library (DT_AUXILIARY / DT_FILTER)");
        case DT_SYMTAB: symtab_ = v; break;
        case DT_STRTAB: strtab_ = v; break;
        case DT_STRSZ: strsz_ = v; break;
        case DT_SYMENT: syment_ = v; break;
        case DT_HASH: hash_ = v; break;
        case DT_GNU_HASH: gnu_hash_ = v; break;
        case DT_RELA: rela_ = v; break;
        case DT_RELASZ: relasz_ = v; break;
        case DT_RELAENT: relaent_ = v; break;
        case DT_RELR: relr_ = v; break;
        case DT_RELRSZ: relrsz_ = v; break;
        case DT_RELRENT: relrent_ = v; break;
        default: break;  // DT_SONAME, DT_FLAGS_1, DT_RELACOUNT, DT_VERSYM, ...
      }
      if (terminated) break;
    }
    if (!terminated) return Reject("dynamic section is not terminated by DT_NULL");
    if (!symtab_ || !strtab_ || !strsz_) {
      return Reject("dynamic section lacks a symbol table (DT_SYMTAB/DT_STRTAB/DT_STRSZ)");
    }
    if (syment_ && *syment_ != sizeof(Elf64_Sym)) return Reject("bad DT_SYMENT");
    if (!FileOffsetOf(*strtab_, *strsz_, &strtab_off_)) {
      return Reject("string table (DT_STRTAB) outside the file image");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> SymbolCount() {
    uint64_t off;
    if (hash_) {
      uint32_t header[2];
      if (!FileOffsetOf(*hash_, sizeof(header), &off) || !Read(off, &header)) {
        return Reject("DT_HASH table outside the file image");
      }
      return uint64_t{header[1]};  // nchain == number of symbols
    }
    if (gnu_hash_) {
      uint32_t header[4];  // nbuckets, symoffset, bloom_size, bloom_shift
      if (!FileOffsetOf(*gnu_hash_, sizeof(header), &off) || !Read(off, &header)) {
        return Reject("DT_GNU_HASH table outside the file image");
      }
      const uint64_t nbuckets = header[0], symoffset = header[1], bloom = header[2];
      if (nbuckets > kMaxSymbols || bloom > kMaxSymbols) return Reject("DT_GNU_HASH too large");
      uint64_t buckets_vaddr;
      if (!AddOk(*gnu_hash_, 16 + 8 * bloom, &buckets_vaddr) ||
          !FileOffsetOf(buckets_vaddr, 4 * nbuckets, &off)) {
        return Reject("DT_GNU_HASH buckets outside the file image");
      }
      uint64_t max_index = 0;
      for (uint64_t b = 0; b < nbuckets; ++b) {
        uint32_t idx = 0;
        Read(off + 4 * b, &idx);
        max_index = std::max<uint64_t>(max_index, idx);
      }
      if (max_index < symoffset) return symoffset;
      uint64_t chain_vaddr = buckets_vaddr + 4 * nbuckets;
      for (uint64_t i = max_index; i < kMaxSymbols; ++i) {
        uint32_t entry;
        uint64_t entry_off;
        if (!FileOffsetOf(chain_vaddr + 4 * (i - symoffset), 4, &entry_off) ||
            !Read(entry_off, &entry)) {
          return Reject("DT_GNU_HASH chain outside the file image");
        }
        if (entry & 1) return i + 1;
      }
      return Reject("DT_GNU_HASH chain does not terminate");
    }
    return Reject("dynamic section has neither DT_HASH nor DT_GNU_HASH");
  }

  absl::StatusOr<std::string_view> SymbolName(uint32_t st_name) const {
    if (st_name >= *strsz_) return Reject("symbol name outside the string table");
    const char* start = reinterpret_cast<const char*>(file_.data() + strtab_off_ + st_name);
    const void* nul = std::memchr(start, 0, *strsz_ - st_name);
    if (nul == nullptr) return Reject("unterminated symbol name");
    return std::string_view(start, static_cast<const char*>(nul) - start);
  }

  absl::Status CheckSymbols() {
    absl::StatusOr<uint64_t> count = SymbolCount();
    if (!count.ok()) return count.status();
    if (*count > kMaxSymbols) return Reject("too many dynamic symbols");
    uint64_t off;
    if (!FileOffsetOf(*symtab_, *count * sizeof(Elf64_Sym), &off)) {
      return Reject("dynamic symbol table outside the file image");
    }
    bool found = false;
    for (uint64_t i = 1; i < *count; ++i) {
      Elf64_Sym sym;
      Read(off + i * sizeof(Elf64_Sym), &sym);
      absl::StatusOr<std::string_view> name = SymbolName(sym.st_name);
      if (!name.ok()) return name.status();
      if (sym.st_shndx == SHN_UNDEF) {
        return Reject(absl::StrCat("undefined symbol \"", std::string(*name),
                                   "\" (an artifact must be self-contained)"));
      }
      if (ELF64_ST_TYPE(sym.st_info) == STT_TLS) {
        return Reject(absl::StrCat("thread-local symbol \"", std::string(*name), "\""));
      }
      if (ELF64_ST_TYPE(sym.st_info) == STT_GNU_IFUNC) {
        return Reject(absl::StrCat("indirect function symbol \"", std::string(*name), "\""));
      }
      if (*name == KILN_DESCRIPTOR_SYMBOL) {
        if (found) return Reject("duplicate " KILN_DESCRIPTOR_SYMBOL " symbol");
        if (sym.st_shndx == SHN_ABS || ELF64_ST_TYPE(sym.st_info) != STT_OBJECT) {
          return Reject(KILN_DESCRIPTOR_SYMBOL " is not a data object");
        }
        if (SegmentOf(sym.st_value, sym.st_size) == nullptr) {
          return Reject(KILN_DESCRIPTOR_SYMBOL " lies outside the loadable segments");
        }
        out_.descriptor_vaddr = sym.st_value;
        out_.descriptor_size = sym.st_size;
        found = true;
      }
    }
    if (!found) {
      return Reject("no " KILN_DESCRIPTOR_SYMBOL " symbol (not a kiln artifact)");
    }
    return absl::OkStatus();
  }

  absl::Status AddRelocationTarget(uint64_t offset, int64_t addend, bool implicit) {
    const LoadSegment* seg = SegmentOf(offset, 8);
    if (seg == nullptr) {
      return Reject(absl::StrFormat("relocation at 0x%x lies outside the loadable segments",
                                    offset));
    }
    if (!seg->writable) {
      return Reject(absl::StrFormat(
          "relocation at 0x%x targets a read-only segment (text relocation)", offset));
    }
    if (out_.relocations.size() >= kMaxRelocations) return Reject("too many relocations");
    out_.relocations.push_back({offset, addend, implicit});
    return absl::OkStatus();
  }

  absl::Status CheckRelocations() {
    if (rela_ || relasz_) {
      if (!rela_ || !relasz_) return Reject("DT_RELA without DT_RELASZ (or vice versa)");
      if (relaent_ && *relaent_ != sizeof(Elf64_Rela)) return Reject("bad DT_RELAENT");
      if (*relasz_ % sizeof(Elf64_Rela) != 0) return Reject("DT_RELASZ is not a multiple of 24");
      uint64_t off;
      if (!FileOffsetOf(*rela_, *relasz_, &off)) return Reject("DT_RELA outside the file image");
      const uint64_t n = *relasz_ / sizeof(Elf64_Rela);
      if (n > kMaxRelocations) return Reject("too many relocations");
      for (uint64_t i = 0; i < n; ++i) {
        Elf64_Rela r;
        Read(off + i * sizeof(Elf64_Rela), &r);
        const uint32_t type = ELF64_R_TYPE(r.r_info);
        if (type == R_X86_64_NONE) continue;
        if (type != R_X86_64_RELATIVE) {
          return Reject(absl::StrFormat(
              "relocation type %u (%s) at 0x%x is not allowed (only R_X86_64_RELATIVE)", type,
              RelocationTypeName(type), r.r_offset));
        }
        if (ELF64_R_SYM(r.r_info) != 0) return Reject("R_X86_64_RELATIVE names a symbol");
        if (auto s = AddRelocationTarget(r.r_offset, r.r_addend, false); !s.ok()) return s;
      }
    }
    if (relr_ || relrsz_) {
      if (!relr_ || !relrsz_) return Reject("DT_RELR without DT_RELRSZ (or vice versa)");
      if (relrent_ && *relrent_ != 8) return Reject("bad DT_RELRENT");
      if (*relrsz_ % 8 != 0) return Reject("DT_RELRSZ is not a multiple of 8");
      uint64_t off;
      if (!FileOffsetOf(*relr_, *relrsz_, &off)) return Reject("DT_RELR outside the file image");
      const uint64_t n = *relrsz_ / 8;
      if (n > kMaxRelocations) return Reject("too many relocations");
      // An even entry is an address (relocated, then `where` moves past it); an odd entry is
      // a bitmap of the 63 words following `where`.
      std::optional<uint64_t> where;
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t entry = 0;
        Read(off + 8 * i, &entry);
        if ((entry & 1) == 0) {
          if (entry % 8 != 0) return Reject("misaligned DT_RELR address");
          if (auto s = AddRelocationTarget(entry, 0, true); !s.ok()) return s;
          where = entry + 8;
        } else {
          if (!where.has_value()) return Reject("DT_RELR bitmap before any address");
          for (uint64_t bit = 0; bit < 63; ++bit) {
            if ((entry >> (bit + 1)) & 1) {
              uint64_t target;
              if (!AddOk(*where, 8 * bit, &target)) return Reject("DT_RELR address overflow");
              if (auto s = AddRelocationTarget(target, 0, true); !s.ok()) return s;
            }
          }
          if (!AddOk(*where, 8 * 63, &*where)) return Reject("DT_RELR address overflow");
        }
      }
    }
    return absl::OkStatus();
  }

  std::span<const uint8_t> file_;
  VerifiedElf out_;
  uint64_t phoff_ = 0, phnum_ = 0;
  std::optional<Elf64_Phdr> dynamic_;
  std::optional<uint64_t> symtab_, strtab_, strsz_, syment_, hash_, gnu_hash_;
  std::optional<uint64_t> rela_, relasz_, relaent_, relr_, relrsz_, relrent_;
  uint64_t strtab_off_ = 0;
};

}  // namespace

absl::StatusOr<VerifiedElf> VerifyElf(std::span<const uint8_t> file) {
  return Verifier(file).Run();
}

}  // namespace kiln

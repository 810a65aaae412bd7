#include "GdbJit.h"

#include <elf.h>

#include <cstring>
#include <mutex>

extern "C" {
__attribute__((noinline, used, visibility("default"))) void __jit_debug_register_code() {
  asm volatile("" ::: "memory");
}
__attribute__((used, visibility("default"))) jit_descriptor __jit_debug_descriptor = {1, 0,
                                                                                      nullptr,
                                                                                      nullptr};
}

namespace kiln {
namespace {

constexpr uint32_t kJitRegister = 1;
constexpr uint32_t kJitUnregister = 2;

std::mutex& JitMutex() {
  static std::mutex mu;
  return mu;
}
size_t registered = 0;

template <typename T>
void Append(std::string* out, const T& value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof value);
}

void Align(std::string* out, size_t alignment) {
  while (out->size() % alignment) out->push_back('\0');
}

}  // namespace

std::string BuildDebugObject(uintptr_t code_start, uintptr_t code_end,
                             const std::vector<DebugSymbol>& symbols, uintptr_t eh_frame_addr,
                             std::span<const uint8_t> eh_frame) {
  // Sections: 0 null, 1 .text (no bytes: the code is in memory), 2 .eh_frame, 3 .symtab,
  // 4 .strtab, 5 .shstrtab. Symbol values are offsets into .text (a relocatable object),
  // whose address gdb takes as absolute.
  enum { kNull, kText, kEhFrame, kSymtab, kStrtab, kShstrtab, kSections };
  const std::string shstrtab =
      std::string("\0.text\0.eh_frame\0.symtab\0.strtab\0.shstrtab\0", 43);
  const uint32_t name_text = 1, name_eh = 7, name_symtab = 17, name_strtab = 25,
                 name_shstrtab = 33;

  std::string strtab(1, '\0');
  std::vector<Elf64_Sym> syms(1);  // the null symbol
  for (const DebugSymbol& s : symbols) {
    if (s.start < code_start || s.start >= code_end) continue;
    Elf64_Sym sym{};
    sym.st_name = static_cast<uint32_t>(strtab.size());
    strtab.append(s.name);
    strtab.push_back('\0');
    sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
    sym.st_other = STV_DEFAULT;
    sym.st_shndx = kText;
    sym.st_value = s.start - code_start;
    sym.st_size = s.size;
    syms.push_back(sym);
  }

  std::string out(sizeof(Elf64_Ehdr), '\0');
  Elf64_Shdr sh[kSections] = {};
  // .eh_frame contents, terminated by a zero-length record.
  Align(&out, 8);
  const size_t eh_off = out.size();
  out.append(reinterpret_cast<const char*>(eh_frame.data()), eh_frame.size());
  if (!eh_frame.empty()) out.append(4, '\0');
  const size_t eh_size = out.size() - eh_off;
  Align(&out, 8);
  const size_t sym_off = out.size();
  for (const Elf64_Sym& sym : syms) Append(&out, sym);
  const size_t str_off = out.size();
  out.append(strtab);
  const size_t shstr_off = out.size();
  out.append(shstrtab);
  Align(&out, 8);
  const size_t sh_off = out.size();

  sh[kText].sh_name = name_text;
  sh[kText].sh_type = SHT_NOBITS;
  sh[kText].sh_flags = SHF_ALLOC | SHF_EXECINSTR;
  sh[kText].sh_addr = code_start;
  sh[kText].sh_offset = eh_off;
  sh[kText].sh_size = code_end - code_start;
  sh[kText].sh_addralign = 16;
  sh[kEhFrame].sh_name = name_eh;
  sh[kEhFrame].sh_type = SHT_PROGBITS;
  sh[kEhFrame].sh_flags = SHF_ALLOC;
  sh[kEhFrame].sh_addr = eh_frame.empty() ? 0 : eh_frame_addr;
  sh[kEhFrame].sh_offset = eh_off;
  sh[kEhFrame].sh_size = eh_size;
  sh[kEhFrame].sh_addralign = eh_frame.empty() ? 1 : 8;
  sh[kSymtab].sh_name = name_symtab;
  sh[kSymtab].sh_type = SHT_SYMTAB;
  sh[kSymtab].sh_offset = sym_off;
  sh[kSymtab].sh_size = syms.size() * sizeof(Elf64_Sym);
  sh[kSymtab].sh_link = kStrtab;
  sh[kSymtab].sh_info = 1;  // index of the first non-local symbol
  sh[kSymtab].sh_addralign = 8;
  sh[kSymtab].sh_entsize = sizeof(Elf64_Sym);
  sh[kStrtab].sh_name = name_strtab;
  sh[kStrtab].sh_type = SHT_STRTAB;
  sh[kStrtab].sh_offset = str_off;
  sh[kStrtab].sh_size = strtab.size();
  sh[kStrtab].sh_addralign = 1;
  sh[kShstrtab].sh_name = name_shstrtab;
  sh[kShstrtab].sh_type = SHT_STRTAB;
  sh[kShstrtab].sh_offset = shstr_off;
  sh[kShstrtab].sh_size = shstrtab.size();
  sh[kShstrtab].sh_addralign = 1;
  for (const Elf64_Shdr& s : sh) Append(&out, s);

  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
  eh.e_type = ET_REL;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_shoff = sh_off;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = kSections;
  eh.e_shstrndx = kShstrtab;
  std::memcpy(out.data(), &eh, sizeof eh);
  return out;
}

GdbJitRegistration::GdbJitRegistration(std::string object) : object_(std::move(object)) {
  auto* entry = new jit_code_entry{};
  entry->symfile_addr = object_.data();
  entry->symfile_size = object_.size();
  std::lock_guard<std::mutex> lock(JitMutex());
  entry->next_entry = __jit_debug_descriptor.first_entry;
  if (entry->next_entry) entry->next_entry->prev_entry = entry;
  __jit_debug_descriptor.first_entry = entry;
  __jit_debug_descriptor.relevant_entry = entry;
  __jit_debug_descriptor.action_flag = kJitRegister;
  __jit_debug_register_code();
  ++registered;
  entry_ = entry;
}

GdbJitRegistration::~GdbJitRegistration() {
  auto* entry = static_cast<jit_code_entry*>(entry_);
  {
    std::lock_guard<std::mutex> lock(JitMutex());
    if (entry->prev_entry)
      entry->prev_entry->next_entry = entry->next_entry;
    else
      __jit_debug_descriptor.first_entry = entry->next_entry;
    if (entry->next_entry) entry->next_entry->prev_entry = entry->prev_entry;
    __jit_debug_descriptor.relevant_entry = entry;
    __jit_debug_descriptor.action_flag = kJitUnregister;
    __jit_debug_register_code();
    --registered;
  }
  delete entry;
}

size_t GdbJitRegisteredCount() {
  std::lock_guard<std::mutex> lock(JitMutex());
  return registered;
}

}  // namespace kiln

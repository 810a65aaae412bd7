// The code map (kiln_code_map in kiln/abi.h): built from a linked artifact's line table
// (each instruction's Wasm byte offset, with the chain of functions it was inlined
// through) and unwind table (where the caller's frame is), then linked into the final
// artifact in place of the debug information it came from.
#include "codegen/CodeMap.h"

#include "codegen/Codegen.h"
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "absl/strings/str_format.h"
#include "kiln/abi.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugFrame.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugLine.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "lower/Lowering.h"

namespace kiln::codegen {
namespace {

constexpr uint32_t kDwarfRbp = 6, kDwarfRsp = 7;

struct Function {
  uint32_t kind = 0;
  unsigned index = 0;
  uint64_t start = 0, size = 0;
};

// The functions kilnc names: "wasm-function[N]" or "wasm[N]:name", "kiln.a2n.T",
// "kiln.n2a.T" (lower/ModuleLowering.cc).
std::optional<Function> parseSymbol(llvm::StringRef name) {
  Function f;
  llvm::StringRef digits;
  if (name.consume_front("wasm-function[") || name.consume_front("wasm[")) {
    f.kind = KILN_CODE_WASM;
    digits = name.take_until([](char c) { return c == ']'; });
  } else if (name.consume_front("kiln.a2n.")) {
    f.kind = KILN_CODE_ARRAY_TO_NATIVE;
    digits = name;
  } else if (name.consume_front("kiln.n2a.")) {
    f.kind = KILN_CODE_NATIVE_TO_ARRAY;
    digits = name;
  } else {
    return std::nullopt;
  }
  if (digits.empty() || digits.getAsInteger(10, f.index))
    return std::nullopt;
  return f;
}

struct Cfa {
  int32_t offset = 0;
  uint16_t reg = KILN_CFA_UNKNOWN;
  int16_t rbpSaved = 0;
  bool operator==(const Cfa&) const = default;
};

Cfa cfaOf(const llvm::dwarf::UnwindRow& row) {
  Cfa c;
  const llvm::dwarf::UnwindLocation& cfa = row.getCFAValue();
  if (cfa.getLocation() != llvm::dwarf::UnwindLocation::RegPlusOffset ||
      (cfa.getRegister() != kDwarfRsp && cfa.getRegister() != kDwarfRbp))
    return c;
  std::optional<llvm::dwarf::UnwindLocation> rbp =
      row.getRegisterLocations().getRegisterLocation(kDwarfRbp);
  if (rbp.has_value() && rbp->getLocation() != llvm::dwarf::UnwindLocation::Same) {
    if (rbp->getLocation() != llvm::dwarf::UnwindLocation::CFAPlusOffset || rbp->getOffset() == 0 ||
        rbp->getOffset() < INT16_MIN || rbp->getOffset() > INT16_MAX)
      return c;
    c.rbpSaved = static_cast<int16_t>(rbp->getOffset());
  }
  c.offset = cfa.getOffset();
  c.reg = cfa.getRegister() == kDwarfRsp ? KILN_CFA_RSP : KILN_CFA_RBP;
  return c;
}

template <typename T>
void append(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace

std::string serializeCodeMap(const CodeMapParts& parts) {
  kiln_code_map h;
  std::memset(&h, 0, sizeof h);
  h.magic = KILN_CODE_MAP_MAGIC;
  uint64_t at = sizeof h;
  auto place = [&](uint64_t count, size_t elem, uint32_t* offset) {
    at = (at + 7) & ~uint64_t{7};
    *offset = static_cast<uint32_t>(at);
    at += count * elem;
  };
  h.num_funcs = static_cast<uint32_t>(parts.funcs.size());
  place(h.num_funcs, sizeof(kiln_code_map_func), &h.funcs_offset);
  h.num_rules = static_cast<uint32_t>(parts.rules.size());
  place(h.num_rules, sizeof(kiln_code_map_rule), &h.rules_offset);
  h.locations_size = static_cast<uint32_t>(parts.locations.size());
  place(h.locations_size, 1, &h.locations_offset);
  h.num_inlined = static_cast<uint32_t>(parts.inlined.size());
  place(h.num_inlined, sizeof(kiln_code_map_inlined), &h.inlined_offset);
  h.num_bodies = static_cast<uint32_t>(parts.bodies.size());
  place(h.num_bodies, sizeof(uint32_t), &h.bodies_offset);
  at = (at + 7) & ~uint64_t{7};
  h.size = static_cast<uint32_t>(at);
  std::string out(reinterpret_cast<const char*>(&h), sizeof h);
  auto pad = [&](uint32_t offset) { out.resize(offset, '\0'); };
  pad(h.funcs_offset);
  append(out, parts.funcs);
  pad(h.rules_offset);
  append(out, parts.rules);
  pad(h.locations_offset);
  out += parts.locations;
  pad(h.inlined_offset);
  append(out, parts.inlined);
  pad(h.bodies_offset);
  append(out, parts.bodies);
  out.resize(h.size, '\0');
  return out;
}

absl::StatusOr<std::string> buildCodeMap(const std::string& artifactPath,
                                         const wasm::Module& module) {
  llvm::Expected<llvm::object::OwningBinary<llvm::object::ObjectFile>> binary =
      llvm::object::ObjectFile::createObjectFile(artifactPath);
  if (!binary)
    return absl::InternalError("code map: cannot read the linked code: " +
                               llvm::toString(binary.takeError()));
  const llvm::object::ObjectFile& obj = *binary->getBinary();

  std::vector<Function> functions;
  for (const llvm::object::SymbolRef& sym : obj.symbols()) {
    llvm::Expected<llvm::object::SymbolRef::Type> type = sym.getType();
    if (!type) {
      llvm::consumeError(type.takeError());
      continue;
    }
    if (*type != llvm::object::SymbolRef::ST_Function) continue;
    llvm::Expected<llvm::StringRef> name = sym.getName();
    llvm::Expected<uint64_t> address = sym.getAddress();
    if (!name || !address) {
      llvm::consumeError(name.takeError());
      llvm::consumeError(address.takeError());
      continue;
    }
    std::optional<Function> f = parseSymbol(*name);
    if (!f) continue;
    f->start = *address;
    f->size = llvm::object::ELFSymbolRef(sym).getSize();
    if (f->size == 0 || f->size > UINT32_MAX) continue;
    functions.push_back(*f);
  }
  std::sort(functions.begin(), functions.end(),
            [](const Function& a, const Function& b) { return a.start < b.start; });
  functions.erase(std::unique(functions.begin(), functions.end(),
                              [](const Function& a, const Function& b) { return a.start == b.start; }),
                  functions.end());

  std::unique_ptr<llvm::DWARFContext> dwarf = llvm::DWARFContext::create(obj);

  // Unwind rows by address.
  std::map<uint64_t, Cfa> cfaRows;
  std::map<uint64_t, uint64_t> fdeEnds;  // FDE start -> end: outside any FDE, unknown
  llvm::Expected<const llvm::DWARFDebugFrame*> eh = dwarf->getEHFrame();
  if (!eh) return absl::InternalError("code map: " + llvm::toString(eh.takeError()));
  for (const llvm::dwarf::FrameEntry& entry : (*eh)->entries()) {
    const auto* fde = llvm::dyn_cast<llvm::dwarf::FDE>(&entry);
    if (fde == nullptr) continue;
    llvm::Expected<llvm::dwarf::UnwindTable> table = llvm::dwarf::UnwindTable::create(fde);
    if (!table) {
      llvm::consumeError(table.takeError());
      continue;
    }
    fdeEnds[fde->getInitialLocation()] = fde->getInitialLocation() + fde->getAddressRange();
    for (const llvm::dwarf::UnwindRow& row : *table)
      if (row.hasAddress()) cfaRows[row.getAddress()] = cfaOf(row);
  }

  // Line rows by address, each with its location value (kiln/abi.h): an offset in the
  // function itself, or a node of the inlining tree; past the end of a sequence, 0.
  CodeMapParts parts;
  std::map<uint64_t, uint64_t> lineRows;  // address -> value
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> nodes;
  const llvm::DILineInfoSpecifier spec(llvm::DILineInfoSpecifier::FileLineInfoKind::RawValue,
                                       llvm::DILineInfoSpecifier::FunctionNameKind::ShortName);
  for (const std::unique_ptr<llvm::DWARFUnit>& unit : dwarf->compile_units()) {
    const llvm::DWARFDebugLine::LineTable* table = dwarf->getLineTableForUnit(unit.get());
    if (table == nullptr) continue;
    for (const llvm::DWARFDebugLine::Row& row : table->Rows) {
      const uint64_t address = row.Address.Address;
      lineRows[address] = 0;
      if (row.EndSequence) continue;
      // The function whose symbol covers the address: line tables only describe the
      // functions that have inlined calls, so the outermost frame may be nameless.
      auto fn = std::upper_bound(functions.begin(), functions.end(), address,
                                 [](uint64_t a, const Function& f) { return a < f.start; });
      if (fn == functions.begin() || address >= std::prev(fn)->start + std::prev(fn)->size ||
          std::prev(fn)->kind != KILN_CODE_WASM)
        continue;
      const uint32_t self = std::prev(fn)->index;
      llvm::DIInliningInfo info = dwarf->getInliningInfoForAddress(
          {address, llvm::object::SectionedAddress::UndefSection}, spec);
      // (function, offset), innermost first.
      std::vector<std::pair<uint32_t, uint32_t>> chain;
      const uint32_t n = info.getNumberOfFrames();
      for (uint32_t i = 0; i < n; ++i) {
        const llvm::DILineInfo& frame = info.getFrame(i);
        unsigned func = 0;
        if (llvm::StringRef(frame.FunctionName).getAsInteger(10, func)) {
          if (i + 1 != n) break;
          func = self;
        }
        if (func >= module.funcTypes.size() || module.isImportedFunc(func)) break;
        chain.emplace_back(func, i == 0 ? row.Line : frame.Line);
      }
      if (chain.size() != n || chain.empty() || chain.back().first != self) continue;
      if (chain.size() == 1) {
        lineRows[address] = uint64_t{chain[0].second} << 1;
        continue;
      }
      uint32_t parent = KILN_CODE_MAP_NO_PARENT;
      for (size_t i = chain.size(); i-- > 0;) {
        auto [it, added] = nodes.try_emplace({chain[i].first, chain[i].second, parent},
                                             static_cast<uint32_t>(parts.inlined.size()));
        if (added) parts.inlined.push_back({chain[i].first, chain[i].second, parent});
        parent = it->second;
      }
      lineRows[address] = (uint64_t{parent} << 1) | 1;
    }
  }

  auto leb = [&](uint64_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      if (v != 0) byte |= 0x80;
      parts.locations.push_back(static_cast<char>(byte));
    } while (v != 0);
  };
  for (const Function& f : functions) {
    const uint64_t end = f.start + f.size;
    kiln_code_map_func mf{};
    mf.kind = f.kind;
    mf.index = f.index;
    mf.size = static_cast<uint32_t>(f.size);

    // Frame rules: from the unwind rows inside the function's FDE; unknown elsewhere.
    mf.first_rule = static_cast<uint32_t>(parts.rules.size());
    std::vector<uint64_t> bounds{f.start};
    for (auto it = cfaRows.lower_bound(f.start); it != cfaRows.end() && it->first < end; ++it)
      bounds.push_back(it->first);
    for (uint64_t at : bounds) {
      Cfa cfa;
      if (auto it = cfaRows.upper_bound(at); it != cfaRows.begin()) {
        --it;
        auto fde = fdeEnds.upper_bound(at);
        if (fde != fdeEnds.begin() && at < std::prev(fde)->second &&
            it->first >= std::prev(fde)->first)
          cfa = it->second;
      }
      if (mf.num_rules > 0) {
        const kiln_code_map_rule& last = parts.rules.back();
        if (last.cfa_offset == cfa.offset && last.cfa_reg == cfa.reg &&
            last.rbp_saved == cfa.rbpSaved)
          continue;
      }
      parts.rules.push_back({static_cast<uint32_t>(at - f.start), cfa.offset, cfa.reg,
                             cfa.rbpSaved});
      ++mf.num_rules;
    }

    // Locations, delta-encoded.
    mf.locations = static_cast<uint32_t>(parts.locations.size());
    if (f.kind == KILN_CODE_WASM) {
      // (offset, value) from the row in force at the start; a later row at the same offset
      // replaces an earlier one, and a row with the value of the one before adds nothing.
      std::vector<std::pair<uint64_t, uint64_t>> entries{{0, 0}};
      auto it = lineRows.upper_bound(f.start);
      if (it != lineRows.begin() && std::prev(it)->first == f.start) --it;
      for (; it != lineRows.end() && it->first < end; ++it) {
        const uint64_t offset = it->first - f.start;
        if (entries.back().first == offset) entries.pop_back();
        if (entries.empty() || entries.back().second != it->second)
          entries.emplace_back(offset, it->second);
      }
      uint64_t lastOffset = 0, lastValue = 0;
      for (const auto& [offset, value] : entries) {
        leb(offset - lastOffset);
        const int64_t delta = static_cast<int64_t>(value - lastValue);
        leb((static_cast<uint64_t>(delta) << 1) ^ static_cast<uint64_t>(delta >> 63));
        lastOffset = offset;
        lastValue = value;
        ++mf.num_locations;
      }
    }
    parts.funcs.push_back(mf);
  }

  for (const wasm::Function& f : module.functions) parts.bodies.push_back(f.codeEntryOffset);
  return serializeCodeMap(parts);
}

absl::StatusOr<std::string> emitCodeMapObject(const std::string& blob,
                                              llvm::TargetMachine& tm) {
  llvm::LLVMContext ctx;
  llvm::Module mod("kiln.codemap", ctx);
  mod.setTargetTriple(tm.getTargetTriple().str());
  mod.setDataLayout(tm.createDataLayout());
  llvm::Constant* data = llvm::ConstantDataArray::getString(ctx, blob, /*AddNull=*/false);
  auto* g = new llvm::GlobalVariable(mod, data->getType(), true,
                                     llvm::GlobalValue::ExternalLinkage, data,
                                     lower::kCodeMapSymbol);
  g->setVisibility(llvm::GlobalValue::HiddenVisibility);
  g->setDSOLocal(true);
  g->setAlignment(llvm::Align(8));
  return emitMachineCode(mod, tm, /*assembly=*/false);
}

}  // namespace kiln::codegen

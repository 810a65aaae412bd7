#include "kiln/Trap.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kiln {
namespace {
constexpr char kTrapPayloadUrl[] = "type.kiln.dev/kiln.Trap";
}  // namespace

std::string PrintableName(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    // A well-formed UTF-8 sequence of a code point past the C1 controls stays as it is.
    size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
    if (c >= 0x80 && len > 1 && i + len <= name.size()) {
      uint32_t cp = c & (0x7f >> len);
      bool ok = true;
      for (size_t k = 1; k < len && ok; ++k) {
        const auto cont = static_cast<unsigned char>(name[i + k]);
        ok = (cont & 0xc0) == 0x80;
        cp = (cp << 6) | (cont & 0x3f);
      }
      const uint32_t min = len == 2 ? 0xa0 : len == 3 ? 0x800 : 0x10000;
      if (ok && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
        out.append(name.substr(i, len));
        i += len;
        continue;
      }
    }
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

std::string Trap::DescribeFrame(const Frame& f) {
  std::string out = absl::StrCat("function ", f.func_index);
  if (!f.func_name.empty()) absl::StrAppend(&out, " $", PrintableName(f.func_name));
  if (f.module_offset != 0) absl::StrAppend(&out, " at offset 0x", absl::Hex(f.module_offset));
  return out;
}

std::string Trap::Describe() const {
  std::string out = message.empty() ? kiln_trap_message(code) : message;
  if (code == KILN_TRAP_EXIT) absl::StrAppend(&out, " with code ", exit_code);
  if (func_index.has_value()) {
    absl::StrAppend(&out, " (in function ", *func_index);
    if (!func_name.empty()) absl::StrAppend(&out, " $", PrintableName(func_name));
    out += ")";
  }
  return out;
}

absl::Status TrapToStatus(const Trap& trap) {
  absl::Status status(absl::StatusCode::kAborted, absl::StrCat("trap: ", trap.Describe()));
  // code \n exit_code \n func_index (-1: none) \n pc \n frames \n func_name \n message,
  // frames being "func,module_offset,func_offset,artifact,hex(name);" each (the artifact by
  // address: the status stays in this process).
  std::string frames;
  for (const Trap::Frame& f : trap.frames)
    absl::StrAppend(&frames, f.func_index, ",", f.module_offset, ",", f.func_offset, ",",
                    reinterpret_cast<uintptr_t>(f.artifact), ",",
                    absl::BytesToHexString(f.func_name), ";");
  status.SetPayload(kTrapPayloadUrl,
                    absl::Cord(absl::StrCat(static_cast<int>(trap.code), "\n", trap.exit_code, "\n",
                                            trap.func_index ? int64_t{*trap.func_index} : -1,
                                            "\n", trap.pc, "\n", frames, "\n", trap.func_name,
                                            "\n", trap.message)));
  return status;
}

std::optional<Trap> TrapFromStatus(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kTrapPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), absl::MaxSplits('\n', 6));
  if (parts.size() != 7) return std::nullopt;
  Trap trap;
  int code = 0;
  int64_t func = -1;
  uint64_t pc = 0;
  if (!absl::SimpleAtoi(parts[0], &code) || !absl::SimpleAtoi(parts[1], &trap.exit_code) ||
      !absl::SimpleAtoi(parts[2], &func) || !absl::SimpleAtoi(parts[3], &pc)) {
    return std::nullopt;
  }
  trap.code = static_cast<kiln_trap_code>(code);
  if (func >= 0) trap.func_index = static_cast<uint32_t>(func);
  trap.pc = pc;
  for (absl::string_view item : absl::StrSplit(parts[4], ';', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(item, ',');
    Trap::Frame f;
    uintptr_t artifact = 0;
    if (fields.size() != 5 || !absl::SimpleAtoi(fields[0], &f.func_index) ||
        !absl::SimpleAtoi(fields[1], &f.module_offset) ||
        !absl::SimpleAtoi(fields[2], &f.func_offset) || !absl::SimpleAtoi(fields[3], &artifact))
      return std::nullopt;
    f.artifact = reinterpret_cast<const Artifact*>(artifact);
    f.func_name = absl::HexStringToBytes(fields[4]);
    trap.frames.push_back(f);
  }
  trap.func_name = parts[5];
  trap.message = parts[6];
  return trap;
}

}  // namespace kiln

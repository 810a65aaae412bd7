#include "kiln/Trap.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kiln {
namespace {
constexpr char kTrapPayloadUrl[] = "type.kiln.dev/kiln.Trap";
}  // namespace

std::string Trap::Describe() const {
  std::string out = message.empty() ? kiln_trap_message(code) : message;
  if (code == KILN_TRAP_EXIT) absl::StrAppend(&out, " with code ", exit_code);
  if (func_index.has_value()) {
    absl::StrAppend(&out, " (in function ", *func_index);
    if (!func_name.empty()) absl::StrAppend(&out, " $", func_name);
    out += ")";
  }
  return out;
}

absl::Status TrapToStatus(const Trap& trap) {
  absl::Status status(absl::StatusCode::kAborted, absl::StrCat("trap: ", trap.Describe()));
  // code \n exit_code \n func_index (-1: none) \n pc \n func_name \n message
  status.SetPayload(kTrapPayloadUrl,
                    absl::Cord(absl::StrCat(static_cast<int>(trap.code), "\n", trap.exit_code, "\n",
                                            trap.func_index ? int64_t{*trap.func_index} : -1,
                                            "\n", trap.pc, "\n", trap.func_name, "\n",
                                            trap.message)));
  return status;
}

std::optional<Trap> TrapFromStatus(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kTrapPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), absl::MaxSplits('\n', 5));
  if (parts.size() != 6) return std::nullopt;
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
  trap.func_name = parts[4];
  trap.message = parts[5];
  return trap;
}

}  // namespace kiln

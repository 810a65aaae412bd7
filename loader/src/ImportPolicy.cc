#include "kiln/ImportPolicy.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace kiln {
namespace {

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

void ImportPolicy::Approve(std::string module, std::string name) {
  approved_.push_back({std::move(module), std::move(name)});
}

void ImportPolicy::Deny(std::string module, std::string name) {
  denied_.push_back({std::move(module), std::move(name)});
}

absl::StatusOr<std::pair<std::string, std::string>> ImportPolicy::ParseName(
    std::string_view text) {
  const size_t sep = text.find("::");
  if (sep == std::string_view::npos || sep == 0 || sep + 2 == text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected MODULE::NAME (NAME may be *), got \"", std::string(text), "\""));
  }
  return std::pair{std::string(text.substr(0, sep)), std::string(text.substr(sep + 2))};
}

absl::Status ImportPolicy::LoadFile(const std::string& path, bool replace_approved) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read import policy \"", path, "\""));
  std::vector<Rule> approved, denied;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string_view l = Trim(line);
    if (l.empty() || l.front() == '#') continue;
    const size_t space = l.find_first_of(" \t");
    const std::string_view verb = l.substr(0, space);
    const std::string_view rest =
        space == std::string_view::npos ? std::string_view() : Trim(l.substr(space));
    auto where = [&](std::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", std::string(what)));
    };
    if (verb != "approve" && verb != "deny") {
      return where(absl::StrCat(
          "expected \"approve MODULE::NAME\" or \"deny MODULE::NAME\", got \"", std::string(l),
          "\""));
    }
    absl::StatusOr<std::pair<std::string, std::string>> name = ParseName(rest);
    if (!name.ok()) return where(std::string(name.status().message()));
    (verb == "approve" ? approved : denied).push_back({name->first, name->second});
  }
  if (replace_approved && !approved.empty()) approved_.clear();
  approved_.insert(approved_.end(), approved.begin(), approved.end());
  denied_.insert(denied_.end(), denied.begin(), denied.end());
  return absl::OkStatus();
}

std::optional<std::string> ImportPolicy::Check(std::string_view module,
                                               std::string_view name) const {
  for (const Rule& r : denied_) {
    if (r.Matches(module, name)) return "denied (" + r.module + "::" + r.name + ")";
  }
  for (const Rule& r : approved_) {
    if (r.Matches(module, name)) return std::nullopt;
  }
  return std::string("not in the approved set");
}

}  // namespace kiln

// Which imports an instance may be given: the operator's approved set.
//
//   kiln::ImportPolicy policy;
//   policy.Approve("wasi_snapshot_preview1", "*");
//   policy.Deny("wasi_snapshot_preview1", "sock_accept");
//   kiln::InstanceOptions options;
//   options.import_policy = &policy;
//
// With a policy, instantiation checks every import against it before asking the resolver
// and before any guest code runs; an import outside the approved set fails with
// "import "m" "n" (func (i32) -> (i32)) is not approved: ...". A name may be "*" (every
// name of that module). Deny wins over approve.
#ifndef KILN_LOADER_IMPORT_POLICY_H
#define KILN_LOADER_IMPORT_POLICY_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln {

class ImportPolicy {
 public:
  void Approve(std::string module, std::string name);
  void Deny(std::string module, std::string name);
  // Forgets every approval (Deny rules stay).
  void ClearApproved() { approved_.clear(); }

  // "MODULE::NAME" (NAME may be "*") as a pair; an error names what is wrong.
  static absl::StatusOr<std::pair<std::string, std::string>> ParseName(std::string_view text);
  // A policy file: one rule a line, "approve MODULE::NAME" or "deny MODULE::NAME"; blank
  // lines and lines starting with '#' are ignored. Errors name the file and line.
  // `replace_approved`: the file's approvals replace the current ones (if it has any).
  absl::Status LoadFile(const std::string& path, bool replace_approved = true);

  // nullopt when module.name is approved; otherwise why not.
  std::optional<std::string> Check(std::string_view module, std::string_view name) const;

 private:
  struct Rule {
    std::string module, name;
    bool Matches(std::string_view m, std::string_view n) const {
      return m == module && (name == "*" || n == name);
    }
  };
  std::vector<Rule> approved_;
  std::vector<Rule> denied_;
};

}  // namespace kiln

#endif  // KILN_LOADER_IMPORT_POLICY_H

#include "kiln/Instance.h"

namespace kiln {

void ImportMap::Add(std::string module, std::string name, Extern value) {
  for (auto& [key, existing] : entries_) {
    if (key.first == module && key.second == name) {
      existing = std::move(value);
      return;
    }
  }
  entries_.push_back({{std::move(module), std::move(name)}, std::move(value)});
}

void ImportMap::AddInstance(const std::string& module, Instance& instance) {
  for (auto& [name, value] : instance.Exports()) Add(module, name, std::move(value));
}

std::optional<Extern> ImportMap::Find(std::string_view module, std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (key.first == module && key.second == name) return value;
  }
  return std::nullopt;
}

std::optional<Extern> ImportMap::Resolve(const ImportRequest& request) const {
  std::optional<Extern> found = Find(request.module, request.name);
  if (!found.has_value() && fallback_) return fallback_(request);
  return found;
}

}  // namespace kiln

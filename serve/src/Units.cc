#include "kiln/serve/Units.h"

#include <cctype>
#include <utility>

namespace kiln::serve {

namespace {

// "1.5ms" -> (1.5, "ms").
std::optional<std::pair<double, std::string>> SplitNumber(const std::string& text) {
  size_t used = 0;
  try {
    const double value = std::stod(text, &used);
    return std::pair(value, text.substr(used));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<uint64_t> ParseBytes(const std::string& text) {
  std::optional<std::pair<double, std::string>> split = SplitNumber(text);
  if (!split) return std::nullopt;
  auto& [value, unit] = *split;
  for (char& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  double scale = 1;
  if (unit.empty() || unit == "b") {
    scale = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    scale = 1024.0;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    scale = 1024.0 * 1024;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    scale = 1024.0 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  if (!(value >= 0) || value * scale > 1e19) return std::nullopt;
  return static_cast<uint64_t>(value * scale);
}

std::optional<std::chrono::nanoseconds> ParseDuration(const std::string& text) {
  std::optional<std::pair<double, std::string>> split = SplitNumber(text);
  if (!split) return std::nullopt;
  const auto& [value, unit] = *split;
  double ns;
  if (unit == "ns") ns = 1;
  else if (unit == "us") ns = 1e3;
  else if (unit == "ms") ns = 1e6;
  else if (unit == "s" || unit.empty()) ns = 1e9;
  else if (unit == "m") ns = 60e9;
  else if (unit == "h") ns = 3600e9;
  else return std::nullopt;
  if (!(value > 0) || value * ns > 1e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(value * ns));
}

}  // namespace kiln::serve

// Sizes and durations as people write them on command lines and in kiln serve's config.
#ifndef KILN_SERVE_UNITS_H
#define KILN_SERVE_UNITS_H

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace kiln::serve {

// "4096", "64K", "16M", "2G" (powers of 1024; "KiB"/"MB" spellings too) -> bytes.
std::optional<uint64_t> ParseBytes(const std::string& text);

// "250ms", "2s", "1.5m", "1h", "500us" (a bare number is seconds) -> a positive duration.
std::optional<std::chrono::nanoseconds> ParseDuration(const std::string& text);

}  // namespace kiln::serve

#endif  // KILN_SERVE_UNITS_H

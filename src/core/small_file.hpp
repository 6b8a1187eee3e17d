// SPDX-License-Identifier: Apache-2.0
// Reading a small input file whole (a PEM, a JSON, a config): bounded, so a wrong path to a
// huge file is an error rather than a memory spike.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "certkeep/result.hpp"

namespace certkeep::core {

inline constexpr std::uintmax_t kMaxSmallFile = 1024 * 1024;

// Errc::InvalidArgument "cannot read it (<reason>)" or "larger than 1 MiB"; the caller names
// the file (and the flag it came from).
Result<std::string> read_small_file(const std::filesystem::path& file);

}  // namespace certkeep::core

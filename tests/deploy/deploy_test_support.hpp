// SPDX-License-Identifier: Apache-2.0
// Helpers for the deploy tests: a temporary directory per test and small file utilities.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "support/temp_dir.hpp"

namespace certkeep::deploy::testing {

using certkeep::testing::mode_of;
using certkeep::testing::read_text;

class TempDir : public certkeep::testing::TempDir {
 public:
  TempDir() : certkeep::testing::TempDir("deploy") {}
};

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::size_t entry_count(const std::filesystem::path& directory) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory)) ++count;
  return count;
}

}  // namespace certkeep::deploy::testing

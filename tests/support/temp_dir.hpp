// SPDX-License-Identifier: Apache-2.0
// Test helpers shared by every module's tests: a private temporary directory removed with
// everything in it, and the permission bits of a path.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace certkeep::testing {

class TempDir {
 public:
  // Created under $TMPDIR (or /tmp) as "certkeep-<label>-XXXXXX", mode 0700.
  explicit TempDir(std::string_view label = "test") {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && base[0] == '/' ? base : "/tmp") + "/certkeep-" +
                          std::string(label) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Permission bits of `path` itself (a symlink is not followed); 0xFFFF when it is missing.
inline unsigned mode_of(const std::filesystem::path& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return 0xFFFF;
  return status.st_mode & 07777;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace certkeep::testing

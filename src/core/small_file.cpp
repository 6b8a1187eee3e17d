// SPDX-License-Identifier: Apache-2.0
#include "core/small_file.hpp"

#include <fstream>
#include <iterator>

namespace certkeep::core {

Result<std::string> read_small_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return fail(Errc::InvalidArgument, "cannot read it (" + ec.message() + ")");
  if (size > kMaxSmallFile) return fail(Errc::InvalidArgument, "larger than 1 MiB");
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad() || !in.is_open()) return fail(Errc::InvalidArgument, "cannot read it");
  return text;
}

}  // namespace certkeep::core

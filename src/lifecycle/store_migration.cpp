// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/store_migration.hpp"

#include "lifecycle/app.hpp"

namespace certkeep::lifecycle {

Result<store::CopyReport> migrate_store(const std::filesystem::path& state_dir, const std::string& from,
                                        const std::string& to) {
  if (to.empty()) return fail(Errc::InvalidArgument, "store migrate: --to names no store");
  const std::filesystem::path directory = state_dir.empty() ? default_state_dir() : state_dir;
  const std::string source = from.empty() ? (directory / "certkeep.db").string() : from;
  return store::copy_store(source, to);
}

}  // namespace certkeep::lifecycle

// SPDX-License-Identifier: Apache-2.0
// `certkeep store migrate --to URL`: the state directory's store copied, checked, into another
// engine (a PostgreSQL database, for a fleet).
#pragma once

#include <filesystem>
#include <string>

#include "certkeep/result.hpp"
#include "store/store_copy.hpp"

namespace certkeep::lifecycle {

// Copies the store at `from` (Default, when empty: <state_dir>/certkeep.db) into the empty
// store `to` (store::copy_store): the source is only read, the target gets everything or
// nothing. Errc::InvalidArgument for a missing target; store::copy_store's errors otherwise.
Result<store::CopyReport> migrate_store(const std::filesystem::path& state_dir, const std::string& from,
                                        const std::string& to);

}  // namespace certkeep::lifecycle

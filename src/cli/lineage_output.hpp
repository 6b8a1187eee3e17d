// SPDX-License-Identifier: Apache-2.0
// How lineages look on the terminal and in --json: one place, so list, show and issue agree.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "lifecycle/app.hpp"

namespace certkeep::cli {

// "2026-02-01 12:00 UTC", or "-".
std::string format_time(const std::optional<core::SystemTime>& time);
// Whole days from now until `time` (negative when past), or "-".
std::string days_left(const std::optional<core::SystemTime>& time, core::SystemTime now);

// One JSON object; never contains key material.
std::string lineage_json(const std::filesystem::path& state_dir, const lifecycle::LineageRecord& lineage);

// Rows as columns separated by two spaces, each as wide as its widest cell (at most 48).
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// The `list` table.
std::string lineage_table(const std::vector<lifecycle::LineageRecord>& lineages, core::SystemTime now);
// `show`: every field and the event history.
std::string lineage_details_text(const std::filesystem::path& state_dir,
                                 const lifecycle::LineageDetails& details, core::SystemTime now);
std::string lineage_details_json(const std::filesystem::path& state_dir,
                                 const lifecycle::LineageDetails& details);

}  // namespace certkeep::cli

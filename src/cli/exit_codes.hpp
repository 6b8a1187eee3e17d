// SPDX-License-Identifier: Apache-2.0
// The CLI's exit codes (DESIGN.md): scripts rely on them.
#pragma once

namespace certkeep::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

}  // namespace certkeep::cli

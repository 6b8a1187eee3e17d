// SPDX-License-Identifier: Apache-2.0
// The CLI's exit codes, which scripts rely on: 0 done, 1 failed, 2 bad usage
// (the README says so where it shows `certkeep issue`).
#pragma once

namespace certkeep::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

}  // namespace certkeep::cli

// SPDX-License-Identifier: Apache-2.0
// The CLI's exit codes, which scripts rely on: the one place they are defined. The man page's
// EXIT STATUS section is generated from kExitCodes, README.md's "Exit codes" table repeats it
// (tests/cli/exit_codes_test.cpp holds the two to each other and each code to a case).
#pragma once

#include <array>
#include <string_view>

namespace certkeep::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct ExitCode {
  int code;
  std::string_view meaning;
};

inline constexpr std::array<ExitCode, 3> kExitCodes{{
    {kExitSuccess, "success; `check`: the server serves the stored certificate"},
    {kExitFailure,
     "failure: an issuance, renewal, deployment, hook or revocation failed (the previous certificate "
     "stays deployed); `renew`: also an imported certificate in its warning period; `check`: the "
     "server serves another certificate, or could not be reached"},
    {kExitUsage,
     "bad usage: an unknown command or option, a bad value, an unknown lineage, or a config file "
     "or environment value that is refused (nothing was done)"},
}};

}  // namespace certkeep::cli

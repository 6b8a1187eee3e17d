// SPDX-License-Identifier: Apache-2.0
// The External Account Binding flags of `issue` and `account register`. The MAC key may come
// from --eab-hmac-key, --eab-hmac-key-file or the CERTKEEP_EAB_HMAC_KEY variable, so it need
// not appear in `ps` or the shell's history.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "certkeep/result.hpp"
#include "lifecycle/eab_input.hpp"

namespace CLI {
class App;
}

namespace certkeep::cli {

inline constexpr const char* kEabKeyVariable = "CERTKEEP_EAB_HMAC_KEY";

struct EabFlags {
  std::string key_id;
  std::string mac_key;  // from the command line: visible in ps; the file or variable is better
  std::string mac_key_file;
  std::string algorithm;
};

// Registers --eab-kid, --eab-hmac-key, --eab-hmac-key-file and --eab-alg on `cmd`.
void add_eab_flags(CLI::App& cmd, EabFlags& flags);

// Reads `getenv(kEabKeyVariable)` when no key flag was given. The MAC key file is read (at
// most 4 KiB); `warn` gets a line when it is readable by others. Errc::InvalidArgument for two
// key sources, an unreadable file, or what lifecycle::parse_eab_input refuses.
using EnvReader = std::function<std::optional<std::string>(const char* name)>;
// The process's EnvReader: a variable is removed from the environment once read, so a hook
// this process starts never inherits the MAC key.
std::optional<std::string> take_environment_variable(const char* name);
Result<lifecycle::EabInput> read_eab_flags(const EabFlags& flags, const EnvReader& env,
                                           const std::function<void(std::string_view)>& warn);

}  // namespace certkeep::cli

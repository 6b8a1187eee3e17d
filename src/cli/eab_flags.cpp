// SPDX-License-Identifier: Apache-2.0
#include "cli/eab_flags.hpp"

#include <cstdlib>

#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "core/small_file.hpp"

namespace certkeep::cli {

std::optional<std::string> take_environment_variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  std::string copy(value);
  ::unsetenv(name);
  return copy;
}

void add_eab_flags(CLI::App& cmd, EabFlags& flags) {
  cmd.add_option("--eab-kid", flags.key_id, "External Account Binding: the key id the CA gave you");
  auto* key = cmd.add_option("--eab-hmac-key", flags.mac_key,
                             "EAB MAC key (base64url); visible in ps: prefer --eab-hmac-key-file or "
                             "CERTKEEP_EAB_HMAC_KEY");
  auto* file = cmd.add_option("--eab-hmac-key-file", flags.mac_key_file, "File holding the EAB MAC key");
  key->excludes(file);
  cmd.add_option("--eab-alg", flags.algorithm, "EAB MAC algorithm: hs256 (default), hs384, hs512");
}

Result<lifecycle::EabInput> read_eab_flags(const EabFlags& flags, const EnvReader& env,
                                           const std::function<void(std::string_view)>& warn) {
  lifecycle::EabInput input;
  input.key_id = flags.key_id;
  input.algorithm = flags.algorithm;
  if (!flags.mac_key.empty()) {
    input.mac_key = core::Secret(flags.mac_key);
    input.mac_key_source = "--eab-hmac-key";
  } else if (!flags.mac_key_file.empty()) {
    input.mac_key_source = "--eab-hmac-key-file " + flags.mac_key_file;
    auto text = core::read_small_file(flags.mac_key_file);
    if (!text) return fail(std::move(text).error().with_context(input.mac_key_source));
    input.mac_key = core::Secret(std::move(*text));
    struct stat info {};
    if (warn && ::stat(flags.mac_key_file.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
      warn(flags.mac_key_file + " (the EAB MAC key) is readable by others: chmod 600 it");
  } else if (auto from_env = env ? env(kEabKeyVariable) : std::nullopt; from_env && !from_env->empty()) {
    input.mac_key = core::Secret(std::move(*from_env));
    input.mac_key_source = kEabKeyVariable;
  }
  return input;
}

}  // namespace certkeep::cli

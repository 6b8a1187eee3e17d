// SPDX-License-Identifier: Apache-2.0
// Settings: every option's value from, in order of precedence, the command line, the
// environment, the config file, or its default — all derived from the CLI11 definitions
// (cli/command_tree.hpp), so an option added anywhere has its environment variable and config
// key without being listed again.
//
//   option --state-dir        env CERTKEEP_STATE_DIR         config `state-dir = "…"`
//   issue --email             env CERTKEEP_ISSUE_EMAIL       config `[issue]` `email = "…"`
//   ca init --cn              env CERTKEEP_CA_INIT_CN        config `[ca.init]` `cn = "…"`
//
// The variables hooks get (CERTKEEP_NAME, CERTKEEP_DOMAINS, … lifecycle::hook_variable_names)
// are never read as options, so a deploy hook that runs certkeep is not steered by them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "cli/command_tree.hpp"
#include "config/toml_document.hpp"

namespace certkeep::cli {

inline constexpr const char* kDefaultConfigFile = "/etc/certkeep/certkeep.toml";
inline constexpr const char* kConfigEnvironmentVariable = "CERTKEEP_CONFIG";

// The process environment, or a test's.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup process_environment();

enum class SettingSource { Default, File, Environment, CommandLine };
std::string_view to_string(SettingSource source) noexcept;

struct Setting {
  std::vector<std::string> path;  // the command; {} for a global option
  std::string option;             // its long name, "state-dir"
  std::string key;                // in the config file, "state-dir", "issue.email"
  std::string environment;        // "CERTKEEP_STATE_DIR"; "" when the name is a hook's
  std::vector<std::string> values;
  SettingSource source = SettingSource::Default;
  int line = 0;         // for SettingSource::File
  bool secret = false;  // never printed (`config show` says "(secret)")
  bool flag = false;
};

class Settings {
 public:
  std::string config_file;  // the file read; "" when none
  std::vector<Setting> entries;
  // What is wrong with the config file or the environment: "FILE:LINE: KEY: what". Only
  // `config check` runs with problems; every other command refuses to.
  std::vector<std::string> problems;
  const Setting* find(std::string_view key) const;
};

// CERTKEEP_ + the command path + the option's long name, upper case with '_' for '-'; "" when
// that is the name of a hook variable.
std::string environment_name(const std::vector<std::string>& path, const CLI::Option& option);
// "state-dir", "issue.email", "ca.init.cn".
std::string config_key(const std::vector<std::string>& path, const CLI::Option& option);
// An option whose value is a secret (a MAC key, a password, a TSIG secret): never printed, never
// accepted from a config file that group or others can read, and removed from the environment
// once read so hooks do not inherit it. A value with a password in it (has_password) is treated
// the same way whatever its option.
bool is_secret(const CLI::Option& option);
// A value that carries a password: a URL with one in its user part
// ("postgresql://certkeep:PASSWORD@db/certkeep"). Treated like a secret option's value.
bool has_password(std::string_view value);

// The config file to read: --config as parsed, else $CERTKEEP_CONFIG, else kDefaultConfigFile
// when it exists; "" for none. `named`: given by --config or CERTKEEP_CONFIG (then it must
// exist). /dev/null names none.
struct ConfigChoice {
  std::string file;
  bool named = false;
};
ConfigChoice choose_config_file(const std::string& config_option, const EnvironmentLookup& env);

// Every problem of a config file, each as "FILE:LINE: KEY: what" (a key unknown to every
// command, a table that is no command, a value of the wrong type, a value the option refuses,
// a secret in a file group or others can read: `mode` is the file's permission bits).
// `make_tree` gives the definitions (tests add options to them).
using TreeFactory = std::function<std::unique_ptr<CommandTree>()>;
std::vector<std::string> check_config(const config::Document& document, unsigned mode,
                                      const TreeFactory& make_tree = make_command_tree);
// Every option value of the environment that its option refuses: "environment CERTKEEP_X: what".
std::vector<std::string> check_environment(const EnvironmentLookup& env,
                                           const TreeFactory& make_tree = make_command_tree);

// What the environment and the config file add to a command line.
struct Layering {
  // Appended to argv: "--option=value" for each value taken from the environment or the file.
  std::vector<std::string> arguments;
  // Where each added option came from, for error messages: "--email (from FILE:3)".
  std::vector<std::pair<std::string, std::string>> origins;
  Settings settings;
};

// For the options of the command `parsed` names (a tree after a first parse of the command
// line) that the command line left unset: the environment's value, else the file's (`document`
// may be null). A value is not added when an option the command line (or a stronger layer) set
// excludes it, or when an option it needs stays unset: `webroot` from the file yields to
// `--standalone` on the command line. Secret variables are removed from the environment once
// read (`unset_secrets`).
Layering layer_settings(CommandTree& parsed, const config::Document* document, const EnvironmentLookup& env,
                        bool unset_secrets);

}  // namespace certkeep::cli

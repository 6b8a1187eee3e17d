// SPDX-License-Identifier: Apache-2.0
#include "cli/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "core/strings.hpp"
#include "lifecycle/deployer.hpp"

namespace certkeep::cli {

namespace {

std::string upper_identifier(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_whitespace(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// A flag's value from the environment or a file: true, false, or neither (left to CLI11).
std::optional<bool> flag_value(std::string_view text) {
  const std::string value = lower(text);
  if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
  if (value == "0" || value == "false" || value == "no" || value == "off" || value.empty()) return false;
  return std::nullopt;
}

bool excluded_by(const CLI::Option* option, const std::set<const CLI::Option*>& set) {
  for (const CLI::Option* other : set) {
    if (other == option) continue;
    if (option->get_excludes().count(const_cast<CLI::Option*>(other)) > 0 ||
        other->get_excludes().count(const_cast<CLI::Option*>(option)) > 0)
      return true;
  }
  return false;
}

bool needs_met(const CLI::Option* option, const std::set<const CLI::Option*>& set) {
  for (const CLI::Option* needed : option->get_needs())
    if (set.count(needed) == 0) return false;
  return true;
}

struct Candidate {
  CLI::Option* option = nullptr;
  std::size_t setting = 0;  // index into Settings::entries
  std::string origin;
};

}  // namespace

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string_view to_string(SettingSource source) noexcept {
  switch (source) {
    case SettingSource::Default: return "default";
    case SettingSource::File: return "file";
    case SettingSource::Environment: return "environment";
    case SettingSource::CommandLine: return "command line";
  }
  return "default";
}

const Setting* Settings::find(std::string_view key) const {
  for (const Setting& setting : entries)
    if (setting.key == key) return &setting;
  return nullptr;
}

std::string environment_name(const std::vector<std::string>& path, const CLI::Option& option) {
  std::string name = "CERTKEEP";
  for (const std::string& part : path) name += "_" + upper_identifier(part);
  name += "_" + upper_identifier(long_name(option));
  for (std::string_view reserved : lifecycle::hook_variable_names())
    if (name == reserved) return {};
  return name;
}

std::string config_key(const std::vector<std::string>& path, const CLI::Option& option) {
  return config::dotted_key(path, long_name(option));
}

bool is_secret(const CLI::Option& option) {
  const std::string name = long_name(option);
  for (std::string_view word : {"secret", "hmac", "mac-key", "password", "passphrase"})
    if (name.find(word) != std::string::npos) return true;
  return false;
}

bool has_password(std::string_view value) {
  const auto scheme = value.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::string_view authority = value.substr(scheme + 3, value.find('/', scheme + 3) - (scheme + 3));
  const auto at = authority.rfind('@');
  return at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos;
}

ConfigChoice choose_config_file(const std::string& config_option, const EnvironmentLookup& env) {
  if (!config_option.empty()) return {config_option, true};
  if (auto named = env(kConfigEnvironmentVariable); named && !named->empty()) return {*named, true};
  std::error_code ec;
  if (std::filesystem::exists(kDefaultConfigFile, ec)) return {kDefaultConfigFile, false};
  return {};
}

Layering layer_settings(CommandTree& parsed, const config::Document* document, const EnvironmentLookup& env,
                        bool unset_secrets) {
  Layering out;
  std::map<std::string, const config::Entry*> file_values;
  if (document != nullptr) {
    out.settings.config_file = document->source;
    for (const config::Entry& entry : document->entries)
      file_values[config::dotted_key(entry.table, entry.key)] = &entry;
  }
  std::set<std::vector<std::string>> chain;
  for (const CommandNode& node : parsed_chain(parsed.app)) chain.insert(node.path);

  std::set<const CLI::Option*> set_options;  // by the command line, then by accepted layers
  std::vector<Candidate> candidates;
  for (const CommandNode& node : command_nodes(parsed.app)) {
    const bool runs = chain.count(node.path) > 0;
    for (CLI::Option* option : named_options(*node.app)) {
      Setting setting;
      setting.path = node.path;
      setting.option = long_name(*option);
      setting.key = config_key(node.path, *option);
      setting.environment = environment_name(node.path, *option);
      setting.secret = is_secret(*option);
      setting.flag = is_flag(*option);
      std::optional<std::string> from_env;
      if (!setting.environment.empty()) from_env = env(setting.environment);
      if (from_env && (setting.secret || has_password(*from_env)) && unset_secrets)
        ::unsetenv(setting.environment.c_str());
      auto in_file = file_values.find(setting.key);
      std::string origin;
      if (runs && option->count() > 0) {
        setting.source = SettingSource::CommandLine;
        setting.values = option->results();
        set_options.insert(option);
      } else if (from_env && !from_env->empty()) {
        setting.source = SettingSource::Environment;
        setting.values = is_repeatable(*option) ? split_whitespace(*from_env) : std::vector{*from_env};
        origin = "environment " + setting.environment;
      } else if (in_file != file_values.end()) {
        setting.source = SettingSource::File;
        setting.values = in_file->second->value.items;
        setting.line = in_file->second->line;
        origin = out.settings.config_file + ":" + std::to_string(setting.line);
      } else if (setting.flag) {
        setting.values = {"false"};
      } else if (!option->get_default_str().empty() && option->get_default_str() != "[]") {
        setting.values = {option->get_default_str()};
      }
      for (const std::string& value : setting.values) setting.secret = setting.secret || has_password(value);
      out.settings.entries.push_back(std::move(setting));
      if (runs && !origin.empty())
        candidates.push_back({option, out.settings.entries.size() - 1, std::move(origin)});
    }
  }

  // The environment's values before the file's, each yielding to what is already set.
  std::vector<Candidate> accepted;
  for (SettingSource layer : {SettingSource::Environment, SettingSource::File}) {
    for (Candidate& candidate : candidates) {
      const Setting& setting = out.settings.entries[candidate.setting];
      if (setting.source != layer) continue;
      if (setting.flag && !setting.values.empty() && flag_value(setting.values.front()) == false) continue;
      if (excluded_by(candidate.option, set_options)) continue;
      set_options.insert(candidate.option);
      accepted.push_back(candidate);
    }
  }
  // A value whose option needs another one that stays unset is dropped (a default for
  // `--validity`, which needs `--ca`, applies only to commands that give --ca).
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = accepted.begin(); it != accepted.end(); ++it) {
      if (needs_met(it->option, set_options)) continue;
      set_options.erase(it->option);
      accepted.erase(it);
      changed = true;
      break;
    }
  }
  for (const Candidate& candidate : accepted) {
    const Setting& setting = out.settings.entries[candidate.setting];
    const std::string name = "--" + setting.option;
    if (setting.flag) {
      const auto value =
          setting.values.empty() ? std::optional<bool>(true) : flag_value(setting.values.front());
      out.arguments.push_back(value ? name : name + "=" + setting.values.front());
    } else {
      for (const std::string& value : setting.values) out.arguments.push_back(name + "=" + value);
    }
    out.origins.emplace_back(name, candidate.origin);
  }
  return out;
}

}  // namespace certkeep::cli

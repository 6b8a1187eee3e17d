// SPDX-License-Identifier: Apache-2.0
#include "cli/generated_docs.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/command_tree.hpp"
#include "cli/exit_codes.hpp"
#include "cli/settings.hpp"
#include "config/toml_document.hpp"
#include "core/utf8.hpp"
#include "lifecycle/deployer.hpp"

namespace certkeep::cli {

namespace {

// Every option a user may type at `node`: its own and each parent's (they fall through).
struct NodeOptions {
  std::vector<std::string> words;                              // "-d", "--domain", …
  std::vector<std::string> valued;                             // those that take a value
  std::vector<std::pair<std::string, std::string>> described;  // word, description
};

NodeOptions options_at(const std::vector<CommandNode>& nodes, const CommandNode& node) {
  NodeOptions out;
  for (const CommandNode& other : nodes) {
    if (other.path.size() > node.path.size() ||
        !std::equal(other.path.begin(), other.path.end(), node.path.begin()))
      continue;
    for (const CLI::Option* option : other.app->get_options()) {
      if (option->get_positional()) continue;
      std::vector<std::string> words;
      for (const std::string& name : option->get_snames()) words.push_back("-" + name);
      for (const std::string& name : option->get_lnames()) words.push_back("--" + name);
      for (const std::string& word : words) {
        out.words.push_back(word);
        if (!is_flag(*option)) out.valued.push_back(word);
        out.described.emplace_back(word, option->get_description());
      }
    }
  }
  return out;
}

std::vector<CLI::App*> children(CLI::App& app) {
  return app.get_subcommands([](CLI::App* sub) { return !sub->get_group().empty(); });
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string node_key(const std::vector<std::string>& path) { return path.empty() ? "." : join_words(path); }

// A shell single-quoted word.
std::string shell_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// The length of the UTF-8 sequence `lead` starts (1 for ASCII and for a stray byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// roff: a backslash is \e, a hyphen in an option is \-, a line may not start with . or '.
// Anything beyond ASCII ("…" in a description) is written as groff's \[uXXXX], since man pages
// are read as Latin-1 without preconv and groff -ww warns about the raw bytes.
std::string roff(std::string_view text) {
  const std::string valid = core::to_valid_utf8(text);
  std::string out;
  for (std::size_t i = 0; i < valid.size();) {
    const auto lead = static_cast<unsigned char>(valid[i]);
    const std::size_t length = std::min(utf8_length(lead), valid.size() - i);
    if (length > 1) {
      unsigned code = lead & (0xFFu >> (length + 1));
      for (std::size_t k = 1; k < length; ++k) code = (code << 6) | (static_cast<unsigned char>(valid[i + k]) & 0x3Fu);
      char escaped[16];
      std::snprintf(escaped, sizeof escaped, "\\[u%04X]", code);
      out += escaped;
      i += length;
      continue;
    }
    const char c = valid[i++];
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

std::string value_name(const CLI::Option& option) {
  std::string type = option.get_type_name();
  if (const auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
  if (type.empty() || type == "TEXT") type = "VALUE";
  return type;
}

void man_options(std::string& out, CLI::App& app) {
  for (const CLI::Option* option : app.get_options()) {
    std::string names;
    for (const std::string& name : option->get_snames())
      names += (names.empty() ? "" : ", ") + ("\\fB\\-" + roff(name) + "\\fR");
    for (const std::string& name : option->get_lnames())
      names += (names.empty() ? "" : ", ") + ("\\fB\\-\\-" + roff(name) + "\\fR");
    if (option->get_positional())
      names = "\\fI" + roff(option->get_name()) + "\\fR";
    else if (!is_flag(*option))
      names += " \\fI" + value_name(*option) + "\\fR" + (is_repeatable(*option) ? " (repeatable)" : "");
    out += ".TP\n" + names + "\n" + roff(option->get_description()) + "\n";
    if (!option->get_positional() && option->get_configurable() && !option->get_lnames().empty() &&
        option != app.get_help_ptr()) {
      // The environment variable and config key, as cli/settings.hpp derives them.
      std::vector<std::string> path;
      for (const CLI::App* at = &app; at->get_parent() != nullptr; at = at->get_parent())
        path.insert(path.begin(), at->get_name());
      const std::string env = environment_name(path, *option);
      out += ".br\nConfig key \\fB" + roff(config_key(path, *option)) + "\\fR";
      if (!env.empty()) out += ", environment \\fB" + roff(env) + "\\fR";
      if (!option->get_default_str().empty() && !is_flag(*option))
        out += ", default \\fB" + roff(option->get_default_str()) + "\\fR";
      out += ".\n";
    }
  }
}

// The bash script: its tables are filled in from the definitions, the walk is fixed.
constexpr std::string_view kBashTemplate =
    R"BASH(# bash completion for certkeep, generated by `certkeep completion bash` from its option
# definitions. Install: /usr/share/bash-completion/completions/certkeep
_certkeep() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local -A subs=(
@SUBS@  )
  local -A opts=(
@OPTS@  )
  local -A valued=(
@VALUED@  )
  local node=. i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      [[ $word != *=* && ${valued[$node]} == *" $word "* ]] && ((i++))
    elif [[ " ${subs[$node]} " == *" $word "* ]]; then
      if [[ $node == . ]]; then node=$word; else node="$node $word"; fi
    fi
  done
  if [[ $prev == -* && ${valued[$node]} == *" $prev "* ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${opts[$node]}" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "${subs[$node]}" -- "$cur")
  fi
}
complete -F _certkeep certkeep
)BASH";

constexpr std::string_view kZshTemplate = R"ZSH(#compdef certkeep
# zsh completion for certkeep, generated by `certkeep completion zsh` from its option
# definitions. Install: /usr/share/zsh/vendor-completions/_certkeep
_certkeep_subcommands() {
  case $1 in
@SUBS@  esac
}
_certkeep_options() {
  case $1 in
@OPTS@  esac
}
_certkeep_valued() {
  case $1 in
@VALUED@  esac
}
_certkeep() {
  local node=. i word
  local -a list names valued
  for ((i = 2; i < CURRENT; i++)); do
    word=${words[i]}
    _certkeep_valued $node; valued=($list)
    if [[ $word == -* ]]; then
      [[ $word != *=* && ${valued[(Ie)$word]} -gt 0 ]] && ((i++))
    else
      _certkeep_subcommands $node; names=(${list[@]%%:*})
      if [[ ${names[(Ie)$word]} -gt 0 ]]; then
        if [[ $node == . ]]; then node=$word; else node="$node $word"; fi
      fi
    fi
  done
  _certkeep_valued $node; valued=($list)
  if [[ ${valued[(Ie)${words[CURRENT-1]}]} -gt 0 ]]; then
    _files
  elif [[ ${words[CURRENT]} == -* ]]; then
    _certkeep_options $node; _describe -t options option list
  else
    _certkeep_subcommands $node; _describe -t commands command list
  fi
}
_certkeep "$@"
)ZSH";

std::string fill(std::string_view text, const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string out(text);
  for (const auto& [marker, value] : values) {
    const auto at = out.find(marker);
    if (at != std::string::npos) out.replace(at, marker.size(), value);
  }
  return out;
}

}  // namespace

std::string bash_completion(CLI::App& root) {
  const std::vector<CommandNode> nodes = command_nodes(root, /*include_hidden=*/false);
  std::string subs, opts, valued;
  for (const CommandNode& node : nodes) {
    std::vector<std::string> names;
    for (CLI::App* child : children(*node.app)) names.push_back(child->get_name());
    const NodeOptions options = options_at(nodes, node);
    const std::string key = shell_quoted(node_key(node.path));
    subs += "    [" + key + "]=" + shell_quoted(join_words(names)) + "\n";
    opts += "    [" + key + "]=" + shell_quoted(join_words(options.words)) + "\n";
    valued += "    [" + key + "]=" + shell_quoted(" " + join_words(options.valued) + " ") + "\n";
  }
  return fill(kBashTemplate, {{"@SUBS@", subs}, {"@OPTS@", opts}, {"@VALUED@", valued}});
}

std::string zsh_completion(CLI::App& root) {
  const std::vector<CommandNode> nodes = command_nodes(root, /*include_hidden=*/false);
  std::string subs, opts, valued;
  auto described = [](const std::string& name, std::string_view description) {
    std::string entry;
    for (char c : name) entry += c == ':' ? std::string("\\:") : std::string(1, c);
    return shell_quoted(entry + ":" + std::string(description));
  };
  for (const CommandNode& node : nodes) {
    const std::string key = shell_quoted(node_key(node.path));
    std::string sub_list, opt_list;
    for (CLI::App* child : children(*node.app))
      sub_list += " " + described(child->get_name(), child->get_description());
    const NodeOptions options = options_at(nodes, node);
    for (const auto& [word, description] : options.described) opt_list += " " + described(word, description);
    subs += "    " + key + ") list=(" + sub_list + " ) ;;\n";
    opts += "    " + key + ") list=(" + opt_list + " ) ;;\n";
    valued += "    " + key + ") list=(" + join_words(options.valued) + ") ;;\n";
  }
  return fill(kZshTemplate, {{"@SUBS@", subs}, {"@OPTS@", opts}, {"@VALUED@", valued}});
}

std::string config_template(CLI::App& root) {
  auto toml_string = [](std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
      if (c == '\\' || c == '"') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::string out =
      "# certkeep.toml: certkeep's configuration (man certkeep, FILES). Every key is commented out\n"
      "# with its default; uncomment one to change it. Global options are at the top, each\n"
      "# command's under [COMMAND] ([issue] holds the defaults of new lineages). The command line\n"
      "# wins over the environment (CERTKEEP_*), which wins over this file. Unknown keys are errors:\n"
      "# `certkeep config check` names them. Keep secrets (a MAC key) only in a file of mode 0600.\n";
  for (const CommandNode& node : command_nodes(root, /*include_hidden=*/false)) {
    const std::vector<CLI::Option*> options = named_options(*node.app);
    if (options.empty()) continue;
    out += "\n";
    if (!node.path.empty())
      out += "[" + config::dotted_key({node.path.begin(), node.path.end() - 1}, node.path.back()) + "]\n";
    for (const CLI::Option* option : options) {
      out += "# " + option->get_description() + "\n";
      std::string value;
      if (is_flag(*option)) {
        value = "false";
      } else if (is_repeatable(*option)) {
        value = "[]";
      } else if (is_numeric(*option)) {
        value = option->get_default_str().empty() ? "0" : option->get_default_str();
      } else {
        value = toml_string(option->get_default_str());
      }
      out += "#" + long_name(*option) + " = " + value + "\n";
    }
  }
  return out;
}

std::string man_page(CLI::App& root, const std::string& version) {
  std::string out;
  out += ".\\\" Generated by `certkeep manpage` from the option definitions; do not edit.\n";
  out += ".TH CERTKEEP 1 \"\" \"certkeep " + roff(version) + "\" \"User Commands\"\n";
  out += ".SH NAME\ncertkeep \\- obtain, renew and deploy TLS certificates from ACME CAs\n";
  out +=
      ".SH SYNOPSIS\n.B certkeep\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n";
  out += ".SH DESCRIPTION\n" +
         roff(
             "certkeep obtains certificates from any ACME (RFC 8555) CA, from its own private CAs, or "
             "tracks ones you bring; renews them before they expire (by the CA's ARI window, else "
             "with a third of the lifetime left), deploys them atomically under "
             "/var/lib/certkeep/live/NAME/, runs deploy hooks, hands them to HAProxy over its "
             "runtime API, and checks that servers really serve them.") +
         "\n.PP\n" +
         roff(
             "Every option is accepted before or after the command name. Every option can also be "
             "set in the config file and in the environment; the command line wins over the "
             "environment, which wins over the config file.") +
         "\n";
  out += ".SH OPTIONS\nThese apply to every command.\n";
  man_options(out, root);
  out += ".SH COMMANDS\n";
  for (const CommandNode& node : command_nodes(root, /*include_hidden=*/false)) {
    if (node.path.empty() || !children(*node.app).empty()) {
      if (!node.path.empty())
        out += ".SS \"" + roff(command_name(node.path)) + "\"\n" + roff(node.app->get_description()) + "\n";
      continue;
    }
    out +=
        ".SS \"certkeep " + roff(command_name(node.path)) + "\"\n" + roff(node.app->get_description()) + "\n";
    man_options(out, *node.app);
  }
  out += ".SH ENVIRONMENT\n" +
         roff(
             "Each option OPT of command CMD is read from CERTKEEP_CMD_OPT (upper case, '-' as '_'; "
             "CERTKEEP_OPT for the options above): CERTKEEP_STATE_DIR, CERTKEEP_ISSUE_EMAIL, "
             "CERTKEEP_CA_INIT_CN. Repeatable options take space-separated values; flags take 1, "
             "true, yes or on (0, false, no, off leave them unset). CERTKEEP_CONFIG names the "
             "config file.") +
         "\n.PP\n" + roff("Hooks get these, which are never read as options:") + "\n";
  for (std::string_view name : lifecycle::hook_variable_names()) out += ".br\n\\fB" + roff(name) + "\\fR\n";
  out += ".SH FILES\n.TP\n.I /etc/certkeep/certkeep.toml\n" +
         roff(
             "The config file (TOML): global options at the top, each command's under [COMMAND] "
             "([issue] holds the defaults of new lineages, [ca.init] those of ca init). Unknown "
             "keys are errors; `certkeep config check` lists them with their lines.") +
         "\n.TP\n.I /var/lib/certkeep\n" +
         roff(
             "The state directory (as root): the store certkeep.db and "
             "live/NAME/{cert,chain,fullchain,privkey}.pem.") +
         "\n";
  out += ".SH EXIT STATUS\n";
  for (const ExitCode& code : kExitCodes)
    out += ".TP\n.B " + std::to_string(code.code) + "\n" + roff(code.meaning) + "\n";
  out += ".SH SEE ALSO\n.BR systemd.timer (5),\n.BR haproxy (1),\n.BR nginx (8)\n";
  return out;
}

}  // namespace certkeep::cli

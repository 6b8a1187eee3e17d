// SPDX-License-Identifier: Apache-2.0
// Completion scripts and the man page are generated from the definitions: every command and
// option appears, and the bash script, run by a real bash, completes them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cli/command_tree.hpp"
#include "cli/generated_docs.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;

namespace {

std::string run_shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = ::pclose(pipe);
  INFO(command << "\n" << out);
  REQUIRE(status == 0);
  return out;
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
}

}  // namespace

TEST_CASE("bash completion completes every command and every option of it, globals included", "[cli][docs]") {
  auto tree = cli::make_command_tree();
  testing::TempDir dir("completion");
  write(dir.path() / "certkeep.bash", cli::bash_completion(tree->app));
  // One bash runs every case: "WORDS…|EXPECTED" lines; it prints the ones that failed.
  std::string cases;
  std::size_t count = 0;
  for (const cli::CommandNode& node : cli::command_nodes(tree->app, /*include_hidden=*/false)) {
    std::string typed = "certkeep";
    for (const std::string& part : node.path) typed += " " + part;
    if (!node.path.empty()) {
      // The command's name completes from its first letter after the parent's words.
      std::string parent = "certkeep";
      for (std::size_t i = 0; i + 1 < node.path.size(); ++i) parent += " " + node.path[i];
      cases += parent + " " + node.path.back().substr(0, 1) + "|" + node.path.back() + "\n";
      ++count;
    }
    std::vector<const CLI::App*> scopes{node.app};
    for (const CLI::App* parent = node.app->get_parent(); parent != nullptr; parent = parent->get_parent())
      scopes.push_back(parent);
    for (const CLI::App* scope : scopes)
      for (const CLI::Option* option : scope->get_options()) {
        if (option->get_positional() || option->get_lnames().empty()) continue;
        const std::string word = "--" + option->get_lnames().front();
        cases += typed + " " + word.substr(0, 4) + "|" + word + "\n";
        ++count;
      }
  }
  write(dir.path() / "cases", cases);
  const std::string script = R"BASH(
source "$1"
failed=0
while IFS='|' read -r line expected; do
  read -ra COMP_WORDS <<<"$line"
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _certkeep
  found=0
  for reply in "${COMPREPLY[@]}"; do [ "$reply" = "$expected" ] && found=1; done
  [ "$found" = 1 ] || { echo "MISSING: '$line' -> '$expected' (got: ${COMPREPLY[*]})"; failed=$((failed + 1)); }
done <"$2"
echo "failed $failed"
)BASH";
  write(dir.path() / "run.bash", script);
  const std::string out =
      run_shell("bash " + (dir.path() / "run.bash").string() + " " + (dir.path() / "certkeep.bash").string() +
                " " + (dir.path() / "cases").string() + " 2>&1");
  INFO(out);
  CHECK(out == "failed 0\n");
  CHECK(count > 100);
}

TEST_CASE("bash completion offers files for an option's value and skips it when finding the command",
          "[cli][docs]") {
  auto tree = cli::make_command_tree();
  testing::TempDir dir("completion");
  write(dir.path() / "certkeep.bash", cli::bash_completion(tree->app));
  write(dir.path() / "marker-file.pem", "");
  const std::string script = "cd " + dir.path().string() + R"BASH( && source ./certkeep.bash
complete_words() { read -ra COMP_WORDS <<<"$1"; [ "${1: -1}" = " " ] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _certkeep; echo "${COMPREPLY[*]}"; }
complete_words "certkeep --state-dir mark"
complete_words "certkeep --state-dir ca ca i"
)BASH";
  write(dir.path() / "run.bash", script);
  const std::string out = run_shell("bash " + (dir.path() / "run.bash").string());
  CHECK(out == "marker-file.pem\ninit\n");
}

TEST_CASE("zsh completion is valid zsh and lists the commands", "[cli][docs]") {
  auto tree = cli::make_command_tree();
  testing::TempDir dir("completion");
  write(dir.path() / "_certkeep", cli::zsh_completion(tree->app));
  run_shell("zsh -n " + (dir.path() / "_certkeep").string());
  // The generated tables, read by zsh itself (the completion system is not needed for these).
  const std::string out =
      run_shell("zsh -c 'source <(sed \"$ d\" " + (dir.path() / "_certkeep").string() +
                "); _certkeep_subcommands ca; print -l ${list%%:*}; _certkeep_valued issue; "
                "print -l -- $list | grep -c -- --domain'");
  CHECK(out.find("init\nrotate\nexport\nchecksum\nlist\n") == 0);
  CHECK(out.find("\n1\n") != std::string::npos);
}

TEST_CASE("the man page documents every command and option, the environment and the exit codes",
          "[cli][docs]") {
  auto tree = cli::make_command_tree();
  const std::string page = cli::man_page(tree->app, "9.9.9");
  CHECK(page.find(".TH CERTKEEP 1") != std::string::npos);
  for (const cli::CommandNode& node : cli::command_nodes(tree->app, /*include_hidden=*/false)) {
    if (!node.path.empty()) CHECK(page.find(cli::command_name(node.path)) != std::string::npos);
    for (const CLI::Option* option : node.app->get_options()) {
      if (option->get_lnames().empty()) continue;
      std::string escaped;
      for (char c : option->get_lnames().front())
        escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      INFO("--" << option->get_lnames().front());
      CHECK(page.find("\\-\\-" + escaped) != std::string::npos);
    }
  }
  for (const char* section : {".SH ENVIRONMENT", ".SH FILES", ".SH EXIT STATUS", "CERTKEEP_NAME",
                              "/etc/certkeep/certkeep.toml", "CERTKEEP_ISSUE_EMAIL"})
    CHECK(page.find(section) != std::string::npos);
  // groff reads it without a warning.
  testing::TempDir dir("manpage");
  write(dir.path() / "certkeep.1", page);
  const std::string warnings =
      run_shell("groff -man -Tutf8 -ww -z " + (dir.path() / "certkeep.1").string() + " 2>&1");
  CHECK(warnings.empty());
}

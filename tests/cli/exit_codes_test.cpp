// SPDX-License-Identifier: Apache-2.0
// The exit codes scripts rely on: 0 success, 1 failure, 2 bad usage (cli/exit_codes.hpp),
// through the same command line the binary runs.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;

namespace {

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "certkeep");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  return cli::run_command_line(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("exit_code_for maps bad usage to 2 and every other error to 1", "[cli]") {
  CHECK(cli::exit_code_for(Error(Errc::InvalidArgument, "x")) == cli::kExitUsage);
  CHECK(cli::exit_code_for(Error(Errc::Protocol, "x")) == cli::kExitFailure);
  CHECK(cli::exit_code_for(Error(Errc::Store, "x")) == cli::kExitFailure);
  CHECK(cli::exit_code_for(Error(Errc::NotFound, "x")) == cli::kExitFailure);
}

TEST_CASE("the command line exits 2 on what CLI11 refuses and 0 on --version and --help", "[cli]") {
  CHECK(run({}) == cli::kExitUsage);
  CHECK(run({"no-such-command"}) == cli::kExitUsage);
  CHECK(run({"issue"}) == cli::kExitUsage);  // -d is required
  CHECK(run({"list", "--no-such-flag"}) == cli::kExitUsage);
  CHECK(run({"--version"}) == cli::kExitSuccess);
  CHECK(run({"issue", "--help"}) == cli::kExitSuccess);
}

TEST_CASE("a bad name exits 2 before the state directory is created", "[cli]") {
  testing::TempDir dir("cli-exit");
  const auto state = dir.path() / "state";
  CHECK(run({"--state-dir", state.string(), "issue", "-d", "bad name!"}) == cli::kExitUsage);
  CHECK_FALSE(std::filesystem::exists(state));
}

TEST_CASE("commands on an empty store: list succeeds, naming an unknown lineage is a usage error", "[cli]") {
  testing::TempDir dir("cli-exit");
  const auto state = (dir.path() / "state").string();
  CHECK(run({"--state-dir", state, "list"}) == cli::kExitSuccess);
  CHECK(run({"--state-dir", state, "--quiet", "show", "nothing.example"}) == cli::kExitUsage);
  CHECK(run({"--state-dir", state, "--quiet", "renew", "--name", "nothing.example"}) == cli::kExitUsage);
}

TEST_CASE("each exit code of the table is what a case of its kind returns", "[cli]") {
  testing::TempDir dir("cli-exit");
  const auto state = (dir.path() / "state").string();
  CHECK(run({"--state-dir", state, "--quiet", "list"}) == cli::kExitSuccess);
  // A failure that is not the user's: the root cannot be written where asked.
  CHECK(run({"--state-dir", state, "--quiet", "ca", "init"}) == cli::kExitSuccess);
  CHECK(run({"--state-dir", state, "--quiet", "ca", "export", "-o",
             (dir.path() / "no/such/dir/root.pem").string()}) == cli::kExitFailure);
  CHECK(run({"--state-dir", state, "--quiet", "list", "--unknown"}) == cli::kExitUsage);
  CHECK(run({"--config", (dir.path() / "absent.toml").string(), "list"}) == cli::kExitUsage);
}

TEST_CASE("README's exit code table is src/cli/exit_codes.hpp's, row for row", "[cli]") {
  // A path, not operator+: GCC 12 misreads string + literal here (-Warray-bounds).
  std::ifstream readme(std::filesystem::path(CERTKEEP_SOURCE_DIR) / "README.md");
  REQUIRE(readme);
  std::string line;
  while (std::getline(readme, line) && line.rfind("<!-- exit-codes", 0) != 0) {
  }
  REQUIRE_FALSE(readme.eof());
  std::getline(readme, line);  // header
  std::getline(readme, line);  // separator
  std::vector<std::string> rows;
  while (std::getline(readme, line) && line.rfind("| ", 0) == 0) rows.push_back(line);
  REQUIRE(rows.size() == cli::kExitCodes.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const cli::ExitCode& code = cli::kExitCodes[i];
    CHECK(rows[i] == "| " + std::to_string(code.code) + " | " + std::string(code.meaning) + " |");
  }
}

// SPDX-License-Identifier: Apache-2.0
// The External Account Binding flags: one key source of three, checked before anything runs.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "cli/issue_request.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;

namespace {

const std::string kKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

struct ParsedEab {
  Result<lifecycle::IssueRequest> request;
  std::vector<std::string> warnings;
};

ParsedEab parse_eab(std::vector<std::string> args, std::optional<std::string> env_key = std::nullopt) {
  CLI::App app{"test"};
  cli::IssueFlags flags;
  cli::add_issue_flags(app, flags);
  args.insert(args.begin(), {"-d", "a.example.com"});
  std::reverse(args.begin(), args.end());
  app.parse(args);
  ParsedEab parsed{fail(Errc::Internal, "not run"), {}};
  parsed.request = cli::build_issue_request(
      flags,
      [&](const char* name) { return std::string(name) == cli::kEabKeyVariable ? env_key : std::nullopt; },
      [&](std::string_view line) { parsed.warnings.emplace_back(line); });
  return parsed;
}

}  // namespace

TEST_CASE("EAB flags: the key from the command line, a file or the environment", "[cli][eab]") {
  testing::TempDir dir("cli-eab");
  const auto file = dir.path() / "eab.key";
  std::ofstream(file) << kKey << "\n";
  ::chmod(file.c_str(), 0600);
  for (auto parsed : {parse_eab({"--eab-kid", "kid-1", "--eab-hmac-key", kKey}),
                      parse_eab({"--eab-kid", "kid-1", "--eab-hmac-key-file", file.string()}),
                      parse_eab({"--eab-kid", "kid-1"}, kKey)}) {
    REQUIRE(parsed.request);
    REQUIRE(parsed.request->account.external_account);
    CHECK(parsed.request->account.external_account->key_id == "kid-1");
    CHECK(parsed.request->account.external_account->mac_key.view().size() == 48);
    CHECK(parsed.request->account.external_account->algorithm == acme::MacAlgorithm::Hs256);
    CHECK(parsed.warnings.empty());
  }
  auto hs384 = parse_eab({"--eab-kid", "kid-1", "--eab-alg", "HS384"}, kKey);
  REQUIRE(hs384.request);
  CHECK(hs384.request->account.external_account->algorithm == acme::MacAlgorithm::Hs384);
}

TEST_CASE("EAB flags: nothing given is no binding, the variable alone is ignored without a key id",
          "[cli][eab]") {
  auto none = parse_eab({});
  REQUIRE(none.request);
  CHECK_FALSE(none.request->account.external_account);
}

TEST_CASE("EAB flags: a key without a kid, a kid without a key, a bad key or algorithm are refused",
          "[cli][eab]") {
  testing::TempDir dir("cli-eab");
  for (auto parsed :
       {parse_eab({"--eab-hmac-key", kKey}), parse_eab({"--eab-kid", "kid-1"}),
        parse_eab({"--eab-kid", "kid-1", "--eab-hmac-key", "not*base64"}),
        parse_eab({"--eab-kid", "kid-1", "--eab-hmac-key", kKey, "--eab-alg", "es256"}),
        parse_eab({"--eab-kid", "kid-1", "--eab-hmac-key-file", (dir.path() / "missing").string()})}) {
    REQUIRE_FALSE(parsed.request);
    CHECK(parsed.request.error().code() == Errc::InvalidArgument);
    CHECK(parsed.request.error().message().find(kKey) == std::string::npos);
  }
}

TEST_CASE("EAB flags: a key file readable by others is warned about", "[cli][eab]") {
  testing::TempDir dir("cli-eab");
  const auto file = dir.path() / "eab.key";
  std::ofstream(file) << kKey;
  ::chmod(file.c_str(), 0644);
  auto parsed = parse_eab({"--eab-kid", "kid-1", "--eab-hmac-key-file", file.string()});
  REQUIRE(parsed.request);
  REQUIRE(parsed.warnings.size() == 1);
  CHECK_THAT(parsed.warnings.front(), Catch::Contains("readable by others"));
}

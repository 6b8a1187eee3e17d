// SPDX-License-Identifier: Apache-2.0
// The DNS hook solver with real /bin/sh hooks: the interface (action in $1 and the environment,
// never in the command text), failures with exit code and output, a hanging hook killed. The
// path through a real DNS server is tests/bind/dns_hook_bind_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>

#include "deploy/process_runner.hpp"
#include "lifecycle/deployer.hpp"
#include "lifecycle/dns_hook_solver.hpp"
#include "support/dns01_challenge.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using certkeep::testing::dns01;

TEST_CASE("dns hook: the record travels in CERTKEEP_DNS_* and $1 only", "[lifecycle][dns-hook]") {
  testing::TempDir dir("dns-hook");
  const auto out = dir.path() / "env";
  deploy::PosixProcessRunner runner;
  lifecycle::DnsHookOptions options;
  // A value with shell syntax in it would run if it were spliced into the command text.
  options.command = "printf '%s|%s|%s|%s|%s|%s|%s|%s\\n' \"$1\" \"$CERTKEEP_DNS_ACTION\" \"$CERTKEEP_DNS_DOMAIN\" "
                    "\"$CERTKEEP_DNS_RECORD\" \"$CERTKEEP_DNS_FQDN\" \"$CERTKEEP_DNS_VALUE\" \"$CERTKEEP_DNS_TTL\" "
                    "\"$CERTKEEP_NAME\" >> " +
                    out.string();
  options.lineage = "site";
  options.ttl = 90s;
  options.propagation_timeout = 0s;
  lifecycle::DnsHookSolver solver(runner, options);
  const Challenge challenge = dns01("www.example.com", "env");
  REQUIRE(solver.present(challenge));
  REQUIRE(solver.wait_until_ready(std::vector<Challenge>{challenge}, {}));  // 0 s: trusts the hook
  solver.cleanup(challenge);
  const std::string record = "_acme-challenge.www.example.com";
  CHECK(testing::read_text(out) == "present|present|www.example.com|" + record + "|" + record + ".|" +
                                       challenge.dns_txt_value + "|90|site\n" + "cleanup|cleanup|www.example.com|" +
                                       record + "|" + record + ".|" + challenge.dns_txt_value + "|90|site\n");
  const auto environment =
      lifecycle::dns_hook_environment("present", "site", "example.com", "_acme-challenge.example.com", "v", 60s);
  CHECK(environment.size() == 7);
  // Each is a hook variable, which no option of a certkeep the hook runs ever reads.
  const auto reserved = lifecycle::hook_variable_names();
  for (const auto& [name, value] : environment) {
    CHECK(name.starts_with("CERTKEEP_"));
    CHECK(std::find(reserved.begin(), reserved.end(), name) != reserved.end());
  }
}

TEST_CASE("dns hook: a failing hook is an error with its exit code and output", "[lifecycle][dns-hook]") {
  deploy::PosixProcessRunner runner;
  std::vector<lifecycle::DnsHookRun> runs;
  lifecycle::DnsHookOptions options;
  options.command = "echo 'provider said no' >&2; exit 7";
  options.timeout = 5s;
  options.on_run = [&](const lifecycle::DnsHookRun& run) { runs.push_back(run); };
  lifecycle::DnsHookSolver solver(runner, options);
  auto presented = solver.present(dns01("www.example.com", "f"));
  REQUIRE_FALSE(presented);
  CHECK(presented.error().code() == Errc::Hook);
  CHECK_THAT(presented.error().message(), Catch::Contains("_acme-challenge.www.example.com") &&
                                              Catch::Contains("exit 7") && Catch::Contains("provider said no"));
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].outcome.exit_code == 7);
}

TEST_CASE("dns hook: a hanging hook is killed at its timeout", "[lifecycle][dns-hook]") {
  deploy::PosixProcessRunner runner;
  lifecycle::DnsHookOptions options;
  options.command = "sleep 30";
  options.timeout = 1s;
  lifecycle::DnsHookSolver solver(runner, options);
  const auto started = std::chrono::steady_clock::now();
  auto presented = solver.present(dns01("www.example.com", "t"));
  REQUIRE_FALSE(presented);
  CHECK_THAT(presented.error().message(), Catch::Contains("timed out after 1 s"));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
}

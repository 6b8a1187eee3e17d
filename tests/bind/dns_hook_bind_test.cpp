// SPDX-License-Identifier: Apache-2.0
// DNS-01 through a hook against a real BIND: the test hook writes through nsupdate to the same
// server, the solver waits until the zone's servers (found through BIND as the resolver)
// answer, and cleanup removes the record. CTest: bind.dns_module (label bind).
#include <catch2/catch.hpp>

#include "bind/bind_server.hpp"
#include "deploy/process_runner.hpp"
#include "lifecycle/dns_hook_solver.hpp"
#include "support/dns01_challenge.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using certkeep::testing::dns01;
using certkeep::testing::BindServer;

namespace {

// A hook as a user would write one around nsupdate: the record only from CERTKEEP_DNS_*.
std::string nsupdate_hook(const BindServer& bind, const std::filesystem::path& log) {
  return "echo \"$1 $CERTKEEP_DNS_RECORD\" >> " + log.string() +
         "; case \"$CERTKEEP_DNS_ACTION\" in present) op=add ;; cleanup) op=delete ;; *) exit 2 ;; esac; "
         "printf 'server 127.0.0.1 " +
         std::to_string(bind.port()) +
         "\\nupdate %s %s 60 TXT \"%s\"\\nsend\\n' \"$op\" \"$CERTKEEP_DNS_FQDN\" \"$CERTKEEP_DNS_VALUE\" | "
         "nsupdate -k " +
         bind.key_file().string();
}

}  // namespace

TEST_CASE("bind: a DNS hook publishes through nsupdate, is waited for, and cleans up", "[bind][dns][hook]") {
  BindServer& bind = testing::shared_bind();
  deploy::PosixProcessRunner runner;
  std::vector<lifecycle::DnsHookRun> runs;
  const auto log = bind.dir() / "hook.log";
  lifecycle::DnsHookOptions options;
  options.command = nsupdate_hook(bind, log);
  options.lineage = "hooked";
  options.resolver = bind.address();
  options.propagation_timeout = 10s;
  options.on_run = [&](const lifecycle::DnsHookRun& run) { runs.push_back(run); };
  lifecycle::DnsHookSolver solver(runner, options);

  const std::vector<Challenge> batch{dns01("www.a.test", "h1"), dns01("b.test", "h2")};
  REQUIRE(solver.present(batch));
  CHECK(bind.txt("_acme-challenge.www.a.test") == std::vector<std::string>{batch[0].dns_txt_value});
  REQUIRE(solver.wait_until_ready(batch, {}));
  solver.cleanup(batch);
  CHECK(bind.txt("_acme-challenge.www.a.test").empty());
  CHECK(bind.txt("_acme-challenge.b.test").empty());
  REQUIRE(runs.size() == 4);
  CHECK(runs[0].action == "present");
  CHECK(runs[0].record == "_acme-challenge.www.a.test");
  CHECK(runs[0].outcome.succeeded);
  CHECK(runs[3].action == "cleanup");
  // $1 is the action: the command text itself never carries data.
  CHECK(testing::read_text(log) ==
        "present _acme-challenge.www.a.test\npresent _acme-challenge.b.test\n"
        "cleanup _acme-challenge.www.a.test\ncleanup _acme-challenge.b.test\n");
}

// SPDX-License-Identifier: Apache-2.0
// Issue and renew through the whole lifecycle (store, renewer, deployer, hooks) against the
// in-process fake CA: the ARI window and `replaces` (Pebble 2.4 has no ARI), failures that keep
// the old certificate, backoff, hook retries and leases.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "acme/fake_acme_ca.hpp"
#include "challenge/memory_solver.hpp"
#include "challenge/token.hpp"
#include "core/time_format.hpp"
#include "lifecycle/app.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace certkeep::lifecycle;
using namespace std::chrono_literals;

namespace {

// Each flow gets its own Transport; all of them talk to the one fake CA, one request at a time
// (bulk renewal sends from several workers).
std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct RenewerFixture {
  explicit RenewerFixture(testing::FakeCaOptions options = {})
      : ca(std::move(options)), clock(std::chrono::system_clock::now()) {
    dir = std::filesystem::temp_directory_path() /
          ("certkeep-lifecycle-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    solver = std::make_shared<challenge::MemorySolver>();
    ca.serve = [this](const std::string&, const std::string& token) {
      return solver->answer(std::string(challenge::kChallengePathPrefix) + token);
    };
    AppOptions options_for_app;
    options_for_app.state_dir = dir / "state";
    options_for_app.clock = &clock;
    options_for_app.make_transport =
        [this](const store::LineageSettings&) -> Result<std::unique_ptr<http::Transport>> {
      ++transports_made;
      return std::unique_ptr<http::Transport>(std::make_unique<testing::ForwardingTransport>(ca));
    };
    options_for_app.make_solver = [this](lifecycle::Services&, const store::LineageRecord&,
                                         ChallengeType) -> Result<std::shared_ptr<Solver>> {
      return std::shared_ptr<Solver>(solver);
    };
    app = App::open(std::move(options_for_app)).value();
  }
  ~RenewerFixture() { std::filesystem::remove_all(dir); }

  IssueRequest request(std::string name, std::string hook = "") {
    IssueRequest r;
    r.lineage = name;
    r.names = {name};
    r.settings.directory_url = testing::FakeAcmeCa::kDirectoryUrl;
    r.settings.challenge_method = store::ChallengeMethod::Memory;
    r.settings.deploy_hook = std::move(hook);
    r.account = {"ops@example.com", true};
    return r;
  }
  store::LineageRecord lineage(const std::string& name) { return app->show(name).value().lineage; }
  RenewResult renew_one(const std::string& name, bool force = false) {
    auto summary = app->renew(RenewSelection{.name = name, .force = force, .concurrency = 1});
    REQUIRE(summary);
    REQUIRE(summary->results.size() == 1);
    return summary->results.front();
  }

  static inline int counter = 0;
  std::atomic<int> transports_made{0};
  testing::FakeAcmeCa ca;
  testing::FakeClock clock;
  std::filesystem::path dir;
  std::shared_ptr<challenge::MemorySolver> solver;
  std::unique_ptr<App> app;
};

}  // namespace

TEST_CASE("fake CA: issue stores the lineage and deploys files from the store", "[lifecycle][fake-ca]") {
  RenewerFixture f;
  auto issued = f.app->issue(f.request("a.example.com"));
  REQUIRE(issued);
  CHECK(issued->status == store::LineageStatus::Valid);
  CHECK_FALSE(issued->serial.empty());
  CHECK(issued->deployed_serial == issued->serial);
  const auto live = f.dir / "state" / "live" / "a.example.com";
  CHECK(read_file(live / "cert.pem") == issued->cert_pem);
  CHECK(read_file(live / "privkey.pem") == issued->key_pem.str());
  CHECK(read_file(live / "fullchain.pem") == issued->cert_pem + issued->chain_pem);
  CHECK((std::filesystem::status(live / "privkey.pem").permissions() & std::filesystem::perms::others_all) ==
        std::filesystem::perms::none);
  REQUIRE(issued->renew_at);
  CHECK(*issued->renew_at > f.clock.now());
  CHECK(*issued->renew_at < *issued->not_after);
}

TEST_CASE("fake CA: issue run again after its deployment failed deploys the committed certificate",
          "[lifecycle][fake-ca]") {
  RenewerFixture f;
  const auto live = f.dir / "state" / "live" / "c.example.com";
  std::filesystem::create_directories(live);  // a real directory where the link goes: deploy refuses
  REQUIRE_FALSE(f.app->issue(f.request("c.example.com")));
  const store::LineageRecord committed = f.lineage("c.example.com");
  REQUIRE_FALSE(committed.serial.empty());
  REQUIRE(committed.deployed_serial != committed.serial);
  const int orders = f.ca.count("new-order");

  std::filesystem::remove_all(live);
  auto again = f.app->issue(f.request("c.example.com"));
  REQUIRE(again);
  CHECK(again->serial == committed.serial);  // not another certificate
  CHECK(again->deployed_serial == committed.serial);
  CHECK(f.ca.count("new-order") == orders);
  CHECK(read_file(live / "cert.pem") == committed.cert_pem);

  // Once it is deployed, issue orders a new certificate as before.
  auto third = f.app->issue(f.request("c.example.com"));
  REQUIRE(third);
  CHECK(third->serial != committed.serial);
  CHECK(f.ca.count("new-order") == orders + 1);
}

TEST_CASE("fake CA: a lineage that is not due is left alone, --force renews it", "[lifecycle][fake-ca]") {
  RenewerFixture f;
  auto first = f.app->issue(f.request("b.example.com")).value();
  CHECK(f.renew_one("b.example.com").outcome == RenewOutcome::NotDue);
  CHECK(f.lineage("b.example.com").serial == first.serial);
  auto forced = f.renew_one("b.example.com", true);
  CHECK(forced.outcome == RenewOutcome::Renewed);
  CHECK(f.lineage("b.example.com").serial != first.serial);
  CHECK(f.lineage("b.example.com").key_pem.str() != first.key_pem.str());
}

TEST_CASE("fake CA: an ARI window that has begun makes the lineage due and the order says replaces",
          "[lifecycle][fake-ca][ari]") {
  testing::FakeCaOptions options;
  options.renewal_info = true;  // the window (2020) is long past: renew now
  RenewerFixture f(options);
  auto first = f.app->issue(f.request("ari.example.com")).value();
  REQUIRE_FALSE(first.ari_cert_id.empty());
  CHECK(*first.renew_at <= f.clock.now());
  auto renewed = f.renew_one("ari.example.com");
  CHECK(renewed.outcome == RenewOutcome::Renewed);
  REQUIRE(f.ca.replaces_seen().size() == 1);
  CHECK(f.ca.replaces_seen().front() == first.ari_cert_id);
}

TEST_CASE("fake CA: a failed renewal keeps the old certificate, records the problem and backs off",
          "[lifecycle][fake-ca]") {
  RenewerFixture f;
  auto first = f.app->issue(f.request("c.example.com")).value();
  const auto live = f.dir / "state" / "live" / "c.example.com";
  const std::string cert_before = read_file(live / "cert.pem");
  const std::string key_before = read_file(live / "privkey.pem");

  f.ca.options().validation_fails = true;
  auto failed = f.renew_one("c.example.com", true);
  CHECK(failed.outcome == RenewOutcome::Failed);
  REQUIRE(failed.error);
  CHECK(failed.error->to_string().find("urn:ietf:params:acme:error:") != std::string::npos);

  auto after = f.lineage("c.example.com");
  CHECK(after.serial == first.serial);
  CHECK(after.status == store::LineageStatus::Valid);
  CHECK(after.attempts == 1);
  CHECK(after.last_error.find("urn:ietf:params:acme:error:") != std::string::npos);
  REQUIRE(after.next_attempt_at);
  CHECK(*after.next_attempt_at > f.clock.now());
  CHECK(read_file(live / "cert.pem") == cert_before);
  CHECK(read_file(live / "privkey.pem") == key_before);
  auto events = f.app->show("c.example.com").value().events;
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().kind == store::HistoryKind::Failed);
  // The event keeps the CA's problem document itself, as JSON (records.hpp).
  CHECK(events.back().detail.starts_with("{\"type\":\"urn:ietf:params:acme:error:"));

  // While backing off, an ordinary run does not try again; after the backoff it succeeds.
  f.ca.options().validation_fails = false;
  f.clock.advance(std::chrono::hours(24 * 70));  // due by age as well
  auto renewed = f.renew_one("c.example.com");
  CHECK(renewed.outcome == RenewOutcome::Renewed);
  auto healed = f.lineage("c.example.com");
  CHECK(healed.attempts == 0);
  CHECK(healed.last_error.empty());
  CHECK(healed.serial != first.serial);
}

TEST_CASE("fake CA: the deploy hook sees exactly the CERTKEEP_* variables", "[lifecycle][fake-ca][hook]") {
  RenewerFixture f;
  const auto env_file = f.dir / "hook-env.txt";
  std::filesystem::create_directories(f.dir);
  auto issued = f.app->issue(
      f.request("hook.example.com", "env | grep '^CERTKEEP_' | sort > '" + env_file.string() + "'"));
  REQUIRE(issued);
  std::map<std::string, std::string> env;
  std::istringstream lines(read_file(env_file));
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const auto live = (f.dir / "state" / "live" / "hook.example.com").string();
  CHECK(env.size() == 8);
  CHECK(env["CERTKEEP_NAME"] == "hook.example.com");
  CHECK(env["CERTKEEP_DOMAINS"] == "hook.example.com");
  CHECK(env["CERTKEEP_CERT"] == live + "/cert.pem");
  CHECK(env["CERTKEEP_CHAIN"] == live + "/chain.pem");
  CHECK(env["CERTKEEP_FULLCHAIN"] == live + "/fullchain.pem");
  CHECK(env["CERTKEEP_KEY"] == live + "/privkey.pem");
  CHECK(env["CERTKEEP_SERIAL"] == issued->serial);
  CHECK_FALSE(env["CERTKEEP_NOT_AFTER"].empty());
}

TEST_CASE("fake CA: a failing hook is reported, keeps the renewal, and is retried until it succeeds",
          "[lifecycle][fake-ca][hook]") {
  RenewerFixture f;
  const auto marker = f.dir / "hook-ran";
  std::filesystem::create_directories(f.dir);
  auto issued = f.app->issue(f.request("flaky.example.com", "exit 3"));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::Hook);
  auto lineage = f.lineage("flaky.example.com");
  CHECK_FALSE(lineage.serial.empty());                   // the certificate is kept
  CHECK(lineage.deployed_serial == lineage.serial);      // and its files deployed
  CHECK(lineage.hook_pending_serial == lineage.serial);  // the hook is still owed

  // Not due, but the owed hook runs again; still failing → DeployFailed.
  auto again = f.renew_one("flaky.example.com");
  CHECK(again.outcome == RenewOutcome::DeployFailed);

  auto settings = lineage.settings;
  settings.deploy_hook = "touch '" + marker.string() + "'";
  REQUIRE(f.app->update_settings("flaky.example.com", settings));
  auto healed = f.renew_one("flaky.example.com");
  CHECK(healed.outcome == RenewOutcome::NotDue);
  CHECK(std::filesystem::exists(marker));
  CHECK(f.lineage("flaky.example.com").hook_pending_serial.empty());
  CHECK(f.lineage("flaky.example.com").serial == lineage.serial);
}

TEST_CASE("fake CA: a hook that hangs is cut off at its time limit", "[lifecycle][fake-ca][hook]") {
  RenewerFixture f;
  f.app->services().hook_timeout = std::chrono::seconds(1);
  const auto started = std::chrono::steady_clock::now();
  auto issued = f.app->issue(f.request("slow.example.com", "sleep 30"));
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(issued);
  CHECK(issued.error().to_string().find("timed out") != std::string::npos);
  CHECK(took < std::chrono::seconds(10));
  CHECK_FALSE(f.lineage("slow.example.com").serial.empty());
}

TEST_CASE(
    "fake CA: bulk renewal keeps one CA client per worker: one transport, one directory fetch, "
    "one account lookup each",
    "[lifecycle][fake-ca][bulk]") {
  RenewerFixture f;
  const std::vector<std::string> names{"b1.example.com", "b2.example.com", "b3.example.com",
                                       "b4.example.com", "b5.example.com", "b6.example.com"};
  for (const std::string& name : names) REQUIRE(f.app->issue(f.request(name)));
  // One process issuing six lineages: one transport, one directory, one account.
  CHECK(f.transports_made == 1);
  CHECK(f.ca.count("directory") == 1);
  CHECK(f.ca.count("new-account") == 1);

  auto summary = f.app->renew(RenewSelection{.force = true, .concurrency = 3});
  REQUIRE(summary);
  CHECK(summary->renewed() == names.size());
  CHECK(summary->failed() == 0);
  // Three workers: one more transport and directory each, however many lineages they renew.
  CHECK(f.transports_made == 1 + 3);
  CHECK(f.ca.count("directory") == 1 + 3);
  CHECK(f.ca.count("new-account") == 1);
  CHECK(f.ca.count("new-order") == 2 * static_cast<int>(names.size()));
}

TEST_CASE("fake CA: a kept CA client fetches the directory again once it is older than the limit",
          "[lifecycle][fake-ca][bulk]") {
  RenewerFixture f;
  REQUIRE(f.app->issue(f.request("d1.example.com")));
  REQUIRE(f.renew_one("d1.example.com", true).outcome == RenewOutcome::Renewed);
  CHECK(f.ca.count("directory") == 1);  // reused within the limit
  f.clock.advance(ClientCache::kDirectoryMaxAge + 1s);
  REQUIRE(f.renew_one("d1.example.com", true).outcome == RenewOutcome::Renewed);
  CHECK(f.ca.count("directory") == 2);
  CHECK(f.transports_made == 1);  // the connection is kept, only the directory is fetched again
}

namespace {

// A CA offering renewalInfo whose window is a month away: a new certificate is not due.
struct AriFixture : RenewerFixture {
  AriFixture() : RenewerFixture(with_renewal_info()) {
    ca.options().ari_window_start = core::format_rfc3339(clock.now() + 30 * 24h);
    ca.options().ari_window_end = core::format_rfc3339(clock.now() + 31 * 24h);
  }
  static testing::FakeCaOptions with_renewal_info() {
    testing::FakeCaOptions options;
    options.renewal_info = true;
    return options;
  }
};

}  // namespace

// The store keeps whole seconds; the fake clock does not.
bool within_a_second(const std::optional<core::SystemTime>& stored, core::SystemTime expected) {
  return stored && *stored > expected - 1s && *stored < expected + 1s;
}

TEST_CASE("fake CA: renewalInfo is asked again when the CA said, and a window moved earlier renews now",
          "[lifecycle][fake-ca][ari]") {
  AriFixture f;
  auto first = f.app->issue(f.request("moving.example.com")).value();
  REQUIRE(first.renew_at);
  CHECK(*first.renew_at >= f.clock.now() + 30 * 24h);
  REQUIRE(first.ari_check_at);
  CHECK(within_a_second(first.ari_check_at, f.clock.now() + 6h));  // no Retry-After: RFC 9773's 6 h
  const int polls_after_issue = f.ca.count("renewal-info");
  const RenewSelection due_only{std::nullopt, false, false, 1};

  // Before the poll is due nothing is asked and nothing renewed.
  f.clock.advance(5h);
  REQUIRE(f.app->renew(due_only).value().renewed() == 0);
  CHECK(f.ca.count("renewal-info") == polls_after_issue);

  // The poll comes due; the window has not moved: asked once, still not due, next poll in 6 h.
  f.clock.advance(1h + 1s);
  auto unmoved = f.app->renew(due_only).value();
  CHECK(unmoved.renewed() == 0);
  CHECK(unmoved.failed() == 0);
  CHECK(f.ca.count("renewal-info") == polls_after_issue + 1);
  CHECK(f.lineage("moving.example.com").renew_at == first.renew_at);
  CHECK(within_a_second(f.lineage("moving.example.com").ari_check_at, f.clock.now() + 6h));
  CHECK(f.ca.count("new-order") == 1);

  // The CA moves the window into the past (as before a mass revocation): the next poll renews.
  f.ca.options().ari_window_start = "2020-01-01T00:00:00Z";
  f.ca.options().ari_window_end = "2020-01-02T00:00:00Z";
  f.clock.advance(6h + 1s);
  auto moved = f.app->renew(due_only).value();
  CHECK(moved.renewed() == 1);
  CHECK(f.ca.count("new-order") == 2);
  REQUIRE(f.ca.replaces_seen().size() == 1);
  CHECK(f.ca.replaces_seen().front() == first.ari_cert_id);
  CHECK(f.lineage("moving.example.com").serial != first.serial);
}

TEST_CASE("fake CA: a failed renewalInfo poll never fails the pass and is asked again an hour later",
          "[lifecycle][fake-ca][ari]") {
  AriFixture f;
  auto first = f.app->issue(f.request("flaky-ari.example.com")).value();
  f.ca.options().intercept = [](std::string_view kind,
                                const http::Request&) -> std::optional<Result<http::Response>> {
    if (kind != "renewal-info") return std::nullopt;
    http::Response unavailable;
    unavailable.status = 503;
    return unavailable;
  };
  f.clock.advance(6h + 1s);
  auto pass = f.app->renew(RenewSelection{.concurrency = 1}).value();
  CHECK(pass.failed() == 0);
  CHECK(pass.renewed() == 0);
  const auto after = f.lineage("flaky-ari.example.com");
  CHECK(after.renew_at == first.renew_at);  // the expiry/ARI schedule it had stays
  CHECK(within_a_second(after.ari_check_at, f.clock.now() + 1h));
  CHECK(after.last_error.empty());
}

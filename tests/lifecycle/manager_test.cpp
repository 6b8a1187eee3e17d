// SPDX-License-Identifier: Apache-2.0
// The library Manager against the in-process fake CA (tests/acme/fake_acme_ca.hpp): issuance
// through its own http01_response, snapshot look-ups, events, the renewal thread, a restart
// that reuses the stored certificate, and a real OpenSSL handshake through
// use_managed_certificates before and after a renewal.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "acme/fake_acme_ca.hpp"
#include "certkeep/openssl.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_ca.hpp"
#include "lifecycle/manager_impl.hpp"
#include "lifecycle/serving_test_support.hpp"
#include "store/store.hpp"
#include "support/example_challenge.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

using certkeep::testing::rfc8555::kChallengePath;

namespace {

// Events seen by a subscriber, with a bounded wait for the renewal thread's.
struct EventLog {
  std::vector<Event> events() {
    std::lock_guard lock(mutex);
    return seen;
  }
  void add(const Event& event) {
    {
      std::lock_guard lock(mutex);
      seen.push_back(event);
    }
    changed.notify_all();
  }
  bool wait_for(EventKind kind, std::chrono::seconds timeout = 20s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] {
      return std::any_of(seen.begin(), seen.end(), [&](const Event& e) { return e.kind == kind; });
    });
  }
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Event> seen;
};

struct ManagerFixture {
  explicit ManagerFixture(testing::FakeCaOptions options = {},
                          std::function<void(ManagerOptions&)> tweak_options = {})
      : tweak(std::move(tweak_options)), ca(std::move(options)), clock(std::chrono::system_clock::now()) {
    dir = std::filesystem::temp_directory_path() /
          ("certkeep-manager-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    // The fake CA validates by asking the Manager, as a real CA asks the terminator's port 80.
    ca.serve = [this](const std::string& identifier, const std::string& token) -> std::optional<std::string> {
      ++validations;
      return manager ? manager->http01_response(identifier, kChallengePath + token) : std::nullopt;
    };
    manager = open();
  }
  ~ManagerFixture() {
    manager.reset();
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<Manager> open(std::chrono::milliseconds min_sleep = 1000ms) {
    ManagerOptions options;
    options.state_dir = dir / "state";
    options.directory_url = testing::FakeAcmeCa::kDirectoryUrl;
    options.email = "ops@example.com";
    options.agree_tos = true;
    if (tweak) tweak(options);
    ManagerSeams seams;
    seams.clock = &clock;
    seams.min_sleep = min_sleep;
    seams.make_transport = [this](const store::LineageSettings&) -> Result<std::unique_ptr<http::Transport>> {
      return std::unique_ptr<http::Transport>(std::make_unique<testing::ForwardingTransport>(ca));
    };
    auto opened = open_manager(std::move(options), std::move(seams));
    REQUIRE(opened);
    return std::move(*opened);
  }

  std::unique_ptr<store::Store> store() { return store::Store::open(dir / "state" / "certkeep.db").value(); }

  static inline int counter = 0;
  std::function<void(ManagerOptions&)> tweak;
  testing::FakeAcmeCa ca;
  testing::FakeClock clock;
  std::filesystem::path dir;
  int validations = 0;
  std::unique_ptr<Manager> manager;
};

}  // namespace

TEST_CASE("fake CA: manage issues through the Manager's own http01_response and publishes it",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  EventLog log;
  Subscription subscription = f.manager->subscribe([&](const Event& e) { log.add(e); });
  CHECK(f.manager->certificate("a.example.com") == nullptr);

  REQUIRE(f.manager->manage({"A.example.com", "www.a.example.com"}));
  CHECK(f.validations == 2);  // one authorization per name, answered in-process

  auto snapshot = f.manager->certificate("a.example.com");
  REQUIRE(snapshot);
  auto stored = f.store()->find_lineage("a.example.com").value();
  REQUIRE(stored);
  CHECK(snapshot->serial() == stored->serial);
  CHECK(snapshot->lineage() == "a.example.com");
  CHECK(snapshot->certificate_pem() == stored->cert_pem);
  CHECK(snapshot->not_after() == *stored->not_after);
  CHECK(f.manager->lineages() == std::vector<std::string>{"a.example.com"});

  auto events = log.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::Issued);
  CHECK(events[0].name == "a.example.com");
  CHECK(events[0].serial == stored->serial);
  CHECK_FALSE(events[0].error);
}

TEST_CASE("fake CA: certificate() finds the exact name in any case, the default without SNI, else nothing",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"first.example.com"}));
  REQUIRE(f.manager->manage({"second.example.com", "www.second.example.com"}, "second"));
  auto first = f.manager->certificate("first.example.com");
  auto second = f.manager->certificate("second.example.com");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first != second);
  CHECK(f.manager->certificate("WWW.Second.Example.com.") == second);
  CHECK(f.manager->certificate("") == first);  // the first lineage given to manage()
  CHECK(f.manager->certificate("third.example.com") == nullptr);
  CHECK(f.manager->certificate("x.first.example.com") == nullptr);  // no wildcard was issued
  CHECK(f.manager->lineages() == std::vector<std::string>{"first.example.com", "second"});
}

TEST_CASE("fake CA: a stored wildcard certificate is adopted without the CA and matches one label",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  // A certificate issued elsewhere for w.example.com and *.w.example.com, put in the store.
  auto ca = crypto::create_private_ca("other root", 24h).value();
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const auto now = std::chrono::system_clock::now();
  std::string cert =
      crypto::issue_leaf_certificate(ca, key, {"w.example.com", "*.w.example.com"}, now - 1h, now + 240h)
          .value();
  auto info = crypto::inspect_certificate(cert).value();
  {
    auto store = f.store();
    store::LineageRecord lineage;
    lineage.name = "wild";
    lineage.identifiers = {"w.example.com"};
    lineage.settings.directory_url = testing::FakeAcmeCa::kDirectoryUrl;
    REQUIRE(store->upsert_lineage(lineage));
    store::IssuedCertificate issued;
    issued.key_pem = key.to_pem().value();
    issued.cert_pem = cert;
    issued.serial = info.serial_hex;
    issued.not_before = info.not_before;
    issued.not_after = info.not_after;
    issued.renew_at = now + 200h;
    REQUIRE(store->commit_issuance("wild", issued, store::HistoryKind::Issued));
  }
  REQUIRE(f.manager->manage({"w.example.com"}, "wild"));
  CHECK(f.ca.count("new-order") == 0);
  auto exact = f.manager->certificate("w.example.com");
  REQUIRE(exact);
  CHECK(exact->serial() == info.serial_hex);
  CHECK(f.manager->certificate("api.w.example.com") == exact);
  CHECK(f.manager->certificate("a.b.w.example.com") == nullptr);
  CHECK(f.manager->certificate("example.com") == nullptr);
}

TEST_CASE("fake CA: renew_now publishes the new snapshot and notifies subscribers, old snapshots stay valid",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"r.example.com"}));
  auto before = f.manager->certificate("r.example.com");
  REQUIRE(before);
  const std::string old_serial = before->serial();

  EventLog log;
  EventLog cancelled;
  Subscription subscription = f.manager->subscribe([&](const Event& e) { log.add(e); });
  Subscription dropped = f.manager->subscribe([&](const Event& e) { cancelled.add(e); });
  dropped.reset();

  REQUIRE(f.manager->renew_now("r.example.com"));
  auto after = f.manager->certificate("r.example.com");
  REQUIRE(after);
  CHECK(after->serial() != old_serial);
  CHECK(before->serial() == old_serial);  // a snapshot never changes
  CHECK_FALSE(before->certificate_pem().empty());

  auto events = log.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::Renewed);
  CHECK(events[0].serial == after->serial());
  CHECK(cancelled.events().empty());

  auto unknown = f.manager->renew_now("nope.example.com");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == Errc::NotFound);
}

TEST_CASE("fake CA: a refused issuance returns the CA's problem, sends Failed and serves nothing",
          "[lifecycle][manager][fake-ca]") {
  testing::FakeCaOptions options;
  options.validation_fails = true;
  ManagerFixture f(options);
  EventLog log;
  Subscription subscription = f.manager->subscribe([&](const Event& e) { log.add(e); });
  auto managed = f.manager->manage({"bad.example.com"});
  REQUIRE_FALSE(managed);
  CHECK(managed.error().code() == Errc::CaProblem);
  CHECK(f.manager->certificate("bad.example.com") == nullptr);
  CHECK(f.manager->lineages().empty());
  auto events = log.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::Failed);
  CHECK(events[0].name == "bad.example.com");
  REQUIRE(events[0].error);
  CHECK(events[0].error->code() == Errc::CaProblem);
}

TEST_CASE("manage refuses wildcard, invalid and missing names before touching the CA",
          "[lifecycle][manager]") {
  ManagerFixture f;
  for (auto names : {std::vector<std::string>{}, std::vector<std::string>{"*.example.com"},
                     std::vector<std::string>{"bad name.example.com"}}) {
    auto managed = f.manager->manage(names);
    REQUIRE_FALSE(managed);
    CHECK(managed.error().code() == Errc::InvalidArgument);
  }
  auto bad_lineage = f.manager->manage({"ok.example.com"}, "../escape");
  REQUIRE_FALSE(bad_lineage);
  CHECK(bad_lineage.error().code() == Errc::InvalidArgument);
  CHECK(f.ca.count("new-order") == 0);
}

TEST_CASE("fake CA: http01_response answers only a pending token, on its own host",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  std::optional<std::string> right_host, with_port, wrong_host, unknown_token, decorated;
  std::string token;
  f.ca.serve = [&](const std::string& identifier, const std::string& t) -> std::optional<std::string> {
    token = t;
    right_host = f.manager->http01_response(identifier, kChallengePath + t);
    with_port = f.manager->http01_response("H.example.com:80", kChallengePath + t);
    wrong_host = f.manager->http01_response("other.example.com", kChallengePath + t);
    unknown_token =
        f.manager->http01_response(identifier, kChallengePath + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    decorated = f.manager->http01_response(identifier, kChallengePath + t + "?x=1");
    return right_host;
  };
  REQUIRE(f.manager->manage({"h.example.com"}));
  REQUIRE(right_host);
  CHECK(right_host->starts_with(token + "."));  // RFC 8555 §8.1 key authorization
  CHECK(with_port == right_host);
  CHECK_FALSE(wrong_host);
  CHECK_FALSE(unknown_token);
  CHECK_FALSE(decorated);
  // Once the authorization is final the token is cleaned up.
  CHECK_FALSE(f.manager->http01_response("h.example.com", kChallengePath + token));
}

TEST_CASE("Http01Responder matches host and token exactly and forgets on cleanup", "[lifecycle][manager]") {
  lifecycle::Http01Responder responder;
  const std::string token = "tok_0123456789abcdefghijkl";
  const std::string key_authorization = token + "." + std::string(43, 'T');  // a SHA-256 thumbprint's length
  Challenge challenge{"Site.Example.com", token, key_authorization};
  REQUIRE(responder.present(challenge));
  CHECK(responder.answer("site.example.com", kChallengePath + token) == key_authorization);
  CHECK(responder.answer("SITE.example.com.:8080", kChallengePath + token) == key_authorization);
  CHECK_FALSE(responder.answer("", kChallengePath + token));
  CHECK_FALSE(responder.answer("site.example.com", "/.well-known/acme-challenge/" + token + "/"));
  CHECK_FALSE(responder.answer("site.example.com", kChallengePath));
  responder.cleanup(challenge);
  CHECK_FALSE(responder.answer("site.example.com", kChallengePath + token));
  CHECK(lifecycle::host_without_port("[::1]:80") == "::1");
}

TEST_CASE("fake CA: a restarted Manager serves the stored certificate without a new order",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"keep.example.com"}));
  const std::string serial = f.manager->certificate("keep.example.com")->serial();
  const int orders = f.ca.count("new-order");
  f.manager = f.open();
  CHECK(f.manager->certificate("keep.example.com") == nullptr);  // nothing until manage()
  REQUIRE(f.manager->manage({"keep.example.com"}));
  CHECK(f.ca.count("new-order") == orders);
  CHECK(f.manager->certificate("keep.example.com")->serial() == serial);
  // Different names for the lineage: a new certificate.
  REQUIRE(f.manager->manage({"keep.example.com", "also.example.com"}, "keep.example.com"));
  CHECK(f.ca.count("new-order") == orders + 1);
  CHECK(f.manager->certificate("also.example.com") == f.manager->certificate("keep.example.com"));
}

TEST_CASE("fake CA: the renewal thread renews a due lineage and stops on request",
          "[lifecycle][manager][fake-ca]") {
  testing::FakeCaOptions options;
  options.renewal_info = true;  // the CA's ARI window (2020) has begun: due at once
  ManagerFixture f(options);
  f.manager = f.open(20ms);
  REQUIRE(f.manager->manage({"due.example.com"}));
  const std::string first = f.manager->certificate("due.example.com")->serial();
  EventLog log;
  Subscription subscription = f.manager->subscribe([&](const Event& e) { log.add(e); });

  REQUIRE(f.manager->start());
  CHECK(f.manager->start().error().code() == Errc::InvalidArgument);
  CHECK(log.wait_for(EventKind::Renewed));
  f.manager->stop();
  f.manager->stop();  // twice is fine
  CHECK_FALSE(f.manager->impl().is_running());
  CHECK(f.manager->certificate("due.example.com")->serial() != first);
  // After stop(), the Manager still works on the caller's thread.
  CHECK(f.manager->renew_now("due.example.com"));
}

TEST_CASE("fake CA: use_managed_certificates serves the renewed certificate to the next handshake",
          "[lifecycle][manager][fake-ca][tls]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"tls.example.com"}));
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  REQUIRE(use_managed_certificates(ctx.get(), *f.manager));
  const std::string first = f.manager->certificate("tls.example.com")->serial();
  CHECK(testing::served_serial(ctx.get(), "tls.example.com") == first);
  REQUIRE(f.manager->renew_now("tls.example.com"));
  const std::string second = f.manager->certificate("tls.example.com")->serial();
  CHECK(second != first);
  CHECK(testing::served_serial(ctx.get(), "tls.example.com") == second);
}

TEST_CASE("a Subscription may outlive its Manager", "[lifecycle][manager]") {
  ManagerFixture f;
  Subscription subscription = f.manager->subscribe([](const Event&) {});
  CHECK(subscription);
  f.manager.reset();
  subscription.reset();
  CHECK_FALSE(subscription);
}

TEST_CASE("event hub: a throwing subscriber does not stop the others, one may unsubscribe itself",
          "[lifecycle][manager]") {
  auto hub = std::make_shared<lifecycle::EventHub>();
  int thrower_calls = 0;
  int counted = 0;
  Subscription self_removing;
  Subscription thrower = hub->subscribe([&](const Event&) {
    ++thrower_calls;
    throw std::runtime_error("subscriber bug");
  });
  self_removing = hub->subscribe([&](const Event&) {
    ++counted;
    self_removing.reset();
  });
  CHECK(hub->size() == 2);
  hub->notify({Event{EventKind::Renewed, "x", "01", std::nullopt, {}}});
  hub->notify({Event{EventKind::Renewed, "x", "02", std::nullopt, {}}});
  CHECK(thrower_calls == 2);
  CHECK(counted == 1);
  CHECK(hub->size() == 1);
}

TEST_CASE("Manager::open refuses a directory that is not https and a missing ca_bundle",
          "[lifecycle][manager]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("certkeep-manager-open-" + std::to_string(::getpid()));
  ManagerOptions options;
  options.state_dir = dir;
  options.directory_url = "http://ca.example/dir";
  auto plain_http = Manager::open(options);
  REQUIRE_FALSE(plain_http);
  CHECK(plain_http.error().code() == Errc::InvalidArgument);

  options.directory_url = "staging";
  options.ca_bundle = dir / "missing.pem";
  auto no_bundle = Manager::open(options);
  REQUIRE_FALSE(no_bundle);
  CHECK(no_bundle.error().code() == Errc::InvalidArgument);

  options.ca_bundle.clear();
  auto opened = Manager::open(options);  // no network until manage()
  REQUIRE(opened);
  CHECK(std::filesystem::exists(dir / "certkeep.db"));
  opened->reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("manager: placeholder serves a private-CA certificate while the first issuance fails",
          "[lifecycle][manager][placeholder]") {
  testing::FakeCaOptions failing;
  failing.validation_fails = true;
  ManagerFixture f(failing, [](ManagerOptions& options) { options.placeholder = true; });
  auto managed = f.manager->manage({"ph.example.com"});
  REQUIRE_FALSE(managed);  // the CA refused: the caller hears it
  auto snapshot = f.manager->certificate("ph.example.com");
  REQUIRE(snapshot);  // yet handshakes get the placeholder
  auto stored = f.store()->find_lineage("ph.example.com").value();
  REQUIRE(stored);
  CHECK(stored->serves_placeholder());
  CHECK(snapshot->serial() == stored->placeholder_serial);
  CHECK(snapshot->issuer() == "certkeep-ca");
  CHECK(*stored->not_after - *stored->not_before == 7 * 24h + 1min);
  CHECK(f.manager->lineages() == std::vector<std::string>{"ph.example.com"});
}

TEST_CASE("manager: placeholder, then the CA's certificate replaces it",
          "[lifecycle][manager][placeholder]") {
  ManagerFixture f({}, [](ManagerOptions& options) { options.placeholder = true; });
  REQUIRE(f.manager->manage({"ph.example.com"}));
  auto stored = f.store()->find_lineage("ph.example.com").value();
  REQUIRE(stored);
  CHECK_FALSE(stored->serves_placeholder());
  CHECK(f.manager->certificate("ph.example.com")->serial() == stored->serial);
  CHECK(f.manager->certificate("ph.example.com")->issuer() != "certkeep-ca");
  const auto events = f.store()->events("ph.example.com").value();
  std::vector<store::HistoryKind> kinds;
  for (const auto& event : events)
    if (event.kind == store::HistoryKind::Placeholder || event.kind == store::HistoryKind::Issued)
      kinds.push_back(event.kind);
  CHECK(kinds ==
        std::vector<store::HistoryKind>{store::HistoryKind::Placeholder, store::HistoryKind::Issued});
}

TEST_CASE("manager: private_ca issues from certkeep's own CA, never asking the ACME CA",
          "[lifecycle][manager][private-ca]") {
  ManagerFixture f({}, [](ManagerOptions& options) { options.private_ca = "internal"; });
  REQUIRE(f.manager->manage({"svc.internal"}));
  CHECK(f.ca.count("new-order") == 0);
  auto snapshot = f.manager->certificate("svc.internal");
  REQUIRE(snapshot);
  CHECK(snapshot->issuer() == "internal");
  const auto generations = f.store()->private_ca_generations("internal").value();
  REQUIRE(generations.size() == 1);
  CHECK(crypto::verify_chain(snapshot->certificate_pem(), "", generations.front().cert_pem));
}

TEST_CASE("manager: a malformed server_ca_checksum or private CA name is refused at open",
          "[lifecycle][manager]") {
  ManagerOptions options;
  options.state_dir = std::filesystem::temp_directory_path() / "certkeep-manager-bad-options";
  options.server_ca_checksum = "abc";
  CHECK(open_manager(options, {}).error().code() == Errc::InvalidArgument);
  options.server_ca_checksum.clear();
  options.private_ca = "../x";
  CHECK(open_manager(options, {}).error().code() == Errc::InvalidArgument);
  std::filesystem::remove_all(options.state_dir);
}

TEST_CASE("on-demand: only admitted names get a certificate made by the private CA, cached",
          "[lifecycle][manager][on-demand]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"real.example.com"}));
  auto source = f.manager
                    ->on_demand(OnDemandOptions{.allowed_names = {"Fixed.Example.com."},
                                                .allowed_patterns = {"*.dev.example.com"}})
                    .value();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  REQUIRE(use_certificate_source(ctx.get(), *source));

  const std::string fixed = testing::served_serial(ctx.get(), "fixed.example.com");
  CHECK_FALSE(fixed.empty());
  CHECK(testing::served_serial(ctx.get(), "FIXED.example.com") == fixed);  // cached, any case
  CHECK_FALSE(testing::served_serial(ctx.get(), "a.dev.example.com").empty());
  // The Manager's own certificate wins over an on-the-fly one.
  CHECK(testing::served_serial(ctx.get(), "real.example.com") ==
        f.manager->certificate("real.example.com")->serial());
  // Not admitted: two labels under the pattern, the bare domain, another domain, garbage. (No
  // SNI gets the Manager's default certificate, as use_certificate_source promises.)
  for (const char* refused : {"x.y.dev.example.com", "dev.example.com", "other.example.org", "bad name"}) {
    INFO(refused);
    CHECK(testing::served_serial(ctx.get(), refused).empty());
  }
  auto made = source->certificate("fixed.example.com");
  REQUIRE(made);
  CHECK(made->issuer() == "certkeep-ca");
  CHECK(made->names() == std::vector<std::string>{"fixed.example.com"});
  const auto generations = f.store()->private_ca_generations("certkeep-ca").value();
  REQUIRE(generations.size() == 1);
  CHECK(crypto::verify_chain(made->certificate_pem(), "", generations.front().cert_pem));
  const auto stats = source->stats();
  CHECK(stats.made == 2);
  CHECK(stats.cached == 2);
  CHECK(stats.refused >= 4);
}

TEST_CASE("on-demand: nothing is made by default, and random names stay within the bounds",
          "[lifecycle][manager][on-demand]") {
  ManagerFixture f;
  auto none = f.manager->on_demand({}).value();
  CHECK(none->certificate("anything.example.com") == nullptr);
  CHECK(none->stats().made == 0);

  auto bounded =
      f.manager->on_demand(OnDemandOptions{.allowed_patterns = {"*.dev.example.com"}, .max_certificates = 3})
          .value();
  for (int i = 0; i < 10; ++i) CHECK(bounded->certificate("n" + std::to_string(i) + ".dev.example.com"));
  auto stats = bounded->stats();
  CHECK(stats.cached == 3);
  CHECK(stats.evicted == 7);
  // The most recent stay: n9 is served from the cache, n0 is made again.
  const auto n9 = bounded->certificate("n9.dev.example.com");
  CHECK(bounded->stats().made == 10);
  CHECK(bounded->certificate("n0.dev.example.com") != nullptr);
  CHECK(bounded->stats().made == 11);
  CHECK(bounded->certificate("n9.dev.example.com") == n9);

  auto tiny =
      f.manager->on_demand(OnDemandOptions{.allowed_patterns = {"*.dev.example.com"}, .max_bytes = 4096})
          .value();
  for (int i = 0; i < 5; ++i) tiny->certificate("m" + std::to_string(i) + ".dev.example.com");
  CHECK(tiny->stats().bytes <= 4096);
  CHECK(tiny->stats().cached >= 1);

  CHECK(f.manager->on_demand(OnDemandOptions{.allowed_patterns = {"dev.example.com"}}).error().code() ==
        Errc::InvalidArgument);
  CHECK(f.manager->on_demand(OnDemandOptions{.allowed_patterns = {"*.*.example.com"}}).error().code() ==
        Errc::InvalidArgument);
  CHECK(f.manager->on_demand(OnDemandOptions{.max_certificates = 0}).error().code() == Errc::InvalidArgument);
}

TEST_CASE("manager: import serves a certificate made elsewhere and never renews it",
          "[lifecycle][manager][import]") {
  ManagerFixture f;
  auto ca = crypto::create_private_ca("Elsewhere CA", 24h * 30).value();
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const auto now = std::chrono::system_clock::now();
  const std::string leaf =
      crypto::issue_leaf_certificate(ca, key, {"byo.example.com"}, now - 1h, now + 24h * 20).value();
  const auto files = f.dir / "byo";
  std::filesystem::create_directories(files);
  std::ofstream(files / "cert.pem") << leaf;
  std::ofstream(files / "key.pem") << key.to_pem().value().view();
  std::ofstream(files / "chain.pem") << ca.cert_pem;
  auto other = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  std::ofstream(files / "other.pem") << other.to_pem().value().view();

  auto refused = f.manager->import("byo.example.com", files / "cert.pem", files / "other.pem");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
  CHECK(f.manager->certificate("byo.example.com") == nullptr);

  REQUIRE(f.manager->import("byo.example.com", files / "cert.pem", files / "key.pem", files / "chain.pem"));
  auto served = f.manager->certificate("byo.example.com");
  REQUIRE(served);
  CHECK(served->certificate_pem() == leaf);
  CHECK(served->issuer() == "Elsewhere CA");
  const std::string serial = served->serial();
  f.clock.advance(24h * 15);  // well past the 1/3 point: an ACME lineage would be renewed
  f.manager->impl().run_pass();
  CHECK(f.manager->certificate("byo.example.com")->serial() == serial);
  CHECK(f.ca.count("new-order") == 0);
  CHECK(f.store()->find_lineage("byo.example.com").value()->settings.issuer_kind ==
        store::IssuerKind::Imported);
}

TEST_CASE("fake CA: manage of a wildcard with a DNS-01 hook, the apex by HTTP-01, exact names before the wildcard",
          "[lifecycle][manager][dns]") {
  testing::TempDir zone_dir("manager-dns");
  const std::filesystem::path zone = zone_dir.path() / "zone.txt";
  ManagerFixture f(testing::FakeCaOptions{.challenge_types = {"http-01", "dns-01"}}, [&](ManagerOptions&
                                                                                             options) {
    // The hook "publishes" into a file the fake CA's DNS reads; cleanup takes the line out.
    options.dns01 = Dns01Options{
        .hook = "if [ \"$1\" = present ]; then echo \"$CERTKEEP_DNS_RECORD $CERTKEEP_DNS_VALUE\" >> " + zone.string() +
                "; else grep -v \"$CERTKEEP_DNS_VALUE\" " + zone.string() + " > " + zone.string() + ".new; mv " +
                zone.string() + ".new " + zone.string() + "; fi",
        .propagation_timeout = 0s};
  });
  f.ca.serve_dns = [&](const std::string& name) {
    std::vector<std::string> values;
    std::ifstream in(zone);
    for (std::string record, value; in >> record >> value;)
      if (record == name) values.push_back(value);
    return values;
  };
  REQUIRE(f.manager->manage({"example.com", "*.example.com"}));
  std::vector<std::string> validated = f.ca.validated();
  std::sort(validated.begin(), validated.end());
  CHECK(validated == std::vector<std::string>{"dns-01 *.example.com", "http-01 example.com"});
  CHECK(testing::read_text(zone).empty());  // cleaned up
  auto wildcard = f.manager->certificate("www.example.com");
  REQUIRE(wildcard);
  CHECK(f.manager->certificate("example.com") == wildcard);
  CHECK(f.manager->lineages() == std::vector<std::string>{"example.com"});

  // A second lineage for www.example.com exactly: SNI www gets it, others keep the wildcard.
  REQUIRE(f.manager->manage({"www.example.com"}));
  auto exact = f.manager->certificate("www.example.com");
  REQUIRE(exact);
  CHECK(exact != wildcard);
  CHECK(exact->lineage() == "www.example.com");
  CHECK(f.manager->certificate("api.example.com")->lineage() == "example.com");
}

TEST_CASE("fake CA: TLS-ALPN-01 through the Manager, its validation certificates only while pending",
          "[lifecycle][manager][tls-alpn]") {
  ManagerFixture f(testing::FakeCaOptions{.challenge_types = {"http-01", "tls-alpn-01"}},
                   [](ManagerOptions& options) { options.challenge = ChallengeType::TlsAlpn01; });
  CHECK(f.manager->answers_acme_tls_alpn());
  // The fake CA "connects" with acme-tls/1 and checks the certificate the Manager presents.
  f.ca.serve_tls_alpn = [&](const std::string& identifier) -> std::optional<std::string> {
    auto validation = f.manager->acme_tls_alpn_certificate(identifier);
    if (!validation) return std::nullopt;
    return validation->certificate_pem();
  };
  REQUIRE(f.manager->manage({"alpn.example.com"}));
  CHECK(f.ca.validated() == std::vector<std::string>{"tls-alpn-01 alpn.example.com"});
  CHECK(f.manager->acme_tls_alpn_certificate("alpn.example.com") == nullptr);  // cleaned up
  CHECK(f.manager->certificate("alpn.example.com"));
}

TEST_CASE("manager: dns01 settings are checked at open, wildcards need them", "[lifecycle][manager][dns]") {
  ManagerFixture f;
  auto wildcard = f.manager->manage({"*.example.com"});
  REQUIRE_FALSE(wildcard);
  CHECK_THAT(wildcard.error().message(), Catch::Contains("dns-01"));
  ManagerOptions both;
  both.state_dir = f.dir / "other";
  both.dns01 = Dns01Options{.rfc2136_server = "127.0.0.1", .tsig_key_file = "/nonexistent", .hook = "true"};
  CHECK_FALSE(Manager::open(both));
  ManagerOptions missing_key;
  missing_key.state_dir = f.dir / "other";
  missing_key.dns01 = Dns01Options{.rfc2136_server = "127.0.0.1", .tsig_key_file = f.dir / "no-such.key"};
  auto refused = Manager::open(missing_key);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message(), Catch::Contains("no-such.key"));
  ManagerOptions dns_only;
  dns_only.state_dir = f.dir / "other";
  dns_only.challenge = ChallengeType::Dns01;
  CHECK_FALSE(Manager::open(dns_only));
}

TEST_CASE("manager: fake CA: IP addresses are managed, validated through http01_response at the address",
          "[lifecycle][manager][ip][fake-ca]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"192.0.2.10", "2001:DB8::10"}, "addresses"));
  CHECK(f.ca.identifiers_seen() == std::vector<std::string>{"ip:192.0.2.10", "ip:2001:db8::10"});
  auto served = f.manager->certificate("");
  REQUIRE(served);
  auto info = crypto::inspect_certificate(served->certificate_pem()).value();
  CHECK(info.ip_addresses == std::vector<std::string>{"192.0.2.10", "2001:db8::10"});
  // The CA asks at the address itself, in whatever spelling its Host header uses.
  CHECK_FALSE(f.manager->http01_response("[2001:db8::10]:80", kChallengePath + "unknown-token-0123456789ab"));
  CHECK(lifecycle::host_without_port("[2001:DB8:0::10]:80") == "2001:db8::10");
  CHECK(lifecycle::host_without_port("192.0.2.10:80") == "192.0.2.10");
  CHECK(lifecycle::host_without_port("2001:db8::10") == "2001:db8::10");
}

TEST_CASE("manager: fake CA: a CA that requires EAB gets the binding of the options",
          "[lifecycle][manager][eab][fake-ca]") {
  testing::FakeCaOptions options;
  options.external_account_required = true;
  options.eab_keys["kid-1"] = "0123456789abcdef0123456789abcdef";
  ManagerFixture f(options, [](ManagerOptions& o) {
    o.eab_key_id = "kid-1";
    o.eab_mac_key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";  // base64url of the key above
  });
  REQUIRE(f.manager->manage({"eab.example.com"}));
  auto account = f.store()->find_account(testing::FakeAcmeCa::kDirectoryUrl).value();
  REQUIRE(account);
  CHECK(f.ca.binding_of(account->account_url) == "kid-1");
}

TEST_CASE("manager: a bad EAB key is refused at open, and a missing one before any request to the CA",
          "[lifecycle][manager][eab][fake-ca]") {
  testing::FakeCaOptions options;
  options.external_account_required = true;
  ManagerFixture f(options);
  auto refused = f.manager->manage({"no-eab.example.com"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
  CHECK_THAT(refused.error().message(), Catch::Contains("External Account Binding"));
  CHECK(f.ca.count("new-account") == 0);
  CHECK(f.ca.count("new-nonce") == 0);

  ManagerOptions bad;
  bad.state_dir = f.dir / "bad";
  bad.directory_url = testing::FakeAcmeCa::kDirectoryUrl;
  bad.eab_key_id = "kid-1";
  bad.eab_mac_key = "not*base64";
  auto opened = open_manager(bad, ManagerSeams{});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == Errc::InvalidArgument);
}

namespace {

// A certificate for `names` committed to the store by someone else (another process or node).
std::string commit_elsewhere(store::Store& store, const std::string& lineage, const std::vector<std::string>& names,
                             core::SystemTime now, core::SystemTime renew_at) {
  auto ca = crypto::create_private_ca("elsewhere", 24h * 30).value();
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const std::string cert = crypto::issue_leaf_certificate(ca, key, names, now - 1h, now + 24h * 20).value();
  const auto info = crypto::inspect_certificate(cert).value();
  if (!store.find_lineage(lineage).value()) {
    store::LineageRecord record;
    record.name = lineage;
    record.identifiers = names;
    record.settings.directory_url = testing::FakeAcmeCa::kDirectoryUrl;
    REQUIRE(store.upsert_lineage(record));
  }
  store::IssuedCertificate issued{.key_pem = key.to_pem().value(),
                                  .cert_pem = cert,
                                  .chain_pem = ca.cert_pem,
                                  .serial = info.serial_hex,
                                  .not_before = info.not_before,
                                  .not_after = info.not_after,
                                  .renew_at = renew_at};
  REQUIRE(store.commit_issuance(lineage, issued, store::HistoryKind::Renewed));
  REQUIRE(store.record_deployed(lineage, info.serial_hex));  // that process deployed it too
  return info.serial_hex;
}

}  // namespace

TEST_CASE("fake CA: a pass renews only the managed lineages the store says are due",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"m.example.com"}));
  const std::string managed_serial = f.manager->certificate("m.example.com")->serial();
  // Someone else's lineage, due an hour ago: not this Manager's to renew.
  const std::string other_serial =
      commit_elsewhere(*f.store(), "other.example.com", {"other.example.com"}, f.clock.now(), f.clock.now() - 1h);
  const int orders = f.ca.count("new-order");
  const auto sleep = f.manager->impl().run_pass();
  CHECK(f.ca.count("new-order") == orders);
  CHECK(f.store()->find_lineage("other.example.com").value()->serial == other_serial);
  CHECK(f.manager->certificate("m.example.com")->serial() == managed_serial);
  // The sleep comes from the managed lineage's own due time (and the hourly reconciliation),
  // not from the other one's, which is past.
  const auto renew_at = *f.store()->find_lineage("m.example.com").value()->renew_at;
  CHECK(renew_at - f.clock.now() > 1h);
  CHECK(sleep > 59min);
  CHECK(sleep <= 1h);

  f.clock.advance(std::chrono::duration_cast<std::chrono::seconds>(renew_at - f.clock.now()) + 1s);
  f.manager->impl().run_pass();
  CHECK(f.ca.count("new-order") == orders + 1);
  CHECK(f.manager->certificate("m.example.com")->serial() != managed_serial);
  CHECK(f.store()->find_lineage("other.example.com").value()->serial == other_serial);
}

TEST_CASE("fake CA: a renewal committed elsewhere is served after lineage_changed, or at the next reconciliation",
          "[lifecycle][manager][fake-ca]") {
  ManagerFixture f;
  REQUIRE(f.manager->manage({"m.example.com"}));
  EventLog log;
  Subscription subscription = f.manager->subscribe([&](const Event& e) { log.add(e); });
  const auto later = f.clock.now() + 24h * 10;
  const std::string first = commit_elsewhere(*f.store(), "m.example.com", {"m.example.com"}, f.clock.now(), later);
  CHECK(f.manager->certificate("m.example.com")->serial() != first);
  REQUIRE(f.manager->lineage_changed("m.example.com"));
  CHECK(f.manager->certificate("m.example.com")->serial() == first);
  REQUIRE(log.events().size() == 1);
  CHECK(log.events()[0].kind == EventKind::Renewed);
  CHECK(log.events()[0].serial == first);

  // Nobody calls lineage_changed: the pass reconciles once check_interval (1 h) has passed.
  const std::string second = commit_elsewhere(*f.store(), "m.example.com", {"m.example.com"}, f.clock.now(), later);
  f.manager->impl().run_pass();
  CHECK(f.manager->certificate("m.example.com")->serial() == first);
  f.clock.advance(61min);
  f.manager->impl().run_pass();
  CHECK(f.manager->certificate("m.example.com")->serial() == second);
  CHECK(f.ca.count("new-order") == 1);  // only manage()'s issuance
}

// SPDX-License-Identifier: Apache-2.0
// When a lineage goes to its next issuer (lifecycle/fallback.hpp), how a --fallback is written
// (issuer_spec.hpp), and how accounts are named (accounts.hpp): pure rules, no CA.
#include <catch2/catch.hpp>

#include "lifecycle/accounts.hpp"
#include "lifecycle/fallback.hpp"
#include "lifecycle/issuer_spec.hpp"
#include "store/store.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace certkeep::lifecycle;
using namespace std::chrono_literals;
using certkeep::testing::kTestNow;

namespace {

Error problem(const std::string& name, int status) {
  return Error::from_problem(Problem{.type = "urn:ietf:params:acme:error:" + name, .status = status});
}

}  // namespace

TEST_CASE("fallback: a CA's refusal falls over at once, a rate limit never", "[lifecycle][fallback]") {
  CHECK(should_fall_over(problem("rejectedIdentifier", 400), std::nullopt, 24h, kTestNow));
  CHECK(should_fall_over(problem("unauthorized", 403), std::nullopt, 24h, kTestNow));
  CHECK(should_fall_over(Error(Errc::Protocol, "malformed directory"), std::nullopt, 24h, kTestNow));
  CHECK(should_fall_over(Error(Errc::InvalidArgument, "profile not offered"), std::nullopt, 24h, kTestNow));
  // The CA asking to wait: the retry goes to the same CA, however long it has been failing.
  CHECK_FALSE(should_fall_over(problem("rateLimited", 429), kTestNow - 72h, 24h, kTestNow));
  CHECK_FALSE(should_fall_over(Error::from_problem(Problem{.type = "about:blank", .status = 429}, 3600s),
                               kTestNow - 72h, 0s, kTestNow));
  // Our own trouble: another CA would not help.
  CHECK_FALSE(should_fall_over(Error(Errc::Store, "disk full"), std::nullopt, 0s, kTestNow));
  CHECK_FALSE(should_fall_over(Error(Errc::Cancelled, "stop requested"), std::nullopt, 0s, kTestNow));
}

TEST_CASE("fallback: an unreachable CA falls over only past fallback_after", "[lifecycle][fallback]") {
  const Error unreachable(Errc::Network, "connection refused");
  CHECK_FALSE(should_fall_over(unreachable, std::nullopt, 24h, kTestNow));  // the first failure
  CHECK_FALSE(should_fall_over(unreachable, kTestNow - 23h, 24h, kTestNow));
  CHECK(should_fall_over(unreachable, kTestNow - 24h, 24h, kTestNow));
  CHECK(should_fall_over(unreachable, std::nullopt, 0s, kTestNow));  // "0": at once
  CHECK_FALSE(should_fall_over(problem("serverInternal", 503), kTestNow - 1h, 2h, kTestNow));
  CHECK(should_fall_over(problem("serverInternal", 503), kTestNow - 3h, 2h, kTestNow));
  CHECK(should_fall_over(Error(Errc::Timeout, "no answer"), kTestNow - 3h, 2h, kTestNow));
}

TEST_CASE("fallback specs: a server with settings, or a private CA, mistakes named", "[lifecycle][fallback]") {
  auto acme = parse_fallback_spec("https://ca.test/dir,account=backup,profile=tlsserver").value();
  CHECK(acme.kind == store::IssuerKind::Acme);
  CHECK(acme.directory_url == "https://ca.test/dir");
  CHECK(acme.account == "backup");
  CHECK(acme.profile == "tlsserver");
  CHECK(describe_issuer(acme) == "https://ca.test/dir");
  auto zerossl = parse_fallback_spec("zerossl").value();
  CHECK(zerossl.directory_url.find("zerossl.com") != std::string::npos);
  auto ca = parse_fallback_spec("ca:internal").value();
  CHECK(ca.kind == store::IssuerKind::PrivateCa);
  CHECK(describe_issuer(ca) == "private CA internal");

  for (const char* bad : {"", ",account=x", "https://ca.test/dir,account", "https://ca.test/dir,colour=red",
                          "https://ca.test/dir,account=Not Valid", "https://ca.test/dir,profile=a b",
                          "http://ca.test/dir", "ca:"}) {
    auto parsed = parse_fallback_spec(bad);
    INFO(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == Errc::InvalidArgument);
    CHECK_THAT(parsed.error().message(), Catch::Contains("--fallback"));
  }
}

TEST_CASE("durations: seconds or s/m/h/d, nonsense refused naming the option", "[lifecycle][fallback]") {
  CHECK(parse_duration("0", "--fallback-after").value() == 0s);
  CHECK(parse_duration("90s", "--fallback-after").value() == 90s);
  CHECK(parse_duration("30m", "--fallback-after").value() == 1800s);
  CHECK(parse_duration("6h", "--fallback-after").value() == 6h);
  CHECK(parse_duration("2d", "--fallback-after").value() == 48h);
  for (const char* bad : {"", "h", "-1", "1w", "1.5h", "99999999999d"}) {
    auto parsed = parse_duration(bad, "--fallback-after");
    INFO(bad);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message(), Catch::Contains("--fallback-after"));
  }
}

TEST_CASE("account names: checked, a new account of a CA gets its host, then -2, -3",
          "[lifecycle][accounts]") {
  CHECK(check_account_name("zerossl-prod").value() == "zerossl-prod");
  for (const char* bad : {"", "-x", ".x", "Upper", "with space", "a/b"}) CHECK_FALSE(check_account_name(bad));
  CHECK_FALSE(check_account_name(std::string(65, 'a')));

  auto store = store::Store::open_in_memory().value();
  CHECK(default_account_name(*store, "https://acme-v02.api.letsencrypt.org/directory").value() ==
        "acme-v02.api.letsencrypt.org");
  const std::string pebble = "https://127.0.0.1:14000/dir";
  CHECK(default_account_name(*store, pebble).value() == "127.0.0.1-14000");
  store::AccountRecord account;
  account.name = "127.0.0.1-14000";
  account.directory_url = pebble;
  account.key_pem = core::Secret("KEY");
  REQUIRE(store->save_account(account));
  CHECK(default_account_name(*store, pebble).value() == "127.0.0.1-14000-2");
}

TEST_CASE("the account an order uses: the named one of its CA, else the lineage's, else the newest valid",
          "[lifecycle][accounts]") {
  auto store = store::Store::open_in_memory().value();
  auto save = [&](const std::string& name, const std::string& url, store::AccountStatus status) {
    store::AccountRecord account;
    account.name = name;
    account.directory_url = url;
    account.key_pem = core::Secret("KEY-" + name);
    account.account_url = url + "/acct/" + name;
    account.status = status;
    return store->save_account(account).value();
  };
  const std::string a = "https://a.test/dir", b = "https://b.test/dir";
  const auto first = save("first", a, store::AccountStatus::Valid);
  save("newest", a, store::AccountStatus::Valid);
  save("gone", a, store::AccountStatus::Deactivated);
  const auto other = save("other", b, store::AccountStatus::Valid);

  CHECK(find_account_for(*store, {.name = "first", .directory_url = a}, 0).value()->id == first.id);
  auto wrong_ca = find_account_for(*store, {.name = "other", .directory_url = a}, 0);
  REQUIRE_FALSE(wrong_ca);
  CHECK_THAT(wrong_ca.error().message(), Catch::Contains("belongs to " + b));
  CHECK(find_account_for(*store, {.directory_url = a}, first.id).value()->name == "first");
  // The lineage's account is another CA's (it fell back): the CA's newest valid one.
  CHECK(find_account_for(*store, {.directory_url = a}, other.id).value()->name == "newest");
  CHECK(find_account_for(*store, {.directory_url = a}, 0).value()->name == "newest");
  CHECK_FALSE(find_account_for(*store, {.directory_url = "https://c.test/dir"}, 0).value().has_value());
  CHECK_FALSE(find_account_for(*store, {.name = "unknown", .directory_url = a}, 0).value().has_value());
}

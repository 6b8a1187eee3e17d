// SPDX-License-Identifier: Apache-2.0

#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("commit_issuance stores the certificate, resets the failures, drops the order and logs the event",
          "[store][issuance]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  lineage.settings.deploy_hook = "systemctl reload nginx";
  REQUIRE(store->upsert_lineage(lineage));
  REQUIRE(store->record_failure("example.com", "timeout", "{\"type\":\"x\"}", t0() + 1h));
  REQUIRE(store->save_order(
      OrderRecord{"example.com", "https://ca.test/order/1", "valid", core::Secret("NEWKEY"), t0()}));

  const IssuedCertificate cert = issued("0AFF", t0() + 60 * 24h);
  REQUIRE(store->commit_issuance("example.com", cert, HistoryKind::Issued));

  auto after = store->find_lineage("example.com").value().value();
  CHECK(after.status == LineageStatus::Valid);
  CHECK(after.key_pem == cert.key_pem);
  CHECK(after.cert_pem == cert.cert_pem);
  CHECK(after.chain_pem == cert.chain_pem);
  CHECK(after.serial == "0AFF");
  CHECK(after.issuer == cert.issuer);
  CHECK(after.not_before == cert.not_before);
  CHECK(after.not_after == cert.not_after);
  CHECK(after.ari_cert_id == cert.ari_cert_id);
  CHECK(after.renew_at == cert.renew_at);
  CHECK(after.attempts == 0);
  CHECK_FALSE(after.next_attempt_at.has_value());
  CHECK(after.last_error.empty());
  CHECK(after.hook_pending_serial == "0AFF");  // a hook is configured
  CHECK(after.deployed_serial.empty());
  CHECK_FALSE(store->find_order("example.com").value().has_value());
  auto history = store->events("example.com").value();
  REQUIRE(history.size() == 2);
  CHECK(history[1].kind == HistoryKind::Issued);
  CHECK(history[1].serial == "0AFF");

  // Renewal without a hook: nothing owed to a hook.
  LineageSettings no_hook = after.settings;
  no_hook.deploy_hook.clear();
  REQUIRE(store->update_settings("example.com", no_hook));
  REQUIRE(store->commit_issuance("example.com", issued("0B00", t0() + 120 * 24h), HistoryKind::Renewed));
  after = store->find_lineage("example.com").value().value();
  CHECK(after.serial == "0B00");
  CHECK(after.hook_pending_serial.empty());
  CHECK(store->events("example.com").value().back().kind == HistoryKind::Renewed);
}

TEST_CASE("commit_issuance is all-or-nothing: a failure inside leaves the old certificate and the order",
          "[store][issuance]") {
  TempDir dir;
  auto store = open_store(dir.store());
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->commit_issuance("example.com", issued("01", t0() + 24h), HistoryKind::Issued));
  REQUIRE(store->record_failure("example.com", "timeout", "", t0() + 1h));
  REQUIRE(store->save_order(
      OrderRecord{"example.com", "https://ca.test/order/2", "valid", core::Secret("K2"), t0()}));
  {
    // Fault injection: the event insert (the last statement of the commit) fails.
    auto raw = raw_connection(dir.store());
    if (raw->engine() == sql::Engine::Postgres)
      raw_execute(
          *raw,
          "CREATE FUNCTION fail_events() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'injected'; END $$; "
          "CREATE TRIGGER fail_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_events()");
    else
      raw_execute(
          *raw,
          "CREATE TRIGGER fail_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected'); END");
  }
  auto committed = store->commit_issuance("example.com", issued("02", t0() + 48h), HistoryKind::Renewed);
  REQUIRE_FALSE(committed);
  CHECK(committed.error().code() == Errc::Store);
  CHECK_THAT(committed.error().message(), Catch::Contains("injected"));

  auto after = store->find_lineage("example.com").value().value();
  CHECK(after.serial == "01");
  CHECK(after.cert_pem == issued("01", t0()).cert_pem);
  CHECK(after.key_pem == issued("01", t0()).key_pem);
  CHECK(after.attempts == 1);
  CHECK(after.next_attempt_at == t0() + 1h);
  REQUIRE(store->find_order("example.com").value().has_value());
  CHECK(store->find_order("example.com").value()->key_pem.view() == "K2");
}

TEST_CASE("commit_issuance refuses unknown lineages and incomplete certificates", "[store][issuance]") {
  auto store = memory_store();
  CHECK(store->commit_issuance("missing", issued("01", t0()), HistoryKind::Issued).error().code() ==
        Errc::NotFound);
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  IssuedCertificate keyless = issued("01", t0());
  keyless.key_pem = core::Secret();
  CHECK(store->commit_issuance("example.com", keyless, HistoryKind::Issued).error().code() ==
        Errc::InvalidArgument);
  CHECK(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Failed).error().code() ==
        Errc::InvalidArgument);
  CHECK(store->find_lineage("example.com").value()->serial.empty());
  CHECK(store->events("example.com").value().empty());
}

TEST_CASE("commit_issuance of an imported certificate keeps the lineage tracked-only", "[store][issuance]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("byo.example.com");
  lineage.status = LineageStatus::Imported;
  REQUIRE(store->upsert_lineage(lineage));
  REQUIRE(store->commit_issuance("byo.example.com", issued("0C", t0() - 1h), HistoryKind::Imported));
  CHECK(store->find_lineage("byo.example.com").value()->status == LineageStatus::Imported);
  CHECK(store->due_lineages(t0()).value().empty());
}

TEST_CASE("record_failure counts attempts and schedules the retry, the certificate stays",
          "[store][failure]") {
  auto store = memory_store();
  SECTION("never issued: the lineage becomes failed") {
    REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
    REQUIRE(store->record_failure("example.com", "rejectedIdentifier", "{problem}", t0() + 5min));
    REQUIRE(store->record_failure("example.com", "rateLimited", "{problem 2}", t0() + 1h));
    auto after = store->find_lineage("example.com").value().value();
    CHECK(after.status == LineageStatus::Failed);
    CHECK(after.attempts == 2);
    CHECK(after.next_attempt_at == t0() + 1h);
    CHECK(after.last_error == "rateLimited");
    auto history = store->events("example.com").value();
    REQUIRE(history.size() == 2);
    CHECK(history[1].kind == HistoryKind::Failed);
    CHECK(history[1].detail == "{problem 2}");
  }
  SECTION("with a certificate: it stays valid and keeps serving") {
    REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
    REQUIRE(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Issued));
    REQUIRE(store->record_failure("example.com", "timeout", "detail", t0() + 10min));
    auto after = store->find_lineage("example.com").value().value();
    CHECK(after.status == LineageStatus::Valid);
    CHECK(after.attempts == 1);
    CHECK(after.next_attempt_at == t0() + 10min);
    CHECK(after.last_error == "timeout");
    CHECK(after.serial == "01");
    CHECK(after.cert_pem == issued("01", t0()).cert_pem);
    CHECK(store->events("example.com").value().back().serial == "01");
  }
  SECTION("unknown lineage") {
    CHECK(store->record_failure("missing", "x", "y", t0()).error().code() == Errc::NotFound);
  }
}

TEST_CASE("deploy_pending_lineages lists lineages whose files or hook lag behind", "[store][deploy]") {
  auto store = memory_store();
  CHECK(store->deploy_pending_lineages().value().empty());
  LineageRecord hooked = pending_lineage("hooked.example.com");
  hooked.settings.deploy_hook = "reload";
  REQUIRE(store->upsert_lineage(hooked));
  REQUIRE(store->upsert_lineage(pending_lineage("plain.example.com")));
  REQUIRE(store->upsert_lineage(pending_lineage("never.example.com")));  // no certificate: nothing to deploy
  REQUIRE(store->commit_issuance("hooked.example.com", issued("01", t0()), HistoryKind::Issued));
  REQUIRE(store->commit_issuance("plain.example.com", issued("02", t0()), HistoryKind::Issued));
  CHECK(names_of(store->deploy_pending_lineages().value()) ==
        std::vector<std::string>{"hooked.example.com", "plain.example.com"});

  REQUIRE(store->record_deployed("plain.example.com", "02"));
  REQUIRE(store->record_deployed("hooked.example.com", "01"));
  CHECK(store->find_lineage("plain.example.com").value()->deployed_serial == "02");
  // Files are out, but the hook has not run yet.
  CHECK(names_of(store->deploy_pending_lineages().value()) == std::vector<std::string>{"hooked.example.com"});

  REQUIRE(store->record_hook_result("hooked.example.com", "01", false, "exit 1\nnginx: bad config"));
  CHECK(names_of(store->deploy_pending_lineages().value()) == std::vector<std::string>{"hooked.example.com"});
  REQUIRE(store->record_hook_result("hooked.example.com", "01", true, "exit 0"));
  CHECK(store->deploy_pending_lineages().value().empty());
  CHECK(store->find_lineage("hooked.example.com").value()->hook_pending_serial.empty());

  auto history = store->events("hooked.example.com").value();
  REQUIRE(history.size() == 4);
  CHECK(history[1].kind == HistoryKind::Deployed);
  CHECK(history[2].kind == HistoryKind::HookFailed);
  CHECK(history[2].detail == "exit 1\nnginx: bad config");
  CHECK(history[3].kind == HistoryKind::HookSucceeded);

  // A renewal makes both owed again.
  REQUIRE(store->commit_issuance("hooked.example.com", issued("03", t0()), HistoryKind::Renewed));
  CHECK(names_of(store->deploy_pending_lineages().value()) == std::vector<std::string>{"hooked.example.com"});
  CHECK(store->record_deployed("missing", "01").error().code() == Errc::NotFound);
  CHECK(store->record_hook_result("missing", "01", true, "").error().code() == Errc::NotFound);
}

TEST_CASE("a hook result for an older serial does not settle the newer one's hook", "[store][deploy]") {
  auto store = memory_store();
  LineageRecord hooked = pending_lineage("example.com");
  hooked.settings.deploy_hook = "reload";
  REQUIRE(store->upsert_lineage(hooked));
  REQUIRE(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Issued));
  REQUIRE(store->commit_issuance("example.com", issued("02", t0()), HistoryKind::Renewed));
  REQUIRE(store->record_hook_result("example.com", "01", true, "late"));
  CHECK(store->find_lineage("example.com").value()->hook_pending_serial == "02");
}

TEST_CASE("orders: one per lineage, replaced by the next save, gone after delete", "[store][orders]") {
  auto store = memory_store();
  CHECK(store->save_order(OrderRecord{"missing", "https://ca.test/o/1", "pending", core::Secret("K"), t0()})
            .error()
            .code() == Errc::NotFound);
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->save_order(
      OrderRecord{"example.com", "https://ca.test/o/1", "pending", core::Secret("K1"), t0()}));
  REQUIRE(store->save_order(
      OrderRecord{"example.com", "https://ca.test/o/2", "ready", core::Secret("K2"), t0() + 1s}));
  auto order = store->find_order("example.com").value();
  REQUIRE(order);
  CHECK(order->order_url == "https://ca.test/o/2");
  CHECK(order->status == "ready");
  CHECK(order->key_pem.view() == "K2");
  CHECK(order->created_at == t0() + 1s);
  REQUIRE(store->delete_order("example.com"));
  CHECK_FALSE(store->find_order("example.com").value().has_value());
  CHECK(store->delete_order("example.com"));  // deleting nothing is fine
}

TEST_CASE("events come back oldest first, limited to the newest ones, per lineage", "[store][events]") {
  auto store = memory_store();
  for (int i = 0; i < 10; ++i) {
    REQUIRE(store->append_event(EventRecord{0, "example.com", HistoryKind::Deployed, std::to_string(i),
                                            "detail " + std::to_string(i), t0() + std::chrono::seconds(i)}));
    REQUIRE(store->append_event(EventRecord{0, "other.example.com", HistoryKind::Revoked, "x", "", t0()}));
  }
  auto all = store->events("example.com").value();
  REQUIRE(all.size() == 10);
  for (int i = 0; i < 10; ++i) {
    CHECK(all[static_cast<std::size_t>(i)].serial == std::to_string(i));
    CHECK(all[static_cast<std::size_t>(i)].at == t0() + std::chrono::seconds(i));
    CHECK(all[static_cast<std::size_t>(i)].lineage == "example.com");
  }
  CHECK(all[0].id < all[1].id);
  auto last3 = store->events("example.com", 3).value();
  REQUIRE(last3.size() == 3);
  CHECK(last3[0].serial == "7");
  CHECK(last3[2].serial == "9");
  CHECK(last3[2].detail == "detail 9");
  CHECK(store->events("example.com", 0).value().empty());
  CHECK(store->events("nobody").value().empty());
}

}  // namespace
}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
// Schema v6's deployment state: confirm and HAProxy targets stored with a lineage's settings,
// the last confirmation's verdict (about one serial), the expiry notice once per serial, and
// the last success and failure times. The same cases run on SQLite and on PostgreSQL
// (ctest's store.postgres).
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("confirm and HAProxy targets are settings: stored, updated, cleared", "[store][deployment]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  lineage.settings.confirm_targets = {"127.0.0.1:443", "[::1]:8443/www.example.com"};
  lineage.settings.haproxy_targets = {"/run/haproxy/admin.sock:/etc/haproxy/certs/site.pem"};
  REQUIRE(store->upsert_lineage(lineage));
  LineageRecord found = store->find_lineage("example.com").value().value();
  CHECK(found.settings.confirm_targets == lineage.settings.confirm_targets);
  CHECK(found.settings.haproxy_targets == lineage.settings.haproxy_targets);
  CHECK(found.confirmation == ConfirmationState::None);
  CHECK_FALSE(found.confirmed_at.has_value());

  LineageSettings settings = found.settings;
  settings.confirm_targets = {"127.0.0.1:8443"};
  settings.haproxy_targets.clear();
  REQUIRE(store->update_settings("example.com", settings));
  found = store->find_lineage("example.com").value().value();
  CHECK(found.settings.confirm_targets == std::vector<std::string>{"127.0.0.1:8443"});
  CHECK(found.settings.haproxy_targets.empty());
  // Listings carry them too (list, metrics).
  const auto summaries = store->list_lineage_summaries().value();
  REQUIRE(summaries.size() == 1);
  CHECK(summaries[0].settings.confirm_targets == std::vector<std::string>{"127.0.0.1:8443"});
}

TEST_CASE("a HAProxy target makes a new certificate's hand-over owed, like a deploy hook",
          "[store][deployment]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("lb.example.com");
  lineage.settings.haproxy_targets = {"/run/haproxy/admin.sock:/etc/haproxy/certs/lb.pem"};
  REQUIRE(store->upsert_lineage(lineage));
  REQUIRE(store->commit_issuance("lb.example.com", issued("0A01", t0() + 60 * 24h), HistoryKind::Issued));
  const LineageRecord found = store->find_lineage("lb.example.com").value().value();
  CHECK(found.hook_pending_serial == "0A01");
  CHECK(found.deployment_owed());
}

TEST_CASE("record_confirmation keeps the verdict about one serial and appends its event", "[store][deployment]") {
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->commit_issuance("example.com", issued("0A01", t0() + 60 * 24h), HistoryKind::Issued));

  REQUIRE(store->record_confirmation("example.com", "0A01", ConfirmationState::Stale,
                                     "stale: 127.0.0.1:443 serves 09FF (3 probes)"));
  LineageRecord found = store->find_lineage("example.com").value().value();
  CHECK(found.confirmation == ConfirmationState::Stale);
  CHECK(found.confirmed_serial == "0A01");
  CHECK(found.confirmed_at.has_value());
  CHECK(found.confirmation_detail == "stale: 127.0.0.1:443 serves 09FF (3 probes)");
  auto history = store->events("example.com").value();
  CHECK(history.back().kind == HistoryKind::Stale);
  CHECK(history.back().serial == "0A01");

  REQUIRE(store->record_confirmation("example.com", "0A01", ConfirmationState::Confirmed, "confirmed"));
  found = store->find_lineage("example.com").value().value();
  CHECK(found.confirmation == ConfirmationState::Confirmed);
  CHECK(store->events("example.com").value().back().kind == HistoryKind::Confirmed);

  // A verdict about a serial the lineage has left behind: history only.
  REQUIRE(store->commit_issuance("example.com", issued("0A02", t0() + 120 * 24h), HistoryKind::Renewed));
  REQUIRE(store->record_confirmation("example.com", "0A01", ConfirmationState::Stale, "late"));
  found = store->find_lineage("example.com").value().value();
  CHECK(found.confirmation == ConfirmationState::Confirmed);
  CHECK(found.confirmed_serial == "0A01");  // about the old certificate: none for 0A02
  CHECK(store->events("example.com").value().back().kind == HistoryKind::Stale);

  CHECK(store->record_confirmation("example.com", "0A02", ConfirmationState::None, "").error().code() ==
        Errc::InvalidArgument);
}

TEST_CASE("expiry notices: the certificates in their last days, once per serial", "[store][deployment]") {
  auto store = memory_store();
  for (const char* name : {"near.example.com", "far.example.com", "revoked.example.com", "pending.example.com"})
    REQUIRE(store->upsert_lineage(pending_lineage(name)));
  IssuedCertificate near = issued("0A01", t0() + 24h);
  near.not_after = t0() + 5 * 24h;
  REQUIRE(store->commit_issuance("near.example.com", near, HistoryKind::Issued));
  REQUIRE(store->commit_issuance("far.example.com", issued("0B01", t0() + 24h), HistoryKind::Issued));
  IssuedCertificate gone = issued("0C01", t0() + 24h);
  gone.not_after = t0() + 2 * 24h;
  REQUIRE(store->commit_issuance("revoked.example.com", gone, HistoryKind::Issued));
  REQUIRE(store->set_status("revoked.example.com", LineageStatus::Revoked));

  auto due = store->expiry_notice_due(t0() + 7 * 24h).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].name == "near.example.com");
  CHECK(due[0].key_pem.empty());  // summaries: no PEM read

  REQUIRE(store->mark_expiry_notified("near.example.com", "0A01"));
  CHECK(store->expiry_notice_due(t0() + 7 * 24h).value().empty());
  // A mark for a serial the lineage no longer has changes nothing; the new serial is told again.
  IssuedCertificate renewed = issued("0A02", t0() + 24h);
  renewed.not_after = t0() + 6 * 24h;
  REQUIRE(store->commit_issuance("near.example.com", renewed, HistoryKind::Renewed));
  REQUIRE(store->mark_expiry_notified("near.example.com", "0A01"));
  due = store->expiry_notice_due(t0() + 7 * 24h).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].serial == "0A02");
}

TEST_CASE("the last success and the last failure are kept apart", "[store][deployment]") {
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  LineageRecord found = store->find_lineage("example.com").value().value();
  CHECK_FALSE(found.last_success_at.has_value());
  CHECK_FALSE(found.last_failure_at.has_value());
  REQUIRE(store->record_failure("example.com", "timeout", "{}", t0() + 1h));
  found = store->find_lineage("example.com").value().value();
  CHECK(found.last_failure_at.has_value());
  CHECK_FALSE(found.last_success_at.has_value());
  REQUIRE(store->commit_issuance("example.com", issued("0A01", t0() + 60 * 24h), HistoryKind::Issued));
  found = store->find_lineage("example.com").value().value();
  CHECK(found.last_success_at.has_value());
  CHECK(found.last_failure_at.has_value());  // the failure stays on record
  CHECK(found.attempts == 0);
}

}  // namespace
}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
// The renewalInfo poll schedule (RFC 9773 §4.3): ari_check_at is set with a certificate, found
// by ari_check_due through its partial index, moved by record_renewal_info, and counted by
// next_due_time so the daemon wakes for it.

#include "store/lineage_rows.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

// A lineage holding `serial`, renewing at renew_at, whose next renewalInfo poll is `check_at`.
void issue_with_ari(Store& store, const std::string& name, const std::string& serial,
                    core::SystemTime renew_at, std::optional<core::SystemTime> check_at) {
  REQUIRE(store.upsert_lineage(pending_lineage(name)));
  IssuedCertificate cert = issued(serial, renew_at);
  cert.ari_check_at = check_at;
  REQUIRE(store.commit_issuance(name, cert, HistoryKind::Issued));
}

}  // namespace

TEST_CASE("ari_check_due finds lineages whose renewalInfo poll is due, never revoked or imported ones",
          "[store][ari]") {
  auto store = memory_store();
  issue_with_ari(*store, "poll-now.example.com", "01", t0() + 30 * 24h, t0() - 1min);
  issue_with_ari(*store, "poll-later.example.com", "02", t0() + 30 * 24h, t0() + 6h);
  issue_with_ari(*store, "no-ari.example.com", "03", t0() + 30 * 24h, std::nullopt);
  issue_with_ari(*store, "revoked.example.com", "04", t0() + 30 * 24h, t0() - 1h);
  REQUIRE(store->set_status("revoked.example.com", LineageStatus::Revoked));

  CHECK(names_of(store->ari_check_due(t0()).value()) == std::vector<std::string>{"poll-now.example.com"});
  auto found = store->find_lineage("poll-later.example.com").value();
  REQUIRE(found);
  REQUIRE(found->ari_check_at);
  CHECK(*found->ari_check_at == t0() + 6h);
  CHECK_FALSE(store->find_lineage("no-ari.example.com").value()->ari_check_at);
}

TEST_CASE("record_renewal_info moves renew_at and the next poll, only for the serial it asked about",
          "[store][ari]") {
  auto store = memory_store();
  issue_with_ari(*store, "moved.example.com", "0A", t0() + 30 * 24h, t0() - 1min);

  REQUIRE(store->record_renewal_info("moved.example.com", "0A", t0() + 1h, t0() + 6h));
  auto moved = store->find_lineage("moved.example.com").value();
  CHECK(moved->renew_at == t0() + 1h);
  CHECK(moved->ari_check_at == t0() + 6h);
  CHECK(store->ari_check_due(t0()).value().empty());

  // nullopt keeps renew_at (a failed poll only schedules the next one).
  REQUIRE(store->record_renewal_info("moved.example.com", "0A", std::nullopt, t0() + 7h));
  moved = store->find_lineage("moved.example.com").value();
  CHECK(moved->renew_at == t0() + 1h);
  CHECK(moved->ari_check_at == t0() + 7h);

  // A poll about a serial the lineage no longer holds changes nothing.
  REQUIRE(store->record_renewal_info("moved.example.com", "OLD", t0() - 24h, t0() + 1min));
  moved = store->find_lineage("moved.example.com").value();
  CHECK(moved->renew_at == t0() + 1h);
  CHECK(moved->ari_check_at == t0() + 7h);
}

TEST_CASE("next_due_time wakes for a renewalInfo poll that comes before any renewal", "[store][ari]") {
  auto store = memory_store();
  issue_with_ari(*store, "far.example.com", "0B", t0() + 30 * 24h, t0() + 6h);
  CHECK(store->next_due_time().value() == t0() + 6h);
  REQUIRE(store->record_renewal_info("far.example.com", "0B", std::nullopt, t0() + 60 * 24h));
  CHECK(store->next_due_time().value() == t0() + 30 * 24h);
  // A revoked lineage's poll never wakes anyone.
  issue_with_ari(*store, "gone.example.com", "0C", t0() + 30 * 24h, t0() + 1h);
  REQUIRE(store->set_status("gone.example.com", LineageStatus::Revoked));
  CHECK(store->next_due_time().value() == t0() + 30 * 24h);
}

TEST_CASE("ari_check_due uses its partial index, not a scan of the table", "[store][ari][sqlite]") {
  TempDir dir;
  const auto path = dir.path() / "certkeep.db";
  { REQUIRE(Store::open(path)); }
  auto raw = raw_connection(path.string());
  auto plan = raw->prepare("EXPLAIN QUERY PLAN " + ari_check_due_sql()).value();
  plan->bind_int64(1, static_cast<std::int64_t>(core::to_unix(t0())));
  std::string details;
  while (plan->step().value()) details += plan->text(3) + " | ";
  INFO(details);
  CHECK(details.find("certificates_ari_check") != std::string::npos);
  CHECK(details.find("SCAN certificates |") == std::string::npos);
}

}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
// DueSchedule and next_work_time: the renewal thread's wake-up times, as the store's due_at
// column computes them, kept in memory.
#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "lifecycle/due_schedule.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

namespace {

const core::SystemTime kNow = core::from_unix(1'800'000'000);

store::LineageRecord lineage_due(std::optional<core::SystemTime> renew_at) {
  store::LineageRecord lineage;
  lineage.name = "a.example.com";
  lineage.status = store::LineageStatus::Valid;
  lineage.serial = "01";
  lineage.renew_at = renew_at;
  lineage.created_at = kNow - 24h;
  return lineage;
}

}  // namespace

TEST_CASE("next_work_time follows the store's due_at, and an earlier renewalInfo poll", "[lifecycle][schedule]") {
  store::LineageRecord lineage = lineage_due(kNow + 48h);
  CHECK(lifecycle::next_work_time(lineage) == kNow + 48h);
  lineage.next_attempt_at = kNow + 1h;  // a failure's backoff replaces the planned time
  CHECK(lifecycle::next_work_time(lineage) == kNow + 1h);
  lineage.next_attempt_at.reset();
  lineage.ari_check_at = kNow + 6h;  // the CA's window is asked about first
  CHECK(lifecycle::next_work_time(lineage) == kNow + 6h);
  lineage.ari_check_at = kNow + 72h;
  CHECK(lifecycle::next_work_time(lineage) == kNow + 48h);
  CHECK(lifecycle::next_work_time(lineage_due(std::nullopt)) == kNow - 24h);  // never planned: at once
  lineage.status = store::LineageStatus::Revoked;
  CHECK(lifecycle::next_work_time(lineage) == std::nullopt);
  lineage.status = store::LineageStatus::Imported;
  CHECK(lifecycle::next_work_time(lineage) == std::nullopt);
}

TEST_CASE("due schedule: earliest first, moved and cleared lineages", "[lifecycle][schedule]") {
  lifecycle::DueSchedule schedule;
  CHECK(schedule.earliest() == std::nullopt);
  schedule.set("b", kNow + 2h);
  schedule.set("a", kNow + 1h);
  schedule.set("c", kNow + 3h);
  CHECK(schedule.earliest() == kNow + 1h);
  schedule.set("a", kNow + 4h);  // renewed: later
  CHECK(schedule.earliest() == kNow + 2h);
  CHECK(schedule.due_by(kNow + 3h) == std::vector<std::string>{"b", "c"});
  schedule.set("b", std::nullopt);  // revoked: never
  schedule.set("nobody", std::nullopt);
  CHECK(schedule.size() == 2);
  CHECK(schedule.due_by(kNow + 3h) == std::vector<std::string>{"c"});
  CHECK(schedule.earliest() == kNow + 3h);
}

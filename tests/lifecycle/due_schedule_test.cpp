// SPDX-License-Identifier: Apache-2.0
// DueSchedule and next_work_time: the renewal thread's wake-up times, as the store's due_at
// column computes them, kept in memory.
#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "lifecycle/due_schedule.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using certkeep::testing::kTestNow;

namespace {

store::LineageRecord lineage_due(std::optional<core::SystemTime> renew_at) {
  store::LineageRecord lineage;
  lineage.name = "a.example.com";
  lineage.status = store::LineageStatus::Valid;
  lineage.serial = "01";
  lineage.renew_at = renew_at;
  lineage.created_at = kTestNow - 24h;
  return lineage;
}

}  // namespace

TEST_CASE("next_work_time follows the store's due_at, and an earlier renewalInfo poll", "[lifecycle][schedule]") {
  store::LineageRecord lineage = lineage_due(kTestNow + 48h);
  CHECK(lifecycle::next_work_time(lineage) == kTestNow + 48h);
  lineage.next_attempt_at = kTestNow + 1h;  // a failure's backoff replaces the planned time
  CHECK(lifecycle::next_work_time(lineage) == kTestNow + 1h);
  lineage.next_attempt_at.reset();
  lineage.ari_check_at = kTestNow + 6h;  // the CA's window is asked about first
  CHECK(lifecycle::next_work_time(lineage) == kTestNow + 6h);
  lineage.ari_check_at = kTestNow + 72h;
  CHECK(lifecycle::next_work_time(lineage) == kTestNow + 48h);
  CHECK(lifecycle::next_work_time(lineage_due(std::nullopt)) == kTestNow - 24h);  // never planned: at once
  lineage.status = store::LineageStatus::Revoked;
  CHECK(lifecycle::next_work_time(lineage) == std::nullopt);
  lineage.status = store::LineageStatus::Imported;
  CHECK(lifecycle::next_work_time(lineage) == std::nullopt);
}

TEST_CASE("due schedule: earliest first, moved and cleared lineages", "[lifecycle][schedule]") {
  lifecycle::DueSchedule schedule;
  CHECK(schedule.earliest() == std::nullopt);
  schedule.set("b", kTestNow + 2h);
  schedule.set("a", kTestNow + 1h);
  schedule.set("c", kTestNow + 3h);
  CHECK(schedule.earliest() == kTestNow + 1h);
  schedule.set("a", kTestNow + 4h);  // renewed: later
  CHECK(schedule.earliest() == kTestNow + 2h);
  CHECK(schedule.due_by(kTestNow + 3h) == std::vector<std::string>{"b", "c"});
  schedule.set("b", std::nullopt);  // revoked: never
  schedule.set("nobody", std::nullopt);
  CHECK(schedule.size() == 2);
  CHECK(schedule.due_by(kTestNow + 3h) == std::vector<std::string>{"c"});
  CHECK(schedule.earliest() == kTestNow + 3h);
}

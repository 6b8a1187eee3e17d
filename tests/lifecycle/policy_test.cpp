// SPDX-License-Identifier: Apache-2.0
// Renewal timing and retry backoff, on fixed times (no clock needed: the policy is pure).
#include <algorithm>
#include <map>

#include <catch2/catch.hpp>

#include "lifecycle/renewal_policy.hpp"
#include "lifecycle/retry_policy.hpp"

using namespace certkeep;
using namespace certkeep::lifecycle;
using namespace std::chrono_literals;

namespace {
const SystemTime kIssued = core::from_unix(1'800'000'000);
constexpr auto kDay = std::chrono::hours(24);
}  // namespace

TEST_CASE("a 90-day certificate is due with a third of its life left, minus at most 3 days of jitter",
          "[lifecycle][policy]") {
  SystemTime due = compute_renew_at("example.com", kIssued, kIssued + 90 * kDay, std::nullopt, kIssued);
  CHECK(due <= kIssued + 60 * kDay);
  CHECK(due >= kIssued + 57 * kDay);
  // Stable for the same lineage.
  CHECK(due == compute_renew_at("example.com", kIssued, kIssued + 90 * kDay, std::nullopt, kIssued));
}

TEST_CASE("a 6-day certificate is due at half its life", "[lifecycle][policy]") {
  SystemTime due = compute_renew_at("short", kIssued, kIssued + 6 * kDay, std::nullopt, kIssued);
  CHECK(due <= kIssued + 3 * kDay);
  CHECK(due >= kIssued + 3 * kDay - 6 * kDay / 30);
}

TEST_CASE("a thousand certificates issued together spread their renewals", "[lifecycle][policy]") {
  std::map<long long, int> per_hour;
  for (int i = 0; i < 1000; ++i) {
    SystemTime due = compute_renew_at("site" + std::to_string(i) + ".example", kIssued, kIssued + 90 * kDay,
                                      std::nullopt, kIssued);
    per_hour[core::to_unix(due) / 3600]++;
  }
  int busiest = 0;
  for (auto& [hour, count] : per_hour) busiest = std::max(busiest, count);
  CHECK(per_hour.size() > 50);  // 72 one-hour buckets in the 3-day jitter window
  CHECK(busiest < 40);
}

TEST_CASE("an ARI window picks a stable time inside it", "[lifecycle][policy][ari]") {
  RenewalWindow window{kIssued + 40 * kDay, kIssued + 41 * kDay};
  SystemTime due = compute_renew_at("a.test", kIssued, kIssued + 90 * kDay, window, kIssued);
  CHECK(due >= window.start);
  CHECK(due <= window.end);
  CHECK(due == compute_renew_at("a.test", kIssued, kIssued + 90 * kDay, window, kIssued));
}

TEST_CASE("an ARI window in the past means renew now", "[lifecycle][policy][ari]") {
  SystemTime now = kIssued + 10 * kDay;
  RenewalWindow past{kIssued + 1 * kDay, kIssued + 2 * kDay};
  CHECK(compute_renew_at("a.test", kIssued, kIssued + 90 * kDay, past, now) == now);
}

TEST_CASE("a far ARI window never lets a certificate pass the emergency point", "[lifecycle][policy][ari]") {
  RenewalWindow far{kIssued + 200 * kDay, kIssued + 201 * kDay};
  SystemTime due = compute_renew_at("a.test", kIssued, kIssued + 90 * kDay, far, kIssued);
  CHECK(due == kIssued + 90 * kDay - 90 * kDay / 20);
}

TEST_CASE("failures back off 1 min, 10 min, 100 min, then daily", "[lifecycle][retry]") {
  Error network(Errc::Network, "down");
  CHECK(retry_delay(1, network) == 60s);
  CHECK(retry_delay(2, network) == 600s);
  CHECK(retry_delay(3, network) == 6000s);
  CHECK(retry_delay(4, network) == 86400s);
  CHECK(retry_delay(50, network) == 86400s);
}

TEST_CASE("a CA's Retry-After lengthens the backoff but never beyond a day", "[lifecycle][retry]") {
  Problem limited;
  limited.type = "urn:ietf:params:acme:error:rateLimited";
  CHECK(retry_delay(1, Error::from_problem(limited, 3600s)) == 3600s);
  CHECK(retry_delay(1, Error::from_problem(limited, 9999999s)) == 86400s);
  CHECK(retry_delay(3, Error::from_problem(limited, 10s)) == 6000s);
}

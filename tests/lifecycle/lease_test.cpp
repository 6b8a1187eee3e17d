// SPDX-License-Identifier: Apache-2.0
// Lease owners: a crashed process's lease is recognised; a live one's, another boot's or a
// foreign format never is.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle/lease.hpp"

using namespace certkeep::lifecycle;

namespace {

// "boot:pid:start:random" → its fields.
std::vector<std::string> fields(const std::string& owner) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t colon; (colon = owner.find(':', start)) != std::string::npos; start = colon + 1)
    out.push_back(owner.substr(start, colon - start));
  out.push_back(owner.substr(start));
  return out;
}

}  // namespace

TEST_CASE("this process's lease is never abandoned", "[lifecycle][lease]") {
  const std::string mine = lease_owner_id();
  REQUIRE(fields(mine).size() == 4);
  CHECK(fields(mine)[1] == std::to_string(::getpid()));
  CHECK_FALSE(lease_owner_abandoned(mine));
  CHECK(lease_owner_id() != mine);  // each lease has its own owner
}

TEST_CASE("a lease of a process that exited is abandoned", "[lifecycle][lease]") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  auto f = fields(lease_owner_id());
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  const std::string dead = f[0] + ":" + std::to_string(child) + ":" + f[2] + ":1";
  CHECK(lease_owner_abandoned(dead));
}

TEST_CASE("a reused pid with another start time is abandoned, other boots and formats are not",
          "[lifecycle][lease]") {
  auto f = fields(lease_owner_id());
  CHECK(lease_owner_abandoned(f[0] + ":" + f[1] + ":1:7"));  // our pid, but started at tick 1
  CHECK_FALSE(lease_owner_abandoned("other-boot:" + f[1] + ":1:7"));
  CHECK_FALSE(lease_owner_abandoned("owner-a"));
  CHECK_FALSE(lease_owner_abandoned(f[0] + ":notapid:1:7"));
  CHECK_FALSE(lease_owner_abandoned(""));
}

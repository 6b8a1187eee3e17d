// SPDX-License-Identifier: Apache-2.0
// Failpoints: in a failpoint build, each action in a child process (kill, exit, sleep, a name
// that does not match, a misspelt name); in any other build, that CERTKEEP_FAILPOINT does
// nothing.
#include "core/failpoint.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>

#include <catch2/catch.hpp>

using namespace certkeep;

namespace {

// The wait status of a child that sets CERTKEEP_FAILPOINT=`spec`, passes `name`, then exits 0.
int status_of_child(const std::string& spec, const char* name) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setenv("CERTKEEP_FAILPOINT", spec.c_str(), 1);
    core::failpoint(name);
    std::_Exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return status;
}

}  // namespace

TEST_CASE("failpoint names are unique and in issuance order", "[core][failpoint]") {
  const auto names = core::failpoint_names();
  REQUIRE(names.size() >= 10);
  CHECK(std::set<std::string_view>(names.begin(), names.end()).size() == names.size());
  CHECK(names.front() == "key_chosen");
  CHECK(names[7] == "store_committed");
}

TEST_CASE("failpoint groups: the rollover's steps apart from the issuance's", "[core][failpoint]") {
  const auto rollover = core::failpoint_names(core::FailpointGroup::Rollover);
  REQUIRE(rollover.size() == 3);
  CHECK(rollover.front() == "rollover_key_stored");
  for (std::string_view name : core::failpoint_names()) CHECK_FALSE(name.starts_with("rollover_"));
  CHECK(core::parse_failpoint_group("rollover") == core::FailpointGroup::Rollover);
  CHECK(core::parse_failpoint_group("issuance") == core::FailpointGroup::Issuance);
  CHECK_FALSE(core::parse_failpoint_group("other"));
}

#ifdef CERTKEEP_FAILPOINTS

TEST_CASE("failpoint: kill, exit and sleep act at the named step only", "[core][failpoint]") {
  const int killed = status_of_child("store_committed:kill", "store_committed");
  CHECK(WIFSIGNALED(killed));
  CHECK(WTERMSIG(killed) == SIGKILL);

  const int exited = status_of_child("deploy_recorded:exit", "deploy_recorded");
  REQUIRE(WIFEXITED(exited));
  CHECK(WEXITSTATUS(exited) == 86);

  const auto started = std::chrono::steady_clock::now();
  const int slept = status_of_child("key_chosen:sleep=300", "key_chosen");
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));
  REQUIRE(WIFEXITED(slept));
  CHECK(WEXITSTATUS(slept) == 0);

  // A name of another group is known too.
  const int rollover = status_of_child("rollover_key_stored:kill", "rollover_key_stored");
  CHECK(WIFSIGNALED(rollover));

  const int elsewhere = status_of_child("store_committed:kill", "order_created");
  REQUIRE(WIFEXITED(elsewhere));
  CHECK(WEXITSTATUS(elsewhere) == 0);
}

TEST_CASE("failpoint: a misspelt name or action stops the process", "[core][failpoint]") {
  for (const char* spec : {"store_comitted:kill", "store_committed", "store_committed:crash",
                           "key_chosen:sleep=", "key_chosen:sleep=1x", "key_chosen:sleep=700000"}) {
    CAPTURE(spec);
    const int status = status_of_child(spec, "key_chosen");
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
  }
  // A call with a name missing from the list is a bug in certkeep, even with no plan set.
  const int unknown = status_of_child("", "no_such_step");
  REQUIRE(WIFEXITED(unknown));
  CHECK(WEXITSTATUS(unknown) == 2);
}

#else

TEST_CASE("failpoint: compiled out, CERTKEEP_FAILPOINT does nothing", "[core][failpoint]") {
  const int status = status_of_child("store_committed:kill", "store_committed");
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

#endif

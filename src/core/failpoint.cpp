// SPDX-License-Identifier: Apache-2.0
#include "core/failpoint.hpp"

#include <array>

#ifdef CERTKEEP_FAILPOINTS
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "core/log.hpp"
#endif

namespace certkeep::core {

namespace {

constexpr std::array<std::string_view, 16> kFailpoints = {
    "key_chosen",              // the certificate key is generated (or taken from the order)
    "order_created",           // the CA created the order and the store holds it with the key
    "challenge_answered",      // the token is served and the CA was told to validate
    "authorization_valid",     // the CA validated an authorization
    "finalize_started",        // about to send the CSR
    "download_started",        // the order is valid, about to download the certificate
    "certificate_downloaded",  // the chain is verified, nothing committed yet
    "store_committed",         // the new certificate is in the store, live/ not touched
    "deploy_file_1_written",   // cert.pem of the new version directory
    "deploy_file_2_written",   // chain.pem
    "deploy_file_3_written",   // fullchain.pem
    "deploy_file_4_written",   // privkey.pem
    "deploy_version_synced",   // the version directory and its parent are fsynced
    "deploy_link_switched",    // live/NAME renamed onto the new version, not yet fsynced
    "deploy_recorded",         // the store records the deployment
    "hook_starting",           // the deploy hook is about to run
};

// An account key rollover (lifecycle/account_rollover.cpp): each step leaves a key the CA accepts.
constexpr std::array<std::string_view, 3> kRolloverFailpoints = {
    "rollover_key_stored",   // the new key is in the store beside the old one; the CA not asked yet
    "rollover_key_changed",  // the CA answered the keyChange; the store still names the old key
    "rollover_committed",    // the store names the new key; nothing left to do
};

}  // namespace

std::optional<FailpointGroup> parse_failpoint_group(std::string_view text) noexcept {
  if (text == "issuance") return FailpointGroup::Issuance;
  if (text == "rollover") return FailpointGroup::Rollover;
  return std::nullopt;
}

std::span<const std::string_view> failpoint_names(FailpointGroup group) noexcept {
  if (group == FailpointGroup::Rollover) return kRolloverFailpoints;
  return kFailpoints;
}

#ifdef CERTKEEP_FAILPOINTS

namespace {

enum class Action { Kill, Exit, Sleep };

struct Plan {
  std::string name;
  Action action = Action::Kill;
  std::chrono::milliseconds sleep{0};
};

[[noreturn]] void refuse(const std::string& why) {
  core::log::error("CERTKEEP_FAILPOINT: " + why);
  std::_Exit(2);
}

bool is_known(std::string_view name) {
  for (FailpointGroup group : {FailpointGroup::Issuance, FailpointGroup::Rollover})
    for (std::string_view known : failpoint_names(group))
      if (known == name) return true;
  return false;
}

std::optional<Plan> read_plan() {
  const char* text = std::getenv("CERTKEEP_FAILPOINT");
  if (text == nullptr || *text == '\0') return std::nullopt;
  const std::string_view spec(text);
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos) refuse("want NAME:ACTION, got \"" + std::string(spec) + "\"");
  Plan plan;
  plan.name = std::string(spec.substr(0, colon));
  if (!is_known(plan.name)) refuse("no failpoint named \"" + plan.name + "\"");
  const std::string_view action = spec.substr(colon + 1);
  if (action == "kill") {
    plan.action = Action::Kill;
  } else if (action == "exit") {
    plan.action = Action::Exit;
  } else if (action.rfind("sleep=", 0) == 0) {
    const std::string_view digits = action.substr(6);
    unsigned milliseconds = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), milliseconds);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        milliseconds > 600'000)
      refuse("sleep=MS wants 0 to 600000");
    plan.action = Action::Sleep;
    plan.sleep = std::chrono::milliseconds(milliseconds);
  } else {
    refuse("unknown action \"" + std::string(action) + "\" (kill, exit, sleep=MS)");
  }
  return plan;
}

}  // namespace

void failpoint(std::string_view name) {
  if (!is_known(name)) refuse("failpoint \"" + std::string(name) + "\" is not in the list");
  static const std::optional<Plan> plan = read_plan();
  if (!plan || plan->name != name) return;
  switch (plan->action) {
    case Action::Kill: ::raise(SIGKILL); break;
    case Action::Exit: ::_exit(86);
    case Action::Sleep:
      core::log::warn("failpoint " + plan->name + ": sleeping " + std::to_string(plan->sleep.count()) +
                      " ms");
      std::this_thread::sleep_for(plan->sleep);
      break;
  }
}

#endif

}  // namespace certkeep::core

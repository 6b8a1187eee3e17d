// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/lease.hpp"

#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "core/log.hpp"
#include "core/result_macros.hpp"

namespace certkeep::lifecycle {

namespace {

std::string boot_id() {
  static const std::string id = [] {
    std::string value;
    std::ifstream("/proc/sys/kernel/random/boot_id") >> value;
    return value.empty() ? std::string("unknown-boot") : value;
  }();
  return id;
}

// Field 22 of /proc/<pid>/stat (clock ticks since boot), which tells a reused pid apart.
// Empty when the process does not exist.
std::string process_start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return {};
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index)
    if (index == 22) return field;
  return {};
}

}  // namespace

std::string lease_owner_id() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const long pid = static_cast<long>(::getpid());
  return boot_id() + ":" + std::to_string(pid) + ":" + process_start_time(pid) + ":" +
         std::to_string(random());
}

bool lease_owner_abandoned(std::string_view owner) {
  // boot:pid:start:random
  const std::size_t first = owner.find(':');
  const std::size_t second = first == std::string_view::npos ? first : owner.find(':', first + 1);
  const std::size_t third = second == std::string_view::npos ? second : owner.find(':', second + 1);
  if (third == std::string_view::npos) return false;
  if (owner.substr(0, first) != boot_id()) return false;
  const std::string pid_text(owner.substr(first + 1, second - first - 1));
  const std::string_view start = owner.substr(second + 1, third - second - 1);
  if (pid_text.empty() || pid_text.size() > 10 ||
      pid_text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const long pid = std::stol(pid_text);
  if (pid <= 0) return false;
  const std::string running_start = process_start_time(pid);
  return running_start.empty() || running_start != start;
}

Lease::~Lease() {
  if (!held_) return;
  if (keeper_ != nullptr) keeper_->drop(lineage_, owner_);
  if (auto released = store_.release_lease(lineage_, owner_); !released)
    core::log::warn("release lease " + lineage_ + ": " + released.error().to_string());
}

Result<bool> Lease::acquire(core::SystemTime now, std::chrono::seconds ttl) {
  auto grant = CERTKEEP_TRY(store_.acquire_lease(lineage_, owner_, now, ttl, &lease_owner_abandoned));
  held_ = grant.has_value();
  if (held_ && keeper_ != nullptr) keeper_->hold(lineage_, *grant);
  return held_;
}

}  // namespace certkeep::lifecycle

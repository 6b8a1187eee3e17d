// SPDX-License-Identifier: Apache-2.0
#include "challenge/memory_solver.hpp"

#include "challenge/token.hpp"
#include "core/result_macros.hpp"

namespace certkeep::challenge {

namespace {

std::optional<std::string_view> route_token(std::string_view raw_target) noexcept {
  if (!raw_target.starts_with(kChallengePathPrefix)) return std::nullopt;
  const std::string_view token = raw_target.substr(kChallengePathPrefix.size());
  // The token alphabet has no '/', '.', '%', '?' or '#': a valid token is the whole rest, so
  // the grammar check alone makes the match exact.
  if (!is_valid_token(token)) return std::nullopt;
  return token;
}

}  // namespace

std::optional<std::string> http01_route(std::string_view raw_target) {
  if (auto token = route_token(raw_target)) return std::string(*token);
  return std::nullopt;
}

Result<void> MemorySolver::present_one(const Challenge& challenge) {
  CERTKEEP_TRY(check_http01_challenge(challenge));
  std::lock_guard lock(mutex_);
  key_authorizations_.insert_or_assign(challenge.token, challenge.key_authorization);
  return {};
}

void MemorySolver::cleanup_one(const Challenge& challenge) noexcept {
  std::lock_guard lock(mutex_);
  if (auto it = key_authorizations_.find(challenge.token); it != key_authorizations_.end())
    key_authorizations_.erase(it);
}

std::optional<std::string> MemorySolver::answer(std::string_view request_target) const {
  const std::optional<std::string_view> token = route_token(request_target);
  if (!token) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = key_authorizations_.find(*token);
  if (it == key_authorizations_.end()) return std::nullopt;
  return it->second;
}

std::size_t MemorySolver::pending() const {
  std::lock_guard lock(mutex_);
  return key_authorizations_.size();
}

}  // namespace certkeep::challenge

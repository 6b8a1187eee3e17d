// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/http01_responder.hpp"

#include "challenge/token.hpp"
#include "core/ip_address.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::lifecycle {

std::string host_without_port(std::string_view host) {
  // A bare address ("192.0.2.1", "2001:db8::1"), as a terminator may pass the identifier.
  if (auto address = core::parse_ip_address(host)) return address->text;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    const std::string_view inside = host.substr(1, close == std::string_view::npos ? host.npos : close - 1);
    // RFC 8738: an IPv6 identifier, compared in canonical form ("[0:0::1]:80" is "::1").
    if (auto address = core::parse_ip_address(inside)) return address->text;
    return core::to_lower(inside);
  }
  if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos)
    host = host.substr(0, colon);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return core::to_lower(host);
}

Result<void> Http01Responder::present_one(const Challenge& challenge) {
  CERTKEEP_TRY(memory_.present(challenge));
  std::lock_guard lock(mutex_);
  hosts_.emplace(challenge.token, core::to_lower(challenge.identifier));
  return {};
}

void Http01Responder::cleanup_one(const Challenge& challenge) noexcept {
  memory_.cleanup(challenge);
  std::lock_guard lock(mutex_);
  auto [first, last] = hosts_.equal_range(challenge.token);
  for (auto it = first; it != last;) {
    if (core::iequals(it->second, challenge.identifier)) {
      it = hosts_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> Http01Responder::answer(std::string_view host, std::string_view raw_path) const {
  std::optional<std::string> body = memory_.answer(raw_path);
  if (!body) return std::nullopt;
  // MemorySolver matched the exact target, so what follows the prefix is the token.
  const std::string_view token = raw_path.substr(challenge::kChallengePathPrefix.size());
  // RFC 8555 §8.3: the CA asks on the identifier's own host; another Host is another site.
  const std::string wanted = host_without_port(host);
  std::lock_guard lock(mutex_);
  auto [first, last] = hosts_.equal_range(token);
  for (auto it = first; it != last; ++it)
    if (it->second == wanted) return body;
  return std::nullopt;
}

}  // namespace certkeep::lifecycle

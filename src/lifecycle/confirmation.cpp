// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/confirmation.hpp"

#include <cctype>
#include <charconv>

#include "core/backoff.hpp"
#include "deploy/served_certificate.hpp"

namespace certkeep::lifecycle {

std::string ConfirmTarget::to_string() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  if (!server_name.empty()) out += "/" + server_name;
  return out;
}

Result<ConfirmTarget> parse_confirm_target(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(Errc::InvalidArgument,
                "confirm target \"" + std::string(text) + "\": " + std::string(why) + " (HOST:PORT[/SNI])");
  };
  ConfirmTarget target;
  std::string_view rest = text;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    target.server_name = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (target.server_name.empty()) return bad("empty SNI after '/'");
    for (char c : target.server_name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '*' || c == '_'))
        return bad("the SNI is not a DNS name");
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return bad("an IPv6 address needs [ADDRESS]:PORT");
    target.host = std::string(rest.substr(1, close - 1));
    port_text = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    target.host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
    if (target.host.find(':') != std::string::npos) return bad("an IPv6 address needs [ADDRESS]:PORT");
  }
  if (target.host.empty()) return bad("no host");
  for (char c : target.host)
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@')
      return bad("not a host name or address");
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return bad("the port must be 1 to 65535");
  target.port = static_cast<std::uint16_t>(port);
  return target;
}

std::string_view to_string(ConfirmState state) noexcept {
  switch (state) {
    case ConfirmState::Confirmed: return "confirmed";
    case ConfirmState::Stale: return "stale";
    case ConfirmState::Unreachable: return "unreachable";
  }
  return "unreachable";
}

ConfirmResult probe_target(const ConfirmTarget& target, const std::string& expected_serial,
                           const std::string& default_sni, std::chrono::milliseconds timeout) {
  ConfirmResult result;
  result.target = target;
  result.attempts = 1;
  const std::string sni = target.server_name.empty() ? default_sni : target.server_name;
  auto served = deploy::fetch_served_certificate(target.host, target.port, sni, timeout);
  if (!served) {
    result.state = ConfirmState::Unreachable;
    result.detail = served.error().message();
    return result;
  }
  result.served_serial = served->serial;
  if (served->serial == expected_serial) {
    result.state = ConfirmState::Confirmed;
    result.detail = target.to_string() + " serves " + served->serial;
  } else {
    result.state = ConfirmState::Stale;
    result.detail = target.to_string() + " serves " + served->serial + ", not the stored " + expected_serial;
  }
  return result;
}

std::vector<ConfirmResult> confirm_targets(const std::vector<ConfirmTarget>& targets,
                                           const std::string& expected_serial, const std::string& default_sni,
                                           const ConfirmOptions& options, core::Clock& clock,
                                           std::stop_token stop) {
  std::vector<ConfirmResult> results(targets.size());
  const auto give_up = std::chrono::steady_clock::now() + options.budget;
  core::Backoff backoff(std::chrono::milliseconds(250), std::chrono::seconds(5), 2.0);
  for (;;) {
    bool all_confirmed = true;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (results[i].attempts > 0 && results[i].state == ConfirmState::Confirmed) continue;
      const int attempts = results[i].attempts;
      results[i] = probe_target(targets[i], expected_serial, default_sni, options.handshake_timeout);
      results[i].attempts = attempts + 1;
      all_confirmed = all_confirmed && results[i].state == ConfirmState::Confirmed;
    }
    if (all_confirmed || stop.stop_requested()) return results;
    const auto wait = backoff.next();
    if (std::chrono::steady_clock::now() + wait >= give_up) return results;
    if (!clock.sleep_for(wait, stop)) return results;
  }
}

std::vector<ConfirmTarget> parse_confirm_targets(const std::vector<std::string>& texts,
                                                 std::vector<std::string>& unparsable) {
  std::vector<ConfirmTarget> targets;
  for (const std::string& text : texts) {
    if (auto target = parse_confirm_target(text))
      targets.push_back(std::move(*target));
    else
      unparsable.push_back(target.error().message());
  }
  return targets;
}

}  // namespace certkeep::lifecycle

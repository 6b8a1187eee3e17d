// SPDX-License-Identifier: Apache-2.0
// Deployment confirmation: does a server really serve the certificate the store holds? One TLS
// handshake per target compares the served leaf's serial with the stored one; after a deploy,
// probes are repeated with backoff for a while, since a reload takes a moment. A failed
// confirmation is reported (stale), never a reason to undo a renewal.
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "core/clock.hpp"

namespace certkeep::lifecycle {

struct ConfirmTarget {
  std::string host;  // a name or a numeric address (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string server_name;  // SNI; empty: the lineage's first name
  // "HOST:PORT" or "HOST:PORT/SNI", as parse_confirm_target reads it.
  std::string to_string() const;
};

// "HOST:PORT", "HOST:PORT/SNI", "[IPV6]:PORT[/SNI]". Errc::InvalidArgument naming the text.
Result<ConfirmTarget> parse_confirm_target(std::string_view text);

enum class ConfirmState { Confirmed, Stale, Unreachable };
std::string_view to_string(ConfirmState state) noexcept;

struct ConfirmResult {
  ConfirmTarget target;
  ConfirmState state = ConfirmState::Unreachable;
  std::string served_serial;  // empty when unreachable
  std::string detail;         // "serves 0A…, stored 0B…", or the connection error
  int attempts = 0;
};

struct ConfirmOptions {
  // One handshake, connect included. Default 5 s.
  std::chrono::milliseconds handshake_timeout{5000};
  // confirm_targets(): how long to keep probing servers that do not yet serve the serial.
  // Default 30 s, in waits of 250 ms growing ×2 to 5 s.
  std::chrono::milliseconds budget{30'000};
};

// One handshake: Confirmed when `target` serves `expected_serial`, Stale when it serves
// another, Unreachable when no handshake completed. SNI: the target's, else `default_sni`.
ConfirmResult probe_target(const ConfirmTarget& target, const std::string& expected_serial,
                           const std::string& default_sni, std::chrono::milliseconds timeout);

// Every target in rounds (all not yet confirmed, then a wait of 250 ms growing ×2 to 5 s) until
// all are confirmed or the budget is spent: one budget for them all, however many.
std::vector<ConfirmResult> confirm_targets(const std::vector<ConfirmTarget>& targets,
                                           const std::string& expected_serial, const std::string& default_sni,
                                           const ConfirmOptions& options, core::Clock& clock,
                                           std::stop_token stop = {});

// A lineage's stored targets ("HOST:PORT[/SNI]" each), parsed; the message of each one that no
// longer parses goes to `unparsable` (reported, not dropped silently).
std::vector<ConfirmTarget> parse_confirm_targets(const std::vector<std::string>& texts,
                                                 std::vector<std::string>& unparsable);

}  // namespace certkeep::lifecycle

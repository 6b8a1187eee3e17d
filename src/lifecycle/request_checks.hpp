// SPDX-License-Identifier: Apache-2.0
// Checks an issuance request gets before anything changes, shared by `certkeep issue` and the
// library's Manager::manage so both refuse the same input with the same words.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::lifecycle {

// The names as the CA and the store spell them: DNS names lowercase, IP addresses (RFC 8738)
// in canonical text ("2001:db8::1"), in the order given, without duplicates; 1 to 100 names,
// each a valid DNS name, a wildcard ("*.example.com"; only DNS-01 proves one:
// challenge_types_for refuses it for a lineage without a DNS-01 method) or a literal IP address.
Result<std::vector<std::string>> normalize_names(const std::vector<std::string>& names);

// `requested`, or the first name when empty (without a wildcard's "*."; an IPv6 address with
// '_' for ':'); refused unless it is a safe directory name.
Result<std::string> choose_lineage_name(std::string_view requested, const std::vector<std::string>& names);

// The absolute path of an existing regular file given as `option` (e.g. "--ca-bundle").
Result<std::filesystem::path> check_ca_bundle(const std::filesystem::path& bundle, std::string_view option);

// The deployment settings as they are stored: each confirm target "HOST:PORT[/SNI]"
// (lifecycle/confirmation.hpp) and each HAProxy target "SOCKET:CERTFILE"
// (deploy/haproxy_runtime.hpp), re-spelled canonically; empty entries dropped (`--confirm ""`
// clears the list). Errc::InvalidArgument naming the bad one.
Result<std::vector<std::string>> check_confirm_targets(const std::vector<std::string>& targets);
Result<std::vector<std::string>> check_haproxy_targets(const std::vector<std::string>& targets);

// A responder's listen address as stored: ":PORT", "IPV4:PORT" or "[IPV6]:PORT"
// (challenge/listen_address.hpp), re-spelled canonically. Errc::InvalidArgument naming `option`
// ("--http-listen") and the address, so a host name or a bad port is refused before the lineage
// is stored with a responder that could never start.
Result<std::string> check_listen_address(std::string_view text, std::string_view option);

}  // namespace certkeep::lifecycle

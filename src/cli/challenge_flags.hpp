// SPDX-License-Identifier: Apache-2.0
// The challenge flags `issue` and `edit` share: TLS-ALPN-01 (--tls-alpn), DNS-01 through RFC
// 2136 (--dns-rfc2136, --tsig-key) or a hook (--dns-hook), their knobs, and the per-name choice
// (--challenge NAME=TYPE); and how they become a lineage's settings.
#pragma once

#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/issue.hpp"  // store::LineageSettings, as the CLI sees it

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace certkeep::cli {

struct ChallengeFlags {
  std::string tls_alpn;  // "[ADDR:]PORT"; ":443" for a bare --tls-alpn; "" when not given
  std::vector<std::string> overrides;  // NAME=TYPE
  std::string dns_server;
  std::string tsig_key;
  std::string dns_hook;
  std::string dns_resolver;
  int dns_ttl = 60;
  int propagation_timeout = 120;
  int hook_timeout = 120;
  bool no_dns = false;  // edit: drop the DNS method
  // Set by add_challenge_flags: which flags the user gave (`edit` changes only those).
  CLI::Option* given_dns_server = nullptr;
  CLI::Option* given_hook = nullptr;
  CLI::Option* given_ttl = nullptr;
  CLI::Option* given_propagation = nullptr;
  CLI::Option* given_hook_timeout = nullptr;
  CLI::Option* given_resolver = nullptr;
  CLI::Option* given_tsig_key = nullptr;
  CLI::Option* given_overrides = nullptr;
};

// Registers the flags on `cmd`, writing into `flags` (which must outlive the parse). With
// `for_edit`, also --no-dns; without, --tsig-key needs --dns-rfc2136 and --dns-resolver needs
// --dns-hook (edit may change either alone).
void add_challenge_flags(CLI::App& cmd, ChallengeFlags& flags, bool for_edit);

// `issue`: the DNS method and its knobs, TLS-ALPN-01 when asked (else HTTP-01 as the other flags
// say, or none when only a DNS method was given and `http_given` is false), the overrides.
// Errc::InvalidArgument naming the flag: --dns-rfc2136 without --tsig-key, a key file that is
// missing, malformed or readable by others, bad numbers (check_dns_settings), --tls-alpn with
// an HTTP-01 flag, a malformed --challenge. The key file becomes an absolute path.
Result<void> apply_challenge_flags(const ChallengeFlags& flags, bool http_given, store::LineageSettings& settings);

// `edit`: only what was given changes. Same errors.
Result<void> edit_challenge_flags(const ChallengeFlags& flags, store::LineageSettings& settings);

}  // namespace certkeep::cli

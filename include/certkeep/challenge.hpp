// SPDX-License-Identifier: Apache-2.0
// The ways an ACME CA lets a client prove control of a name (RFC 8555 §8, RFC 8737), and what
// one pending challenge asks a solver to publish.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace certkeep {

// HTTP-01: a file at http://NAME/.well-known/acme-challenge/TOKEN (port 80).
// DNS-01: a TXT record at _acme-challenge.NAME; the only type a CA accepts for "*.NAME".
// TLS-ALPN-01: a self-signed certificate served on NAME:443 to handshakes offering ALPN
// "acme-tls/1" (RFC 8737).
enum class ChallengeType { Http01, Dns01, TlsAlpn01 };

// "http-01", "dns-01", "tls-alpn-01": RFC 8555's spelling, also the CLI's and the store's.
constexpr std::string_view to_string(ChallengeType type) noexcept {
  switch (type) {
    case ChallengeType::Http01: return "http-01";
    case ChallengeType::Dns01: return "dns-01";
    case ChallengeType::TlsAlpn01: return "tls-alpn-01";
  }
  return "http-01";
}

constexpr std::optional<ChallengeType> parse_challenge_type(std::string_view text) noexcept {
  for (ChallengeType type : {ChallengeType::Http01, ChallengeType::Dns01, ChallengeType::TlsAlpn01})
    if (text == to_string(type)) return type;
  return std::nullopt;
}

// One challenge of an order, as the engine hands it to a Solver. Every field is checked by the
// engine before a solver sees it.
struct Challenge {
  std::string identifier;  // the DNS name being validated, lowercase; without "*." for a wildcard
  std::string token;       // base64url, 22..512 characters
  std::string key_authorization;  // token "." base64url(JWK thumbprint) (RFC 8555 §8.1)
  ChallengeType type = ChallengeType::Http01;
  bool wildcard = false;  // the order asked for "*.<identifier>"
  // DNS-01 only: the value of the TXT record, base64url(SHA-256(key_authorization)) (§8.4);
  // empty for the other types.
  std::string dns_txt_value;

  // DNS-01: the owner name of the TXT record, "_acme-challenge.<identifier>" (no final dot).
  std::string dns_record_name() const { return "_acme-challenge." + identifier; }
  // The name as it was ordered: "*.<identifier>" for a wildcard.
  std::string ordered_name() const { return wildcard ? "*." + identifier : identifier; }
};

// How DNS-01 records get published: RFC 2136 dynamic updates signed with a TSIG key (BIND,
// PowerDNS, Knot, Windows DNS with a key, …), or a hook command for any other DNS provider.
// Exactly one of rfc2136_server and hook is set.
struct Dns01Options {
  // RFC 2136: the server that accepts updates for the zones, "HOST", "HOST:PORT" or
  // "[IPV6]:PORT" (port 53 by default). The zone's authoritative servers are checked on the
  // same port.
  std::string rfc2136_server;
  // The TSIG key in BIND's format (`key "NAME" { algorithm hmac-sha256; secret "…"; };`, as
  // `tsig-keygen` prints it). The file must not be readable or writable by others.
  std::filesystem::path tsig_key_file;
  // Or: a shell command run as `/bin/sh -c HOOK certkeep-dns-hook present|cleanup` with the
  // record only in CERTKEEP_DNS_* environment variables (README, "DNS-01 through a hook").
  std::string hook;
  // How long a hook run may take (then it is killed). Default 2 min.
  std::chrono::seconds hook_timeout{120};
  // TTL of the TXT records. Default 60 s.
  std::chrono::seconds ttl{60};
  // How long to wait for every authoritative server of the zone to answer the new record
  // before the CA is told to look; 0 skips the check. Default 2 min.
  std::chrono::seconds propagation_timeout{120};
  // With a hook: the resolver that finds the zone and its authoritative servers ("ADDR" or
  // "ADDR:PORT"; the servers are then asked on that port). Default: the system's resolvers
  // (/etc/resolv.conf), and port 53.
  std::string resolver;
};

}  // namespace certkeep

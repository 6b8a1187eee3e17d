// SPDX-License-Identifier: Apache-2.0
// HAProxy without reloads: a renewed certificate handed to a running HAProxy (2.2 and later)
// over its runtime API, so it serves the new certificate to the next handshake without a
// reload. The protocol, on the stats socket (`stats socket … level admin`):
//   set ssl cert FILE <<\n<PEM: leaf, chain, key, no empty line>\n\n   → "Transaction created…"
//   commit ssl cert FILE\n                                              → "…Success!"
// FILE must be a certificate file HAProxy's configuration loads (`crt FILE`), and an update
// lives only in HAProxy's memory: the file on disk is written first, so a later reload or
// restart serves the same certificate.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"

namespace certkeep::deploy {

struct HaproxyTarget {
  std::string socket;     // the stats socket, an absolute path
  std::string cert_file;  // the `crt` file as HAProxy's configuration names it, absolute
  std::string to_string() const { return socket + ":" + cert_file; }
};

// "SOCKET:CERTFILE", both absolute paths (split at the first ":/"). Errc::InvalidArgument.
Result<HaproxyTarget> parse_haproxy_target(std::string_view text);

// The file HAProxy loads: leaf, chain and key, with every empty line removed (the runtime API
// ends its payload at the first empty line).
std::string haproxy_pem(std::string_view cert_pem, std::string_view chain_pem, std::string_view key_pem);

// Writes `pem` to target.cert_file (atomically, 0600), then sets and commits it over
// target.socket. One transaction at a time is HAProxy's rule: while another file's transaction
// is open this waits (5 s at most) and then fails naming that file, never aborting or
// committing it; a transaction of our own file (a crashed run's) is simply updated.
// Errc::Io for the file or the socket (absent, permission denied), Errc::Timeout when HAProxy
// does not answer within `timeout` per command, Errc::Hook when HAProxy refuses: the message
// names the socket and quotes HAProxy's answer. After a socket error the file on disk already
// holds the new certificate.
Result<void> hand_to_haproxy(const HaproxyTarget& target, std::string_view pem,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace certkeep::deploy

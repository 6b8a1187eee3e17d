// SPDX-License-Identifier: Apache-2.0
// TSIG keys (RFC 8945) in BIND's key file format, which `tsig-keygen` prints and BIND, Knot and
// PowerDNS read:
//
//   key "acme-update" {
//     algorithm hmac-sha256;
//     secret "base64…";
//   };
//
// The secret is a MAC key: the file must not be readable or writable by other users.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "core/secret.hpp"

namespace certkeep::dns {

// The algorithms ldns 1.8.3 can sign and verify. hmac-sha384 is missing on purpose: ldns 1.8.3
// misspells it in its algorithm table, so its signatures never verify; hmac-sha224 it lacks.
enum class TsigAlgorithm { HmacSha256, HmacSha512, HmacSha1, HmacMd5 };

// "hmac-sha256" … as BIND spells them (hmac-md5 is "hmac-md5.sig-alg.reg.int." on the wire).
std::string_view to_string(TsigAlgorithm algorithm) noexcept;
// The algorithm's domain name as ldns expects it ("hmac-sha256.").
std::string_view wire_name(TsigAlgorithm algorithm) noexcept;
// Errc::InvalidArgument naming the algorithm; hmac-sha384 and hmac-sha224 with the reason.
Result<TsigAlgorithm> parse_tsig_algorithm(std::string_view text);

struct TsigKey {
  std::string name;  // the key's name as the server knows it, lowercase, no final dot
  TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;
  core::Secret secret;  // base64, as in the file
  std::string file;     // where it was read from, for error messages
};

// Parses the text of a key file (`file` only names it in errors). Comments (#, //, /* */) are
// allowed. Errc::InvalidArgument naming the file and the problem: not exactly one key
// statement, a missing algorithm or secret, an unsupported algorithm, a secret that is not
// base64. The message never quotes the secret.
Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view file);

// Reads and parses `path`. Errc::InvalidArgument when it is not a readable regular file, or
// when other users may read or write it (group access is allowed: BIND's own key files are
// root:bind 0640), naming the mode and the chmod that fixes it.
Result<TsigKey> read_tsig_key_file(const std::filesystem::path& path);

}  // namespace certkeep::dns

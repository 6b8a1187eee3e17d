// SPDX-License-Identifier: Apache-2.0
// The text forms of what `issue` takes beyond names: a fallback issuer (`--fallback`), a
// duration (`--fallback-after`), a CSR file (`--csr`), a profile name (`--profile`). Checked
// here, before anything changes, for the CLI and the library alike.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// A fallback issuer:
//   ca:NAME                        certkeep's private CA NAME
//   SERVER[,ca-bundle=FILE][,account=NAME][,server-ca-checksum=HEX][,profile=NAME]
// SERVER as --server takes it (letsencrypt, staging, zerossl, google, google-staging or an
// https URL). Errc::InvalidArgument naming the part that is wrong.
Result<store::IssuerEntry> parse_fallback_spec(std::string_view text);

// What `show` and events call an issuer: its directory URL, or "private CA NAME".
std::string describe_issuer(const store::IssuerEntry& entry);

// "90s", "30m", "6h", "2d", or plain seconds ("0": at once). Errc::InvalidArgument naming `option`.
Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view option);

// An ACME profile name: 1 to 64 printable ASCII characters without spaces.
Result<std::string> check_profile_name(std::string_view name);

// A CSR file brought by its owner (`issue --csr FILE`): read (PEM or DER), its signature
// checked, its names normalized (normalize_names). Errc::InvalidArgument naming the file.
struct CsrFile {
  std::string pem;
  std::vector<std::string> names;
};
Result<CsrFile> read_csr_file(const std::filesystem::path& file);

}  // namespace certkeep::lifecycle

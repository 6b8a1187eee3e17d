// SPDX-License-Identifier: Apache-2.0
// The ACME directory body (RFC 8555 §7.1.1), as fetched from the CA: parse_directory.
#include <cstdint>

#include "acme/directory.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  auto directory = acme::parse_directory(body);
  if (!directory) {
    FUZZ_CHECK(directory.error().code() == Errc::Protocol, "a bad directory is Errc::Protocol");
    FUZZ_CHECK_BUG("raw-ca-text", fuzz::terminal_safe(directory.error().to_string()),
                   "the error the CLI prints escapes the CA's control characters");
    return 0;
  }
  // The three URLs a flow cannot do without are present, and every URL is https (lego CVE-2025-54799).
  FUZZ_CHECK(acme::is_https_url(directory->new_nonce), "newNonce is https");
  FUZZ_CHECK(acme::is_https_url(directory->new_account), "newAccount is https");
  FUZZ_CHECK(acme::is_https_url(directory->new_order), "newOrder is https");
  for (const std::string* url : {&directory->revoke_cert, &directory->key_change, &directory->renewal_info})
    FUZZ_CHECK(url->empty() || acme::is_https_url(*url), "optional URLs are empty or https");
  FUZZ_CHECK(directory->has_renewal_info() == !directory->renewal_info.empty(),
             "has_renewal_info matches renewalInfo");
  FUZZ_CHECK(directory->profiles.size() <= 32, "at most 32 profiles are kept");
  for (const std::string* url : {&directory->new_nonce, &directory->new_account, &directory->new_order}) {
    FUZZ_CHECK(url->size() <= 2048, "URLs are bounded");
    for (char c : *url)
      FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7F, "URLs carry no spaces or controls");
  }
  // Parsing is a pure function of the body.
  auto again = acme::parse_directory(body);
  FUZZ_CHECK(again && again->new_order == directory->new_order && again->profiles == directory->profiles,
             "parsing is deterministic");
  return 0;
}

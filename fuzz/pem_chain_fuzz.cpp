// SPDX-License-Identifier: Apache-2.0
// PEM certificate chains, as downloaded from the CA (application/pem-certificate-chain) or
// imported by the user: split_pem_chain, split_downloaded_chain, inspect_certificate,
// certificate_der, verify_chain_links.
#include <cstdint>

#include "acme/certificate_download.hpp"
#include "crypto/certificate.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

namespace {

bool upper_hex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

void check_block(const std::string& block) {
  FUZZ_CHECK(
      block.starts_with("-----BEGIN CERTIFICATE-----\n") && block.ends_with("-----END CERTIFICATE-----\n"),
      "a block is one re-encoded PEM certificate");
  // A normalized block is a fixed point: splitting it again changes nothing.
  auto again = crypto::split_pem_chain(block, 1);
  FUZZ_CHECK(again && again->size() == 1 && again->front() == block,
             "splitting is idempotent on its own output");
  auto der = crypto::certificate_der(block);
  FUZZ_CHECK(der && !der->empty(), "every block has its DER");

  auto info = crypto::inspect_certificate(block);
  if (!info) {
    FUZZ_CHECK(info.error().code() == Errc::Protocol, "an unusable certificate is Errc::Protocol");
    return;
  }
  FUZZ_CHECK(upper_hex(info->serial_hex) || info->serial_hex.starts_with("-"), "the serial is uppercase hex");
  FUZZ_CHECK(!info->public_key_der.empty(), "an inspected certificate has a public key");
  if (!info->ari_cert_id.empty()) {
    const std::size_t dot = info->ari_cert_id.find('.');
    FUZZ_CHECK(dot != std::string::npos && info->ari_cert_id.find('.', dot + 1) == std::string::npos,
               "an ARI CertID is two parts");
    FUZZ_CHECK(fuzz::all_base64url(info->ari_cert_id.substr(0, dot)) &&
                   fuzz::all_base64url(info->ari_cert_id.substr(dot + 1)),
               "both ARI CertID parts are base64url (it goes into a URL path)");
    FUZZ_CHECK(dot + 1 < info->ari_cert_id.size(), "the ARI serial part is not empty");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view pem = fuzz::as_text(data, size);
  auto blocks = crypto::split_pem_chain(pem, 4);
  auto downloaded = acme::split_downloaded_chain(pem, "https://ca.example/cert/1");
  if (!blocks) {
    FUZZ_CHECK(blocks.error().code() == Errc::Protocol || blocks.error().code() == Errc::Crypto,
               "a bad chain is Errc::Protocol");
    FUZZ_CHECK(fuzz::terminal_safe(blocks.error().to_string()), "the error is printable");
    return 0;
  }
  FUZZ_CHECK(!blocks->empty() && blocks->size() <= 4, "1..max certificates");
  for (const std::string& block : *blocks) check_block(block);

  std::string joined;
  for (const std::string& block : *blocks) joined += block;
  auto rejoined = crypto::split_pem_chain(joined, 4);
  FUZZ_CHECK(rejoined && *rejoined == *blocks, "the normalized chain splits into the same blocks");

  if (downloaded) {
    FUZZ_CHECK(downloaded->leaf_pem == blocks->front(), "the leaf is the first block");
    std::string chain;
    for (std::size_t i = 1; i < blocks->size(); ++i) chain += (*blocks)[i];
    FUZZ_CHECK(downloaded->chain_pem == chain, "the intermediates are the other blocks, in order");
    // Only signatures are checked here; any verdict is fine, but no crash and no stray error.
    auto links = crypto::verify_chain_links(downloaded->leaf_pem, downloaded->chain_pem);
    if (!links) FUZZ_CHECK(links.error().code() == Errc::Protocol, "a broken link is Errc::Protocol");
  }
  return 0;
}

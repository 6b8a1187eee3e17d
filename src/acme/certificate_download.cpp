// SPDX-License-Identifier: Apache-2.0
#include "acme/certificate_download.hpp"

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "crypto/certificate.hpp"

namespace certkeep::acme {

namespace {

Result<CertificateChain> fetch_chain(Client& client, const std::string& url,
                                     std::vector<std::string>* alternates) {
  auto response = client.post_as_get(url, kMaxCertificateBody);
  if (!response) return fail(std::move(response).error().with_context("download certificate"));
  CERTKEEP_TRY(expect_content_type(*response, "application/pem-certificate-chain", "certificate"));
  if (alternates != nullptr) {
    for (const http::Link& link : response->links) {
      if (link.rel != "alternate" || alternates->size() >= kMaxAlternateChains) continue;
      if (client.check_url(link.url)) alternates->push_back(link.url);
    }
  }
  return split_downloaded_chain(response->body, url);
}

// Let's Encrypt's convention (and certbot's): a chain is named by the issuer of its topmost
// certificate, i.e. the root it chains to.
bool chain_matches_issuer(const CertificateChain& chain, const std::string& issuer_cn) {
  std::vector<std::string> certificates{chain.leaf_pem};
  if (auto rest = crypto::split_pem_chain(chain.chain_pem); rest)
    certificates.insert(certificates.end(), rest->begin(), rest->end());
  for (auto it = certificates.rbegin(); it != certificates.rend(); ++it) {
    auto info = crypto::inspect_certificate(*it);
    if (info && info->issuer_cn == issuer_cn) return true;
  }
  return false;
}

}  // namespace

Result<CertificateChain> split_downloaded_chain(std::string_view pem, std::string url) {
  auto blocks = crypto::split_pem_chain(pem);
  if (!blocks) return fail(std::move(blocks).error().with_context("certificate chain from " + url));
  CertificateChain chain;
  chain.url = std::move(url);
  chain.leaf_pem = (*blocks)[0];
  for (std::size_t i = 1; i < blocks->size(); ++i) chain.chain_pem += (*blocks)[i];
  return chain;
}

Result<CertificateChain> download_certificate(Client& client, const std::string& url,
                                              const std::string& preferred_issuer_cn) {
  std::vector<std::string> alternates;
  CertificateChain chain =
      CERTKEEP_TRY(fetch_chain(client, url, preferred_issuer_cn.empty() ? nullptr : &alternates));
  if (preferred_issuer_cn.empty() || chain_matches_issuer(chain, preferred_issuer_cn)) return chain;
  // fetch_chain filled `alternates` through the pointer above.
  // cppcheck-suppress knownEmptyContainer
  for (const std::string& alternate_url : alternates) {
    auto alternate = fetch_chain(client, alternate_url, nullptr);
    if (!alternate) {
      core::log::warn("alternate chain " + alternate_url + ": " + alternate.error().to_string());
      continue;
    }
    if (chain_matches_issuer(*alternate, preferred_issuer_cn)) return alternate;
  }
  core::log::warn("no chain issued by \"" + preferred_issuer_cn + "\"; using the default chain");
  return chain;
}

}  // namespace certkeep::acme

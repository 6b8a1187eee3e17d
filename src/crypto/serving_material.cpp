// SPDX-License-Identifier: Apache-2.0
#include "crypto/serving_material.hpp"

#include <openssl/x509.h>

#include "core/result_macros.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"

namespace certkeep::crypto {

namespace {

// More intermediates than any real chain has; bounds the work done on a hostile chain.
constexpr std::size_t kMaxChain = 16;

Result<X509StackPtr> parse_chain(std::string_view chain_pem) {
  X509StackPtr chain(sk_X509_new_null());
  if (!chain) return fail(openssl_error(Errc::Crypto, "sk_X509_new_null"));
  if (chain_pem.find("-----BEGIN") == std::string_view::npos) return chain;  // no intermediates
  std::vector<PemCertificate> blocks = CERTKEEP_TRY(read_pem_certificates(chain_pem, kMaxChain));
  for (PemCertificate& block : blocks) {
    if (sk_X509_push(chain.get(), block.certificate.get()) == 0)
      return fail(openssl_error(Errc::Crypto, "sk_X509_push"));
    (void)block.certificate.release();  // the stack owns it now
  }
  return chain;
}

}  // namespace

Result<ServingMaterial> load_serving_material(std::string_view lineage, std::string_view certificate_pem,
                                              std::string_view chain_pem, std::string_view private_key_pem) {
  PemCertificate leaf = CERTKEEP_TRY(read_one_certificate(certificate_pem));
  CertificateInfo info = CERTKEEP_TRY(describe_certificate(leaf.certificate.get()));  // parsed once
  X509StackPtr chain = CERTKEEP_TRY(parse_chain(chain_pem));
  PrivateKey key = CERTKEEP_TRY(PrivateKey::from_pem(private_key_pem));
  if (X509_check_private_key(leaf.certificate.get(), key.handle()) != 1)
    return fail(openssl_error(
        Errc::Crypto, std::string(lineage) + ": private key does not match certificate " + info.serial_hex));
  return ServingMaterial{std::move(leaf.certificate), std::move(chain), std::move(key), std::move(info)};
}

}  // namespace certkeep::crypto

// SPDX-License-Identifier: Apache-2.0
#include "crypto/certificate.hpp"

#include "core/base64url.hpp"
#include "core/result_macros.hpp"
#include "crypto/general_names.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"

namespace certkeep::crypto {

namespace {

// Roots bundles may be a whole system trust store (about 150 certificates today).
constexpr std::size_t kMaxTrustedRoots = 4096;

Result<std::string> serial_hex(const ASN1_INTEGER* serial) {
  BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!number) return fail(openssl_error(Errc::Protocol, "certificate serial"));
  // BN_bn2hex: uppercase, whole bytes, no leading zero bytes ("0" for zero).
  OpenSslCharsPtr hex(BN_bn2hex(number.get()));
  if (!hex) return fail(openssl_error(Errc::Protocol, "certificate serial"));
  return std::string(hex.get());
}

// The content octets of the serial's DER INTEGER: the two's-complement bytes, with the
// leading 0x00 that keeps a positive serial positive (RFC 9773 §4.1 keeps it too).
Result<std::string> serial_der_content(const ASN1_INTEGER* serial) {
  unsigned char* der = nullptr;
  int length = i2d_ASN1_INTEGER(serial, &der);
  if (length <= 0) return fail(openssl_error(Errc::Protocol, "encode certificate serial"));
  OpenSslBytesPtr owned(der);
  const unsigned char* cursor = der;
  long content_length = 0;
  int tag = 0;
  int tag_class = 0;
  int flags = ASN1_get_object(&cursor, &content_length, &tag, &tag_class, length);
  if ((flags & 0x80) != 0 || tag != V_ASN1_INTEGER || cursor + content_length != der + length)
    return fail(openssl_error(Errc::Protocol, "certificate serial is not a DER INTEGER"));
  return std::string(as_chars(cursor, static_cast<int>(content_length)));
}

// RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial content octets).
Result<std::string> ari_cert_id(X509* certificate) {
  const ASN1_OCTET_STRING* key_id = X509_get0_authority_key_id(certificate);
  if (key_id == nullptr) return std::string();
  std::string serial = CERTKEEP_TRY(serial_der_content(X509_get0_serialNumber(certificate)));
  return core::base64url_encode(as_chars(ASN1_STRING_get0_data(key_id), ASN1_STRING_length(key_id))) + "." +
         core::base64url_encode(serial);
}

// The dNSName and iPAddress entries of the certificate's subjectAltName, in order.
void read_alt_names(const X509* certificate, CertificateInfo& info) {
  GeneralNamesPtr alt_names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  clear_openssl_errors();
  if (!alt_names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(alt_names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt_names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      info.dns_names.emplace_back(as_chars(ASN1_STRING_get0_data(dns), ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      if (std::string text = ip_address_text(name->d.iPAddress); !text.empty())
        info.ip_addresses.push_back(std::move(text));
    }
  }
}

// The certificate's own SubjectPublicKeyInfo bytes: re-encoding the parsed X509_PUBKEY is
// plain ASN.1, where i2d_PUBKEY of the EVP_PKEY goes through provider encoders (~0.2 ms).
std::string certificate_public_key_der(const X509* certificate) {
  unsigned char* der = nullptr;
  int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
  if (length <= 0) {
    clear_openssl_errors();
    return {};
  }
  OpenSslBytesPtr owned(der);
  return std::string(as_chars(der, length));
}

Result<CertificateInfo> describe(X509* certificate) {
  CertificateInfo info;
  info.serial_hex = CERTKEEP_TRY(serial_hex(X509_get0_serialNumber(certificate)));
  info.subject_cn = common_name(X509_get_subject_name(certificate));
  info.issuer_cn = common_name(X509_get_issuer_name(certificate));
  read_alt_names(certificate, info);
  auto not_before = to_time_point(X509_get0_notBefore(certificate));
  auto not_after = to_time_point(X509_get0_notAfter(certificate));
  if (!not_before || !not_after) return fail(Errc::Protocol, "certificate validity is malformed");
  info.not_before = *not_before;
  info.not_after = *not_after;
  info.public_key_der = certificate_public_key_der(certificate);
  if (info.public_key_der.empty())
    return fail(Errc::Protocol, "certificate public key is unsupported or malformed");
  info.ari_cert_id = CERTKEEP_TRY(ari_cert_id(certificate));
  return info;
}

}  // namespace

Result<std::vector<std::string>> split_pem_chain(std::string_view pem, std::size_t max_certificates) {
  std::vector<PemCertificate> certificates = CERTKEEP_TRY(read_pem_certificates(pem, max_certificates));
  std::vector<std::string> blocks;
  blocks.reserve(certificates.size());
  // Re-encoding the original DER normalizes line length, CRLF and stray headers.
  for (const PemCertificate& certificate : certificates)
    blocks.push_back(CERTKEEP_TRY(certificate_pem(certificate.der)));
  return blocks;
}

Result<CertificateInfo> inspect_certificate(std::string_view pem) {
  PemCertificate certificate = CERTKEEP_TRY(read_one_certificate(pem));
  return describe(certificate.certificate.get());
}

Result<CertificateInfo> describe_certificate(X509* certificate) { return describe(certificate); }

Result<void> verify_chain(std::string_view leaf_pem, std::string_view chain_pem,
                          std::string_view trusted_roots_pem) {
  PemCertificate leaf = CERTKEEP_TRY(read_one_certificate(leaf_pem));
  std::vector<PemCertificate> roots =
      CERTKEEP_TRY(read_pem_certificates(trusted_roots_pem, kMaxTrustedRoots));
  std::vector<PemCertificate> intermediates;
  if (chain_pem.find_first_not_of(" \t\r\n") != std::string_view::npos)
    intermediates = CERTKEEP_TRY(read_pem_certificates(chain_pem, 16));

  X509StorePtr store(X509_STORE_new());
  X509StackPtr untrusted(sk_X509_new_null());
  if (!store || !untrusted) return fail(openssl_error(Errc::Crypto, "verify chain"));
  for (const PemCertificate& root : roots) {
    // X509_STORE_add_cert takes its own reference.
    if (X509_STORE_add_cert(store.get(), root.certificate.get()) != 1)
      return fail(openssl_error(Errc::Crypto, "verify chain: add trusted root"));
  }
  for (PemCertificate& intermediate : intermediates) {
    if (sk_X509_push(untrusted.get(), intermediate.certificate.get()) <= 0)
      return fail(openssl_error(Errc::Crypto, "verify chain: add intermediate"));
    intermediate.certificate.release();  // now owned by the stack
  }

  X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context ||
      X509_STORE_CTX_init(context.get(), store.get(), leaf.certificate.get(), untrusted.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "verify chain: set up"));
  if (X509_verify_cert(context.get()) != 1) {
    int error = X509_STORE_CTX_get_error(context.get());
    int depth = X509_STORE_CTX_get_error_depth(context.get());
    clear_openssl_errors();
    return fail(Errc::Crypto, std::string("certificate chain does not verify: ") +
                                  X509_verify_cert_error_string(error) + " (depth " + std::to_string(depth) +
                                  ")");
  }
  return {};
}

Result<void> verify_chain_links(std::string_view leaf_pem, std::string_view chain_pem) {
  std::vector<PemCertificate> certificates;
  certificates.push_back(CERTKEEP_TRY(read_one_certificate(leaf_pem)));
  if (chain_pem.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto chain = CERTKEEP_TRY(read_pem_certificates(chain_pem, 16));
    for (auto& certificate : chain) certificates.push_back(std::move(certificate));
  }
  for (std::size_t i = 0; i + 1 < certificates.size(); ++i) {
    X509* child = certificates[i].certificate.get();
    X509* signer = certificates[i + 1].certificate.get();
    const std::string link = "certificate " + std::to_string(i) + " of the chain";
    if (X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(signer)) != 0)
      return fail(Errc::Protocol, link + " is not issued by the next one (issuer name differs)");
    EVP_PKEY* signer_key = X509_get0_pubkey(signer);
    if (signer_key == nullptr || X509_verify(child, signer_key) != 1) {
      clear_openssl_errors();
      return fail(Errc::Protocol, link + " is not signed by the next one");
    }
  }
  return {};
}

Result<std::string> certificate_der(std::string_view pem) {
  PemCertificate certificate = CERTKEEP_TRY(read_one_certificate(pem));
  return std::move(certificate.der);
}

Result<void> check_key_matches_certificate(const PrivateKey& key, std::string_view cert_pem) {
  PemCertificate certificate = CERTKEEP_TRY(read_one_certificate(cert_pem));
  EVP_PKEY* certificate_key = X509_get0_pubkey(certificate.certificate.get());
  if (certificate_key == nullptr || key.handle() == nullptr ||
      EVP_PKEY_eq(certificate_key, key.handle()) != 1) {
    clear_openssl_errors();
    return fail(Errc::Crypto, "private key does not match certificate");
  }
  return {};
}

}  // namespace certkeep::crypto

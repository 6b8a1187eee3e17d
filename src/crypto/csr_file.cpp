// SPDX-License-Identifier: Apache-2.0
#include "crypto/csr_file.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/general_names.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"

namespace certkeep::crypto {

namespace {

Result<X509ReqPtr> parse_request(std::string_view input) {
  if (input.empty() || input.size() > kMaxCsrFileBytes)
    return fail(Errc::InvalidArgument, "the CSR is empty or larger than 64 KiB");
  if (core::trim(input).starts_with("-----BEGIN")) {
    BioPtr bio = memory_bio(input);
    // PEM_read_bio_X509_REQ takes both "CERTIFICATE REQUEST" and "NEW CERTIFICATE REQUEST".
    X509ReqPtr request(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!request) return fail(openssl_error(Errc::InvalidArgument, "not a PEM certificate request"));
    return request;
  }
  const unsigned char* cursor = as_bytes(input);
  X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(input.size())));
  if (!request) return fail(openssl_error(Errc::InvalidArgument, "not a PEM or DER certificate request"));
  if (cursor != as_bytes(input) + input.size())
    return fail(Errc::InvalidArgument, "trailing data after the DER certificate request");
  return request;
}

Result<std::vector<std::string>> request_names(X509_REQ* request) {
  X509ExtensionStackPtr extensions(X509_REQ_get_extensions(request));
  GeneralNamesPtr alt_names;
  if (extensions)
    alt_names.reset(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
  clear_openssl_errors();
  std::vector<std::string> names;
  if (alt_names) {
    auto read = names_from_subject_alt_name(alt_names.get());
    if (!read) return fail(std::move(read).error().with_context("the CSR's subjectAltName"));
    names = std::move(*read);
  }
  // A request without a SAN names its one identifier in the subject's CN (RFC 8555 §7.4 asks
  // CAs to take it from there too).
  if (names.empty()) {
    std::string cn = common_name(X509_REQ_get_subject_name(request));
    if (!cn.empty()) names.push_back(std::move(cn));
  }
  if (names.empty()) return fail(Errc::InvalidArgument, "the CSR names no DNS name or IP address");
  return names;
}

EvpPkeyPtr parse_public_key(std::string_view spki_der) {
  const unsigned char* cursor = as_bytes(spki_der);
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki_der.size())));
  clear_openssl_errors();
  return key;
}

}  // namespace

Result<CsrInfo> read_csr(std::string_view pem_or_der) {
  X509ReqPtr request = CERTKEEP_TRY(parse_request(pem_or_der));
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(request.get());
  // PKCS#10 §3: the signature proves the requester holds the key being certified.
  if (public_key == nullptr || X509_REQ_verify(request.get(), public_key) != 1)
    return fail(openssl_error(Errc::InvalidArgument, "the CSR's signature does not verify"));
  CsrInfo info;
  info.names = CERTKEEP_TRY(request_names(request.get()));
  info.public_key_der = public_key_der(public_key);
  if (info.public_key_der.empty())
    return fail(Errc::InvalidArgument, "the CSR's public key cannot be encoded");

  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(request.get(), &der);
  if (length <= 0) return fail(openssl_error(Errc::Crypto, "encode CSR"));
  OpenSslBytesPtr owned(der);
  info.der.assign(as_chars(der, length));

  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509_REQ(out.get(), request.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "CSR to PEM"));
  info.pem = bio_contents(out.get());
  return info;
}

bool same_public_key(std::string_view spki_der_a, std::string_view spki_der_b) {
  EvpPkeyPtr a = parse_public_key(spki_der_a);
  EvpPkeyPtr b = parse_public_key(spki_der_b);
  const bool equal = a && b && EVP_PKEY_eq(a.get(), b.get()) == 1;
  clear_openssl_errors();
  return equal;
}

Result<void> check_public_key_matches_certificate(std::string_view spki_der, std::string_view cert_pem) {
  PemCertificate certificate = CERTKEEP_TRY(read_one_certificate(cert_pem));
  EvpPkeyPtr expected = parse_public_key(spki_der);
  EVP_PKEY* actual = X509_get0_pubkey(certificate.certificate.get());
  if (!expected || actual == nullptr || EVP_PKEY_eq(actual, expected.get()) != 1) {
    clear_openssl_errors();
    return fail(Errc::Crypto, "the certificate is not for the CSR's key");
  }
  return {};
}

}  // namespace certkeep::crypto

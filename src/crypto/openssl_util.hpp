// SPDX-License-Identifier: Apache-2.0
// Small private helpers shared by crypto/*.cpp: OpenSSL's error queue as an Error, memory BIOs,
// DER encodings and names. Outside crypto/, only deploy/tls_swap.cpp (the one other file that
// may call OpenSSL) uses them, for the error queue.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "crypto/openssl_handles.hpp"

namespace certkeep::crypto {

// An Error "what: <OpenSSL's reason>" (or just "what" when the queue is empty). Empties the
// thread's OpenSSL error queue, so a later failure never reports a stale reason.
Error openssl_error(Errc code, std::string_view what);
// Empties the thread's OpenSSL error queue after an expected failure.
void clear_openssl_errors() noexcept;

// A read-only memory BIO over `bytes`; `bytes` must outlive it. Null when it is too large.
BioPtr memory_bio(std::string_view bytes);
// Everything written to a memory BIO.
std::string bio_contents(BIO* bio);

// DER SubjectPublicKeyInfo of `key`; empty if OpenSSL cannot encode it.
std::string public_key_der(const EVP_PKEY* key);

// The first commonName of `name` as UTF-8; empty when there is none.
std::string common_name(const X509_NAME* name);

// ASN1_TIME (UTCTime or GeneralizedTime) as a time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* time);

inline std::string_view as_chars(const unsigned char* data, int length) {
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(length)};
}
inline const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace certkeep::crypto

// SPDX-License-Identifier: Apache-2.0
#include "crypto/openssl_util.hpp"

#include <climits>
#include <ctime>

#include <openssl/err.h>

#include "core/clock.hpp"

namespace certkeep::crypto {

namespace {

std::string describe_error_code(unsigned long code) {
  const char* reason = ERR_reason_error_string(code);
  const char* library = ERR_lib_error_string(code);
  std::string text = library != nullptr ? std::string(library) + ": " : std::string();
  text += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(code));
  return text;
}

}  // namespace

Error openssl_error(Errc code, std::string_view what) {
  // The first entry is where the failure started; the last is what finally gave up. Anything
  // in between repeats one of the two.
  unsigned long first = ERR_get_error();
  unsigned long last = first;
  for (unsigned long next = ERR_get_error(); next != 0; next = ERR_get_error()) last = next;
  std::string message(what);
  if (first != 0) {
    message += ": " + describe_error_code(first);
    if (last != first) message += " (" + describe_error_code(last) + ")";
  }
  return Error(code, std::move(message));
}

void clear_openssl_errors() noexcept { ERR_clear_error(); }

BioPtr memory_bio(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string bio_contents(BIO* bio) {
  BUF_MEM* memory = nullptr;
  if (BIO_get_mem_ptr(bio, &memory) != 1 || memory == nullptr) return {};
  return std::string(memory->data, memory->length);
}

std::string public_key_der(const EVP_PKEY* key) {
  if (key == nullptr) return {};
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key, &der);
  if (length <= 0) {
    clear_openssl_errors();
    return {};
  }
  OpenSslBytesPtr owned(der);
  return std::string(as_chars(der, length));
}

std::string common_name(const X509_NAME* name) {
  if (name == nullptr) return {};
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    clear_openssl_errors();
    return {};
  }
  OpenSslBytesPtr owned(utf8);
  return std::string(as_chars(utf8, length));
}

std::optional<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    clear_openssl_errors();
    return std::nullopt;
  }
  // ASN1_TIME_to_tm yields UTC fields; timegm reads them as UTC regardless of TZ.
  std::time_t seconds = timegm(&parts);
  return core::from_unix(static_cast<long long>(seconds));  // "99991231235959Z" saturates
}

}  // namespace certkeep::crypto

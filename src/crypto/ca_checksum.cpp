// SPDX-License-Identifier: Apache-2.0
#include "crypto/ca_checksum.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "crypto/certificate.hpp"
#include "crypto/hash.hpp"
#include "crypto/openssl_handles.hpp"
#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

// The SSL_CTX ex_data slot holding the ServerCaPin of a context.
int pin_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int verify_with_pin(int preverified, X509_STORE_CTX* store) {
  // Only the final call (the leaf, depth 0) sees the whole verified chain.
  if (preverified != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverified;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return 0;
  auto* pin = static_cast<ServerCaPin*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), pin_index()));
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store);
  if (pin == nullptr || chain == nullptr || sk_X509_num(chain) < 1) return 0;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), sk_X509_value(chain, sk_X509_num(chain) - 1)) != 1) return 0;
  if (!pin->check_top(bio_contents(bio.get()))) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

}  // namespace

std::string normalized_ca_pem(std::string_view pem_text) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!pem_text.empty() && is_space(pem_text.front())) pem_text.remove_prefix(1);
  while (!pem_text.empty() && is_space(pem_text.back())) pem_text.remove_suffix(1);
  return std::string(pem_text) + "\n";
}

std::string ca_checksum(std::string_view pem_text) { return sha256_hex(normalized_ca_pem(pem_text)); }

std::string kubeconfig_ca_data(std::string_view pem_text) {
  const std::string bytes = normalized_ca_pem(pem_text);
  std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  encoded.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  return encoded;
}

bool is_ca_checksum(std::string_view text) noexcept {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

std::string last_certificate(std::string_view pem_bundle) {
  auto certificates = split_pem_chain(pem_bundle);
  if (!certificates || certificates->empty()) return {};
  return certificates->back();
}

ServerCaPin::ServerCaPin(std::string expected) : expected_(std::move(expected)) {
  std::transform(expected_.begin(), expected_.end(), expected_.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

bool ServerCaPin::install(void* ssl_ctx) {
  auto* context = static_cast<SSL_CTX*>(ssl_ctx);
  if (pin_index() < 0 || SSL_CTX_set_ex_data(context, pin_index(), this) != 1) return false;
  SSL_CTX_set_verify(context, SSL_CTX_get_verify_mode(context), verify_with_pin);
  return true;
}

std::optional<std::string> ServerCaPin::last_top() const {
  std::lock_guard lock(mutex_);
  return last_top_;
}

bool ServerCaPin::take_mismatch() {
  std::lock_guard lock(mutex_);
  return std::exchange(mismatch_, false);
}

bool ServerCaPin::check_top(std::string top_pem) {
  const bool matches = expected_.empty() || ca_checksum(top_pem) == expected_;
  std::lock_guard lock(mutex_);
  last_top_ = std::move(top_pem);
  if (!matches) mismatch_ = true;
  return matches;
}

}  // namespace certkeep::crypto

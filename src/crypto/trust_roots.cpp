// SPDX-License-Identifier: Apache-2.0
#include "crypto/trust_roots.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>
#include <string>

#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"

namespace certkeep::crypto {

namespace {

// More roots than any real bundle needs; bounds the work done on a hostile file.
constexpr std::size_t kMaxRoots = 1000;

}  // namespace

Result<TrustRoots> TrustRoots::load(const std::filesystem::path& pem_file) {
  std::ifstream in(pem_file, std::ios::binary);
  if (!in) return fail(Errc::InvalidArgument, "CA bundle " + pem_file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(Errc::InvalidArgument, "CA bundle " + pem_file.string() + ": cannot be read");
  return parse(text.view(), "CA bundle " + pem_file.string());
}

Result<TrustRoots> TrustRoots::parse(std::string_view pem, std::string_view origin) {
  // The one PEM reader of crypto/ (pem.cpp); a bad bundle is the user's input, not the CA's.
  auto blocks = read_pem_certificates(pem, kMaxRoots);
  if (!blocks) return fail(Errc::InvalidArgument, std::string(origin) + ": " + blocks.error().message());
  TrustRoots roots;
  for (PemCertificate& block : *blocks)
    roots.certificates_.emplace_back(block.certificate.release(), X509_free);
  return roots;
}

bool TrustRoots::add_to(void* ssl_ctx) const noexcept {
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  if (!store) return false;
  for (const auto& certificate : certificates_) {
    // X509_STORE_add_cert takes its own reference and ignores a certificate already present.
    if (X509_STORE_add_cert(store, certificate.get()) != 1) {
      clear_openssl_errors();
      return false;
    }
  }
  return true;
}

}  // namespace certkeep::crypto

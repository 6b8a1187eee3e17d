// SPDX-License-Identifier: Apache-2.0
#include "http/trust_roots.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace certkeep::http {

namespace {

// More roots than any real bundle needs; bounds the work done on a hostile file.
constexpr std::size_t kMaxRoots = 1000;

struct BioDeleter {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

// PEM_read_bio_X509 ends a well-formed file with "no start line"; any other queued error
// means a block that looked like a certificate and was not.
bool ended_cleanly() {
  const unsigned long error = ERR_peek_last_error();
  return error == 0 || (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE);
}

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
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return fail(Errc::InvalidArgument, std::string(origin) + ": too large");
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Errc::Internal, std::string(origin) + ": out of memory");

  TrustRoots roots;
  ERR_clear_error();
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    roots.certificates_.emplace_back(certificate, X509_free);
    if (roots.certificates_.size() > kMaxRoots) {
      ERR_clear_error();
      return fail(Errc::InvalidArgument,
                  std::string(origin) + ": more than " + std::to_string(kMaxRoots) + " certificates");
    }
  }
  const bool clean = ended_cleanly();
  ERR_clear_error();  // leave no stale error for the next OpenSSL user on this thread
  if (!clean)
    return fail(Errc::InvalidArgument, std::string(origin) + ": a certificate block does not parse");
  if (roots.certificates_.empty())
    return fail(Errc::InvalidArgument, std::string(origin) + ": holds no PEM certificate");
  return roots;
}

bool TrustRoots::add_to(void* ssl_ctx) const noexcept {
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  if (!store) return false;
  for (const auto& certificate : certificates_) {
    // X509_STORE_add_cert takes its own reference and ignores a certificate already present.
    if (X509_STORE_add_cert(store, certificate.get()) != 1) {
      ERR_clear_error();
      return false;
    }
  }
  return true;
}

}  // namespace certkeep::http

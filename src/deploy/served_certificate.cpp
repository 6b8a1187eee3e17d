// SPDX-License-Identifier: Apache-2.0
#include "deploy/served_certificate.hpp"

#include <arpa/inet.h>
#include <poll.h>

#include <memory>

#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/result_macros.hpp"
#include "crypto/certificate.hpp"
#include "deploy/socket_io.hpp"

namespace certkeep::deploy {

namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
struct X509Free {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "connection closed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

Result<std::string> pem_of(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return fail(Errc::Crypto, "cannot encode the certificate");
  BUF_MEM* memory = nullptr;
  if (BIO_get_mem_ptr(bio.get(), &memory) != 1 || memory == nullptr)
    return fail(Errc::Crypto, "cannot encode the certificate");
  return std::string(memory->data, memory->length);
}

}  // namespace

Result<ServedCertificate> fetch_served_certificate(const std::string& host, std::uint16_t port,
                                                   const std::string& server_name,
                                                   std::chrono::milliseconds timeout) {
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  UniqueFd fd = CERTKEEP_TRY(connect_tcp(host, port, deadline));

  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail(Errc::Crypto, "TLS context: " + openssl_reason());
  // Deliberately no verification: the probe reports the serial whatever the chain.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1)
    return fail(Errc::Crypto, "TLS session: " + openssl_reason());
  // SNI through SSL_ctrl: SSL_set_tlsext_host_name is a macro with a C cast.
  if (!server_name.empty() && !is_ip_address(server_name) &&
      SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(server_name.c_str())) != 1)
    return fail(Errc::InvalidArgument, "SNI \"" + server_name + "\": " + openssl_reason());

  for (;;) {
    ERR_clear_error();
    const int done = SSL_connect(ssl.get());
    if (done == 1) break;
    const int reason = SSL_get_error(ssl.get(), done);
    short events = 0;
    if (reason == SSL_ERROR_WANT_READ)
      events = POLLIN;
    else if (reason == SSL_ERROR_WANT_WRITE)
      events = POLLOUT;
    else
      return fail(Errc::Protocol, where + ": TLS handshake failed: " + openssl_reason());
    if (auto ready = wait_ready(fd.get(), events, deadline); !ready)
      return fail(Errc::Timeout, where + ": the TLS handshake did not finish within " +
                                     std::to_string(timeout.count()) + " ms");
  }
  std::unique_ptr<X509, X509Free> leaf(SSL_get1_peer_certificate(ssl.get()));
  if (!leaf) return fail(Errc::Protocol, where + ": the server sent no certificate");
  // Closing without close_notify is fine here: nothing was sent that could be truncated.
  const std::string pem = CERTKEEP_TRY(pem_of(leaf.get()));
  const crypto::CertificateInfo info = CERTKEEP_TRY(crypto::inspect_certificate(pem));
  return ServedCertificate{info.serial_hex, info.subject_cn, info.not_after};
}

}  // namespace certkeep::deploy

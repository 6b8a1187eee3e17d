// SPDX-License-Identifier: Apache-2.0
// A TLS client for the TLS-ALPN-01 tests: one real OpenSSL handshake with a chosen SNI name and
// ALPN list, reporting what the server negotiated and the certificate it presented. It does
// not verify the certificate (a validation certificate is self-signed): the tests inspect it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace certkeep::testing {

struct TlsProbeResult {
  bool handshake_ok = false;
  std::string alpn;      // the protocol the server selected, "" for none
  std::string peer_pem;  // the leaf the server presented, "" for none
};

// One handshake over the connected socket `fd` (which stays open).
inline TlsProbeResult tls_probe_fd(int fd, const std::string& server_name, const std::vector<std::string>& alpn) {
  TlsProbeResult result;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return result;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  if (!alpn.empty()) {
    std::string wire;
    for (const std::string& protocol : alpn) wire += static_cast<char>(protocol.size()) + protocol;
    SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  if (!server_name.empty())
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(server_name.c_str()));
  SSL_set_fd(ssl.get(), fd);
  result.handshake_ok = SSL_connect(ssl.get()) == 1;
  const unsigned char* selected = nullptr;
  unsigned int selected_length = 0;
  SSL_get0_alpn_selected(ssl.get(), &selected, &selected_length);
  if (selected != nullptr) result.alpn.assign(reinterpret_cast<const char*>(selected), selected_length);
  if (X509* peer = SSL_get0_peer_certificate(ssl.get())) {
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(out.get(), peer);
    char* data = nullptr;
    const long length = BIO_get_mem_data(out.get(), &data);
    result.peer_pem.assign(data, static_cast<std::size_t>(length));
  }
  if (result.handshake_ok) SSL_shutdown(ssl.get());
  ERR_clear_error();
  return result;
}

// A TCP connection to 127.0.0.1:`port` with 5 s send/receive timeouts, or -1.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One handshake to 127.0.0.1:`port`.
inline TlsProbeResult tls_probe(int port, const std::string& server_name, const std::vector<std::string>& alpn) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  TlsProbeResult result = tls_probe_fd(fd, server_name, alpn);
  ::close(fd);
  return result;
}

}  // namespace certkeep::testing

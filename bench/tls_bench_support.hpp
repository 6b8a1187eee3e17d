// SPDX-License-Identifier: Apache-2.0
// TLS handshakes for the benchmarks, both ends in this process: over an in-memory BIO pair (the
// TLS work of both ends, no sockets), or over a loopback TCP connection to a small server
// thread (accept, handshake, close, one connection at a time), with latency percentiles and
// the calling thread's CPU time. Header-only; needs OpenSSL.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace certkeep::bench {

using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;

inline double ms_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// This thread's CPU time: a handshake's own work, without the time the scheduler gave others.
inline double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

inline void set_server_name(SSL* client, const std::string& name) {
  // SSL_set_tlsext_host_name is a macro with a C cast; the call it stands for:
  SSL_ctrl(client, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
}

// One full handshake between a fresh client and `server_ctx` over a BIO pair.
inline bool bio_pair_handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const std::string& name) {
  SslPtr client(SSL_new(client_ctx), &SSL_free);
  SslPtr server(SSL_new(server_ctx), &SSL_free);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  if (!client || !server || BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1) return false;
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  set_server_name(client.get(), name);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  bool client_done = false, server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    for (auto [ssl, done] : {std::pair{client.get(), &client_done}, std::pair{server.get(), &server_done}}) {
      if (*done) continue;
      const int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
      } else if (const int error = SSL_get_error(ssl, rc);
                 error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return false;
      }
    }
  }
  return client_done && server_done;
}

// A TLS server on 127.0.0.1 (a port the kernel picks) that accepts, handshakes and closes one
// connection at a time on its own thread, as a terminator's accept loop would (minus threads).
class LoopbackTlsServer {
 public:
  explicit LoopbackTlsServer(SSL_CTX* ctx) : ctx_(ctx) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      return;
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackTlsServer() {
    stopping_ = true;
    if (port_ != 0) {
      const int poke = connect_loopback(port_);  // wakes accept()
      if (poke >= 0) ::close(poke);
    }
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
  }
  LoopbackTlsServer(const LoopbackTlsServer&) = delete;
  LoopbackTlsServer& operator=(const LoopbackTlsServer&) = delete;

  int port() const noexcept { return port_; }
  int failures() const noexcept { return failures_.load(); }

  static int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      if (fd >= 0) ::close(fd);
      return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }

 private:
  void serve() {
    while (!stopping_) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      if (stopping_) {
        ::close(fd);
        break;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      SslPtr ssl(SSL_new(ctx_), &SSL_free);
      if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
        ERR_clear_error();
        ++failures_;
      } else {
        SSL_shutdown(ssl.get());
      }
      ::close(fd);
    }
  }

  SSL_CTX* ctx_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> failures_{0};
  std::thread thread_;
};

// A client handshake with `server` over a new TCP connection; false when it fails.
inline bool socket_handshake(SSL_CTX* client_ctx, const LoopbackTlsServer& server, const std::string& name) {
  const int fd = LoopbackTlsServer::connect_loopback(server.port());
  if (fd < 0) return false;
  SslPtr ssl(SSL_new(client_ctx), &SSL_free);
  bool done = ssl && SSL_set_fd(ssl.get(), fd) == 1;
  if (done) {
    set_server_name(ssl.get(), name);
    done = SSL_connect(ssl.get()) == 1;
    if (done) SSL_shutdown(ssl.get());
  }
  ERR_clear_error();
  ::close(fd);
  return done;
}

}  // namespace certkeep::bench

// SPDX-License-Identifier: Apache-2.0
// The HTTPS serving loop shared by the example terminator and bench/fixed_cert_server (the
// handshake benchmark's baseline), so the two differ only in how the certificate is chosen:
// a loopback listener, one thread per connection, a minimal HTTP/1.1 request reader, and an
// HTTPS handler that answers "hello, serial <X>" with the serial the handshake presented.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace terminator {

// A listening TCP socket on 127.0.0.1:port, or -1.
inline int listen_on_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Accepts connections and hands each to `handle` on its own thread until stop(), which waits
// for the connections in progress.
class Server {
 public:
  Server(int listen_fd, std::function<void(int)> handle)
      : fd_(listen_fd), handle_(std::move(handle)), acceptor_([this] { accept_loop(); }) {}
  ~Server() { stop(); }

  void stop() {
    if (!acceptor_.joinable()) return;
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    ::close(fd_);
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return active_ == 0; });
  }

 private:
  void accept_loop() {
    for (;;) {
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // shut down
      }
      timeval timeout{10, 0};  // a silent client cannot hold a thread forever
      ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      {
        std::lock_guard lock(mutex_);
        ++active_;
      }
      std::thread([this, client] {
        handle_(client);
        ::close(client);
        std::lock_guard lock(mutex_);
        if (--active_ == 0) idle_.notify_all();
      }).detach();
    }
  }

  int fd_;
  std::function<void(int)> handle_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int active_ = 0;
  std::thread acceptor_;
};

struct Request {
  std::string method;
  std::string target;  // exactly as sent
  std::string host;
};

// Reads a request head (up to 8 KiB) with `read` and parses the request line and Host.
inline std::optional<Request> read_request(const std::function<long(char*, std::size_t)>& read) {
  std::string head;
  char buffer[1024];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > 8192) return std::nullopt;
    const long n = read(buffer, sizeof buffer);
    if (n <= 0) return std::nullopt;
    head.append(buffer, static_cast<std::size_t>(n));
  }
  Request request;
  const std::size_t line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const std::size_t first = line.find(' ');
  const std::size_t second = line.find(' ', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  request.method = line.substr(0, first);
  request.target = line.substr(first + 1, second - first - 1);
  for (std::size_t at = line_end + 2; at < head.size();) {
    const std::size_t end = head.find("\r\n", at);
    const std::string header = head.substr(at, end - at);
    if (header.size() > 5 && strncasecmp(header.c_str(), "host:", 5) == 0) {
      request.host = header.substr(header.find_first_not_of(" \t", 5));
    }
    at = end + 2;
  }
  return request;
}

inline std::string response(int status, std::string_view reason, std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + std::string(body);
}

// A certificate's serial as uppercase hex ("none" without one).
inline std::string certificate_serial(X509* certificate) {
  if (certificate == nullptr) return "none";
  std::unique_ptr<BIGNUM, decltype(&BN_free)> number(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr), &BN_free);
  if (!number) return "unknown";
  char* hex = BN_bn2hex(number.get());
  std::string text = hex != nullptr ? hex : "unknown";
  OPENSSL_free(hex);
  return text;
}

// The serial of the certificate this SSL presented.
inline std::string served_serial(SSL* ssl) { return certificate_serial(SSL_get_certificate(ssl)); }

inline void serve_https(int fd, SSL_CTX* ctx) {
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
    ERR_clear_error();
    return;
  }
  auto request = read_request([&](char* buffer, std::size_t size) {
    return static_cast<long>(SSL_read(ssl.get(), buffer, static_cast<int>(size)));
  });
  if (request) {
    const std::string reply = response(200, "OK", "hello, serial " + served_serial(ssl.get()) + "\n");
    SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size()));
  }
  SSL_shutdown(ssl.get());
  ERR_clear_error();
}

}  // namespace terminator

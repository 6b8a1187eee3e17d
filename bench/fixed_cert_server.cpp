// SPDX-License-Identifier: Apache-2.0
// bench_fixed_cert_server: the baseline of bench/handshake_bench.sh. The HTTPS side of
// examples/terminator/main.cpp with one fixed certificate loaded into the SSL_CTX at start
// instead of certkeep's per-handshake selection (certkeep::use_managed_certificates); the
// same accept loop, one thread per connection, receive timeout, request parsing and answer,
// so the only difference the benchmark measures is how the certificate is chosen.
//
//   bench_fixed_cert_server --port N --cert FULLCHAIN_PEM --key KEY_PEM
//
// Listens on 127.0.0.1:N, answers every request with "hello, serial <X>\n", prints
// "ready https://127.0.0.1:N serial X" once listening, and stops on SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
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

namespace {

struct Args {
  int port = 0;
  std::string cert;
  std::string key;
};

std::optional<Args> parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string_view value = argv[i + 1];
    if (flag == "--cert") {
      args.cert = value;
    } else if (flag == "--key") {
      args.key = value;
    } else if (flag == "--port") {
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), args.port);
      if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || args.port <= 0 || args.port > 65535 || args.cert.empty() || args.key.empty())
    return std::nullopt;
  return args;
}

int listen_on_loopback(int port) {
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

// The terminator's Server: an accept thread, a detached thread per connection, stop() waits
// for the connections in progress.
class Server {
 public:
  Server(int listen_fd, std::function<void(int)> handle)
      : fd_(listen_fd), handle_(std::move(handle)), acceptor_([this] { accept_loop(); }) {}
  ~Server() { stop(); }

  void stop() {
    if (!acceptor_.joinable()) return;
    ::shutdown(fd_, SHUT_RDWR);
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
        return;
      }
      timeval timeout{10, 0};
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
  std::string target;
  std::string host;
};

// The terminator's request-head reader: up to 8 KiB through `read`, the request line and Host.
std::optional<Request> read_request(const std::function<long(char*, std::size_t)>& read) {
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
    if (header.size() > 5 && strncasecmp(header.c_str(), "host:", 5) == 0)
      request.host = header.substr(header.find_first_not_of(" \t", 5));
    at = end + 2;
  }
  return request;
}

std::string serial_of(X509* certificate) {
  if (certificate == nullptr) return "none";
  std::unique_ptr<BIGNUM, decltype(&BN_free)> number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr),
                                                     &BN_free);
  if (!number) return "unknown";
  char* hex = BN_bn2hex(number.get());
  std::string text = hex != nullptr ? hex : "unknown";
  OPENSSL_free(hex);
  return text;
}

void serve_https(int fd, SSL_CTX* ctx) {
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
    ERR_clear_error();
    return;
  }
  auto request = read_request([&](char* buffer, std::size_t size) {
    return static_cast<long>(SSL_read(ssl.get(), buffer, static_cast<int>(size)));
  });
  if (request) {
    // The serial is formatted per request, as the terminator does.
    const std::string body = "hello, serial " + serial_of(SSL_get_certificate(ssl.get())) + "\n";
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size()));
  }
  SSL_shutdown(ssl.get());
  ERR_clear_error();
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) {
    std::fprintf(stderr, "usage: %s --port N --cert FULLCHAIN_PEM --key KEY_PEM\n", argv[0]);
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), args->cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), args->key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    std::fprintf(stderr, "cannot load %s / %s: %s\n", args->cert.c_str(), args->key.c_str(), reason);
    return 1;
  }
  const int fd = listen_on_loopback(args->port);
  if (fd < 0) {
    std::fprintf(stderr, "listen: %s\n", std::strerror(errno));
    return 1;
  }
  Server https(fd, [&](int client) { serve_https(client, ctx.get()); });
  std::printf("ready https://127.0.0.1:%d serial %s\n", args->port, serial_of(SSL_CTX_get0_certificate(ctx.get())).c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  https.stop();
  return 0;
}

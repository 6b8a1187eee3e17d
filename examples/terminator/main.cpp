// SPDX-License-Identifier: Apache-2.0
// certkeep_terminator: the smallest useful TLS terminator built on libcertkeep, on 127.0.0.1.
//
//   certkeep_terminator --state-dir DIR --server URL [--ca-bundle PEM] [--email ADDR]
//                       --http-port N --https-port N -d NAME [-d NAME…] [--renew-every SECONDS]
//
// - The HTTP port answers ACME HTTP-01 through Manager::http01_response (no second listener),
//   and GET /.certkeep/renew forces a renewal of every lineage (so does SIGUSR1).
// - The HTTPS port answers every request with "hello, serial <X>\n", X being the serial of
//   the certificate this connection's handshake got. Renewals swap it live: connections
//   already open keep theirs, the next handshake gets the new one. Nothing restarts.
// - --renew-every SECONDS forces a renewal that often (a demo of the live swap).
// - It prints "ready https://127.0.0.1:N serial X" once serving, and one line per Manager
//   event: "event issued|renewed|failed LINEAGE serial X at_ms=T [error …]".
// - SIGINT/SIGTERM stop it.
//
// Plain POSIX sockets and one thread per connection keep it short; a real proxy would use an
// event loop, and would serve plain HTTP traffic on the HTTP port besides the challenges.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <certkeep/certkeep.hpp>
#include <certkeep/openssl.hpp>

namespace {

constexpr std::string_view kRenewPath = "/.certkeep/renew";

struct Args {
  certkeep::ManagerOptions options;
  int http_port = 0;
  int https_port = 0;
  std::vector<std::string> names;
  int renew_every = 0;  // seconds; 0: only when due
};

std::optional<int> to_int(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::optional<Args> parse_args(int argc, char** argv) {
  Args args;
  args.options.agree_tos = true;  // a demo against a test CA
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return std::nullopt;  // every flag takes a value
    const std::string value = argv[++i];
    std::optional<int> number = to_int(value);
    if (flag == "--state-dir") args.options.state_dir = value;
    else if (flag == "--server") args.options.directory_url = value;
    else if (flag == "--ca-bundle") args.options.ca_bundle = value;
    else if (flag == "--email") args.options.email = value;
    else if (flag == "-d" || flag == "--domain") args.names.push_back(value);
    else if (flag == "--http-port" && number) args.http_port = *number;
    else if (flag == "--https-port" && number) args.https_port = *number;
    else if (flag == "--renew-every" && number) args.renew_every = *number;
    else return std::nullopt;
  }
  if (args.names.empty() || args.http_port == 0 || args.https_port == 0) return std::nullopt;
  return args;
}

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// A listening TCP socket on 127.0.0.1:port, or -1.
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
    if (header.size() > 5 && strncasecmp(header.c_str(), "host:", 5) == 0) {
      request.host = header.substr(header.find_first_not_of(" \t", 5));
    }
    at = end + 2;
  }
  return request;
}

std::string response(int status, std::string_view reason, std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + std::string(body);
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Forces a renewal of every managed lineage; one line per lineage.
std::string renew_all(certkeep::Manager& manager, bool& ok) {
  std::string report;
  ok = true;
  for (const std::string& lineage : manager.lineages()) {
    if (auto renewed = manager.renew_now(lineage); !renewed) {
      ok = false;
      report += "failed " + lineage + ": " + renewed.error().to_string() + "\n";
    } else {
      auto current = manager.certificate(lineage);  // a lineage is named after its first name
      report += "renewed " + lineage + " serial " + (current ? current->serial() : "?") + "\n";
    }
  }
  return report;
}

// Port 80's job: HTTP-01 answers, plus the loopback control URL.
void serve_http(int fd, certkeep::Manager& manager) {
  auto request = read_request([fd](char* buffer, std::size_t size) { return ::recv(fd, buffer, size, 0); });
  if (!request || request->method != "GET") return send_all(fd, response(400, "Bad Request", "bad request\n"));
  if (auto body = manager.http01_response(request->host, request->target))
    return send_all(fd, response(200, "OK", *body));
  if (request->target == kRenewPath) {
    bool ok = false;
    const std::string report = renew_all(manager, ok);
    return send_all(fd, ok ? response(200, "OK", report) : response(500, "Internal Server Error", report));
  }
  send_all(fd, response(404, "Not Found", "not found\n"));
}

// The serial of the certificate this SSL presented, as uppercase hex.
std::string served_serial(SSL* ssl) {
  X509* certificate = SSL_get_certificate(ssl);
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
    const std::string reply = response(200, "OK", "hello, serial " + served_serial(ssl.get()) + "\n");
    SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size()));
  }
  SSL_shutdown(ssl.get());
  ERR_clear_error();
}

int run(Args args) {
  args.options.check_interval = std::chrono::minutes(10);
  auto opened = certkeep::Manager::open(args.options);
  if (!opened) {
    say("open: " + opened.error().to_string());
    return 1;
  }
  std::unique_ptr<certkeep::Manager> manager = std::move(*opened);
  // at_ms: when the Manager stamped the event (Unix time in ms), just before it published the
  // snapshot; the live-swap tests measure from it to the first handshake serving the serial.
  certkeep::Subscription events = manager->subscribe([](const certkeep::Event& event) {
    const auto at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(event.at.time_since_epoch()).count();
    say("event " + std::string(to_string(event.kind)) + " " + event.name + " serial " + event.serial +
        " at_ms=" + std::to_string(at_ms) + (event.error ? " error " + event.error->to_string() : ""));
  });

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx || !certkeep::use_managed_certificates(ctx.get(), *manager)) {
    say("cannot create the TLS context");
    return 1;
  }
  const int http_fd = listen_on_loopback(args.http_port);
  const int https_fd = listen_on_loopback(args.https_port);
  if (http_fd < 0 || https_fd < 0) {
    say(std::string("listen: ") + std::strerror(errno));
    return 1;
  }
  // The HTTP port must answer before manage(): the first issuance is validated through it.
  Server http(http_fd, [&](int fd) { serve_http(fd, *manager); });
  Server https(https_fd, [&](int fd) { serve_https(fd, ctx.get()); });

  int status = 0;
  if (auto managed = manager->manage(args.names); !managed) {
    say("manage: " + managed.error().to_string());
    status = 1;
  } else if (auto started = manager->start(); !started) {
    say("start: " + started.error().to_string());
    status = 1;
  } else {
    auto current = manager->certificate(args.names.front());
    say("ready https://127.0.0.1:" + std::to_string(args.https_port) + " serial " +
        (current ? current->serial() : "none"));
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal : {SIGINT, SIGTERM, SIGUSR1}) sigaddset(&signals, signal);
    for (;;) {
      timespec period{args.renew_every, 0};
      const int signal = sigtimedwait(&signals, nullptr, args.renew_every > 0 ? &period : nullptr);
      if (signal == SIGINT || signal == SIGTERM) break;
      if (signal == SIGUSR1 || (signal < 0 && errno == EAGAIN)) {
        bool ok = false;
        const std::string report = renew_all(*manager, ok);
        if (!report.empty()) say(report.substr(0, report.size() - 1));
      }
    }
  }
  manager->stop();
  https.stop();
  http.stop();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) {
    std::fprintf(stderr,
                 "usage: %s --state-dir DIR --server URL [--ca-bundle PEM] [--email ADDR]\n"
                 "          --http-port N --https-port N -d NAME [-d NAME...] [--renew-every SECONDS]\n",
                 argv[0]);
    return 2;
  }
  // Signals go to sigtimedwait in run(), never to a server thread; SIGPIPE is not a crash.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGUSR1}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return run(std::move(*args));
}

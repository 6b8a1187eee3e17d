// SPDX-License-Identifier: Apache-2.0
// certkeep_terminator: the smallest useful TLS terminator built on libcertkeep, on 127.0.0.1.
//
//   certkeep_terminator --state-dir DIR --server URL [--ca-bundle PEM] [--email ADDR]
//                       --http-port N --https-port N -d NAME [-d NAME…] [--renew-every SECONDS]
//                       [--challenge http-01|tls-alpn-01|dns-01]
//                       [--dns-rfc2136 SERVER[:PORT] --tsig-key FILE] [--dns-propagation-timeout S]
//
// - The HTTP port answers ACME HTTP-01 through Manager::http01_response (no second listener),
//   and GET /.certkeep/renew forces a renewal of every lineage (so does SIGUSR1).
// - --challenge tls-alpn-01 proves the names on the HTTPS port itself (RFC 8737): the TLS
//   helper answers the CA's "acme-tls/1" handshakes while every other handshake is served as
//   usual. --dns-rfc2136 adds DNS-01 (RFC 2136 updates) for wildcard names (-d '*.example.com').
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

#include "https_serving.hpp"

namespace {

using terminator::listen_on_loopback;
using terminator::read_request;
using terminator::response;
using terminator::serve_https;
using terminator::Server;

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

certkeep::Dns01Options& dns01(Args& args) {
  if (!args.options.dns01) args.options.dns01.emplace();
  return *args.options.dns01;
}

std::optional<Args> parse_args(int argc, char** argv) {
  Args args;
  args.options.agree_tos = true;  // a demo against a test CA
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return std::nullopt;  // every flag takes a value
    const std::string value = argv[++i];
    std::optional<int> number = to_int(value);
    if (flag == "--state-dir")
      args.options.state_dir = value;
    else if (flag == "--server")
      args.options.directory_url = value;
    else if (flag == "--ca-bundle")
      args.options.ca_bundle = value;
    else if (flag == "--email")
      args.options.email = value;
    else if (flag == "-d" || flag == "--domain")
      args.names.push_back(value);
    else if (flag == "--http-port" && number)
      args.http_port = *number;
    else if (flag == "--https-port" && number)
      args.https_port = *number;
    else if (flag == "--renew-every" && number)
      args.renew_every = *number;
    else if (flag == "--challenge" && certkeep::parse_challenge_type(value))
      args.options.challenge = *certkeep::parse_challenge_type(value);
    else if (flag == "--dns-rfc2136")
      dns01(args).rfc2136_server = value;
    else if (flag == "--tsig-key")
      dns01(args).tsig_key_file = value;
    else if (flag == "--dns-propagation-timeout" && number)
      dns01(args).propagation_timeout = std::chrono::seconds(*number);
    else
      return std::nullopt;
  }
  if (args.names.empty() || args.http_port == 0 || args.https_port == 0) return std::nullopt;
  return args;
}

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
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
  if (!request || request->method != "GET")
    return send_all(fd, response(400, "Bad Request", "bad request\n"));
  if (auto body = manager.http01_response(request->host, request->target))
    return send_all(fd, response(200, "OK", *body));
  if (request->target == kRenewPath) {
    bool ok = false;
    const std::string report = renew_all(manager, ok);
    return send_all(fd, ok ? response(200, "OK", report) : response(500, "Internal Server Error", report));
  }
  send_all(fd, response(404, "Not Found", "not found\n"));
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
                 "          --http-port N --https-port N -d NAME [-d NAME...] [--renew-every SECONDS]\n"
                 "          [--challenge http-01|tls-alpn-01|dns-01] [--dns-rfc2136 SERVER[:PORT] --tsig-key FILE]\n"
                 "          [--dns-propagation-timeout SECONDS]\n",
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

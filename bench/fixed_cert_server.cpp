// SPDX-License-Identifier: Apache-2.0
// bench_fixed_cert_server: the baseline of bench/handshake_bench.sh. The HTTPS side of
// examples/terminator/main.cpp with one fixed certificate loaded into the SSL_CTX at start
// instead of certkeep's per-handshake selection (certkeep::use_managed_certificates); the
// accept loop, threads, request parsing and answer are the terminator's own
// (examples/terminator/https_serving.hpp), so the benchmark measures only how the certificate
// is chosen.
//
//   bench_fixed_cert_server --port N --cert FULLCHAIN_PEM --key KEY_PEM
//
// Listens on 127.0.0.1:N, answers every request with "hello, serial <X>\n", prints
// "ready https://127.0.0.1:N serial X" once listening, and stops on SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "https_serving.hpp"

namespace {

using terminator::listen_on_loopback;
using terminator::serve_https;
using terminator::Server;

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
  std::printf("ready https://127.0.0.1:%d serial %s\n", args->port,
              terminator::certificate_serial(SSL_CTX_get0_certificate(ctx.get())).c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  https.stop();
  return 0;
}

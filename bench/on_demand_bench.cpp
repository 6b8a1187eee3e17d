// SPDX-License-Identifier: Apache-2.0
// Handshakes per second served through the library's TLS glue (use_certificate_source), over an
// in-memory BIO pair so only the TLS work is measured: a fixed certificate set on the SSL_CTX,
// an on-the-fly certificate already cached (one name again and again), and an uncached one
// (a new admitted name each handshake, so every handshake makes a key and signs a leaf).
// Usage: on_demand_bench [HANDSHAKES]   (default 2000; the uncached case runs a tenth of them)
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "bench_support.hpp"
#include "certkeep/manager.hpp"
#include "certkeep/on_demand.hpp"
#include "certkeep/openssl.hpp"

namespace {

using Ctx = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// One full handshake between a fresh client and `server_ctx`; false when it fails.
bool handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const std::string& name) {
  std::unique_ptr<SSL, decltype(&SSL_free)> client(SSL_new(client_ctx), &SSL_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> server(SSL_new(server_ctx), &SSL_free);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  if (!client || !server || BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1) return false;
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  // SSL_set_tlsext_host_name is a macro with a C cast; the call it stands for:
  SSL_ctrl(client.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(name.c_str()));
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

// Handshakes per second of `count` handshakes, the name of each from `name_of`.
template <typename NameOf>
double rate(SSL_CTX* client_ctx, SSL_CTX* server_ctx, int count, NameOf name_of) {
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    if (!handshake(client_ctx, server_ctx, name_of(i))) {
      std::fprintf(stderr, "on_demand_bench: handshake %d (%s) failed\n", i, name_of(i).c_str());
      std::exit(1);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return count / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 2000;
  if (count < 10) return std::fprintf(stderr, "usage: on_demand_bench [HANDSHAKES >= 10]\n"), 2;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("certkeep-on-demand-bench-" + std::to_string(::getpid()));
  certkeep::ManagerOptions options;
  options.state_dir = dir;
  auto manager = certkeep::Manager::open(options);
  if (!manager) return std::fprintf(stderr, "%s\n", manager.error().to_string().c_str()), 1;
  auto on_demand = (*manager)->on_demand(
      certkeep::OnDemandOptions{.allowed_patterns = {"*.bench.test"}, .max_certificates = 64});
  if (!on_demand) return std::fprintf(stderr, "%s\n", on_demand.error().to_string().c_str()), 1;

  Ctx client(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  Ctx dynamic(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  Ctx fixed(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!use_certificate_source(dynamic.get(), **on_demand)) return 1;
  // The fixed case: one certificate (an on-the-fly one, so the key type and chain are the same)
  // set on the SSL_CTX the ordinary way, no callback.
  auto sample = (*on_demand)->certificate("fixed.bench.test");
  if (!sample) return std::fprintf(stderr, "no sample certificate\n"), 1;
  const auto objects = certkeep::openssl_objects(*sample);
  if (SSL_CTX_use_certificate(fixed.get(), objects.certificate) != 1 ||
      SSL_CTX_use_PrivateKey(fixed.get(), objects.private_key) != 1)
    return std::fprintf(stderr, "fixed certificate refused\n"), 1;

  const double fixed_rate =
      rate(client.get(), fixed.get(), count, [](int) { return std::string("fixed.bench.test"); });
  const double cached_rate =
      rate(client.get(), dynamic.get(), count, [](int) { return std::string("cached.bench.test"); });
  const int uncached_count = std::max(10, count / 10);
  const double uncached_rate = rate(client.get(), dynamic.get(), uncached_count,
                                    [](int i) { return "n" + std::to_string(i) + ".bench.test"; });
  const auto stats = (*on_demand)->stats();

  std::printf("TLS 1.3 handshakes over a BIO pair, ECDSA P-256 leaf\n%-44s %12s\n", "case", "handshakes/s");
  std::printf("%-44s %12.0f\n", "fixed certificate on the SSL_CTX", fixed_rate);
  std::printf("%-44s %12.0f\n", "on-the-fly, cached (one name)", cached_rate);
  std::printf("%-44s %12.0f\n", "on-the-fly, uncached (a new name each)", uncached_rate);
  std::printf("cache after the run: %zu certificates, %zu bytes, %zu made, %zu evicted (bound 64)\n",
              stats.cached, stats.bytes, stats.made, stats.evicted);
  certkeep::bench::JsonLine json;
  json.begin()
      .text("bench", "on_demand_handshakes")
      .integer("handshakes", count)
      .number("fixed_per_s", fixed_rate, 0)
      .number("cached_per_s", cached_rate, 0)
      .number("uncached_per_s", uncached_rate, 0)
      .integer("cached_after", static_cast<long>(stats.cached))
      .end();
  std::printf("%s\n", json.str().c_str());
  manager->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

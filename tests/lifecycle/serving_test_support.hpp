// SPDX-License-Identifier: Apache-2.0
// Helpers for the serving tests (served_lineages_test.cpp, scale_test.cpp): store rows with real
// certificates from a private CA made at test time, a LineageReader a test can fail or hold,
// and an in-memory TLS handshake that reports the serial the server chose.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/certificate.hpp"
#include "crypto/private_ca.hpp"
#include "lifecycle/lineage_reader.hpp"
#include "store/store.hpp"

namespace certkeep::testing {

// A complete, servable lineage row: a leaf for `names` signed by `ca`, valid for 90 days.
inline store::LineageRecord servable_lineage(const crypto::CaMaterial& ca, const crypto::PrivateKey& key,
                                             const std::string& lineage, const std::vector<std::string>& names,
                                             core::SystemTime now) {
  using namespace std::chrono_literals;
  const std::string cert = crypto::issue_leaf_certificate(ca, key, names, now - 1h, now + 24h * 90).value();
  store::LineageRecord record;
  record.name = lineage;
  record.identifiers = names;
  record.status = store::LineageStatus::Valid;
  record.settings.issuer_kind = store::IssuerKind::PrivateCa;
  record.settings.ca_name = "test-ca";
  record.key_pem = key.to_pem().value();
  record.cert_pem = cert;
  record.chain_pem = ca.cert_pem;
  record.serial = crypto::inspect_certificate(cert).value().serial_hex;
  record.issuer = "test-ca";
  record.not_before = now - 1h;
  record.not_after = now + 24h * 90;
  record.renew_at = now + 24h * 60;
  record.deployed_serial = record.serial;
  record.created_at = record.updated_at = now - 1h;
  return record;
}

// Wraps a real reader: counts reads, fails them on demand, or holds them until released.
class ControlledReader final : public lifecycle::LineageReader {
 public:
  explicit ControlledReader(std::unique_ptr<lifecycle::LineageReader> real) : real_(std::move(real)) {}

  Result<std::optional<store::LineageRecord>> read(const std::string& lineage) override {
    ++reads;
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return !held_; });
      --waiting_;
    }
    if (failing) return fail(Errc::Store, "store is unavailable (test)");
    return real_->read(lineage);
  }
  Result<void> for_each_servable(
      const std::function<void(const lifecycle::ServableLineage&)>& visit) override {
    ++passes;
    if (failing) return fail(Errc::Store, "store is unavailable (test)");
    return real_->for_each_servable(visit);
  }

  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  // Waits until `count` reads are held (bounded: false after ~10 s).
  bool wait_for_waiting(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= count; });
  }

  std::atomic<int> reads{0};
  std::atomic<int> passes{0};
  std::atomic<bool> failing{false};

 private:
  std::unique_ptr<lifecycle::LineageReader> real_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  int waiting_ = 0;
};

// One TLS handshake against `server_ctx` over a BIO pair; the served leaf's serial (uppercase
// hex), "" when the handshake failed.
inline std::string served_serial(SSL_CTX* server_ctx, const std::string& server_name) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> client_ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> client(SSL_new(client_ctx.get()), &SSL_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> server(SSL_new(server_ctx), &SSL_free);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  if (BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1) return "";
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_ctrl(client.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(server_name.c_str()));
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  bool client_done = false;
  bool server_done = false;
  for (int i = 0; i < 10 && !(client_done && server_done); ++i) {
    for (auto [ssl, done] : {std::pair{client.get(), &client_done}, std::pair{server.get(), &server_done}}) {
      if (*done) continue;
      const int rc = SSL_do_handshake(ssl);
      const int error = SSL_get_error(ssl, rc);
      if (rc == 1) {
        *done = true;
      } else if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return "";
      }
    }
  }
  X509* peer = SSL_get0_peer_certificate(client.get());
  if (!client_done || peer == nullptr) return "";
  const ASN1_INTEGER* serial = X509_get0_serialNumber(peer);
  BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = BN_bn2hex(number);
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

}  // namespace certkeep::testing

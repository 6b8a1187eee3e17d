// SPDX-License-Identifier: Apache-2.0
#include "support/loopback_https_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <httplib.h>

namespace certkeep::testing {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("loopback HTTPS server: ") + what);
}

Key new_p256_key() {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  require(key != nullptr, "EC key generation failed");
  return key;
}

// Adds an X.509v3 extension given in OpenSSL's config syntax ("critical,CA:TRUE").
void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  require(extension != nullptr, "bad certificate extension");
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  require(added, "cannot add certificate extension");
}

// An unsigned certificate for `key`, valid from an hour ago for a day, issued by `issuer`
// (nullptr: self-issued).
Cert make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, long serial) {
  Cert cert(X509_new(), X509_free);
  require(cert != nullptr, "X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* authority = issuer ? issuer : cert.get();
  add_extension(cert.get(), authority, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), authority, NID_authority_key_identifier, "keyid:always");
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) { require(X509_sign(cert, key, EVP_sha256()) > 0, "signing failed"); }

std::string san_value(const std::vector<std::string>& names) {
  std::string value;
  for (const auto& name : names) {
    if (!value.empty()) value += ",";
    const bool is_ip =
        name.find_first_not_of("0123456789.") == std::string::npos || name.find(':') != std::string::npos;
    value += (is_ip ? "IP:" : "DNS:") + name;
  }
  return value;
}

void write_pem(const std::filesystem::path& path, X509* cert) {
  FILE* file = std::fopen(path.c_str(), "wb");
  require(file != nullptr, "cannot write the CA file");
  const bool written = PEM_write_X509(file, cert) == 1;
  require(std::fclose(file) == 0 && written, "cannot write the CA file");
}

}  // namespace

LoopbackHttpsServer::LoopbackHttpsServer(Handler handler, const std::vector<std::string>& names) {
  require(!names.empty(), "no certificate names");
  static std::atomic<int> counter{0};
  dir_ = std::filesystem::temp_directory_path() /
         ("certkeep-https-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir_);
  try {
    start(std::move(handler), names);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

void LoopbackHttpsServer::start(Handler handler, const std::vector<std::string>& names) {
  // A fresh root per server, so two servers never trust each other's clients by accident.
  Key ca_key = new_p256_key();
  Cert ca =
      make_certificate(ca_key.get(), "certkeep loopback test CA " + dir_.filename().string(), nullptr, 1);
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  sign(ca.get(), ca_key.get());

  Key leaf_key = new_p256_key();
  Cert leaf = make_certificate(leaf_key.get(), names.front(), ca.get(), 2);
  add_extension(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_extension(leaf.get(), ca.get(), NID_subject_alt_name, san_value(names));
  sign(leaf.get(), ca_key.get());

  ca_file_ = dir_ / "ca.pem";
  write_pem(ca_file_, ca.get());

  // httplib takes its own references to the certificate and key.
  server_ = std::make_unique<httplib::SSLServer>(leaf.get(), leaf_key.get());
  require(server_->is_valid(), "cpp-httplib refused the certificate");
  auto route = [handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
    handler(request, response);
  };
  const char* any = ".*";
  server_->Get(any, route);  // also serves HEAD
  server_->Post(any, route);
  server_->Put(any, route);
  server_->Delete(any, route);
  server_->Options(any, route);
  // One client connection must survive a whole flow (httplib's default closes after 5).
  server_->set_keep_alive_max_count(1000);
  port_ = server_->bind_to_any_port("127.0.0.1");
  require(port_ > 0, "cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > give_up) {
      server_->stop();
      thread_.join();
      throw std::runtime_error("loopback HTTPS server: did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

LoopbackHttpsServer::~LoopbackHttpsServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string LoopbackHttpsServer::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace certkeep::testing

// SPDX-License-Identifier: Apache-2.0
// TrustRoots: the --ca-bundle certificates, loaded once and added to each TLS context's store.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "crypto/trust_roots.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

// A self-signed certificate named `name`, made with OpenSSL for this test only.
Cert self_signed(const std::string& name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  REQUIRE(key);
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509_set_pubkey(cert.get(), key.get());
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  return cert;
}

std::string to_pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE(PEM_write_bio_X509(bio.get(), cert) == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bool store_has(SSL_CTX* ctx, X509* cert) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* held = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (held && X509_cmp(held, cert) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("trust roots: every certificate of a PEM file is loaded", "[crypto][trust]") {
  Cert a = self_signed("root a");
  Cert b = self_signed("root b");
  // Text around the blocks (as in Debian's bundles) is allowed.
  auto roots = TrustRoots::parse("# root a\n" + to_pem(a.get()) + "\n# root b\n" + to_pem(b.get()), "test");
  REQUIRE(roots);
  CHECK(roots->size() == 2);
}

TEST_CASE("trust roots: the certificates are added to a store that keeps its own", "[crypto][trust]") {
  Cert system_root = self_signed("system root");
  Cert extra_a = self_signed("extra a");
  Cert extra_b = self_signed("extra b");
  auto roots = TrustRoots::parse(to_pem(extra_a.get()) + to_pem(extra_b.get()), "test");
  REQUIRE(roots);

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  REQUIRE(ctx);
  REQUIRE(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), system_root.get()) == 1);
  REQUIRE(roots->add_to(ctx.get()));
  CHECK(store_has(ctx.get(), system_root.get()));
  CHECK(store_has(ctx.get(), extra_a.get()));
  CHECK(store_has(ctx.get(), extra_b.get()));
  CHECK_FALSE(store_has(ctx.get(), self_signed("never added").get()));
  // A second connection's callback on the same store is harmless.
  CHECK(roots->add_to(ctx.get()));
}

TEST_CASE("trust roots: unreadable, empty or broken bundles are usage errors", "[crypto][trust]") {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("certkeep-trust-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const std::string good = to_pem(self_signed("good").get());
  std::string broken = good;
  broken[broken.size() / 2] = '!';  // inside the base64 body
  std::ofstream(dir / "key.pem") << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  std::ofstream(dir / "empty.pem") << "";
  std::ofstream(dir / "broken.pem") << good << broken;
  std::ofstream(dir / "good.pem") << good;

  for (const char* name : {"missing.pem", "key.pem", "empty.pem", "broken.pem"}) {
    INFO(name);
    auto roots = TrustRoots::load(dir / name);
    REQUIRE_FALSE(roots);
    CHECK(roots.error().code() == Errc::InvalidArgument);
    CHECK(roots.error().message().find(name) != std::string::npos);
  }
  auto directory = TrustRoots::load(dir);
  REQUIRE_FALSE(directory);
  CHECK(directory.error().code() == Errc::InvalidArgument);

  auto loaded = TrustRoots::load(dir / "good.pem");
  REQUIRE(loaded);
  CHECK(loaded->size() == 1);
  std::filesystem::remove_all(dir);
}

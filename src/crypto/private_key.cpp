// SPDX-License-Identifier: Apache-2.0
#include "crypto/private_key.hpp"

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crypto/ec_key_pkcs8.hpp"
#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

std::shared_ptr<evp_pkey_st> share(EvpPkeyPtr key) {
  return std::shared_ptr<evp_pkey_st>(key.release(), OpenSslDeleter<EVP_PKEY_free>());
}

Result<EvpPkeyPtr> generate_ec(const char* group) {
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(context.get(), group) != 1)
    return fail(openssl_error(Errc::Crypto, std::string("set up EC key generation on ") + group));
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(context.get(), &raw) != 1)
    return fail(openssl_error(Errc::Crypto, std::string("generate EC key on ") + group));
  return EvpPkeyPtr(raw);
}

Result<EvpPkeyPtr> generate_rsa(unsigned int bits) {
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), static_cast<int>(bits)) != 1)
    return fail(openssl_error(Errc::Crypto, "set up RSA key generation"));
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(context.get(), &raw) != 1)
    return fail(openssl_error(Errc::Crypto, "generate RSA-" + std::to_string(bits) + " key"));
  return EvpPkeyPtr(raw);
}

// Decodes PKCS#8 PrivateKeyInfo DER of `key_type` ("EC" or "RSA"). Making a decoder context
// (OSSL_DECODER_CTX_new_for_pkey) looks up OpenSSL's decoders and key managers under their
// locks and costs ~5 times the decoding itself; a context decodes key after key into the same
// slot, so each thread keeps one per key type (a serve-all Manager parses a key on every cold
// handshake). A failed decode drops the context, so the next one starts clean.
EvpPkeyPtr decode_private_key_info(const char* key_type, const unsigned char* data, std::size_t length) {
  struct Reusable {
    EVP_PKEY* decoded = nullptr;  // the context writes each key here
    OSSL_DECODER_CTX* context = nullptr;
    Reusable() = default;
    Reusable(const Reusable&) = delete;
    Reusable& operator=(const Reusable&) = delete;
    ~Reusable() { OSSL_DECODER_CTX_free(context); }
  };
  thread_local std::array<Reusable, 2> reusable;  // EC, RSA
  Reusable& decoder = reusable[std::strcmp(key_type, "EC") == 0 ? 0 : 1];
  if (decoder.context == nullptr)
    decoder.context = OSSL_DECODER_CTX_new_for_pkey(&decoder.decoded, "DER", "PrivateKeyInfo", key_type,
                                                    EVP_PKEY_KEYPAIR, nullptr, nullptr);
  decoder.decoded = nullptr;
  const unsigned char* input = data;
  std::size_t remaining = length;
  const bool decoded = decoder.context != nullptr &&
                       OSSL_DECODER_from_data(decoder.context, &input, &remaining) == 1 && remaining == 0 &&
                       decoder.decoded != nullptr;
  EvpPkeyPtr key(decoder.decoded);
  decoder.decoded = nullptr;
  if (decoded) return key;
  OSSL_DECODER_CTX_free(decoder.context);
  decoder.context = nullptr;
  clear_openssl_errors();
  return nullptr;
}

// The key of a PEM text whose first block is unencrypted PKCS#8 (what to_pem writes), decoded
// by the one decoder for its algorithm: PEM_read_bio_PrivateKey tries every decoder OpenSSL
// has and costs ~1.5 ms per key, this ~0.3 ms. Null for anything else; the caller then takes
// the general path, which also produces the error messages.
EvpPkeyPtr decode_pkcs8_pem_quickly(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  const bool read = bio && PEM_read_bio(bio.get(), &name, &header, &data, &length) == 1;
  OpenSslCharsPtr owned_name(name);
  OpenSslCharsPtr owned_header(header);
  struct WipedDer {  // the key's DER bytes, wiped before they are freed
    unsigned char* bytes;
    long length;
    ~WipedDer() {
      if (bytes != nullptr) OPENSSL_clear_free(bytes, static_cast<std::size_t>(length));
    }
  } der{data, length};
  clear_openssl_errors();
  if (!read || std::strcmp(name, PEM_STRING_PKCS8INF) != 0) return nullptr;

  const unsigned char* cursor = data;
  OpenSslPtr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free> info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, length));
  const ASN1_OBJECT* algorithm = nullptr;
  if (!info || PKCS8_pkey_get0(&algorithm, nullptr, nullptr, nullptr, info.get()) != 1) {
    clear_openssl_errors();
    return nullptr;
  }
  const char* key_type = nullptr;
  if (OBJ_obj2nid(algorithm) == NID_X9_62_id_ecPublicKey) key_type = "EC";
  if (OBJ_obj2nid(algorithm) == NID_rsaEncryption) key_type = "RSA";
  if (key_type == nullptr) return nullptr;

  return decode_private_key_info(key_type, data, static_cast<std::size_t>(length));
}

// Which KeyType a parsed key is; nullopt for algorithms, curves or sizes certkeep does not use.
std::optional<KeyType> classify(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      std::array<char, 64> group{};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1) return std::nullopt;
      // Providers name the curves "prime256v1"/"secp384r1"; EC_curve_nist2nid knows "P-256".
      int nid = OBJ_sn2nid(group.data());
      if (nid == NID_undef) nid = EC_curve_nist2nid(group.data());
      if (nid == NID_X9_62_prime256v1) return KeyType::EcdsaP256;
      if (nid == NID_secp384r1) return KeyType::EcdsaP384;
      return std::nullopt;
    }
    case EVP_PKEY_RSA:
      switch (EVP_PKEY_get_bits(key)) {
        case 2048: return KeyType::Rsa2048;
        case 3072: return KeyType::Rsa3072;
        case 4096: return KeyType::Rsa4096;
        default: return std::nullopt;
      }
    default: return std::nullopt;
  }
}

// PEM_read_bio_PrivateKey would otherwise prompt on the terminal for an encrypted key's
// passphrase; certkeep only stores unencrypted keys, so an encrypted one is refused.
int refuse_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

Result<PrivateKey> PrivateKey::generate(KeyType type) {
  Result<EvpPkeyPtr> key = [&]() -> Result<EvpPkeyPtr> {
    switch (type) {
      case KeyType::EcdsaP256: return generate_ec("P-256");
      case KeyType::EcdsaP384: return generate_ec("P-384");
      case KeyType::Rsa2048: return generate_rsa(2048);
      case KeyType::Rsa3072: return generate_rsa(3072);
      case KeyType::Rsa4096: return generate_rsa(4096);
    }
    return fail(Errc::InvalidArgument, "generate key: unknown key type");
  }();
  if (!key) return fail(std::move(key).error());
  return PrivateKey(share(std::move(*key)), type);
}

Result<PrivateKey> PrivateKey::from_rsa_components(const RsaComponents& c) {
  using BnPtr = OpenSslPtr<BIGNUM, BN_clear_free>;
  auto number = [](const std::string& bytes) {
    return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                           static_cast<int>(bytes.size()), nullptr));
  };
  const std::pair<const char*, const std::string*> parts[] = {
      {OSSL_PKEY_PARAM_RSA_N, &c.n},          {OSSL_PKEY_PARAM_RSA_E, &c.e},
      {OSSL_PKEY_PARAM_RSA_D, &c.d},          {OSSL_PKEY_PARAM_RSA_FACTOR1, &c.p},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, &c.q},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, &c.dp},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, &c.dq}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &c.qi}};
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(),
                                                                          &OSSL_PARAM_BLD_free);
  if (!builder) return fail(openssl_error(Errc::Crypto, "RSA key components"));
  std::vector<BnPtr> numbers;
  for (const auto& [name, bytes] : parts) {
    if (bytes->empty()) return fail(Errc::Crypto, std::string("RSA key: component ") + name + " is missing");
    numbers.push_back(number(*bytes));
    if (!numbers.back() || OSSL_PARAM_BLD_push_BN(builder.get(), name, numbers.back().get()) != 1)
      return fail(openssl_error(Errc::Crypto, "RSA key components"));
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(builder.get()),
                                                                 &OSSL_PARAM_free);
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* made = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &made, EVP_PKEY_KEYPAIR, params.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "RSA key from components"));
  EvpPkeyPtr key(made);
  // The components must agree (n = p·q, d the inverse of e): OpenSSL's pairwise check.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
    return fail(openssl_error(Errc::Crypto, "RSA key: the components do not make one key"));
  std::optional<KeyType> type = classify(key.get());
  if (!type) return fail(Errc::Crypto, "RSA key: unsupported size (want 2048, 3072 or 4096 bits)");
  return PrivateKey(share(std::move(key)), *type);
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  EvpPkeyPtr key = decode_pkcs8_pem_quickly(pem);
  if (!key) {
    BioPtr bio = memory_bio(pem);
    if (!bio) return fail(openssl_error(Errc::Crypto, "private key PEM"));
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
  }
  if (!key) return fail(openssl_error(Errc::Crypto, "private key PEM does not parse"));
  std::optional<KeyType> type = classify(key.get());
  if (!type) {
    clear_openssl_errors();
    return fail(Errc::Crypto, "private key PEM: unsupported key (want EC P-256/P-384 or RSA 2048/3072/4096)");
  }
  return PrivateKey(share(std::move(key)), *type);
}

Result<core::Secret> PrivateKey::to_pem() const {
  if (std::optional<core::Secret> pem = ec_key_pkcs8_pem(key_.get(), type_)) return std::move(*pem);
  // A secure-heap BIO is wiped when freed, so the key's PEM leaves no copy behind.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  // OpenSSL 3 writes PKCS#8 ("BEGIN PRIVATE KEY") for every key type here.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail(openssl_error(Errc::Crypto, "encode private key as PEM"));
  return core::Secret(bio_contents(bio.get()));
}

std::string PrivateKey::public_key_der() const { return crypto::public_key_der(key_.get()); }

bool PrivateKey::same_public_key(const PrivateKey& other) const {
  if (key_ == other.key_) return true;
  const bool same = key_ && other.key_ && EVP_PKEY_eq(key_.get(), other.key_.get()) == 1;
  clear_openssl_errors();
  return same;
}

}  // namespace certkeep::crypto

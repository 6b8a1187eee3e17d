// SPDX-License-Identifier: Apache-2.0
// Why by hand: PEM_write_bio_PrivateKey looks up OpenSSL 3.0's provider encoders on every
// call (~0.3 ms, 3 % of a bulk renewal's CPU, which writes one new key per certificate), while
// the DER of an EC key is a fixed layout of a few fields.
#include "crypto/ec_key_pkcs8.hpp"

#include <array>
#include <cstddef>
#include <string_view>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

// DER of the OIDs: id-ecPublicKey, prime256v1, secp384r1.
constexpr std::array<unsigned char, 9> kEcPublicKey = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::array<unsigned char, 10> kPrime256v1 = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                       0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<unsigned char, 7> kSecp384r1 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

constexpr std::size_t kMaxScalar = 48;
constexpr std::size_t kMaxPoint = 1 + 2 * kMaxScalar;  // 0x04 || x || y

std::size_t header_size(std::size_t length) { return length < 0x80 ? 2 : length < 0x100 ? 3 : 4; }
std::size_t tlv_size(std::size_t length) { return header_size(length) + length; }

// Append-only DER bytes on the stack, wiped when it goes away (they hold the private scalar).
class DerWriter {
 public:
  ~DerWriter() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  DerWriter() = default;
  DerWriter(const DerWriter&) = delete;
  DerWriter& operator=(const DerWriter&) = delete;

  void header(unsigned char tag, std::size_t length) {
    put(tag);
    if (length >= 0x100) {
      put(0x82);
      put(static_cast<unsigned char>(length >> 8));
    } else if (length >= 0x80) {
      put(0x81);
    }
    put(static_cast<unsigned char>(length & 0xff));
  }
  template <std::size_t N>
  void put(const std::array<unsigned char, N>& bytes) {
    put(bytes.data(), N);
  }
  void put(const unsigned char* bytes, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) put(bytes[i]);
  }
  void put(unsigned char byte) {
    if (size_ < bytes_.size()) bytes_[size_] = byte;
    ++size_;  // an overflow shows as size() > capacity, and the caller gives up
  }
  const unsigned char* data() const { return bytes_.data(); }
  std::size_t size() const { return size_; }
  bool overflowed() const { return size_ > bytes_.size(); }

 private:
  std::array<unsigned char, 256> bytes_{};
  std::size_t size_ = 0;
};

// The private scalar, left-padded to the curve's size, and the uncompressed public point.
struct KeyBytes {
  std::array<unsigned char, kMaxScalar> scalar{};
  std::array<unsigned char, kMaxPoint> point{};
  ~KeyBytes() { OPENSSL_cleanse(scalar.data(), scalar.size()); }
};

bool read_key_bytes(const EVP_PKEY* key, std::size_t scalar_size, KeyBytes& out) {
  BIGNUM* scalar = nullptr;
  const bool have_scalar = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &scalar) == 1;
  const bool padded = have_scalar && BN_bn2binpad(scalar, out.scalar.data(), static_cast<int>(scalar_size)) ==
                                         static_cast<int>(scalar_size);
  BN_clear_free(scalar);
  std::size_t point_size = 0;
  const bool have_point = EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.point.data(),
                                                          out.point.size(), &point_size) == 1;
  clear_openssl_errors();
  return padded && have_point && point_size == 1 + 2 * scalar_size && out.point[0] == 0x04;
}

}  // namespace

std::optional<core::Secret> ec_key_pkcs8_pem(const EVP_PKEY* key, KeyType type) {
  std::size_t scalar_size = 0;
  const unsigned char* curve = nullptr;
  std::size_t curve_size = 0;
  if (type == KeyType::EcdsaP256) {
    scalar_size = 32;
    curve = kPrime256v1.data();
    curve_size = kPrime256v1.size();
  } else if (type == KeyType::EcdsaP384) {
    scalar_size = 48;
    curve = kSecp384r1.data();
    curve_size = kSecp384r1.size();
  } else {
    return std::nullopt;
  }
  KeyBytes bytes;
  if (!read_key_bytes(key, scalar_size, bytes)) return std::nullopt;
  const std::size_t point_size = 1 + 2 * scalar_size;

  // ECPrivateKey ::= SEQUENCE { 1, OCTET STRING scalar, [1] BIT STRING point }
  const std::size_t bit_string = tlv_size(1 + point_size);
  const std::size_t ec_key = 3 + tlv_size(scalar_size) + tlv_size(bit_string);
  // AlgorithmIdentifier ::= SEQUENCE { id-ecPublicKey, curve }
  const std::size_t algorithm = kEcPublicKey.size() + curve_size;
  // PrivateKeyInfo ::= SEQUENCE { 0, AlgorithmIdentifier, OCTET STRING ECPrivateKey }
  const std::size_t info = 3 + tlv_size(algorithm) + tlv_size(tlv_size(ec_key));

  DerWriter der;
  der.header(0x30, info);
  der.put(std::array<unsigned char, 3>{0x02, 0x01, 0x00});
  der.header(0x30, algorithm);
  der.put(kEcPublicKey);
  der.put(curve, curve_size);
  der.header(0x04, tlv_size(ec_key));
  der.header(0x30, ec_key);
  der.put(std::array<unsigned char, 3>{0x02, 0x01, 0x01});
  der.header(0x04, scalar_size);
  der.put(bytes.scalar.data(), scalar_size);
  der.header(0xa1, bit_string);
  der.header(0x03, 1 + point_size);
  der.put(0x00);  // no unused bits
  der.put(bytes.point.data(), point_size);
  if (der.overflowed() || der.size() != tlv_size(info)) return std::nullopt;

  // A secure-heap BIO is wiped when freed, so the PEM leaves no copy behind.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio(bio.get(), PEM_STRING_PKCS8INF, "", der.data(), static_cast<long>(der.size())) <= 0) {
    clear_openssl_errors();
    return std::nullopt;
  }
  return core::Secret(bio_contents(bio.get()));
}

}  // namespace certkeep::crypto

// SPDX-License-Identifier: Apache-2.0
// Private key PEM, as the user imports it or the store hands it back: PrivateKey::from_pem.
// A key that loads must survive to_pem/from_pem unchanged and must never prompt.
#include <cstdint>

#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return 0;  // keys are a few KB; bigger inputs only slow the search
  const std::string_view pem = fuzz::as_text(data, size);
  auto key = crypto::PrivateKey::from_pem(pem);
  if (!key) {
    FUZZ_CHECK(key.error().code() == Errc::Crypto, "a bad key is Errc::Crypto");
    FUZZ_CHECK(fuzz::terminal_safe(key.error().to_string()), "the error is printable");
    return 0;
  }
  const std::string_view type = to_string(key->type());
  FUZZ_CHECK(
      type == "ec256" || type == "ec384" || type == "rsa2048" || type == "rsa3072" || type == "rsa4096",
      "only the supported key types load");
  const std::string public_key = key->public_key_der();
  FUZZ_CHECK(!public_key.empty(), "a loaded key has a public key");

  auto exported = key->to_pem();
  FUZZ_CHECK(exported.has_value(), "a loaded key can be written back");
  auto reloaded = crypto::PrivateKey::from_pem(exported->view());
  FUZZ_CHECK(reloaded && reloaded->type() == key->type() && reloaded->public_key_der() == public_key,
             "to_pem/from_pem round-trips");
  return 0;
}

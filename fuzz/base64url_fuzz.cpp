// SPDX-License-Identifier: Apache-2.0
// base64url (RFC 4648 §5, unpadded) as JWS, nonces and ARI CertIDs use it:
// core::base64url_decode / encode / is_base64url. Decoding is strict (canonical only), so
// decode and encode are inverse on both sides.
#include <cstdint>

#include "core/base64url.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);

  // encode: alphabet only, unpadded length, and decode gives the bytes back.
  const std::string encoded = core::base64url_encode(bytes);
  FUZZ_CHECK(core::is_base64url(encoded) && fuzz::all_base64url(encoded), "encode uses the alphabet");
  FUZZ_CHECK(encoded.size() == (bytes.size() * 4 + 2) / 3, "unpadded length is ceil(4n/3)");
  auto decoded = core::base64url_decode(encoded);
  FUZZ_CHECK(decoded && *decoded == bytes, "decode(encode(x)) == x");

  // decode of arbitrary text: when it succeeds, the text was the canonical encoding.
  auto parsed = core::base64url_decode(bytes);
  if (parsed) {
    FUZZ_CHECK(core::is_base64url(bytes), "only alphabet text decodes");
    FUZZ_CHECK(bytes.size() % 4 != 1, "no impossible lengths");
    FUZZ_CHECK(core::base64url_encode(*parsed) == bytes, "encode(decode(t)) == t (canonical)");
  } else {
    FUZZ_CHECK(parsed.error().code() == Errc::InvalidArgument, "bad base64url is InvalidArgument");
  }
  FUZZ_CHECK(core::is_base64url(bytes) == fuzz::all_base64url(bytes), "is_base64url is the alphabet");
  return 0;
}

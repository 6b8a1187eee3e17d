// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "core/utf8.hpp"

namespace certkeep::core {
namespace {

TEST_CASE("utf8: text is made valid UTF-8 without NUL, and valid text is kept", "[core][utf8]") {
  CHECK(is_valid_utf8("plain ascii\nand \xC3\xA9 and \xF0\x9F\x94\x92"));
  CHECK(to_valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK_FALSE(is_valid_utf8(std::string("nul\0inside", 10)));
  CHECK(to_valid_utf8(std::string("nul\0inside", 10)) == "nul\xEF\xBF\xBDinside");
  CHECK(to_valid_utf8("latin1 \xE9t\xE9") == "latin1 \xEF\xBF\xBDt\xEF\xBF\xBD");
  CHECK(to_valid_utf8("cut \xE2\x82") == "cut \xEF\xBF\xBD\xEF\xBF\xBD");  // a truncated sequence
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));                                  // an overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));                              // a surrogate
}

}  // namespace
}  // namespace certkeep::core

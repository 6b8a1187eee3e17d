// SPDX-License-Identifier: Apache-2.0
#include "core/strings.hpp"

#include <catch2/catch.hpp>

using namespace certkeep;

TEST_CASE("sanitize_for_terminal escapes control characters and caps length", "[core][strings]") {
  CHECK(core::sanitize_for_terminal("a\x1b]0;pwn\x07z") == "a\\x1B]0;pwn\\x07z");
  CHECK(core::sanitize_for_terminal("line\r\nnext") == "line\\x0D\\x0Anext");
  CHECK(core::sanitize_for_terminal("\xc2\x9b"
                                    "31m") == "\\x9B31m");
  CHECK(core::sanitize_for_terminal("héllo") == "héllo");
  std::string long_text(10000, 'x');
  CHECK(core::sanitize_for_terminal(long_text, 100).size() < 110);
}

TEST_CASE("DNS names follow the LDH grammar", "[core][names]") {
  CHECK(core::is_valid_dns_name("example.com"));
  CHECK(core::is_valid_dns_name("a-b.c1.test"));
  CHECK(core::is_valid_dns_name("*.example.com", true));
  CHECK_FALSE(core::is_valid_dns_name("*.example.com"));
  CHECK_FALSE(core::is_valid_dns_name("Example.com"));
  CHECK_FALSE(core::is_valid_dns_name("example.com."));
  CHECK_FALSE(core::is_valid_dns_name("-a.com"));
  CHECK_FALSE(core::is_valid_dns_name("a..com"));
  CHECK_FALSE(core::is_valid_dns_name("$(touch /tmp/pwned).test"));
  CHECK_FALSE(core::is_valid_dns_name(std::string(64, 'a') + ".com"));
  CHECK_FALSE(core::is_valid_dns_name(""));
}

TEST_CASE("lineage names are safe as one path component", "[core][names]") {
  CHECK(core::is_valid_lineage_name("example.com"));
  CHECK(core::is_valid_lineage_name("my_site-2"));
  CHECK_FALSE(core::is_valid_lineage_name(".."));
  CHECK_FALSE(core::is_valid_lineage_name("."));
  CHECK_FALSE(core::is_valid_lineage_name(".hidden"));
  CHECK_FALSE(core::is_valid_lineage_name("-rf"));
  CHECK_FALSE(core::is_valid_lineage_name("a/b"));
  CHECK_FALSE(core::is_valid_lineage_name("A"));
}

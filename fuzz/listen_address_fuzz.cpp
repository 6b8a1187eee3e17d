// SPDX-License-Identifier: Apache-2.0
// The standalone responder's listen address, from --http-listen, the store or
// ManagerOptions: parse_listen_address. Input: the address text.
#include <arpa/inet.h>

#include <cstdint>

#include "challenge/listen_address.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  auto address = challenge::parse_listen_address(text);
  if (!address) {
    FUZZ_CHECK(address.error().code() == Errc::InvalidArgument, "a bad address is InvalidArgument");
    return 0;
  }
  const std::string& host = address->host;
  // "Host names are refused: a listener binds to addresses." The whole host string is the
  // address (bind_listener hands host.c_str() to inet_pton, which stops at a NUL).
  FUZZ_CHECK_BUG("listen-nul", host.find('\0') == std::string::npos,
                 "the host is the whole numeric address, without a NUL and text after it");
  if (host.find('\0') != std::string::npos) return 0;  // only reachable with listen-nul allowed
  if (!host.empty()) {
    unsigned char buffer[16];
    const bool v6 = host.find(':') != std::string::npos;
    FUZZ_CHECK(::inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), buffer) == 1,
               "the host is a numeric address of the family to_string() implies");
    FUZZ_CHECK(v6 == text.starts_with("["), "IPv6 comes in brackets, IPv4 without");
  }
  const std::string_view port_text = text.substr(text.rfind(':') + 1);
  FUZZ_CHECK(!port_text.empty() && port_text.size() <= 5 &&
                 port_text.find_first_not_of("0123456789") == std::string_view::npos &&
                 std::stoul(std::string(port_text)) == address->port,
             "the port is the decimal number after the last colon");

  // to_string() writes what parse accepts, and means the same address.
  const std::string written = address->to_string();
  auto reparsed = challenge::parse_listen_address(written);
  FUZZ_CHECK(reparsed && reparsed->host == host && reparsed->port == address->port,
             "parse(to_string(a)) == a");
  FUZZ_CHECK(reparsed->to_string() == written, "to_string is canonical");
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// TSIG key files: BIND's format (what tsig-keygen prints), the algorithms ldns 1.8.3 can use,
// and a key file other users can read refused.
#include "dns/tsig_key.hpp"

#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace certkeep::dns;

namespace {

constexpr const char* kKeygenOutput =
    "key \"acme-update\" {\n\talgorithm hmac-sha256;\n\tsecret \"AcDkevQC2uTJyr5kaR7bx1s8d9QXj45t4HlwCswGrJU=\";\n};\n";

std::filesystem::path write(const testing::TempDir& dir, const std::string& text, mode_t mode) {
  const auto path = dir.path() / "key.conf";
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

}  // namespace

TEST_CASE("tsig key: tsig-keygen's output is read", "[dns][tsig]") {
  auto key = parse_tsig_key(kKeygenOutput, "key.conf");
  REQUIRE(key);
  CHECK(key->name == "acme-update");
  CHECK(key->algorithm == TsigAlgorithm::HmacSha256);
  CHECK(key->secret.str() == "AcDkevQC2uTJyr5kaR7bx1s8d9QXj45t4HlwCswGrJU=");
  CHECK(key->file == "key.conf");
  CHECK(wire_name(TsigAlgorithm::HmacSha256) == "hmac-sha256.");
  CHECK(wire_name(TsigAlgorithm::HmacMd5) == "hmac-md5.sig-alg.reg.int.");
}

TEST_CASE("tsig key: comments, other spellings and every supported algorithm", "[dns][tsig]") {
  for (const auto& [text, algorithm] : std::vector<std::pair<std::string, TsigAlgorithm>>{
           {"hmac-sha512", TsigAlgorithm::HmacSha512},
           {"HMAC-SHA1", TsigAlgorithm::HmacSha1},
           {"hmac-md5", TsigAlgorithm::HmacMd5},
           {"hmac-md5.sig-alg.reg.int.", TsigAlgorithm::HmacMd5}}) {
    const std::string file = "# made by hand\nkey Update.Key. { // trailing\n /* block */ algorithm " + text +
                             "; secret \"AAAA\"; };\n";
    auto key = parse_tsig_key(file, "k");
    REQUIRE(key);
    CHECK(key->name == "update.key");
    CHECK(key->algorithm == algorithm);
  }
}

TEST_CASE("tsig key: hmac-sha384 and hmac-sha224 are refused with the reason", "[dns][tsig]") {
  auto sha384 = parse_tsig_key("key \"k\" { algorithm hmac-sha384; secret \"AAAA\"; };", "k.conf");
  REQUIRE_FALSE(sha384);
  CHECK_THAT(sha384.error().message(), Catch::Contains("hmac-sha384") && Catch::Contains("ldns 1.8.3") &&
                                           Catch::Contains("hmac-sha256"));
  auto sha224 = parse_tsig_key("key \"k\" { algorithm hmac-sha224; secret \"AAAA\"; };", "k.conf");
  REQUIRE_FALSE(sha224);
  CHECK_THAT(sha224.error().message(), Catch::Contains("hmac-sha224"));
}

TEST_CASE("tsig key: malformed files are refused naming the file, never quoting the secret", "[dns][tsig]") {
  const std::vector<std::string> bad{
      "",
      "options { };",
      "key \"k\" { algorithm hmac-sha256; };",
      "key \"k\" { secret \"AAAA\"; };",
      "key \"k\" { algorithm hmac-sha256; secret \"not base64!\"; };",
      "key \"k\" { algorithm hmac-sha256; secret \"AAAA\" };",
      "key \"k\" { algorithm hmac-sha256; secret \"AAAA\"; colour blue; };",
      "key \"a\" { algorithm hmac-sha256; secret \"AAAA\"; }; key \"b\" { algorithm hmac-sha256; secret \"AAAA\"; };",
      "key \"k\" { algorithm hmac-sha256; secret \"AAAA",
      "key \"k\" { algorithm rot13; secret \"AAAA\"; };",
  };
  for (const std::string& text : bad) {
    auto key = parse_tsig_key(text, "/etc/certkeep/update.key");
    REQUIRE_FALSE(key);
    CHECK(key.error().code() == Errc::InvalidArgument);
    CHECK_THAT(key.error().message(), Catch::Contains("/etc/certkeep/update.key"));
    CHECK_THAT(key.error().message(), !Catch::Contains("AAAA"));
  }
}

TEST_CASE("tsig key file: readable by others is refused with the chmod that fixes it", "[dns][tsig]") {
  testing::TempDir dir("tsig");
  auto loose = read_tsig_key_file(write(dir, kKeygenOutput, 0644));
  REQUIRE_FALSE(loose);
  CHECK_THAT(loose.error().message(), Catch::Contains("readable by other users") && Catch::Contains("0644") &&
                                          Catch::Contains("chmod 600"));
  CHECK_FALSE(read_tsig_key_file(write(dir, kKeygenOutput, 0602)));  // writable by others
  CHECK(read_tsig_key_file(write(dir, kKeygenOutput, 0640)));       // BIND's root:bind 0640 is fine
  CHECK(read_tsig_key_file(write(dir, kKeygenOutput, 0600)));
  auto missing = read_tsig_key_file(dir.path() / "nope");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message(), Catch::Contains("nope"));
  CHECK_FALSE(read_tsig_key_file(dir.path()));  // a directory
}

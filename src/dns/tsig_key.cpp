// SPDX-License-Identifier: Apache-2.0
#include "dns/tsig_key.hpp"

#include <sys/stat.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/result_macros.hpp"
#include "core/small_file.hpp"
#include "core/strings.hpp"

namespace certkeep::dns {

namespace {

struct AlgorithmName {
  TsigAlgorithm algorithm;
  std::string_view name;
  std::string_view wire;
};

constexpr std::array<AlgorithmName, 4> kAlgorithms{{
    {TsigAlgorithm::HmacSha256, "hmac-sha256", "hmac-sha256."},
    {TsigAlgorithm::HmacSha512, "hmac-sha512", "hmac-sha512."},
    {TsigAlgorithm::HmacSha1, "hmac-sha1", "hmac-sha1."},
    {TsigAlgorithm::HmacMd5, "hmac-md5", "hmac-md5.sig-alg.reg.int."},
}};

// The tokens of BIND's configuration syntax: words, quoted strings, and the punctuation
// `{`, `}` and `;`. Comments are dropped.
struct Token {
  std::string text;
  bool quoted = false;
};

// The tokens hold the secret: wiped like core::Secret when the parse ends.
struct Tokens {
  std::vector<Token> list;
  Tokens() = default;
  Tokens(const Tokens&) = delete;
  Tokens& operator=(const Tokens&) = delete;
  ~Tokens() {
    for (Token& token : list) core::Secret wiped(std::move(token.text));
  }
};

Result<void> tokenize(std::string_view text, std::string_view file, std::vector<Token>& tokens) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || text.substr(i, 2) == "//") {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (text.substr(i, 2) == "/*") {
      const std::size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos)
        return fail(Errc::InvalidArgument, std::string(file) + ": unterminated /* comment");
      i = end + 2;
    } else if (c == '{' || c == '}' || c == ';') {
      tokens.push_back({std::string(1, c), false});
      ++i;
    } else if (c == '"') {
      const std::size_t end = text.find('"', i + 1);
      if (end == std::string_view::npos)
        return fail(Errc::InvalidArgument, std::string(file) + ": unterminated quoted string");
      tokens.push_back({std::string(text.substr(i + 1, end - i - 1)), true});
      i = end + 1;
    } else {
      std::size_t end = i;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             std::string_view("{};\"").find(text[end]) == std::string_view::npos)
        ++end;
      tokens.push_back({std::string(text.substr(i, end - i)), false});
      i = end;
    }
  }
  return {};
}

bool is_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i < text.size() - 2) return false;
      ++padding;
      continue;
    }
    if (padding > 0) return false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return padding <= 2;
}

}  // namespace

std::string_view to_string(TsigAlgorithm algorithm) noexcept {
  for (const AlgorithmName& entry : kAlgorithms)
    if (entry.algorithm == algorithm) return entry.name;
  return "hmac-sha256";
}

std::string_view wire_name(TsigAlgorithm algorithm) noexcept {
  for (const AlgorithmName& entry : kAlgorithms)
    if (entry.algorithm == algorithm) return entry.wire;
  return "hmac-sha256.";
}

Result<TsigAlgorithm> parse_tsig_algorithm(std::string_view text) {
  std::string name = core::to_lower(text);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name == "hmac-md5.sig-alg.reg.int") name = "hmac-md5";
  for (const AlgorithmName& entry : kAlgorithms)
    if (entry.name == name) return entry.algorithm;
  if (name == "hmac-sha384")
    return fail(Errc::InvalidArgument,
                "TSIG algorithm hmac-sha384 is not supported: the DNS library certkeep uses (ldns 1.8.3) "
                "cannot make hmac-sha384 signatures; use hmac-sha256 or hmac-sha512 "
                "(tsig-keygen -a hmac-sha256 NAME)");
  if (name == "hmac-sha224")
    return fail(Errc::InvalidArgument,
                "TSIG algorithm hmac-sha224 is not supported by ldns 1.8.3; use hmac-sha256 or hmac-sha512");
  return fail(Errc::InvalidArgument, "unknown TSIG algorithm \"" + core::sanitize_for_terminal(text, 40) +
                                         "\" (use hmac-sha256, hmac-sha512, hmac-sha1 or hmac-md5)");
}

Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view file) {
  const std::string where(file);
  Tokens owned;
  CERTKEEP_TRY(tokenize(text, file, owned.list));
  const std::vector<Token>& tokens = owned.list;
  std::optional<TsigKey> found;
  std::size_t i = 0;
  auto expect = [&](std::string_view what) -> Result<void> {
    if (i >= tokens.size() || tokens[i].quoted || tokens[i].text != what)
      return fail(Errc::InvalidArgument, where + ": expected \"" + std::string(what) + "\" in the key statement");
    ++i;
    return {};
  };
  while (i < tokens.size()) {
    if (tokens[i].quoted || core::to_lower(tokens[i].text) != "key")
      return fail(Errc::InvalidArgument, where + ": expected a `key \"NAME\" { … };` statement (as tsig-keygen prints)");
    if (found)
      return fail(Errc::InvalidArgument, where + ": holds more than one key; give a file with exactly one");
    ++i;
    if (i >= tokens.size() || tokens[i].text.empty() || tokens[i].text == "{")
      return fail(Errc::InvalidArgument, where + ": the key has no name");
    TsigKey key;
    key.file = where;
    key.name = core::to_lower(tokens[i].text);
    if (key.name.back() == '.') key.name.pop_back();
    ++i;
    CERTKEEP_TRY(expect("{"));
    std::optional<TsigAlgorithm> algorithm;
    std::optional<std::string> secret;
    while (i < tokens.size() && !(tokens[i].text == "}" && !tokens[i].quoted)) {
      const std::string field = core::to_lower(tokens[i].text);
      if (i + 1 >= tokens.size())
        return fail(Errc::InvalidArgument, where + ": key \"" + key.name + "\" is cut short");
      const std::string& value = tokens[i + 1].text;
      i += 2;
      if (field == "algorithm") {
        auto parsed = parse_tsig_algorithm(value);
        if (!parsed) return fail(std::move(parsed).error().with_context(where + ": key \"" + key.name + "\""));
        algorithm = *parsed;
      } else if (field == "secret") {
        if (!is_base64(value))
          return fail(Errc::InvalidArgument, where + ": the secret of key \"" + key.name + "\" is not base64");
        secret = value;
      } else {
        return fail(Errc::InvalidArgument, where + ": key \"" + key.name + "\" has an unknown field \"" +
                                               core::sanitize_for_terminal(field, 40) + "\"");
      }
      CERTKEEP_TRY(expect(";"));
    }
    CERTKEEP_TRY(expect("}"));
    CERTKEEP_TRY(expect(";"));
    if (!algorithm) return fail(Errc::InvalidArgument, where + ": key \"" + key.name + "\" has no algorithm");
    if (!secret) return fail(Errc::InvalidArgument, where + ": key \"" + key.name + "\" has no secret");
    key.algorithm = *algorithm;
    key.secret = core::Secret(std::move(*secret));
    found = std::move(key);
  }
  if (!found) return fail(Errc::InvalidArgument, where + ": no key statement (expected what tsig-keygen prints)");
  return std::move(*found);
}

Result<TsigKey> read_tsig_key_file(const std::filesystem::path& path) {
  const std::string shown = path.string();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return fail(Errc::InvalidArgument, "TSIG key file " + shown + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return fail(Errc::InvalidArgument, "TSIG key file " + shown + ": not a regular file");
  const mode_t mode = info.st_mode & 07777;
  if ((mode & (S_IROTH | S_IWOTH)) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    return fail(Errc::InvalidArgument, "TSIG key file " + shown + " is " +
                                           ((mode & S_IROTH) != 0 ? "readable" : "writable") +
                                           " by other users (mode " + octal + "): the secret must stay private; "
                                           "run chmod 600 " + shown);
  }
  auto text = core::read_small_file(path);
  if (!text) return fail(std::move(text).error().with_context("TSIG key file " + shown));
  core::Secret contents(std::move(*text));
  return parse_tsig_key(contents.view(), shown);
}

}  // namespace certkeep::dns

// SPDX-License-Identifier: Apache-2.0
// Values the user types on the command line (or a library user passes in ManagerOptions):
// --key-type (parse_key_type), --reason (parse_revocation_reason), -d/--domain names,
// --name (lineage names), --server (is_https_url, url_origin), and the terminal escaping
// every echoed value goes through (sanitize_for_terminal). All run on the same input.
#include <cstdint>

#include "acme/client.hpp"
#include "acme/directory.hpp"
#include "acme/revoke.hpp"
#include "certkeep/key_type.hpp"
#include "core/strings.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

namespace {

void check_key_type(std::string_view text) {
  const auto type = parse_key_type(text);
  if (type) FUZZ_CHECK(to_string(*type) == text, "a parsed key type is spelled exactly so");
  for (KeyType each :
       {KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096})
    FUZZ_CHECK(parse_key_type(to_string(each)) == each, "every key type round-trips");
}

void check_reason(std::string_view text) {
  const auto reason = acme::parse_revocation_reason(text);
  if (!reason) return;
  const int code = static_cast<int>(*reason);
  FUZZ_CHECK(code == 0 || code == 1 || code == 4 || code == 5, "RFC 5280 codes ACME accepts");
  FUZZ_CHECK(core::to_lower(text) == "unspecified" || core::to_lower(text) == "keycompromise" ||
                 core::to_lower(text) == "superseded" || core::to_lower(text) == "cessationofoperation",
             "only the documented spellings");
}

void check_dns_name(std::string_view text) {
  for (bool wildcard : {false, true}) {
    if (!core::is_valid_dns_name(text, wildcard)) continue;
    std::string_view name = text;
    if (wildcard && name.starts_with("*.")) name.remove_prefix(2);
    FUZZ_CHECK(!name.empty() && name.size() <= 253, "names are 1..253 characters");
    FUZZ_CHECK(core::to_lower(text) == text, "valid names are already lowercase");
    FUZZ_CHECK(name.find("..") == std::string_view::npos && !name.starts_with(".") && !name.ends_with("."),
               "no empty labels");
    for (const std::string& label : core::split(name, '.')) {
      FUZZ_CHECK(!label.empty() && label.size() <= 63, "labels are 1..63 characters");
      FUZZ_CHECK(label.front() != '-' && label.back() != '-', "no leading or trailing hyphen");
    }
    // A valid name is safe as a file name and in a hook's environment.
    FUZZ_CHECK(text.find_first_of("/\\\0 \t\r\n;$`'\"", 0, 12) == std::string_view::npos,
               "no path or shell metacharacters");
  }
  FUZZ_CHECK(!core::is_valid_dns_name(text, false) || core::is_valid_dns_name(text, true),
             "allowing wildcards never refuses a plain name");
}

void check_lineage_name(std::string_view text) {
  if (!core::is_valid_lineage_name(text)) return;
  // Lineage names become directory names under live/: never a path escape.
  FUZZ_CHECK(text != "." && text != ".." && text.find('/') == std::string_view::npos &&
                 text.find('\0') == std::string_view::npos && !text.starts_with("-") &&
                 !text.starts_with("."),
             "a lineage name is one harmless path component");
  FUZZ_CHECK(!text.empty() && text.size() <= 255, "1..255 characters");
}

void check_server(std::string_view text) {
  if (!acme::is_https_url(text)) {
    FUZZ_CHECK(acme::url_origin(text).empty(), "no origin for a URL that is not https");
    return;
  }
  // "https://host…": a URL without a host ("https:///x", "https://?x") is no URL to fetch.
  const std::string_view host = text.substr(8, text.find_first_of("/?#", 8) - 8);
  FUZZ_CHECK_BUG("https-empty-host", !host.empty(), "an https URL has a host");
  if (host.empty()) return;
  const std::string origin = acme::url_origin(text);
  FUZZ_CHECK(origin.starts_with("https://") && origin.size() <= text.size(), "an origin is an https prefix");
  FUZZ_CHECK(core::iequals(origin, text.substr(0, origin.size())), "the origin is the URL's start");
  FUZZ_CHECK(origin.find_first_of("/?#", 8) == std::string::npos, "the origin stops at the path");
  FUZZ_CHECK(acme::url_origin(origin) == origin, "url_origin is idempotent");
  FUZZ_CHECK(core::to_lower(origin) == origin, "origins compare lowercased");
}

void check_sanitize(std::string_view text) {
  for (std::size_t max_length : {std::size_t{0}, std::size_t{7}, std::size_t{80}, std::size_t{4096}}) {
    const std::string safe = core::sanitize_for_terminal(text, max_length);
    FUZZ_CHECK(fuzz::terminal_safe(safe), "no control character survives");
    // Each input byte becomes at most 4 ("\xNN"), plus the 3-byte ellipsis after the cut.
    FUZZ_CHECK(safe.size() <= max_length + 4 + 3, "the length cap holds");
    if (text.size() <= max_length && fuzz::terminal_safe(text))
      FUZZ_CHECK(safe == text, "safe text is left alone");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  check_key_type(text);
  check_reason(text);
  check_dns_name(text);
  check_lineage_name(text);
  check_server(text);
  check_sanitize(text);

  const std::string lower = core::to_lower(text);
  FUZZ_CHECK(core::iequals(lower, text) && lower.size() == text.size(), "iequals ignores ASCII case");
  FUZZ_CHECK(core::join(core::split(text, ','), ",") == text, "split/join round-trips");
  const std::string_view trimmed = core::trim(text);
  FUZZ_CHECK(text.find(trimmed) != std::string_view::npos, "trim returns a slice");
  return 0;
}

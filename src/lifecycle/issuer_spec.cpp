// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/issuer_spec.hpp"

#include <charconv>

#include "core/result_macros.hpp"
#include "core/small_file.hpp"
#include "core/strings.hpp"
#include "crypto/csr_file.hpp"
#include "lifecycle/accounts.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/private_ca.hpp"
#include "lifecycle/request_checks.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::lifecycle {

namespace {

Error bad_spec(std::string_view text, const std::string& why) {
  return Error(Errc::InvalidArgument,
               "--fallback \"" + core::sanitize_for_terminal(text, 200) + "\": " + why);
}

}  // namespace

Result<store::IssuerEntry> parse_fallback_spec(std::string_view text) {
  store::IssuerEntry entry;
  if (text.starts_with("ca:")) {
    entry.kind = store::IssuerKind::PrivateCa;
    entry.ca_name = std::string(text.substr(3));
    if (auto checked = check_ca_name(entry.ca_name); !checked)
      return fail(bad_spec(text, checked.error().message()));
    return entry;
  }
  const std::vector<std::string> parts = core::split(text, ',');
  if (parts.empty() || parts.front().empty()) return fail(bad_spec(text, "no server"));
  auto server = resolve_directory_url(parts.front());
  if (!server) return fail(bad_spec(text, server.error().message()));
  entry.directory_url = std::move(*server);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::size_t equals = parts[i].find('=');
    const std::string key = parts[i].substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : parts[i].substr(equals + 1);
    if (value.empty()) return fail(bad_spec(text, "\"" + key + "\" needs a value (key=value)"));
    if (key == "ca-bundle") {
      auto bundle = check_ca_bundle(value, "ca-bundle");
      if (!bundle) return fail(bad_spec(text, bundle.error().message()));
      entry.ca_bundle = bundle->string();
    } else if (key == "account") {
      auto name = check_account_name(value);
      if (!name) return fail(bad_spec(text, name.error().message()));
      entry.account = std::move(*name);
    } else if (key == "server-ca-checksum") {
      auto checksum = check_server_ca_checksum(value);
      if (!checksum) return fail(bad_spec(text, checksum.error().message()));
      entry.server_ca_checksum = std::move(*checksum);
    } else if (key == "profile") {
      auto profile = check_profile_name(value);
      if (!profile) return fail(bad_spec(text, profile.error().message()));
      entry.profile = std::move(*profile);
    } else {
      return fail(bad_spec(text, "unknown setting \"" + core::sanitize_for_terminal(key, 40) +
                                     "\" (ca-bundle, account, server-ca-checksum, profile)"));
    }
  }
  return entry;
}

std::string describe_issuer(const store::IssuerEntry& entry) {
  if (entry.kind == store::IssuerKind::PrivateCa) return "private CA " + entry.ca_name;
  return entry.directory_url;
}

Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view option) {
  auto bad = [&] {
    return fail(Errc::InvalidArgument,
                std::string(option) + " \"" + core::sanitize_for_terminal(text, 40) +
                    "\": want seconds, or a number with s, m, h or d (\"30m\", \"1d\")");
  };
  if (text.empty()) return bad();
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: unit = 0;
  }
  std::string_view digits = unit == 0 ? text : text.substr(0, text.size() - 1);
  if (unit == 0) unit = 1;
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || count < 0 ||
      count > 3650 * 86400 / unit)
    return bad();
  return std::chrono::seconds(count * unit);
}

Result<std::string> check_profile_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return fail(Errc::InvalidArgument, "a profile name has 1 to 64 characters");
  for (char c : name)
    if (c <= 0x20 || c >= 0x7f)
      return fail(Errc::InvalidArgument, "profile \"" + core::sanitize_for_terminal(name, 64) +
                                             "\" has a space or a non-ASCII character");
  return std::string(name);
}

Result<CsrFile> read_csr_file(const std::filesystem::path& file) {
  auto in_context = [&](Error error) {
    return fail(std::move(error).with_context("--csr " + file.string()));
  };
  auto bytes = core::read_small_file(file);
  if (!bytes) return in_context(std::move(bytes).error());
  auto csr = crypto::read_csr(*bytes);
  if (!csr) return in_context(std::move(csr).error());
  auto names = normalize_names(csr->names);
  if (!names) return in_context(std::move(names).error());
  return CsrFile{std::move(csr->pem), std::move(*names)};
}

}  // namespace certkeep::lifecycle

// SPDX-License-Identifier: Apache-2.0
#include "acme/directory.hpp"

#include "acme/json.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::acme {

bool is_https_url(std::string_view url) noexcept {
  if (!url.starts_with("https://") || url.size() <= 8 || url.size() > 2048) return false;
  // A host must follow the scheme: "https:///p" and "https://?x" have none.
  if (url.find_first_of("/?#", 8) == 8) return false;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
  return true;
}

bool Directory::offers_profile(std::string_view name) const noexcept {
  for (const Profile& profile : profiles)
    if (profile.name == name) return true;
  return false;
}

std::string Directory::profile_names() const {
  if (profiles.empty()) return "none";
  std::string names;
  for (const Profile& profile : profiles) {
    if (!names.empty()) names += ", ";
    names += core::sanitize_for_terminal(profile.name, 64);
  }
  return names;
}

namespace {

std::string not_https(const std::string& url) {
  return "malformed response from CA: directory: URL is not https: " +
         (url.empty() ? std::string("(empty)") : url.substr(0, 200));
}

}  // namespace

Result<Directory> parse_directory(std::string_view body) {
  constexpr std::string_view kWhat = "directory";
  rapidjson::Document document = CERTKEEP_TRY(parse_json_object(body, kWhat));
  Directory directory;
  directory.new_nonce = CERTKEEP_TRY(required_string(document, "newNonce", kWhat));
  directory.new_account = CERTKEEP_TRY(required_string(document, "newAccount", kWhat));
  directory.new_order = CERTKEEP_TRY(required_string(document, "newOrder", kWhat));
  directory.revoke_cert = optional_string(document, "revokeCert").value_or("");
  directory.key_change = optional_string(document, "keyChange").value_or("");
  directory.renewal_info = optional_string(document, "renewalInfo").value_or("");
  // Every URL the CA gives us must be https (lego CVE-2025-54799; docs/reliability.md C); the
  // optional ones may be absent or empty, the three a flow needs may not ("newNonce": "" is no URL).
  const std::string* const required[] = {&directory.new_nonce, &directory.new_account, &directory.new_order};
  const std::string* const optional[] = {&directory.revoke_cert, &directory.key_change, &directory.renewal_info};
  for (const std::string* url : required)
    if (!is_https_url(*url)) return fail(Errc::Protocol, not_https(*url));
  for (const std::string* url : optional)
    if (!url->empty() && !is_https_url(*url)) return fail(Errc::Protocol, not_https(*url));
  if (const rapidjson::Value* meta = optional_member(document, "meta"); meta && meta->IsObject()) {
    directory.terms_of_service = optional_string(*meta, "termsOfService").value_or("");
    if (const rapidjson::Value* ear = optional_member(*meta, "externalAccountRequired");
        ear && ear->IsBool()) {
      directory.external_account_required = ear->GetBool();
    }
    if (const rapidjson::Value* profiles = optional_member(*meta, "profiles");
        profiles && profiles->IsObject()) {
      for (const auto& member : profiles->GetObject()) {
        if (directory.profiles.size() >= kMaxProfiles) break;
        Profile profile;
        profile.name.assign(member.name.GetString(), member.name.GetStringLength());
        if (member.value.IsString())
          profile.description.assign(member.value.GetString(), member.value.GetStringLength());
        directory.profiles.push_back(std::move(profile));
      }
    }
  }
  return directory;
}

}  // namespace certkeep::acme

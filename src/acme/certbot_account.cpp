// SPDX-License-Identifier: Apache-2.0
#include "acme/certbot_account.hpp"

#include <rapidjson/document.h>

#include "core/base64url.hpp"
#include "core/result_macros.hpp"

namespace certkeep::acme {

namespace {

Result<rapidjson::Document> parse_object(std::string_view json, std::string_view what) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject())
    return fail(Errc::Protocol, std::string(what) + ": not a JSON object");
  return document;
}

Result<std::string> member_bytes(const rapidjson::Document& jwk, const char* name) {
  auto found = jwk.FindMember(name);
  if (found == jwk.MemberEnd() || !found->value.IsString())
    return fail(Errc::Protocol, std::string("private_key.json: no \"") + name + "\"");
  auto bytes =
      core::base64url_decode(std::string_view(found->value.GetString(), found->value.GetStringLength()));
  if (!bytes) return fail(Errc::Protocol, std::string("private_key.json: \"") + name + "\" is not base64url");
  return std::move(*bytes);
}

}  // namespace

Result<crypto::PrivateKey> parse_private_jwk(std::string_view json) {
  const rapidjson::Document jwk = CERTKEEP_TRY(parse_object(json, "private_key.json"));
  auto kty = jwk.FindMember("kty");
  if (kty == jwk.MemberEnd() || !kty->value.IsString() || std::string_view(kty->value.GetString()) != "RSA")
    return fail(Errc::Protocol, "private_key.json: only RSA account keys (certbot's) are read");
  crypto::PrivateKey::RsaComponents components;
  components.n = CERTKEEP_TRY(member_bytes(jwk, "n"));
  components.e = CERTKEEP_TRY(member_bytes(jwk, "e"));
  components.d = CERTKEEP_TRY(member_bytes(jwk, "d"));
  components.p = CERTKEEP_TRY(member_bytes(jwk, "p"));
  components.q = CERTKEEP_TRY(member_bytes(jwk, "q"));
  components.dp = CERTKEEP_TRY(member_bytes(jwk, "dp"));
  components.dq = CERTKEEP_TRY(member_bytes(jwk, "dq"));
  components.qi = CERTKEEP_TRY(member_bytes(jwk, "qi"));
  auto key = crypto::PrivateKey::from_rsa_components(components);
  if (!key) return fail(Errc::Protocol, "private_key.json: " + key.error().message());
  return std::move(*key);
}

Result<std::string> parse_certbot_account_url(std::string_view json) {
  const rapidjson::Document regr = CERTKEEP_TRY(parse_object(json, "regr.json"));
  auto uri = regr.FindMember("uri");
  if (uri == regr.MemberEnd() || !uri->value.IsString())
    return fail(Errc::Protocol, "regr.json: no \"uri\" (the account URL)");
  std::string url(uri->value.GetString(), uri->value.GetStringLength());
  if (url.rfind("https://", 0) != 0) return fail(Errc::Protocol, "regr.json: the account URL is not https");
  return url;
}

}  // namespace certkeep::acme

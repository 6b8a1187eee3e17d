// SPDX-License-Identifier: Apache-2.0
#include "acme/fake_acme_ca.hpp"

#include <algorithm>
#include <mutex>

#include <rapidjson/document.h>

#include "core/base64url.hpp"
#include "crypto/hash.hpp"
#include "crypto/tls_alpn.hpp"
#include "core/json_writer.hpp"
#include "crypto/hmac.hpp"
#include "crypto/jwk.hpp"
#include "crypto/signer.hpp"

namespace certkeep::testing {

namespace {

constexpr std::string_view kBase = "https://ca.fake.test";

// kBase + path + id, appended in place (GCC 12 misreads an operator+ chain: -Warray-bounds).
std::string fake_url(std::string_view path, int id) {
  std::string url(kBase);
  url.append(path).append(std::to_string(id));
  return url;
}

std::string path_of(std::string_view url) {
  if (!url.starts_with(kBase)) return "";
  return std::string(url.substr(kBase.size()));
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return it->value.GetString();
}

// RFC 7638: the required members in lexicographic order, no white space.
std::string canonical_jwk_of(const rapidjson::Value& jwk) {
  if (string_member(jwk, "kty") == "EC") {
    return "{\"crv\":\"" + string_member(jwk, "crv") + "\",\"kty\":\"EC\",\"x\":\"" +
           string_member(jwk, "x") + "\",\"y\":\"" + string_member(jwk, "y") + "\"}";
  }
  return "{\"e\":\"" + string_member(jwk, "e") + "\",\"kty\":\"RSA\",\"n\":\"" + string_member(jwk, "n") +
         "\"}";
}

int trailing_id(const std::string& path) {
  auto slash = path.rfind('/');
  try {
    return std::stoi(path.substr(slash + 1));
  } catch (...) {
    return -1;
  }
}

}  // namespace

FakeAcmeCa::FakeAcmeCa(FakeCaOptions options)
    : options_(std::move(options)),
      ca_(crypto::create_private_ca("Fake ACME Root", std::chrono::days(3650)).value()) {}

int FakeAcmeCa::count(std::string_view kind) const {
  auto it = counts_.find(kind);
  return it == counts_.end() ? 0 : it->second;
}

void FakeAcmeCa::forget_state() {
  accounts_.clear();
  jwk_to_kid_.clear();
  orders_.clear();
  authorizations_.clear();
}

std::string FakeAcmeCa::new_nonce() {
  std::string nonce = core::base64url_encode("fake-nonce-" + std::to_string(++nonce_counter_));
  nonces_.insert(nonce);
  return nonce;
}

http::Response FakeAcmeCa::json(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers.add("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

http::Response FakeAcmeCa::problem(int status, std::string_view type, std::string_view detail) {
  http::Response response;
  response.status = status;
  response.headers.add("Content-Type", "application/problem+json");
  core::JsonWriter body;
  body.begin_object()
      .field("type", "urn:ietf:params:acme:error:" + std::string(type))
      .field("detail", detail)
      .field("status", status)
      .end_object();
  response.body = body.str();
  return response;
}

Result<http::Response> FakeAcmeCa::send(const http::Request& request) {
  ++stats_.requests;
  if (stats_.connections_opened == 0) stats_.connections_opened = 1;
  std::string kind = "unknown";
  std::string path = path_of(request.url);
  if (path == "/dir")
    kind = "directory";
  else if (path == "/nonce")
    kind = "new-nonce";
  else if (path == "/new-account")
    kind = "new-account";
  else if (path == "/new-order")
    kind = "new-order";
  else if (path.starts_with("/order/"))
    kind = "order";
  else if (path.starts_with("/authz/"))
    kind = "authorization";
  else if (path.starts_with("/chall/"))
    kind = "challenge";
  else if (path.starts_with("/finalize/"))
    kind = "finalize";
  else if (path.starts_with("/cert/"))
    kind = "certificate";
  else if (path == "/revoke")
    kind = "revoke";
  else if (path.starts_with("/renewal-info/"))
    kind = "renewal-info";
  else if (path.starts_with("/acct/"))
    kind = "account";
  else if (path == "/key-change")
    kind = "key-change";
  counts_[kind]++;
  if (options_.intercept) {
    if (auto answer = options_.intercept(kind, request)) {
      if (*answer) (*answer)->headers.add("Replay-Nonce", new_nonce());
      return *answer;
    }
  }
  http::Response response = handle(request, kind);
  if (request.method != "GET" || kind != "directory") response.headers.add("Replay-Nonce", new_nonce());
  if (options_.tamper) options_.tamper(kind, response);
  if (response.body.size() > request.max_body_bytes)
    return fail(Errc::Protocol, "response body exceeds " + std::to_string(request.max_body_bytes) + " bytes");
  if (request.method == "HEAD") response.body.clear();
  return response;
}

http::Response FakeAcmeCa::handle(const http::Request& request, std::string& kind) {
  if (kind == "directory") {
    core::JsonWriter body;
    body.begin_object()
        .field("newNonce", std::string(kBase) + "/nonce")
        .field("newAccount", std::string(kBase) + "/new-account")
        .field("newOrder", std::string(kBase) + "/new-order")
        .field("revokeCert", std::string(kBase) + "/revoke");
    if (options_.renewal_info) body.field("renewalInfo", std::string(kBase) + "/renewal-info/");
    if (options_.key_change) body.field("keyChange", std::string(kBase) + "/key-change");
    body.key("meta").begin_object();
    if (!options_.terms_of_service.empty()) body.field("termsOfService", options_.terms_of_service);
    if (options_.external_account_required) body.key("externalAccountRequired").value(true);
    if (!options_.profiles.empty()) {
      body.key("profiles").begin_object();
      for (const auto& [name, description] : options_.profiles) body.field(name, description);
      body.end_object();
    }
    body.end_object().end_object();
    return json(200, body.str());
  }
  if (kind == "new-nonce") {
    http::Response response;
    response.status = request.method == "HEAD" ? 200 : 204;
    return response;
  }
  if (kind == "renewal-info") {
    core::JsonWriter body;
    body.begin_object()
        .key("suggestedWindow")
        .begin_object()
        .field("start", options_.ari_window_start)
        .field("end", options_.ari_window_end)
        .end_object()
        .end_object();
    return json(200, body.str());
  }
  if (request.method != "POST") return problem(405, "malformed", "POST required");
  return handle_signed(request, kind);
}

http::Response FakeAcmeCa::handle_signed(const http::Request& request, std::string& kind) {
  rapidjson::Document jws;
  jws.Parse(request.body.c_str());
  if (jws.HasParseError() || !jws.IsObject()) return problem(400, "malformed", "not a JWS");
  auto protected_json = core::base64url_decode(string_member(jws, "protected"));
  auto payload = core::base64url_decode(string_member(jws, "payload"));
  if (!protected_json || !payload || string_member(jws, "signature").empty())
    return problem(400, "malformed", "bad JWS encoding");
  rapidjson::Document header;
  header.Parse(protected_json->c_str());
  if (header.HasParseError() || !header.IsObject()) return problem(400, "malformed", "bad protected header");
  if (string_member(header, "url") != request.url) return problem(401, "unauthorized", "url mismatch");
  std::string nonce = string_member(header, "nonce");
  if (nonces_.erase(nonce) == 0) return problem(400, "badNonce", "unknown or reused nonce");
  if (options_.bad_nonces > 0) {
    --options_.bad_nonces;
    return problem(400, "badNonce", "JWS has an invalid anti-replay nonce");
  }
  rapidjson::Document body;
  if (!payload->empty()) {
    body.Parse(payload->c_str());
    if (body.HasParseError()) return problem(400, "malformed", "payload is not JSON");
  }

  if (kind == "new-account") return handle_new_account(header, body, request);

  std::string kid = string_member(header, "kid");
  if (kind != "revoke" && accounts_.count(kid) == 0)
    return problem(400, "accountDoesNotExist", "unknown account " + kid);
  // Pebble's words for any request of a deactivated account.
  if (kind != "revoke" && accounts_[kid].status != "valid")
    return problem(403, "unauthorized", "Account has been deactivated");
  if (kind == "account") {
    if (fake_url("/acct/", trailing_id(path_of(request.url))) != kid)
      return problem(403, "unauthorized", "not your account");
    return handle_account(kid, body, payload->empty());
  }
  if (kind == "key-change") return handle_key_change(kid, body, request);

  if (kind == "new-order") {
    Order order;
    order.account = kid;
    if (!body.IsObject() || !body.HasMember("identifiers") || !body["identifiers"].IsArray())
      return problem(400, "malformed", "identifiers required");
    for (const auto& identifier : body["identifiers"].GetArray()) {
      order.names.push_back(string_member(identifier, "value"));
      order.types.push_back(string_member(identifier, "type"));
      identifiers_seen_.push_back(order.types.back() + ":" + order.names.back());
    }
    if (body.HasMember("replaces")) replaces_seen_.push_back(string_member(body, "replaces"));
    const std::string profile = string_member(body, "profile");
    profiles_seen_.push_back(profile);
    if (!profile.empty()) {
      bool offered = false;
      for (const auto& [name, description] : options_.profiles) offered = offered || name == profile;
      if (!offered) return problem(400, "invalidProfile", "profile \"" + profile + "\" is not offered");
    }
    for (const std::string& name : order.names) {
      Authorization authorization;
      authorization.wildcard = name.starts_with("*.");
      authorization.name = authorization.wildcard ? name.substr(2) : name;
      authorization.type = order.types[order.authorizations.size()];
      authorization.token = core::base64url_encode("token-for-" + name + "-" + std::to_string(next_id_));
      if (options_.authorizations_valid) authorization.status = authorization.challenge_status = "valid";
      int id = next_id_++;
      authorizations_[id] = authorization;
      order.authorizations.push_back(id);
    }
    int id = next_id_++;
    orders_[id] = order;
    refresh_order(id);
    http::Response response = json(201, order_json(id));
    response.headers.add("Location", std::string(kBase) + "/order/" + std::to_string(id));
    return response;
  }

  std::string path = path_of(request.url);
  int id = trailing_id(path);
  if (kind == "order") {
    if (orders_.count(id) == 0) return problem(404, "malformed", "no such order");
    Order& order = orders_[id];
    if (order.status == "processing") {
      if (order.processing_polls_left > 0) {
        --order.processing_polls_left;
        http::Response response = json(200, order_json(id));
        if (!options_.processing_retry_after.empty())
          response.headers.add("Retry-After", options_.processing_retry_after);
        return response;
      }
      order.status = "valid";
    }
    return json(200, order_json(id));
  }
  if (kind == "authorization") {
    if (authorizations_.count(id) == 0) return problem(404, "malformed", "no such authorization");
    return json(200, authorization_json(id));
  }
  if (kind == "challenge") {
    if (authorizations_.count(id) == 0) return problem(404, "malformed", "no such challenge");
    Authorization& authorization = authorizations_[id];
    if (authorization.status != "pending") return problem(400, "malformed", "authorization is not pending");
    const std::string expected = authorization.token + "." + accounts_[kid].thumbprint;
    const std::string type = path.substr(std::string_view("/chall/").size(), path.rfind('/') - 7);
    validated_.push_back(type + " " + (authorization.wildcard ? "*." : "") + authorization.name);
    bool answered = false;
    if (type == "dns-01") {
      const std::string digest = core::base64url_encode(crypto::sha256(expected));
      const std::vector<std::string> values =
          serve_dns ? serve_dns("_acme-challenge." + authorization.name) : std::vector<std::string>{};
      answered = std::find(values.begin(), values.end(), digest) != values.end();
    } else if (type == "tls-alpn-01") {
      const std::optional<std::string> pem = serve_tls_alpn ? serve_tls_alpn(authorization.name) : std::nullopt;
      auto identifier = pem ? crypto::read_acme_identifier(*pem) : Result<std::optional<crypto::AcmeIdentifier>>();
      answered = identifier && *identifier && (*identifier)->critical &&
                 (*identifier)->digest == crypto::sha256(expected);
    } else {
      std::optional<std::string> served = serve ? serve(authorization.name, authorization.token) : std::nullopt;
      answered = served && *served == expected;
    }
    if (!options_.validation_fails && answered) {
      authorization.status = authorization.challenge_status = "valid";
    } else {
      authorization.status = authorization.challenge_status = "invalid";
      authorization.error_json =
          R"({"type":"urn:ietf:params:acme:error:unauthorized","detail":"key authorization mismatch or nothing served at /.well-known/acme-challenge/)" +
          authorization.token + "\"}";
    }
    for (auto& [order_id, order] : orders_) refresh_order(order_id);
    return json(200, R"({"type":")" + type + R"(","status":")" + authorization.challenge_status + R"(","url":")" +
                         request.url + R"(","token":")" + authorization.token + "\"}");
  }
  if (kind == "finalize") {
    if (orders_.count(id) == 0) return problem(404, "malformed", "no such order");
    Order& order = orders_[id];
    if (order.status != "ready") return problem(403, "orderNotReady", "order is " + order.status);
    auto csr = core::base64url_decode(string_member(body, "csr"));
    if (!csr) return problem(400, "badCSR", "csr is not base64url");
    auto now = std::chrono::system_clock::now();
    auto certificate =
        crypto::issue_certificate_for_csr(ca_, *csr, now - std::chrono::minutes(1), now + options_.validity);
    if (!certificate) return problem(400, "badCSR", certificate.error().to_string());
    order.certificate_pem = *certificate;
    order.status = "processing";
    order.processing_polls_left = options_.finalize_processing_polls;
    if (order.processing_polls_left == 0) order.status = "valid";
    return json(200, order_json(id));
  }
  if (kind == "certificate") {
    if (orders_.count(id) == 0 || orders_[id].status != "valid")
      return problem(404, "malformed", "no certificate");
    http::Response response;
    response.status = 200;
    response.headers.add("Content-Type", "application/pem-certificate-chain");
    response.body = orders_[id].certificate_pem + ca_.cert_pem;
    return response;
  }
  if (kind == "revoke") return json(200, "{}");
  return problem(404, "malformed", "unknown resource " + path);
}

void FakeAcmeCa::refresh_order(int id) {
  Order& order = orders_[id];
  if (order.status != "pending") return;
  bool all_valid = true;
  for (int authorization : order.authorizations) {
    const std::string& status = authorizations_[authorization].status;
    if (status == "invalid") {
      order.status = "invalid";
      return;
    }
    all_valid = all_valid && status == "valid";
  }
  if (all_valid) order.status = "ready";
}

std::string FakeAcmeCa::order_json(int id) const {
  const Order& order = orders_.at(id);
  core::JsonWriter body;
  body.begin_object().field("status", order.status).key("identifiers").begin_array();
  for (std::size_t i = 0; i < order.names.size(); ++i)
    body.begin_object().field("type", order.types[i]).field("value", order.names[i]).end_object();
  body.end_array().key("authorizations").begin_array();
  for (int authorization : order.authorizations) body.value(fake_url("/authz/", authorization));
  body.end_array().field("finalize", fake_url("/finalize/", id));
  if (order.status == "valid") body.field("certificate", fake_url("/cert/", id));
  body.end_object();
  return body.str();
}

std::string FakeAcmeCa::authorization_json(int id) const {
  const Authorization& authorization = authorizations_.at(id);
  std::string challenges;
  for (const std::string& type : options_.challenge_types) {
    if (authorization.wildcard && type != "dns-01") continue;
    std::string challenge = R"({"type":")" + type + R"(","url":")" + std::string(kBase) + "/chall/" + type + "/" +
                            std::to_string(id) + R"(","status":")" + authorization.challenge_status +
                            R"(","token":")" + authorization.token + "\"";
    if (!authorization.error_json.empty()) challenge += ",\"error\":" + authorization.error_json;
    challenges += (challenges.empty() ? "" : ",") + challenge + "}";
  }
  return R"({"status":")" + authorization.status + R"(","identifier":{"type":")" + authorization.type +
         R"(","value":")" +
         authorization.name + R"("},"wildcard":)" + (authorization.wildcard ? "true" : "false") +
         R"(,"challenges":[)" + challenges + "]}";
}

}  // namespace certkeep::testing

namespace certkeep::testing {

std::string FakeAcmeCa::binding_of(const std::string& kid) const {
  auto it = accounts_.find(kid);
  return it == accounts_.end() ? "" : it->second.binding;
}

std::string FakeAcmeCa::account_of_key(const std::string& canonical_jwk) const {
  auto it = jwk_to_kid_.find(canonical_jwk);
  return it == jwk_to_kid_.end() ? "" : it->second;
}

std::string FakeAcmeCa::account_status(const std::string& kid) const {
  auto it = accounts_.find(kid);
  return it == accounts_.end() ? "" : it->second.status;
}

std::string FakeAcmeCa::account_json(const std::string& kid) const {
  const Account& account = accounts_.at(kid);
  core::JsonWriter body;
  body.begin_object().field("status", account.status).key("contact").begin_array();
  for (const std::string& contact : account.contact) body.value(contact);
  body.end_array().end_object();
  return body.str();
}

std::optional<http::Response> FakeAcmeCa::check_binding(const rapidjson::Value& binding,
                                                        const std::string& canonical_jwk,
                                                        const std::string& url, std::string& bound_kid) {
  // RFC 8555 §7.3.4, checked the way Pebble does.
  auto protected_json = core::base64url_decode(string_member(binding, "protected"));
  auto payload = core::base64url_decode(string_member(binding, "payload"));
  auto signature = core::base64url_decode(string_member(binding, "signature"));
  if (!protected_json || !payload || !signature) return problem(400, "malformed", "bad binding encoding");
  rapidjson::Document header;
  header.Parse(protected_json->c_str());
  if (header.HasParseError() || !header.IsObject()) return problem(400, "malformed", "bad binding header");
  const std::string alg = string_member(header, "alg");
  crypto::HmacDigest digest = crypto::HmacDigest::Sha256;
  if (alg == "HS384") {
    digest = crypto::HmacDigest::Sha384;
  } else if (alg == "HS512") {
    digest = crypto::HmacDigest::Sha512;
  } else if (alg != "HS256") {
    return problem(400, "badPublicKey", "binding alg " + alg);
  }
  if (header.HasMember("nonce"))
    return problem(400, "malformed", "the 'nonce' field must be absent in external account binding");
  if (string_member(header, "url") != url)
    return problem(400, "malformed", "binding url differs from outer JWS");
  bound_kid = string_member(header, "kid");
  auto key = options_.eab_keys.find(bound_kid);
  if (key == options_.eab_keys.end())
    return problem(403, "unauthorized",
                   "the field 'kid' references a key that is not known to the ACME server");
  auto mac = crypto::hmac(digest, key->second,
                          string_member(binding, "protected") + "." + string_member(binding, "payload"));
  if (!mac || *mac != *signature)
    return problem(403, "unauthorized", "external account binding JWS verification error: invalid signature");
  rapidjson::Document jwk;
  jwk.Parse(payload->c_str());
  if (jwk.HasParseError() || canonical_jwk_of(jwk) != canonical_jwk)
    return problem(400, "badPublicKey", "external account binding payload key does not match account key");
  return std::nullopt;
}

http::Response FakeAcmeCa::handle_new_account(const rapidjson::Value& header, const rapidjson::Value& body,
                                              const http::Request& request) {
  auto jwk = header.FindMember("jwk");
  if (jwk == header.MemberEnd()) return problem(400, "malformed", "newAccount needs jwk");
  const std::string canonical = canonical_jwk_of(jwk->value);
  if (auto known = jwk_to_kid_.find(canonical); known != jwk_to_kid_.end()) {
    if (accounts_[known->second].status != "valid")
      return problem(403, "unauthorized",
                     "An account with the provided public key exists but is deactivated");
    http::Response response = json(200, account_json(known->second));
    response.headers.add("Location", known->second);
    return response;
  }
  if (body.IsObject() && body.HasMember("onlyReturnExisting"))
    return problem(400, "accountDoesNotExist", "no account for this key");
  Account account;
  if (body.IsObject() && body.HasMember("externalAccountBinding")) {
    if (auto refused = check_binding(body["externalAccountBinding"], canonical, request.url, account.binding))
      return *refused;
  } else if (options_.external_account_required) {
    return problem(400, "externalAccountRequired", "newAccount requests must include externalAccountBinding");
  }
  if (body.IsObject() && body.HasMember("contact") && body["contact"].IsArray())
    for (const auto& contact : body["contact"].GetArray())
      if (contact.IsString()) account.contact.emplace_back(contact.GetString());
  std::string kid = fake_url("/acct/", next_id_++);
  account.canonical_jwk = canonical;
  account.thumbprint = crypto::jwk_thumbprint(canonical);
  jwk_to_kid_[canonical] = kid;
  accounts_[kid] = account;
  http::Response response = json(201, account_json(kid));
  response.headers.add("Location", kid);
  return response;
}

http::Response FakeAcmeCa::handle_account(const std::string& kid, const rapidjson::Value& body,
                                          bool post_as_get) {
  Account& account = accounts_[kid];
  if (!post_as_get && body.IsObject()) {
    if (string_member(body, "status") == "deactivated") account.status = "deactivated";
    if (body.HasMember("contact") && body["contact"].IsArray()) {
      account.contact.clear();
      for (const auto& contact : body["contact"].GetArray())
        if (contact.IsString()) account.contact.emplace_back(contact.GetString());
    }
  }
  return json(200, account_json(kid));
}

http::Response FakeAcmeCa::handle_key_change(const std::string& kid, const rapidjson::Value& body,
                                             const http::Request& request) {
  // RFC 8555 §7.3.5: the payload is the inner JWS, signed by the new key (jwk), same url, no nonce.
  auto protected_json = core::base64url_decode(string_member(body, "protected"));
  auto payload = core::base64url_decode(string_member(body, "payload"));
  if (!protected_json || !payload || string_member(body, "signature").empty())
    return problem(400, "malformed", "inner JWS encoding");
  rapidjson::Document header;
  header.Parse(protected_json->c_str());
  if (header.HasParseError() || !header.IsObject() || !header.HasMember("jwk") || header.HasMember("kid"))
    return problem(400, "malformed", "inner JWS needs jwk and no kid");
  if (header.HasMember("nonce")) return problem(400, "malformed", "inner JWS must have no nonce");
  if (string_member(header, "url") != request.url)
    return problem(400, "malformed", "JWS header parameter 'url' differs for inner and outer JWS.");
  rapidjson::Document inner;
  inner.Parse(payload->c_str());
  if (inner.HasParseError() || !inner.IsObject() || string_member(inner, "account") != kid ||
      !inner.HasMember("oldKey"))
    return problem(400, "malformed", "inner payload needs account and oldKey");
  Account& account = accounts_[kid];
  if (canonical_jwk_of(inner["oldKey"]) != account.canonical_jwk)
    return problem(400, "malformed", "Key roll-over inner JWS body JSON contains wrong old key");
  const std::string new_key = canonical_jwk_of(header["jwk"]);
  if (new_key == account.canonical_jwk) return problem(400, "malformed", "New and old key are identical");
  if (auto other = jwk_to_kid_.find(new_key); other != jwk_to_kid_.end()) {
    http::Response conflict;
    conflict.status = 409;
    conflict.headers.add("Location", other->second);
    return conflict;
  }
  jwk_to_kid_.erase(account.canonical_jwk);
  account.canonical_jwk = new_key;
  account.thumbprint = crypto::jwk_thumbprint(new_key);
  jwk_to_kid_[new_key] = kid;
  key_changes_++;
  http::Response response;
  response.status = 200;
  return response;
}

Result<http::Response> ForwardingTransport::send(const http::Request& request) {
  static std::mutex one_at_a_time;
  std::lock_guard lock(one_at_a_time);
  return ca_.send(request);
}

}  // namespace certkeep::testing

// SPDX-License-Identifier: Apache-2.0
#include "acme/authorization.hpp"

#include "acme/identifier.hpp"
#include "acme/json.hpp"
#include "acme/problem.hpp"
#include "core/base64url.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::acme {

namespace {

constexpr std::string_view kAuthorizationObject = "authorization";

Result<AuthorizationStatus> parse_authorization_status(const std::string& text) {
  if (text == "pending") return AuthorizationStatus::Pending;
  if (text == "valid") return AuthorizationStatus::Valid;
  if (text == "invalid") return AuthorizationStatus::Invalid;
  if (text == "deactivated") return AuthorizationStatus::Deactivated;
  if (text == "expired") return AuthorizationStatus::Expired;
  if (text == "revoked") return AuthorizationStatus::Revoked;
  return fail(Errc::Protocol,
              "malformed response from CA: authorization: unknown status \"" + text.substr(0, 32) + "\"");
}

Result<ChallengeStatus> parse_challenge_status(const std::string& text) {
  if (text == "pending") return ChallengeStatus::Pending;
  if (text == "processing") return ChallengeStatus::Processing;
  if (text == "valid") return ChallengeStatus::Valid;
  if (text == "invalid") return ChallengeStatus::Invalid;
  return fail(Errc::Protocol,
              "malformed response from CA: challenge: unknown status \"" + text.substr(0, 32) + "\"");
}

// RFC 8555 §8.3, §8.4 and RFC 8737 §3: base64url without padding, at least 128 bits of entropy.
bool is_valid_token(std::string_view token) {
  return token.size() >= 22 && token.size() <= 512 && core::is_base64url(token);
}

Result<Challenge> parse_challenge(const rapidjson::Value& object, const Client* client) {
  Challenge challenge;
  challenge.type = CERTKEEP_TRY(required_string(object, "type", "challenge"));
  challenge.url = CERTKEEP_TRY(required_string(object, "url", "challenge"));
  challenge.status =
      CERTKEEP_TRY(parse_challenge_status(CERTKEEP_TRY(required_string(object, "status", "challenge"))));
  if (const rapidjson::Value* error = optional_member(object, "error"); error && error->IsObject())
    challenge.error = problem_from_json(*error, 0);
  challenge.known_type = parse_challenge_type(challenge.type);
  if (challenge.known_type) {
    const std::string what = challenge.type + " challenge";
    challenge.token = CERTKEEP_TRY(required_string(object, "token", what));
    if (!is_valid_token(challenge.token))
      return fail(Errc::Protocol,
                  "malformed response from CA: " + what + ": token is not 22-512 base64url characters");
    if (client != nullptr) CERTKEEP_TRY(client->check_url(challenge.url));
  }
  return challenge;
}

}  // namespace

std::string_view to_string(AuthorizationStatus status) noexcept {
  switch (status) {
    case AuthorizationStatus::Pending: return "pending";
    case AuthorizationStatus::Valid: return "valid";
    case AuthorizationStatus::Invalid: return "invalid";
    case AuthorizationStatus::Deactivated: return "deactivated";
    case AuthorizationStatus::Expired: return "expired";
    case AuthorizationStatus::Revoked: return "revoked";
  }
  return "invalid";
}

const Challenge* Authorization::find(ChallengeType type) const noexcept {
  for (const Challenge& challenge : challenges)
    if (challenge.known_type == type) return &challenge;
  return nullptr;
}

std::string Authorization::offered_types() const {
  std::vector<std::string> types;
  for (const Challenge& challenge : challenges) types.push_back(core::sanitize_for_terminal(challenge.type, 32));
  return types.empty() ? "none" : core::join(types, ", ");
}

std::optional<Problem> Authorization::failure() const {
  for (const Challenge& challenge : challenges) {
    if (challenge.error) {
      Problem problem = *challenge.error;
      if (problem.subproblems.empty())
        problem.subproblems.push_back({problem.type, problem.detail, identifier});
      return problem;
    }
  }
  return std::nullopt;
}

Result<Authorization> parse_authorization(std::string_view body, std::string url, const Client* client) {
  rapidjson::Document document = CERTKEEP_TRY(parse_json_object(body, kAuthorizationObject));
  Authorization authorization;
  authorization.url = std::move(url);
  authorization.status = CERTKEEP_TRY(
      parse_authorization_status(CERTKEEP_TRY(required_string(document, "status", kAuthorizationObject))));
  const rapidjson::Value* identifier = optional_member(document, "identifier");
  if (identifier == nullptr || !identifier->IsObject())
    return fail(Errc::Protocol, "malformed response from CA: authorization: missing \"identifier\"");
  authorization.identifier = CERTKEEP_TRY(parse_identifier(*identifier, kAuthorizationObject));
  if (const rapidjson::Value* wildcard = optional_member(document, "wildcard");
      wildcard && wildcard->IsBool())
    authorization.wildcard = wildcard->GetBool();
  const rapidjson::Value* challenges = optional_member(document, "challenges");
  if (challenges == nullptr || !challenges->IsArray())
    return fail(Errc::Protocol, "malformed response from CA: authorization: \"challenges\" is not an array");
  if (challenges->Size() > kMaxChallenges)
    return fail(Errc::Protocol, "malformed response from CA: authorization: too many challenges");
  for (const auto& object : challenges->GetArray())
    authorization.challenges.push_back(CERTKEEP_TRY(parse_challenge(object, client)));
  return authorization;
}

Result<Authorization> fetch_authorization(Client& client, const std::string& url) {
  auto response = client.post_as_get(url);
  if (!response) return fail(std::move(response).error().with_context("fetch authorization"));
  return parse_json_answer(*response, url, kAuthorizationObject,
                           [&] { return parse_authorization(response->body, url, &client); });
}

Result<void> respond_to_challenge(Client& client, const Challenge& challenge) {
  auto response = client.post(challenge.url, "{}");
  if (!response) return fail(std::move(response).error().with_context("respond to challenge"));
  return {};
}

std::string key_authorization(std::string_view token, std::string_view thumbprint) {
  return std::string(token) + "." + std::string(thumbprint);
}

}  // namespace certkeep::acme

// SPDX-License-Identifier: Apache-2.0
#include "acme/account.hpp"

#include "acme/json.hpp"
#include "acme/jws.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::acme {

namespace {

constexpr std::string_view kAccountObject = "account";

Result<AccountStatus> parse_account_status(const std::string& text) {
  if (text == "valid") return AccountStatus::Valid;
  if (text == "deactivated") return AccountStatus::Deactivated;
  if (text == "revoked") return AccountStatus::Revoked;
  return fail(Errc::Protocol, "malformed response from CA: account: unknown status \"" +
                                  core::sanitize_for_terminal(text, 32) + "\"");
}

// An account object (§7.1.2). A body is optional in some answers; without one the account
// keeps `fallback`.
Result<Account> account_from_body(std::string_view body, std::string url, const Account& fallback) {
  Account account = fallback;
  account.url = std::move(url);
  if (core::trim(body).empty()) return account;
  rapidjson::Document document = CERTKEEP_TRY(parse_json_object(body, kAccountObject));
  if (auto status = optional_string(document, "status"))
    account.status = CERTKEEP_TRY(parse_account_status(*status));
  if (optional_member(document, "contact") != nullptr)
    account.contact = CERTKEEP_TRY(required_string_array(document, "contact", kAccountObject, 16));
  return account;
}

std::string contact_payload(const std::vector<std::string>& contact) {
  return "{\"contact\":" + json_string_array(contact) + "}";
}

Result<void> require_account(const Client& client, std::string_view what) {
  if (client.signer() == nullptr || client.kid().empty())
    return fail(Errc::Internal, std::string(what) + ": the client has no account");
  return {};
}

}  // namespace

std::string_view to_string(AccountStatus status) noexcept {
  switch (status) {
    case AccountStatus::Valid: return "valid";
    case AccountStatus::Deactivated: return "deactivated";
    case AccountStatus::Revoked: return "revoked";
  }
  return "valid";
}

bool is_deactivated_account(const Error& error) {
  return error.problem() && error.problem()->is("unauthorized") &&
         core::to_lower(error.problem()->detail).find("deactivated") != std::string::npos;
}

Result<Account> new_account(Client& client, const NewAccountRequest& request) {
  if (client.signer() == nullptr) return fail(Errc::Internal, "new-account: no account key");
  // RFC 8555 §7.3.4: without a binding such a CA refuses the account; say so before asking.
  if (client.directory().external_account_required && !request.external_account &&
      !request.only_return_existing)
    return fail(Errc::InvalidArgument,
                "the CA requires External Account Binding: pass --eab-kid and --eab-hmac-key (or "
                "--eab-hmac-key-file, or CERTKEEP_EAB_HMAC_KEY) with the key id and MAC key the CA gave you");
  std::string payload = "{";
  if (!request.contact.empty()) payload += "\"contact\":" + json_string_array(request.contact) + ",";
  if (request.terms_of_service_agreed) payload += "\"termsOfServiceAgreed\":true,";
  if (request.only_return_existing) payload += "\"onlyReturnExisting\":true,";
  if (request.external_account && !request.only_return_existing) {
    const std::string binding = CERTKEEP_TRY(sign_external_account_binding(
        *request.external_account, client.signer()->jwk_json(), client.directory().new_account));
    payload += "\"externalAccountBinding\":" + binding + ",";
  }
  if (payload.size() > 1) payload.pop_back();
  payload += "}";

  auto response = client.post(client.directory().new_account, payload, kMaxJsonBody, true);
  if (!response) return fail(std::move(response).error().with_context("new-account"));
  if (response->location.empty())
    return fail(Errc::Protocol, "malformed response from CA: new-account: no Location header");

  Account account = CERTKEEP_TRY(account_from_body(response->body, response->location, Account{}));
  if (account.status != AccountStatus::Valid)
    return fail(Errc::CaProblem,
                "new-account: account " + account.url + " is " + std::string(to_string(account.status)));
  client.set_kid(account.url);
  return account;
}

Result<Account> fetch_account(Client& client) {
  CERTKEEP_TRY(require_account(client, "fetch account"));
  const std::string url = client.kid();
  auto response = client.post_as_get(url);
  if (!response) return fail(std::move(response).error().with_context("fetch account"));
  return parse_json_answer(*response, url, kAccountObject,
                           [&] { return account_from_body(response->body, url, Account{}); });
}

Result<Account> update_account_contact(Client& client, const std::vector<std::string>& contact) {
  CERTKEEP_TRY(require_account(client, "update account"));
  const std::string url = client.kid();
  auto response = client.post(url, contact_payload(contact));
  if (!response) return fail(std::move(response).error().with_context("update account"));
  Account fallback;
  fallback.contact = contact;
  return parse_json_answer(*response, url, kAccountObject,
                           [&] { return account_from_body(response->body, url, fallback); });
}

Result<Account> deactivate_account(Client& client) {
  CERTKEEP_TRY(require_account(client, "deactivate account"));
  const std::string url = client.kid();
  auto response = client.post(url, R"({"status":"deactivated"})");
  if (!response) return fail(std::move(response).error().with_context("deactivate account " + url));
  Account fallback;
  fallback.status = AccountStatus::Deactivated;
  Account account = CERTKEEP_TRY(parse_json_answer(
      *response, url, kAccountObject, [&] { return account_from_body(response->body, url, fallback); }));
  if (account.status != AccountStatus::Deactivated)
    return fail(Errc::Protocol, "deactivate account " + url + ": the CA answered status " +
                                    std::string(to_string(account.status)));
  return account;
}

Result<void> change_account_key(Client& client, std::shared_ptr<const crypto::Signer> new_key) {
  CERTKEEP_TRY(require_account(client, "key change"));
  if (!new_key) return fail(Errc::Internal, "key change: no new key");
  const std::string& url = client.directory().key_change;
  if (url.empty()) return fail(Errc::InvalidArgument, "key change: the CA's directory has no keyChange");
  if (new_key->jwk_json() == client.signer()->jwk_json())
    return fail(Errc::InvalidArgument, "key change: the new key is the current key");
  // RFC 8555 §7.3.5: the inner JWS proves possession of the new key; it has no nonce.
  const std::string inner_payload =
      "{\"account\":" + json_quote(client.kid()) + ",\"oldKey\":" + client.signer()->jwk_json() + "}";
  const std::string inner = CERTKEEP_TRY(sign_jws(*new_key, {url, "", ""}, inner_payload));
  auto response = client.post_passing(url, inner, 409);
  if (!response) {
    Error error = std::move(response).error();
    return fail(std::move(error).with_context("key change for account " + client.kid()));
  }
  if (response->status == 409) {
    return fail(Errc::CaProblem, "key change for account " + client.kid() +
                                     ": the new key already belongs to account " +
                                     core::sanitize_for_terminal(response->location, 300));
  }
  client.set_account(std::move(new_key), client.kid());
  return {};
}

}  // namespace certkeep::acme

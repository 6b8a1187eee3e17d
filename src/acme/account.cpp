// SPDX-License-Identifier: Apache-2.0
#include "acme/account.hpp"

#include "acme/json.hpp"
#include "core/result_macros.hpp"

namespace certkeep::acme {

Result<Account> new_account(Client& client, const NewAccountRequest& request) {
  std::string payload = "{";
  if (!request.contact.empty()) payload += "\"contact\":" + json_string_array(request.contact) + ",";
  if (request.terms_of_service_agreed) payload += "\"termsOfServiceAgreed\":true,";
  if (request.only_return_existing) payload += "\"onlyReturnExisting\":true,";
  if (payload.size() > 1) payload.pop_back();
  payload += "}";

  auto response = client.post(client.directory().new_account, payload, kMaxJsonBody, true);
  if (!response) return fail(std::move(response).error().with_context("new-account"));
  if (response->location.empty())
    return fail(Errc::Protocol, "malformed response from CA: new-account: no Location header");

  Account account;
  account.url = response->location;
  // A body is optional here; without one the account is taken as valid.
  if (auto document = parse_json_object(response->body, "account")) {
    const std::string status = optional_string(*document, "status").value_or("valid");
    if (status != "valid")
      return fail(Errc::Protocol, "new-account: account " + account.url + " is " + status);
    if (auto contact = required_string_array(*document, "contact", "account", 16); contact)
      account.contact = std::move(*contact);
  }
  client.set_kid(account.url);
  return account;
}

}  // namespace certkeep::acme

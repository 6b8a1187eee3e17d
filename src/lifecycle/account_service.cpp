// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/account_service.hpp"

#include "acme/account.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "crypto/private_key.hpp"
#include "crypto/signer.hpp"

namespace certkeep::lifecycle {

namespace {

Result<std::shared_ptr<const crypto::Signer>> signer_from_pem(const core::Secret& key_pem) {
  crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::from_pem(key_pem.view()));
  crypto::Signer signer = CERTKEEP_TRY(crypto::Signer::create(std::move(key)));
  return std::make_shared<const crypto::Signer>(std::move(signer));
}

std::vector<std::string> contacts(const std::string& email) {
  if (email.empty()) return {};
  return {email.starts_with("mailto:") ? email : "mailto:" + email};
}

}  // namespace

bool is_unknown_account(const Error& error) {
  return error.problem() && error.problem()->is("accountDoesNotExist");
}

Error explain_account_error(Error error, const std::string& account_url) {
  if (!acme::is_deactivated_account(error)) return error;
  return std::move(error).with_context(
      "account " + account_url +
      " is deactivated at the CA and can no longer be used; register another "
      "(`certkeep account register`) and use it for this lineage");
}

Result<store::AccountRecord> ensure_account(store::Store& store, acme::Client& client,
                                            const AccountOptions& options,
                                            const std::function<void(std::string_view)>& progress) {
  auto existing = CERTKEEP_TRY(store.find_account(client.directory_url()));
  if (existing && !existing->account_url.empty()) {
    // A client kept across flows already signs as this account: skip parsing its key again.
    if (client.signer() != nullptr && client.kid() == existing->account_url) return std::move(*existing);
    client.set_account(CERTKEEP_TRY(signer_from_pem(existing->key_pem)), existing->account_url);
    return std::move(*existing);
  }
  if (!client.directory().terms_of_service.empty() && !options.agree_terms_of_service) {
    return fail(Errc::InvalidArgument, "the CA requires agreeing to its terms of service (" +
                                           client.directory().terms_of_service + "): pass --agree-tos");
  }
  // RFC 8555 §7.3.4: refused here, before any request, rather than by the CA.
  if (client.directory().external_account_required && !options.external_account)
    return fail(
        Errc::InvalidArgument,
        "the CA (" + client.directory_url() +
            ") requires External Account Binding: pass --eab-kid KID with --eab-hmac-key KEY, "
            "--eab-hmac-key-file FILE or CERTKEEP_EAB_HMAC_KEY (the key id and MAC key the CA gave you)");

  store::AccountRecord account;
  if (existing) {
    account = std::move(*existing);  // a key saved by a run that died before registering
  } else {
    crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::generate(KeyType::EcdsaP256));
    account.directory_url = client.directory_url();
    account.key_pem = CERTKEEP_TRY(key.to_pem());
    account.contact = options.email.empty() ? "" : contacts(options.email).front();
    // Saved before registering, so a crash cannot orphan an account the CA knows.
    account = CERTKEEP_TRY(store.save_account(std::move(account)));
  }
  client.set_account(CERTKEEP_TRY(signer_from_pem(account.key_pem)), "");
  const acme::NewAccountRequest request{.contact = contacts(options.email),
                                        .terms_of_service_agreed = options.agree_terms_of_service,
                                        .external_account = options.external_account};
  auto created = acme::new_account(client, request);
  if (!created) return fail(explain_account_error(std::move(created).error(), "new account"));
  account.account_url = created->url;
  account.status = store::AccountStatus::Valid;  // new_account refuses any other
  account = CERTKEEP_TRY(store.save_account(std::move(account)));
  if (progress) progress("account " + account.account_url + " registered");
  return account;
}

Result<store::AccountRecord> reregister_account(store::Store& store, acme::Client& client,
                                                store::AccountRecord account) {
  core::log::warn("the CA does not know account " + account.account_url + "; registering it again");
  client.set_account(CERTKEEP_TRY(signer_from_pem(account.key_pem)), "");
  std::vector<std::string> contact;
  if (!account.contact.empty()) contact.push_back(account.contact);
  // Terms were agreed when the account was first created.
  acme::Account created =
      CERTKEEP_TRY(acme::new_account(client, {.contact = contact, .terms_of_service_agreed = true}));
  account.account_url = created.url;
  return store.save_account(std::move(account));
}

}  // namespace certkeep::lifecycle

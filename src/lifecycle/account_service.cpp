// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/account_service.hpp"

#include "acme/account.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "crypto/private_key.hpp"
#include "crypto/signer.hpp"
#include "lifecycle/account_rollover.hpp"
#include "lifecycle/accounts.hpp"

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

// POSTs newAccount for the stored key (with `binding`) and saves the URL the CA gave.
Result<store::AccountRecord> register_stored(store::Store& store, acme::Client& client,
                                             store::AccountRecord account, bool agree_terms,
                                             const std::optional<acme::ExternalAccountBinding>& binding) {
  client.set_account(CERTKEEP_TRY(signer_from_pem(account.key_pem)), "");
  std::vector<std::string> contact;
  if (!account.contact.empty()) contact.push_back(account.contact);
  auto created = acme::new_account(
      client, {.contact = contact, .terms_of_service_agreed = agree_terms, .external_account = binding});
  if (!created)
    return fail(explain_account_error(std::move(created).error(), account)
                    .with_context("register account " + account.name));
  account.account_url = created->url;
  account.status = store::AccountStatus::Valid;  // new_account refuses any other
  return store.save_account(std::move(account));
}

}  // namespace

bool is_unknown_account(const Error& error) {
  return error.problem() && error.problem()->is("accountDoesNotExist");
}

Error explain_account_error(Error error, const store::AccountRecord& account) {
  if (!acme::is_deactivated_account(error)) return error;
  return std::move(error).with_context(deactivated_account_error(account).message());
}

Result<std::optional<acme::ExternalAccountBinding>> stored_binding(const store::AccountRecord& account) {
  if (account.eab_key_id.empty()) return std::optional<acme::ExternalAccountBinding>{};
  acme::ExternalAccountBinding binding;
  binding.key_id = account.eab_key_id;
  binding.mac_key = CERTKEEP_TRY(acme::decode_mac_key(account.eab_mac_key.view()));
  if (!account.eab_algorithm.empty()) {
    auto algorithm = acme::parse_mac_algorithm(account.eab_algorithm);
    if (!algorithm)
      return fail(Errc::Store,
                  "account " + account.name + " has unknown EAB algorithm \"" + account.eab_algorithm + "\"");
    binding.algorithm = *algorithm;
  }
  return std::optional<acme::ExternalAccountBinding>(std::move(binding));
}

Result<store::AccountRecord> ensure_account(store::Store& store, acme::Client& client,
                                            const AccountChoice& choice, std::int64_t current_id,
                                            const AccountOptions& options,
                                            const std::function<void(std::string_view)>& progress) {
  auto existing = CERTKEEP_TRY(find_account_for(store, choice, current_id));
  if (existing && existing->status != store::AccountStatus::Valid)
    return fail(deactivated_account_error(*existing));
  if (existing && !existing->account_url.empty()) {
    // A client kept across flows already signs as this account: skip parsing its key again.
    if (existing->next_key_pem.empty() && client.signer() != nullptr && client.kid() == existing->account_url)
      return std::move(*existing);
    return settle_pending_rollover(store, client, std::move(*existing));
  }
  if (!client.directory().terms_of_service.empty() && !options.agree_terms_of_service) {
    return fail(Errc::InvalidArgument, "the CA requires agreeing to its terms of service (" +
                                           client.directory().terms_of_service + "): pass --agree-tos");
  }
  store::AccountRecord account;
  if (existing) {
    account = std::move(*existing);  // a key saved by a run that died before registering
  } else {
    account.name = choice.name.empty() ? CERTKEEP_TRY(default_account_name(store, choice.directory_url))
                                       : CERTKEEP_TRY(check_account_name(choice.name));
    account.directory_url = client.directory_url();
    account.ca_bundle = choice.ca_bundle;
    account.server_ca_checksum = choice.server_ca_checksum;
    account.contact = options.email.empty() ? "" : contacts(options.email).front();
  }
  // Not registered yet: the binding given now wins over one stored by a run the CA refused.
  if (options.external_account) {
    account.eab_key_id = options.external_account->key_id;
    account.eab_mac_key = acme::encode_mac_key(options.external_account->mac_key);
    account.eab_algorithm = std::string(acme::to_string(options.external_account->algorithm));
  }
  const auto binding = CERTKEEP_TRY(stored_binding(account));
  // RFC 8555 §7.3.4: refused here, before any request, rather than by the CA.
  if (client.directory().external_account_required && !binding)
    return fail(
        Errc::InvalidArgument,
        "the CA (" + client.directory_url() +
            ") requires External Account Binding: pass --eab-kid KID with --eab-hmac-key KEY, "
            "--eab-hmac-key-file FILE or CERTKEEP_EAB_HMAC_KEY (the key id and MAC key the CA gave you)");
  if (account.key_pem.empty()) {
    crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::generate(KeyType::EcdsaP256));
    account.key_pem = CERTKEEP_TRY(key.to_pem());
  }
  // Saved before registering, so a crash cannot orphan an account the CA knows.
  account = CERTKEEP_TRY(store.save_account(std::move(account)));
  account = CERTKEEP_TRY(
      register_stored(store, client, std::move(account), options.agree_terms_of_service, binding));
  if (progress) progress("account " + account.name + " (" + account.account_url + ") registered");
  return account;
}

Result<store::AccountRecord> reregister_account(store::Store& store, acme::Client& client,
                                                store::AccountRecord account) {
  core::log::warn("the CA does not know account " + account.name + " (" + account.account_url +
                  "); registering it again");
  const auto binding = CERTKEEP_TRY(stored_binding(account));
  // Terms were agreed when the account was first created.
  return register_stored(store, client, std::move(account), true, binding);
}

}  // namespace certkeep::lifecycle

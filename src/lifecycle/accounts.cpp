// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/accounts.hpp"

#include <algorithm>

#include "acme/account.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/private_key.hpp"
#include "crypto/signer.hpp"
#include "lifecycle/account_rollover.hpp"

namespace certkeep::lifecycle {

namespace {

constexpr std::size_t kMaxAccountName = 64;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Pre-v5 accounts have no name: they get their default one when first seen.
Result<store::AccountRecord> named(store::Store& store, store::AccountRecord account) {
  if (!account.name.empty()) return account;
  account.name = CERTKEEP_TRY(default_account_name(store, account.directory_url));
  return store.save_account(std::move(account));
}

Result<AccountDetails> details_of(store::Store& store, store::AccountRecord account) {
  AccountDetails details;
  details.rollover_pending = !account.next_key_pem.empty();
  details.lineages = CERTKEEP_TRY(store.lineages_using_account(account.id));
  if (auto key = crypto::PrivateKey::from_pem(account.key_pem.view()))
    if (auto signer = crypto::Signer::create(std::move(*key))) details.key_thumbprint = signer->thumbprint();
  account.key_pem = core::Secret();
  account.next_key_pem = core::Secret();
  account.eab_mac_key = core::Secret();
  details.account = std::move(account);
  return details;
}

}  // namespace

Result<std::string> check_account_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxAccountName || name.front() == '.' || name.front() == '-' ||
      !std::all_of(name.begin(), name.end(), is_name_char))
    return fail(Errc::InvalidArgument, "invalid account name \"" + core::sanitize_for_terminal(name, 80) +
                                           "\" (1 to 64 of a-z, 0-9, '.', '_', '-')");
  return std::string(name);
}

Result<std::string> default_account_name(store::Store& store, const std::string& directory_url) {
  std::string_view rest = directory_url;
  if (const std::size_t scheme = rest.find("://"); scheme != std::string_view::npos)
    rest.remove_prefix(scheme + 3);
  std::string host = core::to_lower(rest.substr(0, rest.find_first_of("/?#")));
  std::replace(host.begin(), host.end(), ':', '-');
  host.erase(std::remove_if(host.begin(), host.end(), [](char c) { return !is_name_char(c); }), host.end());
  if (host.empty() || host.front() == '.' || host.front() == '-' || host.front() == '_') host = "acme" + host;
  if (host.size() > kMaxAccountName - 4) host.resize(kMaxAccountName - 4);
  for (int n = 1; n < 1000; ++n) {
    const std::string candidate = n == 1 ? host : host + "-" + std::to_string(n);
    if (!CERTKEEP_TRY(store.find_account_by_name(candidate))) return candidate;
  }
  return fail(Errc::Store, "no free account name for " + directory_url);
}

Result<std::optional<store::AccountRecord>> find_account_for(store::Store& store, const AccountChoice& choice,
                                                             std::int64_t current_id) {
  if (!choice.name.empty()) {
    CERTKEEP_TRY(check_account_name(choice.name));
    auto found = CERTKEEP_TRY(store.find_account_by_name(choice.name));
    if (found && found->directory_url != choice.directory_url)
      return fail(Errc::InvalidArgument, "account " + choice.name + " belongs to " + found->directory_url +
                                             ", not to " + choice.directory_url);
    return found;
  }
  if (current_id != 0) {
    auto current = store.get_account(current_id);
    if (current && current->directory_url == choice.directory_url)
      return std::optional<store::AccountRecord>(CERTKEEP_TRY(named(store, std::move(*current))));
    if (!current && current.error().code() != Errc::NotFound) return fail(std::move(current).error());
  }
  // The CA's newest account that can still be used.
  std::vector<store::AccountRecord> accounts = CERTKEEP_TRY(store.list_accounts());
  for (auto it = accounts.rbegin(); it != accounts.rend(); ++it) {
    if (it->directory_url == choice.directory_url && it->status == store::AccountStatus::Valid)
      return std::optional<store::AccountRecord>(CERTKEEP_TRY(named(store, std::move(*it))));
  }
  return std::optional<store::AccountRecord>{};
}

Result<store::AccountRecord> named_account(store::Store& store, const std::string& name) {
  auto found = CERTKEEP_TRY(store.find_account_by_name(name));
  if (!found) return fail(Errc::NotFound, "no account named " + name + " (`certkeep account list`)");
  return std::move(*found);
}

Result<acme::Client*> client_for(Services& services, const store::AccountRecord& account) {
  store::LineageSettings settings;
  settings.directory_url = account.directory_url;
  settings.ca_bundle = account.ca_bundle;
  settings.server_ca_checksum = account.server_ca_checksum;
  return services.clients->get(services.make_transport, settings, services.clock);
}

Result<std::vector<AccountDetails>> list_accounts(store::Store& store) {
  std::vector<AccountDetails> all;
  for (store::AccountRecord& account : CERTKEEP_TRY(store.list_accounts())) {
    account = CERTKEEP_TRY(named(store, std::move(account)));
    all.push_back(CERTKEEP_TRY(details_of(store, std::move(account))));
  }
  return all;
}

Result<AccountDetails> show_account(store::Store& store, const std::string& name) {
  return details_of(store, CERTKEEP_TRY(named_account(store, name)));
}

Result<store::AccountRecord> register_account(Services& services, const RegisterRequest& request) {
  AccountChoice where = request.where;
  if (!where.name.empty()) {
    where.name = CERTKEEP_TRY(check_account_name(where.name));
    if (CERTKEEP_TRY(services.store.find_account_by_name(where.name)))
      return fail(Errc::InvalidArgument, "an account named " + where.name + " exists already");
  } else {
    where.name = CERTKEEP_TRY(default_account_name(services.store, where.directory_url));
  }
  store::LineageSettings settings;
  settings.directory_url = where.directory_url;
  settings.ca_bundle = where.ca_bundle;
  settings.server_ca_checksum = where.server_ca_checksum;
  acme::Client* client =
      CERTKEEP_TRY(services.clients->get(services.make_transport, settings, services.clock));
  // A name nobody has: ensure_account registers a new account under it.
  return ensure_account(services.store, *client, where, 0, request.options, services.progress);
}

Result<store::AccountRecord> rollover_account(Services& services, const std::string& name) {
  store::AccountRecord account = CERTKEEP_TRY(named_account(services.store, name));
  if (account.status != store::AccountStatus::Valid) return fail(deactivated_account_error(account));
  acme::Client* client = CERTKEEP_TRY(client_for(services, account));
  account = CERTKEEP_TRY(rollover_account_key(services.store, *client, std::move(account)));
  if (services.progress) services.progress("account " + account.name + " now signs with its new key");
  return account;
}

Result<Deactivation> deactivate_account(Services& services, const std::string& name) {
  store::AccountRecord account = CERTKEEP_TRY(named_account(services.store, name));
  if (account.status != store::AccountStatus::Valid) return fail(deactivated_account_error(account));
  Deactivation result;
  if (!account.account_url.empty()) {
    acme::Client* client = CERTKEEP_TRY(client_for(services, account));
    account = CERTKEEP_TRY(settle_pending_rollover(services.store, *client, std::move(account)));
    auto deactivated = acme::deactivate_account(*client);
    // Deactivated already (at the CA, by someone else): record it all the same.
    if (!deactivated && !acme::is_deactivated_account(deactivated.error()))
      return fail(std::move(deactivated).error().with_context("deactivate account " + account.name));
  }
  account.status = store::AccountStatus::Deactivated;
  result.lineages = CERTKEEP_TRY(
      services.store.record_account_deactivated(account.id, deactivated_account_error(account).message()));
  result.account = std::move(account);
  return result;
}

Error deactivated_account_error(const store::AccountRecord& account) {
  return Error(
      Errc::InvalidArgument,
      "account " + account.name + " (" + account.account_url +
          ") is deactivated and can no longer be used: register another (`certkeep account register`) "
          "and name it with `issue --account`");
}

}  // namespace certkeep::lifecycle

// SPDX-License-Identifier: Apache-2.0
// SqlStore: ACME accounts.
#include "core/result_macros.hpp"
#include "store/account_rows.hpp"
#include "store/event_rows.hpp"
#include "store/lineage_rows.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<std::optional<AccountRecord>> SqlStore::find_account(const std::string& directory_url) {
  return read("find account for " + directory_url, [&]() -> Result<std::optional<AccountRecord>> {
    StatementLease select =
        CERTKEEP_TRY(statements_.get("SELECT " + std::string(kAccountColumns) +
                                     " FROM accounts WHERE directory_url = ?1 ORDER BY id DESC LIMIT 1"));
    select->bind_text(1, directory_url);
    if (!CERTKEEP_TRY(select->step())) return std::nullopt;
    return CERTKEEP_TRY(read_account(*select));
  });
}

Result<AccountRecord> SqlStore::get_account(std::int64_t id) {
  return read("get account " + std::to_string(id), [&]() -> Result<AccountRecord> {
    StatementLease select = CERTKEEP_TRY(
        statements_.get("SELECT " + std::string(kAccountColumns) + " FROM accounts WHERE id = ?1"));
    select->bind_int64(1, id);
    if (!CERTKEEP_TRY(select->step()))
      return fail(Errc::NotFound, "no account with id " + std::to_string(id));
    return read_account(*select);
  });
}

Result<AccountRecord> SqlStore::save_account(AccountRecord account) {
  if (account.directory_url.empty()) return fail(Errc::InvalidArgument, "save account: no directory URL");
  if (account.key_pem.empty()) return fail(Errc::InvalidArgument, "save account: no key");
  if (account.created_at == SystemTime{}) account.created_at = store_now();
  return write("save account for " + account.directory_url, [&]() -> Result<AccountRecord> {
    if (!account.name.empty()) {
      // Names are labels the user types: one account per name (the unique index backs this).
      StatementLease taken =
          CERTKEEP_TRY(statements_.get("SELECT id FROM accounts WHERE name = ?1 AND id <> ?2"));
      taken->bind_text(1, account.name);
      taken->bind_int64(2, account.id);
      if (CERTKEEP_TRY(taken->step()))
        return fail(Errc::InvalidArgument, "an account named " + account.name + " exists already");
    }
    if (account.id == 0) {
      // RETURNING (SQLite ≥ 3.35, PostgreSQL): the id the engine assigned.
      StatementLease insert = CERTKEEP_TRY(
          statements_.get("INSERT INTO accounts (" + std::string(kAccountWrittenColumns) + ") VALUES (" +
                          placeholders(1, kAccountWrittenColumnCount) + ") RETURNING id"));
      bind_account(*insert, account);
      if (!CERTKEEP_TRY(insert->step())) return fail(Errc::Store, "insert account: no id returned");
      account.id = insert->int64(0);
      return std::move(account);
    }
    constexpr int kId = kAccountWrittenColumnCount + 1;
    StatementLease update = CERTKEEP_TRY(statements_.get(
        "UPDATE accounts SET (" + std::string(kAccountWrittenColumns) + ") = (" +
        placeholders(1, kAccountWrittenColumnCount) + ") WHERE id = ?" + std::to_string(kId)));
    bind_account(*update, account);
    update->bind_int64(kId, account.id);
    if (CERTKEEP_TRY(update->execute()) == 0)
      return fail(Errc::NotFound, "no account with id " + std::to_string(account.id));
    return std::move(account);
  });
}

Result<std::vector<AccountRecord>> SqlStore::list_accounts() {
  return read("list accounts", [&]() -> Result<std::vector<AccountRecord>> {
    StatementLease select = CERTKEEP_TRY(
        statements_.get("SELECT " + std::string(kAccountColumns) + " FROM accounts ORDER BY id"));
    std::vector<AccountRecord> accounts;
    while (CERTKEEP_TRY(select->step())) accounts.push_back(CERTKEEP_TRY(read_account(*select)));
    return accounts;
  });
}

Result<std::optional<AccountRecord>> SqlStore::find_account_by_name(const std::string& name) {
  return read("find account " + name, [&]() -> Result<std::optional<AccountRecord>> {
    if (name.empty()) return std::nullopt;
    StatementLease select = CERTKEEP_TRY(
        statements_.get("SELECT " + std::string(kAccountColumns) + " FROM accounts WHERE name = ?1"));
    select->bind_text(1, name);
    if (!CERTKEEP_TRY(select->step())) return std::nullopt;
    return CERTKEEP_TRY(read_account(*select));
  });
}

Result<std::vector<std::string>> SqlStore::lineages_using_account(std::int64_t id) {
  return read("lineages of account " + std::to_string(id), [&]() -> Result<std::vector<std::string>> {
    StatementLease select =
        CERTKEEP_TRY(statements_.get("SELECT name FROM certificates WHERE account_id = ?1 ORDER BY name"));
    select->bind_int64(1, id);
    std::vector<std::string> names;
    while (CERTKEEP_TRY(select->step())) names.push_back(select->text(0));
    return names;
  });
}

Result<std::vector<std::string>> SqlStore::record_account_deactivated(std::int64_t id,
                                                                      const std::string& detail) {
  return write(
      "record the deactivation of account " + std::to_string(id), [&]() -> Result<std::vector<std::string>> {
        {
          StatementLease update =
              CERTKEEP_TRY(statements_.get("UPDATE accounts SET status = ?1 WHERE id = ?2"));
          update->bind_text(1, to_string(AccountStatus::Deactivated));
          update->bind_int64(2, id);
          if (CERTKEEP_TRY(update->execute()) == 0)
            return fail(Errc::NotFound, "no account with id " + std::to_string(id));
        }
        std::vector<std::pair<std::string, std::string>> lineages;  // name, serial
        {
          StatementLease select = CERTKEEP_TRY(
              statements_.get("SELECT name, serial FROM certificates WHERE account_id = ?1 ORDER BY name"));
          select->bind_int64(1, id);
          while (CERTKEEP_TRY(select->step())) lineages.emplace_back(select->text(0), select->text(1));
        }
        std::vector<std::string> names;
        for (const auto& [name, serial] : lineages) {
          {
            StatementLease update = CERTKEEP_TRY(
                statements_.get("UPDATE certificates SET last_error = ?1, updated_at = ?2 WHERE name = ?3"));
            update->bind_text(1, detail);
            bind_time(*update, 2, store_now());
            update->bind_text(3, name);
            CERTKEEP_TRY(update->execute());
          }
          CERTKEEP_TRY(insert_event(statements_, EventRecord{0, name, HistoryKind::AccountDeactivated, serial,
                                                             detail, store_now()}));
          names.push_back(name);
        }
        return names;
      });
}

}  // namespace certkeep::store

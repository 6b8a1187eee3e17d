// SPDX-License-Identifier: Apache-2.0
// SqliteStore: ACME accounts.
#include <SQLiteCpp/Statement.h>

#include "core/result_macros.hpp"
#include "store/account_rows.hpp"
#include "store/sql_values.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {

Result<std::optional<AccountRecord>> SqliteStore::find_account(const std::string& directory_url) {
  return read("find account for " + directory_url, [&]() -> Result<std::optional<AccountRecord>> {
    StatementLease select =
        statements_.get("SELECT " + std::string(kAccountColumns) +
                        " FROM accounts WHERE directory_url = ?1 ORDER BY id DESC LIMIT 1");
    select->bind(1, directory_url);
    if (!select->executeStep()) return std::nullopt;
    return CERTKEEP_TRY(read_account(select));
  });
}

Result<AccountRecord> SqliteStore::get_account(std::int64_t id) {
  return read("get account " + std::to_string(id), [&]() -> Result<AccountRecord> {
    StatementLease select =
        statements_.get("SELECT " + std::string(kAccountColumns) + " FROM accounts WHERE id = ?1");
    select->bind(1, static_cast<std::int64_t>(id));
    if (!select->executeStep()) return fail(Errc::NotFound, "no account with id " + std::to_string(id));
    return read_account(select);
  });
}

Result<AccountRecord> SqliteStore::save_account(AccountRecord account) {
  if (account.directory_url.empty()) return fail(Errc::InvalidArgument, "save account: no directory URL");
  if (account.key_pem.empty()) return fail(Errc::InvalidArgument, "save account: no key");
  if (account.created_at == SystemTime{}) account.created_at = store_now();
  return write("save account for " + account.directory_url, [&]() -> Result<AccountRecord> {
    if (account.id == 0) {
      StatementLease insert = statements_.get(
          "INSERT INTO accounts (directory_url, account_url, key_pem, contact, status, created_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      bind_account(insert, account);
      insert->exec();
      account.id = db_->getLastInsertRowid();
      return std::move(account);
    }
    StatementLease update = statements_.get(
        "UPDATE accounts SET directory_url = ?1, account_url = ?2, key_pem = ?3, contact = ?4, "
        "status = ?5, created_at = ?6 WHERE id = ?7");
    bind_account(update, account);
    update->bind(7, static_cast<std::int64_t>(account.id));
    if (update->exec() == 0) return fail(Errc::NotFound, "no account with id " + std::to_string(account.id));
    return std::move(account);
  });
}

}  // namespace certkeep::store

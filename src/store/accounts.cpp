// SPDX-License-Identifier: Apache-2.0
// SqlStore: ACME accounts.
#include "core/result_macros.hpp"
#include "store/account_rows.hpp"
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
    if (account.id == 0) {
      // RETURNING (SQLite ≥ 3.35, PostgreSQL): the id the engine assigned.
      StatementLease insert = CERTKEEP_TRY(statements_.get(
          "INSERT INTO accounts (directory_url, account_url, key_pem, contact, status, created_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"));
      bind_account(*insert, account);
      if (!CERTKEEP_TRY(insert->step())) return fail(Errc::Store, "insert account: no id returned");
      account.id = insert->int64(0);
      return std::move(account);
    }
    StatementLease update = CERTKEEP_TRY(statements_.get(
        "UPDATE accounts SET directory_url = ?1, account_url = ?2, key_pem = ?3, contact = ?4, "
        "status = ?5, created_at = ?6 WHERE id = ?7"));
    bind_account(*update, account);
    update->bind_int64(7, account.id);
    if (CERTKEEP_TRY(update->execute()) == 0)
      return fail(Errc::NotFound, "no account with id " + std::to_string(account.id));
    return std::move(account);
  });
}

}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
#include "store/account_rows.hpp"

#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<AccountRecord> read_account(const SQLite::Statement& row) {
  AccountRecord account;
  account.id = row.getColumn(0).getInt64();
  account.directory_url = row.getColumn(1).getString();
  account.account_url = row.getColumn(2).getString();
  account.key_pem = core::Secret(row.getColumn(3).getString());
  account.contact = row.getColumn(4).getString();
  const std::string status = row.getColumn(5).getString();
  auto parsed = parse_account_status(status);
  if (!parsed)
    return fail(Errc::Store,
                "account " + std::to_string(account.id) + " has unknown status \"" + status + "\"");
  account.status = *parsed;
  account.created_at = read_time(row.getColumn(6));
  return account;
}

void bind_account(SQLite::Statement& statement, const AccountRecord& account) {
  statement.bind(1, account.directory_url);
  statement.bind(2, account.account_url);
  statement.bind(3, account.key_pem.str());
  statement.bind(4, account.contact);
  statement.bind(5, std::string(to_string(account.status)));
  bind_time(statement, 6, account.created_at);
}

}  // namespace certkeep::store

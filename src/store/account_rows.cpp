// SPDX-License-Identifier: Apache-2.0
#include "store/account_rows.hpp"

#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<AccountRecord> read_account(const sql::Statement& row) {
  AccountRecord account;
  account.id = row.int64(0);
  account.directory_url = row.text(1);
  account.account_url = row.text(2);
  account.key_pem = core::Secret(row.text(3));
  account.contact = row.text(4);
  const std::string status = row.text(5);
  auto parsed = parse_account_status(status);
  if (!parsed)
    return fail(Errc::Store,
                "account " + std::to_string(account.id) + " has unknown status \"" + status + "\"");
  account.status = *parsed;
  account.created_at = read_time(row, 6);
  account.name = row.text(7);
  account.ca_bundle = row.text(8);
  account.server_ca_checksum = row.text(9);
  account.eab_key_id = row.text(10);
  account.eab_mac_key = core::Secret(row.text(11));
  account.eab_algorithm = row.text(12);
  account.next_key_pem = core::Secret(row.text(13));
  return account;
}

void bind_account(sql::Statement& statement, const AccountRecord& account) {
  statement.bind_text(1, account.directory_url);
  statement.bind_text(2, account.account_url);
  statement.bind_text(3, account.key_pem.view());
  statement.bind_text(4, account.contact);
  statement.bind_text(5, to_string(account.status));
  bind_time(statement, 6, account.created_at);
  statement.bind_text(7, account.name);
  statement.bind_text(8, account.ca_bundle);
  statement.bind_text(9, account.server_ca_checksum);
  statement.bind_text(10, account.eab_key_id);
  statement.bind_text(11, account.eab_mac_key.view());
  statement.bind_text(12, account.eab_algorithm);
  statement.bind_text(13, account.next_key_pem.view());
}

}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
// The mapping between a row of the `accounts` table and an AccountRecord.
#pragma once

#include <string_view>

#include "sql/connection.hpp"
#include "store/records.hpp"

namespace certkeep::store {

// SELECT list, in the order read_account expects.
inline constexpr std::string_view kAccountColumns =
    "id, directory_url, account_url, key_pem, contact, status, created_at";

// Errc::Store for a status this release does not know.
Result<AccountRecord> read_account(const sql::Statement& row);

// Binds directory_url, account_url, key_pem, contact, status, created_at to ?1..?6.
void bind_account(sql::Statement& statement, const AccountRecord& account);

}  // namespace certkeep::store

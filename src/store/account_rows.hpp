// SPDX-License-Identifier: Apache-2.0
// The mapping between a row of the `accounts` table and an AccountRecord.
#pragma once

#include <string_view>

#include "sql/connection.hpp"
#include "store/records.hpp"

namespace certkeep::store {

// SELECT list, in the order read_account expects.
inline constexpr std::string_view kAccountColumns =
    "id, directory_url, account_url, key_pem, contact, status, created_at, name, ca_bundle, "
    "server_ca_checksum, eab_key_id, eab_mac_key, eab_algorithm, next_key_pem";
// The written columns, in the order bind_account binds them (?1..?kAccountWrittenColumns).
inline constexpr std::string_view kAccountWrittenColumns =
    "directory_url, account_url, key_pem, contact, status, created_at, name, ca_bundle, "
    "server_ca_checksum, eab_key_id, eab_mac_key, eab_algorithm, next_key_pem";
inline constexpr int kAccountWrittenColumnCount = 13;

// Errc::Store for a status this release does not know.
Result<AccountRecord> read_account(const sql::Statement& row);

// Binds kAccountWrittenColumns to ?1..?13.
void bind_account(sql::Statement& statement, const AccountRecord& account);

}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
// The mapping between a row of the `certificates` table and a LineageRecord: the column list
// every lineage query selects, the reader for it, and the full-row insert.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"
#include "store/records.hpp"

namespace certkeep::store {

// SELECT list, in the order read_lineage expects.
extern const std::string_view kLineageColumns;

// "SELECT <kLineageColumns> FROM certificates <tail>".
std::string select_lineages(std::string_view tail);
// The same columns, with empty strings in place of the three PEM columns.
std::string select_lineage_summaries(std::string_view tail);
// The queries due_lineages (one parameter: now) and deploy_pending_lineages run, exposed so a
// test can EXPLAIN them.
std::string due_lineages_sql();
std::string deploy_pending_sql();
// Lineages whose renewalInfo poll is due (one parameter: now).
std::string ari_check_due_sql();

// INSERT of every stored column of a lineage; bind with bind_lineage_insert.
extern const std::string_view kInsertLineageSql;

// Reads the current row of a statement that selected kLineageColumns.
// Errc::Store when the row holds a status this build does not know.
Result<LineageRecord> read_lineage(const sql::Statement& row);

// Binds all parameters of kInsertLineageSql. Errc::InvalidArgument for a name or identifier
// the store cannot hold (empty name, newline in an identifier).
Result<void> bind_lineage_insert(sql::Statement& insert, const LineageRecord& lineage);

// Errc::NotFound "no lineage named NAME": what every lineage update answers for an unknown name.
Error no_lineage(const std::string& name);

// The settings columns, in the order bind_settings binds them.
extern const std::string_view kSettingsColumns;
inline constexpr int kSettingsColumnCount = 32;
// "?first, ?first+1, …": `count` numbered parameters.
std::string placeholders(int first, int count);
// Binds settings to parameters first..first+kSettingsColumnCount-1.
void bind_settings(sql::Statement& statement, int first, const LineageSettings& settings);

// Fallback issuers are stored one per line, their fields separated by tabs.
std::string join_issuers(const std::vector<IssuerEntry>& issuers);
Result<std::vector<IssuerEntry>> split_issuers(std::string_view text, const std::string& lineage);
// Errc::InvalidArgument for a field with a tab or a newline.
Result<void> check_issuers(const std::vector<IssuerEntry>& issuers);

// Identifiers are stored newline-separated: a DNS name never contains a newline.
std::string join_identifiers(const std::vector<std::string>& identifiers);
std::vector<std::string> split_identifiers(std::string_view text);
Result<void> check_identifiers(const std::vector<std::string>& identifiers);

}  // namespace certkeep::store

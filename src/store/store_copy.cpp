// SPDX-License-Identifier: Apache-2.0
#include "store/store_copy.hpp"

#include <algorithm>
#include <memory>

#include "core/result_macros.hpp"
#include "core/utf8.hpp"
#include "postgres/postgres_engine.hpp"
#include "sql/transaction.hpp"
#include "sqlite/sqlite_engine.hpp"
#include "store/schema.hpp"

namespace certkeep::store {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::vector<std::string> names_of(const std::vector<sql::Column>& columns, bool with_generated) {
  std::vector<std::string> names;
  for (const sql::Column& column : columns)
    if (with_generated || !column.generated) names.push_back(column.name);
  return names;
}

// The tables in copy order: the store's own (parents first), then any other, by name.
std::vector<StoreTable> copy_order(const std::vector<std::string>& present) {
  std::vector<StoreTable> order;
  for (const StoreTable& table : store_tables())
    if (std::find(present.begin(), present.end(), table.name) != present.end()) order.push_back(table);
  for (const std::string& name : present) {
    const bool known =
        std::any_of(order.begin(), order.end(), [&](const StoreTable& t) { return t.name == name; });
    if (!known) order.push_back(StoreTable{name, {}});
  }
  return order;
}

std::string select_sql(std::string_view table, const std::vector<std::string>& columns,
                       std::string_view order_by) {
  return "SELECT " + joined(columns) + " FROM " + std::string(table) + " ORDER BY " +
         (order_by.empty() ? joined(columns) : std::string(order_by));
}

// Copies the rows of one table; returns how many.
Result<std::int64_t> copy_table(sql::Connection& source, sql::Connection& target, const StoreTable& table,
                                const std::vector<std::string>& columns) {
  auto select = CERTKEEP_TRY(source.prepare(select_sql(table.name, columns, table.order_by)));
  std::string placeholders;
  for (std::size_t i = 1; i <= columns.size(); ++i)
    placeholders += (i == 1 ? "?" : ", ?") + std::to_string(i);
  auto insert = CERTKEEP_TRY(target.prepare("INSERT INTO " + std::string(table.name) + " (" +
                                            joined(columns) + ") VALUES (" + placeholders + ")"));
  std::int64_t rows = 0;
  while (CERTKEEP_TRY(select->step())) {
    for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
      // As text: the target parses each into its column's type, as it would a literal.
      if (select->is_null(i))
        insert->bind_null(i + 1);
      else
        insert->bind_text(i + 1, select->text(i));
    }
    CERTKEEP_TRY(insert->execute());
    insert->reset();
    ++rows;
  }
  return rows;
}

// Reads every row of `table` from both and compares them, every column included.
Result<void> compare_table(sql::Connection& source, sql::Connection& target, const StoreTable& table,
                           const std::vector<std::string>& columns, std::int64_t expected_rows) {
  const std::string sql = select_sql(table.name, columns, table.order_by);
  auto left = CERTKEEP_TRY(source.prepare(sql));
  auto right = CERTKEEP_TRY(target.prepare(sql));
  std::int64_t row = 0;
  for (;; ++row) {
    const bool has_left = CERTKEEP_TRY(left->step());
    const bool has_right = CERTKEEP_TRY(right->step());
    if (!has_left && !has_right) break;
    if (has_left != has_right)
      return fail(Errc::Store, "verify " + std::string(table.name) + ": the target has " +
                                   std::string(has_left ? "fewer" : "more") + " rows than the source");
    for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
      const bool same = left->is_null(i) == right->is_null(i) && left->text(i) == right->text(i);
      if (same) continue;
      // The row by its first column (a name or an id), never the value: it may be a key.
      const std::string where = "verify " + std::string(table.name) + ": row " + std::to_string(row + 1) +
                                " (" + columns.front() + " " + left->text(0) + ") differs in column " +
                                columns[static_cast<std::size_t>(i)];
      if (!core::is_valid_utf8(left->text(i)))
        return fail(Errc::Store, where + ": the source holds text that is not UTF-8 (or has a NUL), which " +
                                     target.name() + " cannot store; correct it in the source first");
      return fail(Errc::Store, where);
    }
  }
  if (row != expected_rows)
    return fail(Errc::Store, "verify " + std::string(table.name) + ": " + std::to_string(row) + " rows, " +
                                 std::to_string(expected_rows) + " copied");
  return {};
}

Result<CopyReport> copy_between(sql::Connection& source, sql::Connection& target) {
  auto snapshot = CERTKEEP_TRY(sql::Transaction::read(source));
  const int version = CERTKEEP_TRY(source.schema_version());
  if (version == 0) return fail(Errc::Store, source.name() + " holds no store (schema version 0)");
  if (version > kCurrentSchemaVersion)
    return fail(Errc::Store, source.name() + " has schema version " + std::to_string(version) +
                                 ", newer than this certkeep understands (" +
                                 std::to_string(kCurrentSchemaVersion) + ")");
  const std::vector<std::string> tables = CERTKEEP_TRY(source.table_names());

  auto writing = CERTKEEP_TRY(sql::Transaction::write(target));
  const std::vector<std::string> existing = CERTKEEP_TRY(target.table_names());
  if (!existing.empty())
    return fail(Errc::Store, target.name() + " is not empty: it has the table(s) " + joined(existing) +
                                 " (migrate into an empty database or schema)");
  if (const int found = CERTKEEP_TRY(target.schema_version()); found != 0)
    return fail(Errc::Store, target.name() + " is not empty: it has schema version " + std::to_string(found));
  CERTKEEP_TRY(apply_steps(target, 0, version));
  const std::vector<std::string> created = CERTKEEP_TRY(target.table_names());
  if (created != tables)
    return fail(Errc::Store, "the schemas differ: " + source.name() + " has the tables " + joined(tables) +
                                 ", " + target.name() + " at version " + std::to_string(version) + " has " +
                                 joined(created));

  CopyReport report;
  report.source = source.name();
  report.target = target.name();
  report.schema_version = version;
  const std::vector<StoreTable> order = copy_order(tables);
  for (const StoreTable& table : order) {
    const auto source_columns = CERTKEEP_TRY(source.columns(table.name));
    const auto target_columns = CERTKEEP_TRY(target.columns(table.name));
    if (source_columns != target_columns)
      return fail(Errc::Store, "the schemas differ: table " + std::string(table.name) + " has the columns " +
                                   joined(names_of(source_columns, true)) + " in the source, " +
                                   joined(names_of(target_columns, true)) + " in the target");
    const std::int64_t rows =
        CERTKEEP_TRY(copy_table(source, target, table, names_of(source_columns, false)));
    report.tables.push_back(CopiedTable{std::string(table.name), rows});
  }
  CERTKEEP_TRY(target.after_copy());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto columns = CERTKEEP_TRY(source.columns(order[i].name));
    CERTKEEP_TRY(compare_table(source, target, order[i], names_of(columns, true), report.tables[i].rows));
  }
  CERTKEEP_TRY(writing.commit());
  return report;
}

Result<std::unique_ptr<sql::Connection>> open_connection(const std::string& location,
                                                         const StoreOptions& options, bool read_only) {
  const sql::ConnectOptions connect{options.busy_timeout, false};
  if (is_postgres_location(location)) return postgres::connect(location, connect);
  if (read_only) return sqlite::open_file_read_only(location, connect);
  return sqlite::open_file(location, connect);
}

}  // namespace

Result<CopyReport> copy_store(const std::string& source, const std::string& target, StoreOptions options) {
  if (source.empty() || target.empty())
    return fail(Errc::InvalidArgument, "copy store: no source or no target");
  if (source == target)
    return fail(Errc::InvalidArgument, "copy store: the source and the target are the same store");
  const std::string what = "copy store " + describe_location(source) + " to " + describe_location(target);
  auto from = open_connection(source, options, true);
  if (!from) return fail(std::move(from).error().with_context(what));
  auto to = open_connection(target, options, false);
  if (!to) return fail(std::move(to).error().with_context(what));
  auto report = copy_between(**from, **to);
  if (!report) return fail(std::move(report).error().with_context(what));
  return report;
}

}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
// PgStatement: sql::Statement as a named prepared statement of a PgConnection. Parameters go as
// text (the server parses them into the columns' types); the result arrives whole on the first
// step and is read row by row (text format: integers as decimal, booleans as t/f).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "postgres/pg_connection.hpp"

namespace certkeep::postgres {

class PgStatement final : public sql::Statement {
 public:
  // `sql` already has $N parameters, `parameters` of them. Must not outlive `connection`.
  PgStatement(PgConnection& connection, std::string sql, int parameters)
      : connection_(connection),
        name_(connection.next_statement_name()),
        sql_(std::move(sql)),
        values_(static_cast<std::size_t>(parameters)),
        is_null_(static_cast<std::size_t>(parameters), true) {}
  ~PgStatement() override { connection_.forget_statement(std::move(name_), prepared_in_); }
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  // Prepares it on the server unless it already is on the current connection.
  Result<void> ensure_prepared();

  void bind_int64(int index, std::int64_t value) override;
  void bind_text(int index, std::string_view text) override;
  void bind_null(int index) override;

  Result<bool> step() override;
  Result<std::int64_t> execute() override;

  int column_count() const override { return result_ ? PQnfields(result_.get()) : 0; }
  bool is_null(int column) const override;
  std::int64_t int64(int column) const override;
  std::string text(int column) const override;

  void reset() noexcept override;

 private:
  // Sets parameter `index` (1-based); false (and the error noted) when out of range.
  bool slot(int index);
  Result<void> run();
  bool has_value(int column) const;

  PgConnection& connection_;
  std::string name_;
  std::string sql_;
  std::uint64_t prepared_in_ = 0;  // the connection generation it was prepared in; 0: never
  std::vector<std::string> values_;
  std::vector<bool> is_null_;
  std::string bind_error_;
  PgResult result_;
  bool ran_ = false;
  int row_ = -1;
};

}  // namespace certkeep::postgres

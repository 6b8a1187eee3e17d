// SPDX-License-Identifier: Apache-2.0
#include "postgres/pg_statement.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/result_macros.hpp"
#include "core/utf8.hpp"

namespace certkeep::postgres {

Result<void> PgStatement::ensure_prepared() {
  if (prepared_in_ == connection_.generation()) return {};
  connection_.deallocate_forgotten();
  PgResult prepared(PQprepare(connection_.handle(), name_.c_str(), sql_.c_str(), 0, nullptr));
  if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK)
    return fail(connection_.error_of(prepared.get()));
  prepared_in_ = connection_.generation();
  return {};
}

bool PgStatement::slot(int index) {
  if (index >= 1 && static_cast<std::size_t>(index) <= values_.size()) return true;
  if (bind_error_.empty())
    bind_error_ = "no parameter " + std::to_string(index) + " (the statement has " +
                  std::to_string(values_.size()) + ")";
  return false;
}

void PgStatement::bind_int64(int index, std::int64_t value) {
  if (!slot(index)) return;
  values_[static_cast<std::size_t>(index - 1)] = std::to_string(value);
  is_null_[static_cast<std::size_t>(index - 1)] = false;
}

void PgStatement::bind_text(int index, std::string_view text) {
  if (!slot(index)) return;
  // PostgreSQL refuses text that is not UTF-8 or holds a NUL (a hook may print anything).
  values_[static_cast<std::size_t>(index - 1)] =
      core::is_valid_utf8(text) ? std::string(text) : core::to_valid_utf8(text);
  is_null_[static_cast<std::size_t>(index - 1)] = false;
}

void PgStatement::bind_null(int index) {
  if (!slot(index)) return;
  values_[static_cast<std::size_t>(index - 1)].clear();
  is_null_[static_cast<std::size_t>(index - 1)] = true;
}

Result<void> PgStatement::run() {
  if (!bind_error_.empty()) return fail(Errc::Internal, connection_.name() + ": " + bind_error_);
  CERTKEEP_TRY(ensure_prepared());
  std::vector<const char*> values(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) values[i] = is_null_[i] ? nullptr : values_[i].c_str();
  result_.reset(PQexecPrepared(connection_.handle(), name_.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0));
  ran_ = true;
  row_ = -1;
  const ExecStatusType status = result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error error = connection_.error_of(result_.get());
    result_.reset();
    return fail(std::move(error));
  }
  return {};
}

Result<bool> PgStatement::step() {
  if (!ran_) CERTKEEP_TRY(run());
  if (!result_) return false;
  if (row_ + 1 >= PQntuples(result_.get())) {
    row_ = PQntuples(result_.get());
    return false;
  }
  ++row_;
  return true;
}

Result<std::int64_t> PgStatement::execute() {
  if (!ran_) CERTKEEP_TRY(run());
  if (!result_) return 0;
  const char* tuples = PQcmdTuples(result_.get());
  return tuples != nullptr && tuples[0] != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
}

bool PgStatement::has_value(int column) const {
  return result_ && row_ >= 0 && row_ < PQntuples(result_.get()) && column >= 0 &&
         column < PQnfields(result_.get());
}

bool PgStatement::is_null(int column) const {
  return !has_value(column) || PQgetisnull(result_.get(), row_, column) != 0;
}

std::int64_t PgStatement::int64(int column) const {
  if (is_null(column)) return 0;
  const char* value = PQgetvalue(result_.get(), row_, column);
  const int length = PQgetlength(result_.get(), row_, column);
  if (length == 1 && value[0] == 't') return 1;
  if (length == 1 && value[0] == 'f') return 0;
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value, value + length, number);
  if (error != std::errc() || end != value + length) return 0;
  return number;
}

std::string PgStatement::text(int column) const {
  if (is_null(column)) return {};
  return std::string(PQgetvalue(result_.get(), row_, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
}

void PgStatement::reset() noexcept {
  result_.reset();
  ran_ = false;
  row_ = -1;
  bind_error_.clear();
  for (std::size_t i = 0; i < values_.size(); ++i) {
    values_[i].clear();
    is_null_[i] = true;
  }
}

}  // namespace certkeep::postgres

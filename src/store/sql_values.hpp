// SPDX-License-Identifier: Apache-2.0
// Small conversions between C++ values and SQL columns used by every *_rows file:
// times as unix seconds (NULL for "none"), booleans as 0/1.
#pragma once

#include <cstdint>
#include <optional>

#include "core/clock.hpp"
#include "sql/connection.hpp"

namespace certkeep::store {

inline std::int64_t unix_seconds(core::SystemTime t) { return core::to_unix(t); }

inline void bind_time(sql::Statement& statement, int index, core::SystemTime t) {
  statement.bind_int64(index, static_cast<std::int64_t>(core::to_unix(t)));
}

inline void bind_time(sql::Statement& statement, int index, const std::optional<core::SystemTime>& t) {
  if (t)
    bind_time(statement, index, *t);
  else
    statement.bind_null(index);
}

inline core::SystemTime read_time(const sql::Statement& row, int column) {
  return core::from_unix(row.int64(column));
}

inline std::optional<core::SystemTime> read_optional_time(const sql::Statement& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return core::from_unix(row.int64(column));
}

// The time every write records as updated_at / event time: the store has no Clock of its own.
inline core::SystemTime store_now() { return core::system_clock().now(); }

}  // namespace certkeep::store

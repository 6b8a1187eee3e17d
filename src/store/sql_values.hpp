// SPDX-License-Identifier: Apache-2.0
// Small conversions between C++ values and SQLite columns used by every *_rows file:
// times as unix seconds (NULL for "none"), booleans as 0/1.
#pragma once

#include <cstdint>
#include <optional>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "core/clock.hpp"

namespace certkeep::store {

inline std::int64_t unix_seconds(core::SystemTime t) { return core::to_unix(t); }

inline void bind_time(SQLite::Statement& statement, int index, core::SystemTime t) {
  statement.bind(index, static_cast<std::int64_t>(core::to_unix(t)));
}

inline void bind_time(SQLite::Statement& statement, int index, const std::optional<core::SystemTime>& t) {
  if (t)
    bind_time(statement, index, *t);
  else
    statement.bind(index);  // NULL
}

inline core::SystemTime read_time(const SQLite::Column& column) { return core::from_unix(column.getInt64()); }

inline std::optional<core::SystemTime> read_optional_time(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return core::from_unix(column.getInt64());
}

// The time every write records as updated_at / event time: the store has no Clock of its own.
inline core::SystemTime store_now() { return core::system_clock().now(); }

}  // namespace certkeep::store

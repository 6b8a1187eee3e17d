// SPDX-License-Identifier: Apache-2.0
#include "sqlite/sqlite_errors.hpp"

#include <sqlite3.h>

namespace certkeep::sqlite {

Error sqlite_error(std::string_view what, int code, std::string_view message) {
  // The primary code: an extended one (SQLITE_BUSY_SNAPSHOT) names the same kind of failure.
  const int primary = code < 0 ? -1 : (code & 0xFF);
  const std::string context = what.empty() ? std::string() : std::string(what) + ": ";
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(Errc::Busy, context + "store is busy (another connection holds the write lock)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Error(Errc::Store, context + "store corrupt: " + std::string(message));
    default: return Error(Errc::Store, context + std::string(message));
  }
}

Error sqlite_error(std::string_view what, const SQLite::Exception& exception) {
  return sqlite_error(what, exception.getErrorCode(), exception.what());
}

}  // namespace certkeep::sqlite

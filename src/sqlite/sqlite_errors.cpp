// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_guard.hpp"

#include <sqlite3.h>

namespace certkeep::store {

Error sqlite_error(std::string_view what, const SQLite::Exception& exception) {
  // SQLiteCpp reports the code it got, which may be an extended one (SQLITE_BUSY_SNAPSHOT).
  const int code = exception.getErrorCode() < 0 ? -1 : (exception.getErrorCode() & 0xFF);
  const std::string context = what.empty() ? std::string() : std::string(what) + ": ";
  switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(Errc::Busy, context + "store is busy (another connection holds the write lock)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Error(Errc::Store, context + "store corrupt: " + exception.what());
    default: return Error(Errc::Store, context + exception.what());
  }
}

}  // namespace certkeep::store

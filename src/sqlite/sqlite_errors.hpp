// SPDX-License-Identifier: Apache-2.0
// SQLite's failures as Errors. SQLiteCpp reports them by throwing SQLite::Exception and the
// sqlite3 C API by result codes; both stop here, in the SQLite engine, as Result errors.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include <SQLiteCpp/Exception.h>

#include "certkeep/result.hpp"

namespace certkeep::sqlite {

// Maps an SQLite result code (primary or extended) and its message to an Error, with `what`
// as context when not empty: SQLITE_BUSY/SQLITE_LOCKED → Errc::Busy "store is busy";
// SQLITE_CORRUPT/SQLITE_NOTADB → Errc::Store "store corrupt: …"; everything else → Errc::Store
// with SQLite's message.
Error sqlite_error(std::string_view what, int code, std::string_view message);
Error sqlite_error(std::string_view what, const SQLite::Exception& exception);

// Runs `body` (returning Result<T>) and turns any exception it throws into an error Result.
// std::bad_alloc is not caught: running out of memory terminates (docs/architecture.md "Errors").
template <class Body>
auto guarded(std::string_view what, Body&& body) -> std::invoke_result_t<Body> {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const SQLite::Exception& exception) {
    return fail(sqlite_error(what, exception));
  } catch (const std::exception& exception) {
    return fail(Errc::Store, std::string(what) + ": " + exception.what());
  }
}

}  // namespace certkeep::sqlite

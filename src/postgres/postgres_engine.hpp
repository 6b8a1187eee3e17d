// SPDX-License-Identifier: Apache-2.0
// The PostgreSQL engine: the store in a PostgreSQL database (a fleet's shared store), behind
// the SQL seam (sql/connection.hpp). The only module that includes libpq.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"

namespace certkeep::postgres {

// "postgresql://…" or "postgres://…": a libpq connection URI.
bool is_postgres_url(std::string_view location) noexcept;

// The server, database and user a URI names, for messages; never its password.
// E.g. `PostgreSQL database "certkeep" on /run/postgresql (port 5432, user certkeep)`.
std::string describe_url(std::string_view url);

// Connects to the database `url` names (libpq's URI: postgresql://[user[:password]@][host]
// [:port][/database][?param=value&…], host=/socket/dir for a Unix socket; libpq's environment
// variables and ~/.pgpass fill in what it leaves out) with a 10 s connect timeout unless the
// URI sets connect_timeout. The store's tables live in the connection's current schema (the
// first of its search_path). Errc::Store naming the server, never the password: a malformed
// URI, an unreachable server, a refused login, a missing database, a server older than
// PostgreSQL 12, or no schema to work in.
Result<std::unique_ptr<sql::Connection>> connect(const std::string& url, const sql::ConnectOptions& options);

}  // namespace certkeep::postgres

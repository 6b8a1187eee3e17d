// SPDX-License-Identifier: Apache-2.0
// PgListener: a store's change signal on PostgreSQL, a dedicated connection that LISTENs on the
// store's channel (writers NOTIFY it in their transaction, pg_connection.cpp) and waits for
// notifications on its socket with poll(2), so a follower wakes within milliseconds of a commit.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"

namespace certkeep::postgres {

// Connects to `url` as connect() does and LISTENs on the store's channel. Errc::Store naming
// the server (never the password) when it cannot.
Result<std::unique_ptr<sql::ChangeSignal>> listen(const std::string& url, const sql::ConnectOptions& options);

}  // namespace certkeep::postgres

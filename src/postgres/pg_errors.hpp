// SPDX-License-Identifier: Apache-2.0
// libpq's failures as Errors that name the server, by the SQLSTATE the server sent.
#pragma once

#include <string_view>

#include <libpq-fe.h>

#include "certkeep/result.hpp"

namespace certkeep::postgres {

// The error of a failed command: `result` (may be null when libpq could not even send it) on
// `connection`, whose server `server` describes. By SQLSTATE: lock timeout, deadlock or
// serialization failure → Errc::Busy "store is busy"; a read-only transaction (default_
// transaction_read_only, a standby) → Errc::Store "… is read-only"; disk full → Errc::Store
// "… is out of disk space"; a lost connection → Errc::Store "lost the connection to …";
// data corruption → "store corrupt: …"; anything else → Errc::Store with the server's words.
Error command_error(std::string_view server, const PGresult* result, const PGconn* connection);

// libpq's message without its trailing newline, with `secret` (a password) blanked out.
std::string libpq_message(const char* message, std::string_view secret = {});

}  // namespace certkeep::postgres

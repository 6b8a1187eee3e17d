// SPDX-License-Identifier: Apache-2.0
#include "postgres/pg_errors.hpp"

#include <string>

namespace certkeep::postgres {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string libpq_message(const char* message, std::string_view secret) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  // One line: libpq continues a message on lines indented by a tab ("\n\tIs the server
  // running…").
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    std::size_t end = at + 1;
    while (end < text.size() && (text[end] == '\t' || text[end] == ' ')) ++end;
    text.replace(at, end - at, "; ");
  }
  if (!secret.empty())
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "***");
  return text;
}

Error command_error(std::string_view server, const PGresult* result, const PGconn* connection) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  std::string message;
  if (result != nullptr && PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) != nullptr)
    message = libpq_message(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
  else if (result != nullptr && PQresultErrorMessage(result)[0] != '\0')
    message = libpq_message(PQresultErrorMessage(result));
  else
    message = libpq_message(PQerrorMessage(connection));
  const std::string where(server);
  if (PQstatus(connection) == CONNECTION_BAD || starts_with(sqlstate, "08") || starts_with(sqlstate, "57P"))
    return Error(Errc::Store, "lost the connection to " + where + ": " + message);
  if (sqlstate == "55P03" || sqlstate == "40P01" || sqlstate == "40001")
    return Error(Errc::Busy,
                 "store is busy (another connection holds the write lock): " + where + ": " + message);
  if (sqlstate == "25006") return Error(Errc::Store, where + " is read-only: " + message);
  if (sqlstate == "53100") return Error(Errc::Store, where + " is out of disk space: " + message);
  if (sqlstate == "XX001" || sqlstate == "XX002")
    return Error(Errc::Store, "store corrupt: " + where + ": " + message);
  return Error(Errc::Store,
               where + ": " + message + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"));
}

}  // namespace certkeep::postgres

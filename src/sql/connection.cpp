// SPDX-License-Identifier: Apache-2.0
#include "sql/connection.hpp"

namespace certkeep::sql {

std::string_view to_string(Engine engine) noexcept {
  switch (engine) {
    case Engine::Sqlite: return "sqlite";
    case Engine::Postgres: return "postgresql";
  }
  return "unknown";
}

}  // namespace certkeep::sql

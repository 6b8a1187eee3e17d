// SPDX-License-Identifier: Apache-2.0
// Logging front: the only way modules log. spdlog is included in log.cpp alone.
#pragma once

#include <string_view>

namespace certkeep::core::log {

enum class Level { Trace, Debug, Info, Warn, Error, Off };

// Process-wide: the CLI sets it from -v/-q; the library leaves Warn.
void set_level(Level level);
Level level();
bool enabled(Level level);

// Messages are sanitized for the terminal before they are written to stderr.
void write(Level level, std::string_view message);
inline void trace(std::string_view m) { write(Level::Trace, m); }
inline void debug(std::string_view m) { write(Level::Debug, m); }
inline void info(std::string_view m) { write(Level::Info, m); }
inline void warn(std::string_view m) { write(Level::Warn, m); }
inline void error(std::string_view m) { write(Level::Error, m); }

}  // namespace certkeep::core::log

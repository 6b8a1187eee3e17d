// SPDX-License-Identifier: Apache-2.0
#include "core/log.hpp"

#include <atomic>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/strings.hpp"

namespace certkeep::core::log {

namespace {

std::atomic<Level> current_level{Level::Warn};

spdlog::logger& logger() {
  // stderr, no colour codes: journald and pipes get clean lines.
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto created = std::make_shared<spdlog::logger>("certkeep", sink);
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    created->set_level(spdlog::level::trace);
    return created;
  }();
  return *instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::Trace: return spdlog::level::trace;
    case Level::Debug: return spdlog::level::debug;
    case Level::Info: return spdlog::level::info;
    case Level::Warn: return spdlog::level::warn;
    case Level::Error: return spdlog::level::err;
    case Level::Off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void set_level(Level level) { current_level.store(level); }
Level level() { return current_level.load(); }
bool enabled(Level level) { return level >= current_level.load() && level != Level::Off; }

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  logger().log(to_spdlog(level), "{}", sanitize_for_terminal(message, 8192));
}

}  // namespace certkeep::core::log

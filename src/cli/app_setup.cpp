// SPDX-License-Identifier: Apache-2.0
// Wiring shared by the commands: opening the App, naming the CA.
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/command.hpp"

namespace certkeep::cli {

Result<std::unique_ptr<lifecycle::App>> open_app(const GlobalOptions& global, const Output& out,
                                                 bool verify_store, std::chrono::seconds lease_ttl) {
  lifecycle::AppOptions options;
  options.lease_ttl = lease_ttl;
  options.verify_store = verify_store;
  options.state_dir = global.state_dir;
  options.notify_hook = global.notify_hook;
  options.store = global.store;
  options.confirm_timeout = std::chrono::seconds(global.confirm_timeout);
  options.progress = [&out](std::string_view line) { out.progress(line); };
  auto app = lifecycle::App::open(std::move(options));
  if (!app) return fail(std::move(app).error().with_context("open state"));
  return app;
}

Result<std::unique_ptr<lifecycle::App>> open_scratch_app(const std::filesystem::path& scratch_dir,
                                                         const Output& out) {
  lifecycle::AppOptions options;
  options.state_dir = scratch_dir;
  options.in_memory_store = true;
  options.progress = [&out](std::string_view line) { out.progress(line); };
  auto app = lifecycle::App::open(std::move(options));
  if (!app) return fail(std::move(app).error().with_context("open a scratch state"));
  return app;
}

Result<ScratchDir> ScratchDir::create(std::string_view label) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && base[0] == '/' ? base : "/tmp") + "/certkeep-" +
                        std::string(label) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail(Errc::Io,
                "cannot create a temporary directory under " + pattern + ": " + std::strerror(errno));
  return ScratchDir(pattern);
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Result<std::string> resolve_server(const std::string& server) {
  return lifecycle::resolve_directory_url(server);
}

}  // namespace certkeep::cli

// SPDX-License-Identifier: Apache-2.0
// Wiring shared by the commands: opening the App, naming the CA.
#include "cli/command.hpp"

namespace certkeep::cli {

Result<std::unique_ptr<lifecycle::App>> open_app(const GlobalOptions& global, const Output& out,
                                                 bool verify_store) {
  lifecycle::AppOptions options;
  options.verify_store = verify_store;
  options.state_dir = global.state_dir;
  options.store = global.store;
  options.progress = [&out](std::string_view line) { out.progress(line); };
  auto app = lifecycle::App::open(std::move(options));
  if (!app) return fail(std::move(app).error().with_context("open state"));
  return app;
}

Result<std::string> resolve_server(const std::string& server) {
  return lifecycle::resolve_directory_url(server);
}

}  // namespace certkeep::cli

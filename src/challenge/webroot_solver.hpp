// SPDX-License-Identifier: Apache-2.0
// WebrootSolver: writes <webroot>/.well-known/acme-challenge/<token> for an existing web
// server to serve, and removes exactly what it created afterwards.
#pragma once

#include <filesystem>
#include <memory>

#include "certkeep/solver.hpp"

namespace certkeep::challenge {

// Errc::InvalidArgument when the webroot is not an existing directory.
// The solver is thread-safe.
// present(): Errc::InvalidArgument for a malformed token or key authorization; never follows a
// symlink in the path below the webroot (per-component openat(O_NOFOLLOW)); token files 0644,
// created directories 0755; Errc::Io "unsafe webroot path" when a component is a symlink.
// cleanup(): unlinks only files it created and rmdirs only directories it created, if empty.
Result<std::unique_ptr<Solver>> make_webroot_solver(std::filesystem::path webroot);

}  // namespace certkeep::challenge

// SPDX-License-Identifier: Apache-2.0
// The deployed copy of a lineage: <state>/live/<name> is a symlink to
// <state>/archive/<name>/<version>/ holding cert.pem, chain.pem, fullchain.pem, privkey.pem.
// A new version is written and fsynced in full, then the symlink is replaced by rename(2), so a
// reader sees all-old or all-new files, never a mix and never a half-written file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "certkeep/result.hpp"
#include "core/secret.hpp"

namespace certkeep::deploy {

struct LiveFiles {
  std::string cert;       // leaf PEM
  std::string chain;      // intermediates PEM (may be empty)
  std::string fullchain;  // cert + chain
  core::Secret privkey;   // written 0600; empty: no privkey.pem (the key of a CSR stays with its owner)
};

// Writes a new version directory (0700; privkey.pem 0600, the others 0644) named after
// `serial`, atomically points live/<name> at it, fsyncs the directories and keeps the newest
// three versions. Creates <state>/live and <state>/archive (0700) when missing. Refuses a
// `name` that is not a valid lineage name (Errc::InvalidArgument) and a live/<name> that is
// a regular directory or a symlink leaving the archive (Errc::Io). A failure at any point
// leaves the previous version live.
//
// Version directories are named "v<8-digit counter>-<serial>" (v00000007-0A1B…), so they sort
// by age; `serial` must be 1-128 characters of [0-9A-Za-z] (Errc::InvalidArgument otherwise).
// Returns the new version directory (<state>/archive/<name>/<version>).
// Readers: a program that opens live/<name>/cert.pem and then live/<name>/privkey.pem by path
// may straddle a switch. To read a matching pair, resolve live/<name> once (open the directory
// and openat(2) both files, or realpath it) and read both files from there.
// Not safe against a concurrent publish of the same lineage by another thread or process (the
// lifecycle serializes deployments per lineage); different lineages may be published at once.
Result<std::filesystem::path> publish_live_files(const std::filesystem::path& state_dir,
                                                 const std::string& name, const std::string& serial,
                                                 const LiveFiles& files);

// Removes live/<name> and archive/<name>. Missing files are not an error. Errc::InvalidArgument
// for a bad name; Errc::Io when live/<name> is not a symlink (user data is never deleted).
Result<void> remove_live_files(const std::filesystem::path& state_dir, const std::string& name);

// The serial of the version live/<name> points to, read from the version directory's name;
// std::nullopt when nothing is published. Errc::InvalidArgument for a bad name; Errc::Io when
// live/<name> is not a symlink into archive/<name>/ or cannot be read.
Result<std::optional<std::string>> live_serial(const std::filesystem::path& state_dir,
                                               const std::string& name);

}  // namespace certkeep::deploy

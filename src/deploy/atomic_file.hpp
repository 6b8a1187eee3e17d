// SPDX-License-Identifier: Apache-2.0
// Crash-safe file output: a file is either its old content or its new content, never a
// truncated mix, and a private file is never readable by others, not even for an instant.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "certkeep/result.hpp"

namespace certkeep::deploy {

// Replaces `path` with `content`: writes a temporary file in the same directory (created
// exclusively, without following symlinks, already with `mode`), fsyncs it, rename(2)s it over
// `path` and fsyncs the directory. The final file has exactly `mode` (the umask can only have
// narrowed it during creation; fchmod restores the requested bits). A symlink at `path` is
// replaced, not written through. On any failure the temporary file is removed and `path` keeps
// its old content. Errc::Io naming the path and strerror. Thread-safe for distinct paths;
// concurrent writers of one path each leave a complete file (the last rename wins).
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t mode);

// Creates `path` (which must not exist: O_EXCL, no symlink followed) with exactly `mode`, writes
// `content` in full and fsyncs it. The caller fsyncs the directory. On failure the partial file
// is removed. Errc::Io naming the path.
Result<void> write_new_file(const std::filesystem::path& path, std::string_view content, mode_t mode);

// fsync(2) of a directory, so the names created, renamed or removed in it survive a crash.
// Errc::Io naming the directory.
Result<void> fsync_directory(const std::filesystem::path& directory);

// mkdir -p: every missing component is created 0700. Existing components are left as they are
// (an intermediate may be a symlink, like /var -> /data/var), but the final component must be a
// real directory: a symlink or any other file there is refused with Errc::Io.
Result<void> ensure_private_directory(const std::filesystem::path& path);

// The Errc::Io failure of a file operation: "<step> <path>: <errno text>".
tl::unexpected<Error> io_error(std::string_view step, const std::filesystem::path& path, int error_number);

}  // namespace certkeep::deploy

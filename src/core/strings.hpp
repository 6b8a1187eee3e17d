// SPDX-License-Identifier: Apache-2.0
// Small string helpers shared by every module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace certkeep::core {

// Escapes C0/C1 control characters and ESC as \xNN and caps the length (with "…"), so text
// from a CA or a hook is safe to print on a terminal or send to journald.
std::string sanitize_for_terminal(std::string_view text, std::size_t max_length = 2048);

std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::vector<std::string> split(std::string_view text, char separator);
std::string_view trim(std::string_view text) noexcept;

// DNS name grammar (LDH A-labels, lowercase, ≤253, labels ≤63, no trailing dot; a leading
// "*." allowed when `allow_wildcard`).
bool is_valid_dns_name(std::string_view name, bool allow_wildcard = false) noexcept;
// Lineage names: [a-z0-9._-], no leading '.' or '-', not "." or "..", ≤255.
bool is_valid_lineage_name(std::string_view name) noexcept;

// The text of an errno value ("No space left on device"); thread-safe, unlike strerror.
std::string errno_text(int error_number);

}  // namespace certkeep::core

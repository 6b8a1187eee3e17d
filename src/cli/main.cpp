// SPDX-License-Identifier: Apache-2.0
// certkeep: the command-line front end. The process set-up is here; the command line itself
// is cli/command_line.cpp, which the CLI unit tests run too.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include "cli/command_line.hpp"
#include "cli/exit_codes.hpp"
#include "core/failpoint.hpp"

int main(int argc, char** argv) {
  using namespace certkeep;
  // Keys and the store are private by default, whatever the caller's umask.
  ::umask(077);
#ifdef CERTKEEP_FAILPOINTS
  // Test builds: the crash tests ask which failpoints there are (core/failpoint.hpp), those of
  // an issuance by default, or of a group: `--list-failpoints rollover`.
  if ((argc == 2 || argc == 3) && std::strcmp(argv[1], "--list-failpoints") == 0) {
    const auto group = argc == 3 ? core::parse_failpoint_group(argv[2]) : core::FailpointGroup::Issuance;
    if (!group) {
      std::fprintf(stderr, "error: failpoint groups are issuance and rollover\n");
      return cli::kExitUsage;
    }
    for (std::string_view name : core::failpoint_names(*group))
      std::printf("%.*s\n", static_cast<int>(name.size()), name.data());
    return cli::kExitSuccess;
  }
#endif
  return cli::run_command_line(argc, argv);
}

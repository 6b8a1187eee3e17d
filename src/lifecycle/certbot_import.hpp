// SPDX-License-Identifier: Apache-2.0
// The migration path from certbot (`certkeep import --from-certbot DIR`): every lineage of a
// certbot configuration directory (renewal/*.conf, the certificates it names under live/ and
// archive/, the account under accounts/) becomes an ACME lineage certkeep renews from then on,
// with the same account where its key can be read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

struct CertbotImport {
  std::vector<store::LineageRecord> lineages;  // as stored and deployed
  std::vector<std::string> notes;              // what the operator should know (hooks, accounts)
};

// Reads and checks every renewal/*.conf first (names, files, key, chain, authenticator, key
// type, hook, account); any problem is an Errc::InvalidArgument naming the file and nothing is
// imported. Then stores and deploys each lineage. A lineage name that exists already is refused.
// `ca_bundle` (may be empty) is the extra root each lineage trusts for its CA's HTTPS.
Result<CertbotImport> import_from_certbot(Services& services, const std::filesystem::path& config_dir,
                                          const std::string& ca_bundle = "");

}  // namespace certkeep::lifecycle

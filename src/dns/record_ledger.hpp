// SPDX-License-Identifier: Apache-2.0
// RecordLedger: where a DNS-01 solver notes the records it adds before it adds them, and
// crosses them out once they are gone, so that a run killed between present and cleanup is
// repaired by the next run (the lifecycle keeps the ledger in the store).
#pragma once

#include <string>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::dns {

struct LedgerRecord {
  std::string zone;   // the zone the record was added to ("" when a hook added it)
  std::string name;   // "_acme-challenge.example.com"
  std::string value;  // the TXT value
};

class RecordLedger {
 public:
  virtual ~RecordLedger() = default;
  // Before the update that adds `records` is sent. An error stops the update.
  virtual Result<void> adding(const std::vector<LedgerRecord>& records) = 0;
  // Once `records` are known to be gone: deleted, or never added (the server refused).
  virtual void removed(const std::vector<LedgerRecord>& records) noexcept = 0;
};

// What deletes records a ledger holds, for the repair of a killed run's leftovers: the solver
// that added them (RFC 2136, hook), made again from the settings stored with them.
class RecordRemover {
 public:
  virtual ~RecordRemover() = default;
  // Deletes `records` of `zone` ("" for a hook) and crosses them out of the solver's ledger.
  virtual Result<void> remove(const std::string& zone, const std::vector<LedgerRecord>& records) = 0;
};

}  // namespace certkeep::dns

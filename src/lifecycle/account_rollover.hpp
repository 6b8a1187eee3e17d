// SPDX-License-Identifier: Apache-2.0
// Account key rollover (RFC 8555 §7.3.5) that cannot lose the account. The new key is stored
// beside the old one before the CA is asked (next_key_pem), and becomes the account's key only
// once the CA confirmed; the old key is kept until then. So at every instant the store holds a
// key the CA accepts, and a run that finds a rollover pending settles it: the new key first (the
// CA may have switched before the crash), else the old one, and then the keyChange is sent again.
//
//   state                     store                      CA          next run
//   stable                    key=old                    old         -
//   rollover_key_stored       key=old, next=new          old         keyChange again, commit
//   rollover_key_changed      key=old, next=new          new         new key accepted: commit
//   rollover_committed        key=new                    new         -
#pragma once

#include "acme/client.hpp"
#include "certkeep/result.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

// Rolls `account` over to a freshly generated key (the old key's type) and returns the stored
// account. The client must be connected to the account's CA. A rollover already pending is
// completed with its stored key instead of a new one. Errc::CaProblem when the CA refuses (the
// old key stays the account's, the new one is dropped when the CA says it belongs to another
// account).
Result<store::AccountRecord> rollover_account_key(store::Store& store, acme::Client& client,
                                                  store::AccountRecord account);

// For every use of an account: when a rollover is pending, finds which key the CA accepts and
// finishes the rollover (or drops the new key when the CA will never take it). Sets the
// client's signer to the account's key either way. A no-op without a pending rollover.
Result<store::AccountRecord> settle_pending_rollover(store::Store& store, acme::Client& client,
                                                     store::AccountRecord account);

}  // namespace certkeep::lifecycle

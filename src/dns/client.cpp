// SPDX-License-Identifier: Apache-2.0
#include "dns/client.hpp"

#include "core/result_macros.hpp"

namespace certkeep::dns {

namespace {

std::string key_text(const TsigKey& key) {
  return "TSIG key \"" + key.name + "\" (" + std::string(to_string(key.algorithm)) + ", from " + key.file + ")";
}

Error update_refused(const ServerAddress& server, std::string_view zone, const TsigKey& key, const Reply& reply) {
  const std::string who = "DNS server " + server.to_string();
  const std::string what = "update of zone " + std::string(zone);
  const int tsig_error = reply.has_tsig ? reply.tsig_error : 0;
  // RFC 8945 §5.3.2: a request whose MAC fails is answered NOTAUTH with TSIG error BADSIG; BIND
  // 9.18 instead treats it as unsigned and refuses it with an unsigned REFUSED. A refusal of a
  // signed request that the server did not sign means the same: it did not accept our key.
  if (tsig_error == kBadKey)
    return Error(Errc::Dns, who + " does not know " + key_text(key) + " (BADKEY): " + what +
                                " refused; check the key name against the server's configuration");
  if (tsig_error == kBadSig || (!reply.has_tsig && (reply.rcode == kRefused || reply.rcode == kNotAuth)))
    return Error(Errc::Dns, who + " did not accept the signature of " + key_text(key) +
                                " (BADSIG: the secret or algorithm differs from the server's key \"" + key.name +
                                "\"; " + rcode_name(reply.rcode) + " unsigned): " + what + " refused");
  if (tsig_error == kBadTime)
    return Error(Errc::Dns, who + " refused " + key_text(key) +
                                " (BADTIME): this host's clock and the server's differ by more than 5 minutes");
  if (tsig_error != 0)
    return Error(Errc::Dns, who + ": " + what + " refused, TSIG error " + rcode_name(tsig_error));
  switch (reply.rcode) {
    case kRefused:
      return Error(Errc::Dns, who + " refused the " + what + " (REFUSED): its policy does not let " + key_text(key) +
                                  " change TXT records there (BIND: update-policy { grant " + key.name +
                                  " zonesub TXT; };)");
    case kNotAuth:
      return Error(Errc::Dns, who + " is not authoritative for zone " + std::string(zone) +
                                  " (NOTAUTH): send updates to the zone's primary server");
    case kNotZone:
      return Error(Errc::Dns, who + ": " + what + " refused (NOTZONE): a record is outside the zone");
    case kServFail:
      return Error(Errc::Network, who + ": " + what + " failed (SERVFAIL): the server could not apply it now");
    default: return Error(Errc::Dns, who + ": " + what + " refused (" + rcode_name(reply.rcode) + ")");
  }
}

}  // namespace

Result<Reply> query(const ServerAddress& server, std::string_view name, RecordType type,
                    const ExchangeOptions& options, Recursion recursion) {
  const Message request = CERTKEEP_TRY(make_query(name, type, recursion));
  std::string wire = CERTKEEP_TRY(exchange(server, request.wire, Protocol::Udp, options));
  Reply reply = CERTKEEP_TRY(parse_reply(wire));
  if (reply.truncated) {
    // RFC 7766: a truncated answer is asked again over TCP.
    wire = CERTKEEP_TRY(exchange(server, request.wire, Protocol::Tcp, options));
    reply = CERTKEEP_TRY(parse_reply(wire));
  }
  return reply;
}

Result<void> send_update(const ServerAddress& server, std::string_view zone, const std::vector<TxtChange>& adds,
                         const std::vector<TxtChange>& deletes, std::chrono::seconds ttl, const TsigKey& key,
                         const ExchangeOptions& options) {
  const Message request = CERTKEEP_TRY(make_update(zone, adds, deletes, ttl, key));
  const std::string wire = CERTKEEP_TRY(exchange(server, request.wire, Protocol::Tcp, options));
  const Reply reply = CERTKEEP_TRY(parse_reply(wire));
  if (reply.rcode != kNoError || (reply.has_tsig && reply.tsig_error != 0))
    return fail(update_refused(server, zone, key, reply));
  // A NOERROR we cannot authenticate may be forged: the records may not be there.
  if (!reply.has_tsig || !verify_reply_tsig(wire, key, request.mac))
    return fail(Errc::Dns, "DNS server " + server.to_string() + " answered the update of zone " + std::string(zone) +
                               " without a valid signature of " + key_text(key) + ": the answer is not trusted");
  return {};
}

}  // namespace certkeep::dns

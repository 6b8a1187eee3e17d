// SPDX-License-Identifier: Apache-2.0
#include "dns/wire.hpp"

#include <ldns/ldns.h>

#include <memory>

#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::dns {

namespace {

struct PacketFree {
  void operator()(ldns_pkt* packet) const noexcept { ldns_pkt_free(packet); }
};
struct RrFree {
  void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
};
struct RrListFree {
  void operator()(ldns_rr_list* list) const noexcept { ldns_rr_list_deep_free(list); }
};
struct RdfFree {
  void operator()(ldns_rdf* rdf) const noexcept { ldns_rdf_deep_free(rdf); }
};
struct BytesFree {
  void operator()(void* bytes) const noexcept { LDNS_FREE(bytes); }
};
using Packet = std::unique_ptr<ldns_pkt, PacketFree>;
using Rr = std::unique_ptr<ldns_rr, RrFree>;
using RrList = std::unique_ptr<ldns_rr_list, RrListFree>;
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;
using CString = std::unique_ptr<char, BytesFree>;

constexpr std::uint16_t kTsigFudge = 300;  // RFC 8945 §10: recommended

std::string absolute(std::string_view name) {
  std::string out = core::to_lower(name);
  if (out.empty() || out.back() != '.') out += '.';
  return out;
}

std::string relative(std::string text) {
  text = core::to_lower(text);
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

std::string rdf_text(const ldns_rdf* rdf) {
  if (rdf == nullptr) return "";
  CString text(ldns_rdf2str(rdf));
  return text ? std::string(text.get()) : std::string();
}

// A TXT rdata as ldns prints it: "\"a\" \"b\"" → "ab". ACME values hold no quotes or escapes.
std::string txt_data(const ldns_rr* rr) {
  std::string joined;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    std::string part = rdf_text(ldns_rr_rdf(rr, i));
    if (part.size() >= 2 && part.front() == '"' && part.back() == '"') part = part.substr(1, part.size() - 2);
    joined += part;
  }
  return joined;
}

std::vector<Record> records_of(const ldns_rr_list* list) {
  std::vector<Record> records;
  if (list == nullptr) return records;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    Record record;
    record.owner = relative(rdf_text(ldns_rr_owner(rr)));
    record.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    record.ttl = ldns_rr_ttl(rr);
    switch (static_cast<RecordType>(record.type)) {
      case RecordType::Txt: record.data = txt_data(rr); break;
      case RecordType::Ns:
      case RecordType::Soa: record.data = relative(rdf_text(ldns_rr_rdf(rr, 0))); break;
      case RecordType::A:
      case RecordType::Aaaa: record.data = rdf_text(ldns_rr_rdf(rr, 0)); break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

Result<Rr> txt_rr(const TxtChange& change, std::chrono::seconds ttl, ldns_rr_class rr_class) {
  // The value is base64url (the engine computes it), the name a checked DNS name: nothing in
  // them can break out of the presentation format.
  for (char c : change.value)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return fail(Errc::InvalidArgument, "TXT value with a quote, backslash or control character");
  const std::string text =
      absolute(change.name) + " " + std::to_string(ttl.count()) + " IN TXT \"" + change.value + "\"";
  ldns_rr* made = nullptr;
  if (ldns_rr_new_frm_str(&made, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK || made == nullptr)
    return fail(Errc::InvalidArgument, "cannot encode TXT record " + core::sanitize_for_terminal(change.name, 80));
  Rr rr(made);
  ldns_rr_set_class(rr.get(), rr_class);
  return rr;
}

Result<Message> to_message(const Packet& packet) {
  uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, packet.get(), &size) != LDNS_STATUS_OK || wire == nullptr)
    return fail(Errc::Internal, "cannot encode a DNS message");
  std::unique_ptr<uint8_t, BytesFree> owned(wire);
  Message message;
  message.wire.assign(reinterpret_cast<const char*>(wire), size);
  if (const ldns_rr* tsig = ldns_pkt_tsig(packet.get()); tsig != nullptr && ldns_rr_rd_count(tsig) > 3) {
    const ldns_rdf* mac = ldns_rr_rdf(tsig, 3);
    message.mac.assign(reinterpret_cast<const char*>(ldns_rdf_data(mac)), ldns_rdf_size(mac));
  }
  return message;
}

}  // namespace

std::string rcode_name(int rcode) {
  switch (rcode) {
    case kNoError: return "NOERROR";
    case kFormErr: return "FORMERR";
    case kServFail: return "SERVFAIL";
    case kNxDomain: return "NXDOMAIN";
    case kNotImp: return "NOTIMP";
    case kRefused: return "REFUSED";
    case kYxDomain: return "YXDOMAIN";
    case kYxRrset: return "YXRRSET";
    case kNxRrset: return "NXRRSET";
    case kNotAuth: return "NOTAUTH";
    case kNotZone: return "NOTZONE";
    case kBadSig: return "BADSIG";
    case kBadKey: return "BADKEY";
    case kBadTime: return "BADTIME";
    default: return "RCODE " + std::to_string(rcode);
  }
}

Result<Message> make_query(std::string_view name, RecordType type, Recursion recursion) {
  ldns_rdf* owner = ldns_dname_new_frm_str(absolute(name).c_str());
  if (owner == nullptr) return fail(Errc::InvalidArgument, "cannot encode DNS name " + core::sanitize_for_terminal(name, 80));
  Packet packet(ldns_pkt_query_new(owner, static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN, 0));
  if (!packet) return fail(Errc::Internal, "cannot build a DNS query");
  ldns_pkt_set_random_id(packet.get());
  ldns_pkt_set_rd(packet.get(), recursion == Recursion::Desired);
  return to_message(packet);
}

Result<Message> make_update(std::string_view zone, const std::vector<TxtChange>& adds,
                            const std::vector<TxtChange>& deletes, std::chrono::seconds ttl, const TsigKey& key) {
  RrList updates(ldns_rr_list_new());
  if (!updates) return fail(Errc::Internal, "cannot build a DNS update");
  // RFC 2136 §2.5.4: class NONE, TTL 0 deletes exactly the record with that value.
  for (const TxtChange& change : deletes) {
    Rr rr = CERTKEEP_TRY(txt_rr(change, std::chrono::seconds(0), LDNS_RR_CLASS_NONE));
    if (!ldns_rr_list_push_rr(updates.get(), rr.get())) return fail(Errc::Internal, "cannot build a DNS update");
    rr.release();  // the list owns it
  }
  for (const TxtChange& change : adds) {
    Rr rr = CERTKEEP_TRY(txt_rr(change, ttl, LDNS_RR_CLASS_IN));
    if (!ldns_rr_list_push_rr(updates.get(), rr.get())) return fail(Errc::Internal, "cannot build a DNS update");
    rr.release();
  }
  ldns_rdf* zone_name = ldns_dname_new_frm_str(absolute(zone).c_str());
  if (zone_name == nullptr) return fail(Errc::InvalidArgument, "cannot encode zone " + core::sanitize_for_terminal(zone, 80));
  Packet packet(ldns_update_pkt_new(zone_name, LDNS_RR_CLASS_IN, nullptr, updates.get(), nullptr));
  if (!packet) return fail(Errc::Internal, "cannot build a DNS update");
  ldns_pkt_set_rd(packet.get(), false);  // RFC 2136 §2.2: that bit is Z, zero in an update
  ldns_pkt_set_random_id(packet.get());
  const std::string key_name = absolute(key.name);
  if (ldns_pkt_tsig_sign(packet.get(), key_name.c_str(), key.secret.str().c_str(), kTsigFudge,
                         std::string(wire_name(key.algorithm)).c_str(), nullptr) != LDNS_STATUS_OK)
    return fail(Errc::InvalidArgument, "cannot sign the update with TSIG key \"" + key.name + "\" (" +
                                           std::string(to_string(key.algorithm)) + ") from " + key.file);
  return to_message(packet);
}

Result<Reply> parse_reply(std::string_view wire) {
  ldns_pkt* parsed = nullptr;
  if (ldns_wire2pkt(&parsed, reinterpret_cast<const uint8_t*>(wire.data()), wire.size()) != LDNS_STATUS_OK ||
      parsed == nullptr)
    return fail(Errc::Dns, "malformed DNS reply");
  Packet packet(parsed);
  Reply reply;
  reply.rcode = static_cast<int>(ldns_pkt_get_rcode(packet.get()));
  reply.authoritative = ldns_pkt_aa(packet.get());
  reply.truncated = ldns_pkt_tc(packet.get());
  reply.answer = records_of(ldns_pkt_answer(packet.get()));
  reply.authority = records_of(ldns_pkt_authority(packet.get()));
  reply.additional = records_of(ldns_pkt_additional(packet.get()));
  if (const ldns_rr* tsig = ldns_pkt_tsig(packet.get()); tsig != nullptr) {
    reply.has_tsig = true;
    if (ldns_rr_rd_count(tsig) > 5) reply.tsig_error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
  }
  return reply;
}

bool verify_reply_tsig(std::string_view reply_wire, const TsigKey& key, std::string_view request_mac) {
  ldns_pkt* parsed = nullptr;
  const auto* bytes = reinterpret_cast<const uint8_t*>(reply_wire.data());
  if (ldns_wire2pkt(&parsed, bytes, reply_wire.size()) != LDNS_STATUS_OK || parsed == nullptr) return false;
  Packet packet(parsed);
  Rdf mac(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, request_mac.size(), request_mac.data()));
  if (!mac) return false;
  const std::string key_name = absolute(key.name);
  return ldns_pkt_tsig_verify(packet.get(), bytes, reply_wire.size(), key_name.c_str(), key.secret.str().c_str(),
                              mac.get());
}

}  // namespace certkeep::dns

// SPDX-License-Identifier: Apache-2.0
// DNS messages through ldns: queries, RFC 2136 updates signed with TSIG (RFC 8945), and replies
// parsed into plain values, the reply's TSIG checked against the request's MAC. The only file
// of certkeep that includes ldns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "dns/tsig_key.hpp"

namespace certkeep::dns {

enum class RecordType : std::uint16_t { A = 1, Ns = 2, Soa = 6, Txt = 16, Aaaa = 28 };

// RFC 1035 / 2136 / 8945 response codes certkeep tells apart; other values are kept as numbers.
enum Rcode : int {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kYxDomain = 6,
  kYxRrset = 7,
  kNxRrset = 8,
  kNotAuth = 9,
  kNotZone = 10,
  kBadSig = 16,
  kBadKey = 17,
  kBadTime = 18,
};
// "NOERROR", "REFUSED", "BADSIG", … or "RCODE 23".
std::string rcode_name(int rcode);

struct Record {
  std::string owner;  // lowercase, no final dot
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  // A/AAAA: the address; NS: the target name; SOA: the primary (MNAME); TXT: the strings joined.
  std::string data;
};

struct Reply {
  int rcode = kNoError;
  bool authoritative = false;
  bool truncated = false;
  std::vector<Record> answer;
  std::vector<Record> authority;
  std::vector<Record> additional;
  bool has_tsig = false;  // the reply carries a TSIG record
  int tsig_error = 0;     // its error field (BADSIG, BADKEY, BADTIME) when it has one
};

struct Message {
  std::string wire;
  std::string mac;  // a signed request's MAC, which the reply's TSIG covers
};

// Whom a query is for: an authoritative server (RD clear) or a recursive resolver (RD set).
enum class Recursion { No, Desired };

// A query for `name` (no final dot needed) and `type`, with a random ID. Errc::InvalidArgument
// for a name ldns cannot encode.
Result<Message> make_query(std::string_view name, RecordType type, Recursion recursion = Recursion::No);

struct TxtChange {
  std::string name;   // owner, e.g. "_acme-challenge.example.com"
  std::string value;  // the TXT string (ACME values are base64url: no quoting needed)
};

// RFC 2136: an UPDATE of `zone` that adds `adds` (class IN, `ttl`) and deletes `deletes` by
// name, type and value (class NONE, §2.5.4: only that record, never the whole RRset), signed
// with `key` (fudge 300 s). Both lists may be empty: a signed empty update tests the key.
Result<Message> make_update(std::string_view zone, const std::vector<TxtChange>& adds,
                            const std::vector<TxtChange>& deletes, std::chrono::seconds ttl, const TsigKey& key);

// Parses a reply. Errc::Dns "malformed reply" when ldns cannot.
Result<Reply> parse_reply(std::string_view wire);

// True when `reply_wire`'s TSIG verifies with `key` against the request's MAC.
bool verify_reply_tsig(std::string_view reply_wire, const TsigKey& key, std::string_view request_mac);

}  // namespace certkeep::dns

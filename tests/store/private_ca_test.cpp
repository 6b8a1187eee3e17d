// SPDX-License-Identifier: Apache-2.0
// Private CAs in the store: generations numbered in order, one active at a time, a rotation's
// next generation beside it, and private-CA settings kept with each lineage.
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

PrivateCaRecord generation_of(const std::string& name, CaState state, const std::string& tag) {
  return PrivateCaRecord{.name = name,
                         .state = state,
                         .key_type = KeyType::EcdsaP384,
                         .key_pem = core::Secret("KEY " + tag),
                         .cert_pem = "ROOT " + tag,
                         .created_at = t0()};
}

std::vector<CaState> states_of(Store& store, const std::string& name) {
  std::vector<CaState> states;
  const auto generations = store.private_ca_generations(name).value();
  for (const PrivateCaRecord& g : generations) states.push_back(g.state);
  return states;
}

TEST_CASE("private CAs: generations are numbered, newest first, one active at a time",
          "[store][private_ca]") {
  auto store = memory_store();
  CHECK(store->private_ca_names().value().empty());
  CHECK(store->private_ca_generations("ca").value().empty());

  const PrivateCaRecord first = store->add_private_ca(generation_of("ca", CaState::Active, "1")).value();
  CHECK(first.generation == 1);
  const PrivateCaRecord next = store->add_private_ca(generation_of("ca", CaState::Next, "2")).value();
  CHECK(next.generation == 2);
  CHECK(states_of(*store, "ca") == std::vector<CaState>{CaState::Next, CaState::Active});

  // A second next generation, before the first is active, is refused.
  auto again = store->add_private_ca(generation_of("ca", CaState::Next, "3"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == Errc::InvalidArgument);

  const PrivateCaRecord activated = store->activate_next_private_ca("ca").value();
  CHECK(activated.generation == 2);
  CHECK(states_of(*store, "ca") == std::vector<CaState>{CaState::Active, CaState::Retired});
  auto nothing_next = store->activate_next_private_ca("ca");
  REQUIRE_FALSE(nothing_next);
  CHECK(nothing_next.error().code() == Errc::NotFound);

  // A replacement (ca init --force) is active at once and retires the rest.
  CHECK(store->add_private_ca(generation_of("ca", CaState::Active, "3")).value().generation == 3);
  CHECK(states_of(*store, "ca") == std::vector<CaState>{CaState::Active, CaState::Retired, CaState::Retired});

  const auto generations = store->private_ca_generations("ca").value();
  CHECK(generations.front().key_pem.view() == "KEY 3");
  CHECK(generations.front().cert_pem == "ROOT 3");
  CHECK(generations.front().key_type == KeyType::EcdsaP384);
  CHECK(generations.front().created_at == t0());
  CHECK(generations.back().cert_pem == "ROOT 1");
}

TEST_CASE("private CAs: bad generations are refused and other CAs are untouched", "[store][private_ca]") {
  auto store = memory_store();
  auto orphan_next = store->add_private_ca(generation_of("ca", CaState::Next, "1"));
  REQUIRE_FALSE(orphan_next);
  CHECK(orphan_next.error().code() == Errc::InvalidArgument);
  CHECK(store->add_private_ca(generation_of("ca", CaState::Retired, "1")).error().code() ==
        Errc::InvalidArgument);
  PrivateCaRecord keyless = generation_of("ca", CaState::Active, "1");
  keyless.key_pem = core::Secret("");
  CHECK(store->add_private_ca(keyless).error().code() == Errc::InvalidArgument);
  CHECK(store->private_ca_generations("ca").value().empty());

  REQUIRE(store->add_private_ca(generation_of("a", CaState::Active, "a")));
  REQUIRE(store->add_private_ca(generation_of("b", CaState::Active, "b")));
  REQUIRE(store->add_private_ca(generation_of("b", CaState::Active, "b2")));
  CHECK(store->private_ca_names().value() == std::vector<std::string>{"a", "b"});
  CHECK(states_of(*store, "a") == std::vector<CaState>{CaState::Active});
}

TEST_CASE("private CAs: a lineage keeps its issuer, CA and leaf lifetime, set_renew_at moves it",
          "[store][private_ca]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("internal.test");
  lineage.settings.issuer_kind = IssuerKind::PrivateCa;
  lineage.settings.ca_name = "ca";
  lineage.settings.leaf_lifetime = 30 * 24h;
  REQUIRE(store->upsert_lineage(lineage));
  const LineageRecord found = store->find_lineage("internal.test").value().value();
  CHECK(found.settings.issuer_kind == IssuerKind::PrivateCa);
  CHECK(found.settings.ca_name == "ca");
  CHECK(found.settings.leaf_lifetime == 30 * 24h);
  const LineageRecord summary = store->list_lineage_summaries().value().at(0);
  CHECK(summary.settings.issuer_kind == IssuerKind::PrivateCa);
  CHECK(summary.settings.ca_name == "ca");

  REQUIRE(store->set_renew_at("internal.test", t0() + 5s));
  CHECK(store->find_lineage("internal.test").value()->renew_at == t0() + 5s);
  CHECK(store->set_renew_at("missing.test", t0()).error().code() == Errc::NotFound);

  // An ACME lineage written without the new fields reads back as ACME.
  REQUIRE(store->upsert_lineage(pending_lineage("acme.test")));
  CHECK(store->find_lineage("acme.test").value()->settings.issuer_kind == IssuerKind::Acme);
}

TEST_CASE("private CAs: the issuer kinds and CA states keep their stored text", "[store][private_ca]") {
  CHECK(to_string(IssuerKind::Acme) == "acme");
  CHECK(to_string(IssuerKind::PrivateCa) == "private-ca");
  CHECK(parse_issuer_kind("private-ca") == IssuerKind::PrivateCa);
  CHECK_FALSE(parse_issuer_kind("PrivateCa"));
  for (CaState state : {CaState::Next, CaState::Active, CaState::Retired})
    CHECK(parse_ca_state(to_string(state)) == state);
  CHECK_FALSE(parse_ca_state("expired"));
}

}  // namespace
}  // namespace certkeep::store

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("imported lineages: the issuer kind, warning period and expiry event round-trip",
          "[store][import]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("byo.test");
  lineage.settings.issuer_kind = IssuerKind::Imported;
  lineage.settings.expiry_warning = 30 * 24h;
  REQUIRE(store->upsert_lineage(lineage));
  const LineageRecord found = store->find_lineage("byo.test").value().value();
  CHECK(found.settings.issuer_kind == IssuerKind::Imported);
  CHECK(found.settings.expiry_warning == 30 * 24h);
  CHECK(to_string(IssuerKind::Imported) == "imported");
  CHECK(to_string(HistoryKind::ExpiryWarning) == "expiring");
  REQUIRE(store->append_event(EventRecord{.lineage = "byo.test",
                                          .kind = HistoryKind::ExpiryWarning,
                                          .serial = "01",
                                          .detail = "expires soon",
                                          .at = t0()}));
  const auto events = store->events("byo.test").value();
  REQUIRE(events.size() == 1);
  CHECK(events.front().kind == HistoryKind::ExpiryWarning);
}

}  // namespace
}  // namespace certkeep::store

// SPDX-License-Identifier: Apache-2.0
#include "deploy/name_index.hpp"

#include <algorithm>
#include <limits>

#include "deploy/certificate_table.hpp"

namespace certkeep::deploy {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxNameBytes = 253;  // RFC 1035 §2.3.4, as text without the root dot
constexpr std::size_t kMaxLineageBytes = 1024;
// A delta holds at least this many lineages before it is merged, so a small index is not
// rebuilt on every change.
constexpr std::size_t kMinMergeLineages = 4096;

std::uint32_t expiry_seconds(NameIndex::TimePoint at) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(seconds, 0, kNone));
}

std::size_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }

// Lower case, no trailing dot; "" for a name the index does not hold.
std::string index_name(std::string_view raw) {
  std::string name = normalize_server_name(raw);
  if (name.size() > kMaxNameBytes) name.clear();
  return name;
}

}  // namespace

// The immutable bulk (see the header for the layout).
class NameIndex::Base {
 public:
  struct Slot {
    std::uint32_t name = 0;
    std::uint32_t lineage = kNone;  // kNone: the slot is empty
  };

  // Appends `text` with its 2-byte length; its offset.
  std::uint32_t append(std::string_view text) {
    const auto offset = static_cast<std::uint32_t>(arena.size());
    arena.push_back(static_cast<char>(text.size() & 0xff));
    arena.push_back(static_cast<char>(text.size() >> 8));
    arena.append(text);
    return offset;
  }
  std::string_view text(std::uint32_t offset) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(arena.data() + offset);
    return {arena.data() + offset + 2, static_cast<std::size_t>(bytes[0] | (bytes[1] << 8))};
  }
  std::string_view lineage_text(std::uint32_t lineage) const { return text(lineage_names[lineage]); }

  // The home slot of a hash: its high bits scaled to the table (any size, no modulo), so the
  // table can be exactly 1/0.7 of the names instead of the next power of two.
  std::size_t home(std::string_view name) const {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(hash_of(name)) * slots.size()) >> 64);
  }
  std::size_t next(std::size_t at) const { return at + 1 == slots.size() ? 0 : at + 1; }

  // Calls f(lineage number) for every slot holding `name` (linear probing).
  template <class F>
  void for_each_claim(std::string_view name, F&& f) const {
    if (slots.empty()) return;
    for (std::size_t at = home(name);; at = next(at)) {
      const Slot& slot = slots[at];
      if (slot.lineage == kNone) return;
      if (text(slot.name) == name) f(slot.lineage);
    }
  }

  void build_slots(const std::vector<std::uint64_t>& entries) {
    // At most 0.7 full: short probe sequences, ~11.5 bytes of table per name.
    slots.assign(std::max<std::size_t>(16, entries.size() + entries.size() * 3 / 7 + 1), Slot{});
    for (const std::uint64_t entry : entries) {
      const auto name = static_cast<std::uint32_t>(entry >> 32);
      std::size_t at = home(text(name));
      while (slots[at].lineage != kNone) at = next(at);
      slots[at] = Slot{name, static_cast<std::uint32_t>(entry & kNone)};
    }
    name_count = entries.size();
  }

  std::size_t bytes() const {
    return arena.capacity() + slots.capacity() * sizeof(Slot) +
           (lineage_names.capacity() + lineage_expiry.capacity()) * sizeof(std::uint32_t);
  }

  std::string arena;
  std::vector<std::uint32_t> lineage_names;   // arena offset of each lineage's name
  std::vector<std::uint32_t> lineage_expiry;  // unix seconds
  std::vector<Slot> slots;                    // linear probing, at most 0.7 full
  std::size_t name_count = 0;
};

NameIndex::Builder::Builder() : base_(std::make_unique<Base>()) {}
NameIndex::Builder::~Builder() = default;
NameIndex::Builder::Builder(Builder&&) noexcept = default;
NameIndex::Builder& NameIndex::Builder::operator=(Builder&&) noexcept = default;

void NameIndex::Builder::add(std::string_view lineage, std::span<const std::string_view> names,
                             TimePoint not_after) {
  if (lineage.empty() || lineage.size() > kMaxLineageBytes || base_->lineage_names.size() >= kNone - 1) return;
  const auto number = static_cast<std::uint32_t>(base_->lineage_names.size());
  std::uint32_t lineage_offset = kNone;
  for (std::string_view raw : names) {
    const std::string name = index_name(raw);
    if (name.empty()) continue;
    const std::uint32_t offset = base_->append(name);
    entries_.push_back((static_cast<std::uint64_t>(offset) << 32) | number);
    if (lineage_offset == kNone && name == lineage) lineage_offset = offset;  // share the bytes
  }
  if (lineage_offset == kNone) lineage_offset = base_->append(lineage);
  base_->lineage_names.push_back(lineage_offset);
  base_->lineage_expiry.push_back(expiry_seconds(not_after));
}

std::size_t NameIndex::Builder::lineage_count() const noexcept { return base_->lineage_names.size(); }

std::shared_ptr<const NameIndex::Base> NameIndex::Builder::finish() {
  base_->build_slots(entries_);
  entries_ = {};
  base_->arena.shrink_to_fit();
  base_->lineage_names.shrink_to_fit();
  base_->lineage_expiry.shrink_to_fit();
  std::shared_ptr<const Base> done = std::move(base_);
  base_ = std::make_unique<Base>();
  return done;
}

NameIndex::NameIndex() : NameIndex(Builder().finish()) {}
NameIndex::NameIndex(std::shared_ptr<const Base> base) : base_(std::move(base)) {
  if (!base_) base_ = Builder().finish();
}
NameIndex::~NameIndex() = default;

std::string NameIndex::lookup(std::string_view server_name) const {
  const std::string name = index_name(server_name);
  if (name.empty()) return {};
  const std::optional<std::string> wildcard = covering_wildcard(name);
  std::shared_lock lock(mutex_);
  std::string_view best;
  std::uint32_t best_expiry = 0;
  bool found = false;
  auto consider = [&](std::string_view lineage, std::uint32_t expiry) {
    if (!found || expiry > best_expiry || (expiry == best_expiry && lineage < best)) {
      best = lineage;
      best_expiry = expiry;
      found = true;
    }
  };
  for (const std::string* candidate : {&name, wildcard ? &*wildcard : nullptr}) {
    if (candidate == nullptr) break;
    base_->for_each_claim(*candidate, [&](std::uint32_t number) {
      const std::string_view lineage = base_->lineage_text(number);
      if (overrides_.empty() || overrides_.find(lineage) == overrides_.end())
        consider(lineage, base_->lineage_expiry[number]);
    });
    if (auto delta = delta_names_.find(*candidate); delta != delta_names_.end())
      for (const std::string& lineage : delta->second) consider(lineage, overrides_.find(lineage)->second.expiry);
    if (found) return std::string(best);
  }
  return {};
}

std::vector<std::string> NameIndex::normalized_names(std::span<const std::string_view> names) {
  std::vector<std::string> normalized;
  for (std::string_view raw : names)
    if (std::string name = index_name(raw); !name.empty()) normalized.push_back(std::move(name));
  std::sort(normalized.begin(), normalized.end());
  normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
  return normalized;
}

void NameIndex::update(std::string_view lineage, std::span<const std::string_view> names, TimePoint not_after) {
  Override override;
  override.names = normalized_names(names);
  override.expiry = expiry_seconds(not_after);
  std::lock_guard writer(writer_mutex_);
  {
    std::unique_lock lock(mutex_);
    apply_locked(std::string(lineage), std::move(override));
  }
  merge_if_large();
}

void NameIndex::remove(std::string_view lineage) {
  std::lock_guard writer(writer_mutex_);
  {
    std::unique_lock lock(mutex_);
    apply_locked(std::string(lineage), Override{});
  }
  merge_if_large();
}

void NameIndex::apply_locked(std::string lineage, Override override) {
  override.change = ++changes_;
  auto [slot, inserted] = overrides_.try_emplace(std::move(lineage));
  if (!inserted) {
    for (const std::string& name : slot->second.names) {
      auto claims = delta_names_.find(name);
      if (claims == delta_names_.end()) continue;
      std::erase(claims->second, slot->first);
      if (claims->second.empty()) delta_names_.erase(claims);
    }
  }
  for (const std::string& name : override.names) delta_names_[name].push_back(slot->first);
  slot->second = std::move(override);
}

void NameIndex::merge_if_large() {
  if (merges_paused_) return;
  std::shared_ptr<const Base> merged;
  {
    std::shared_lock lock(mutex_);
    if (overrides_.size() <= std::max(kMinMergeLineages, base_->lineage_names.size() / 8)) return;
    merged = merged_base_locked();  // look-ups go on meanwhile; changes wait (writer_mutex_)
  }
  std::unique_lock lock(mutex_);
  base_ = std::move(merged);
  overrides_.clear();
  delta_names_.clear();
  ++merges_;
}

std::shared_ptr<const NameIndex::Base> NameIndex::merged_base_locked() const {
  const Base& old = *base_;
  auto merged = std::make_unique<Base>();
  merged->arena.reserve(old.arena.size());
  // New numbers for the base lineages no change overrides.
  std::vector<std::uint32_t> renumbered(old.lineage_names.size(), kNone);
  for (std::size_t i = 0; i < old.lineage_names.size(); ++i) {
    if (overrides_.find(old.lineage_text(static_cast<std::uint32_t>(i))) != overrides_.end()) continue;
    renumbered[i] = static_cast<std::uint32_t>(merged->lineage_names.size());
    merged->lineage_names.push_back(kNone);
    merged->lineage_expiry.push_back(old.lineage_expiry[i]);
  }
  std::vector<std::uint64_t> entries;
  entries.reserve(old.name_count + overrides_.size());
  auto add_name = [&](std::string_view name, std::uint32_t number, std::string_view lineage) {
    const std::uint32_t offset = merged->append(name);
    entries.push_back((static_cast<std::uint64_t>(offset) << 32) | number);
    if (merged->lineage_names[number] == kNone && name == lineage) merged->lineage_names[number] = offset;
  };
  for (const Base::Slot& slot : old.slots) {
    if (slot.lineage == kNone || renumbered[slot.lineage] == kNone) continue;
    add_name(old.text(slot.name), renumbered[slot.lineage], old.lineage_text(slot.lineage));
  }
  for (std::size_t i = 0; i < old.lineage_names.size(); ++i) {
    const std::uint32_t number = renumbered[i];
    if (number != kNone && merged->lineage_names[number] == kNone)
      merged->lineage_names[number] = merged->append(old.lineage_text(static_cast<std::uint32_t>(i)));
  }
  for (const auto& [lineage, override] : overrides_) {
    if (override.names.empty()) continue;  // removed
    const auto number = static_cast<std::uint32_t>(merged->lineage_names.size());
    merged->lineage_names.push_back(kNone);
    merged->lineage_expiry.push_back(override.expiry);
    for (const std::string& name : override.names) add_name(name, number, lineage);
    if (merged->lineage_names[number] == kNone) merged->lineage_names[number] = merged->append(lineage);
  }
  merged->build_slots(entries);
  merged->arena.shrink_to_fit();
  return merged;
}

NameIndex::Resync::Resync(NameIndex& index) : index_(index) {
  std::lock_guard writer(index_.writer_mutex_);
  index_.merges_paused_ = true;
  std::shared_lock lock(index_.mutex_);
  base_ = index_.base_;
  changes_before_ = index_.changes_;
  seen_.assign(base_->lineage_names.size(), false);
}

NameIndex::Resync::~Resync() {
  if (finished_) return;
  std::lock_guard writer(index_.writer_mutex_);
  index_.merges_paused_ = false;
}

void NameIndex::Resync::row(std::string_view lineage, std::span<const std::string_view> names,
                            TimePoint not_after) {
  const std::vector<std::string> wanted = normalized_names(names);
  bool same = true;
  {
    std::shared_lock lock(index_.mutex_);
    if (auto changed = index_.overrides_.find(lineage); changed != index_.overrides_.end()) {
      if (changed->second.change > changes_before_) return;  // changed since the pass began: newer
      same = changed->second.names == wanted;
    } else {
      for (const std::string& name : wanted) {
        bool claimed = false;
        base_->for_each_claim(name, [&](std::uint32_t number) {
          if (base_->lineage_text(number) != lineage) return;
          claimed = true;
          seen_[number] = true;
        });
        same = same && claimed;
      }
    }
  }
  if (same) return;
  index_.update(lineage, names, not_after);  // merges wait for finish()
  ++corrected_;
}

std::size_t NameIndex::Resync::finish() {
  // Base lineages the pass did not see are gone from the store, unless changed meanwhile.
  std::vector<std::string> gone;
  {
    std::shared_lock lock(index_.mutex_);
    for (std::size_t i = 0; i < seen_.size(); ++i) {
      if (seen_[i]) continue;
      const std::string_view lineage = base_->lineage_text(static_cast<std::uint32_t>(i));
      if (index_.overrides_.find(lineage) == index_.overrides_.end()) gone.emplace_back(lineage);
    }
  }
  for (const std::string& lineage : gone) index_.remove(lineage);
  finished_ = true;
  std::lock_guard writer(index_.writer_mutex_);
  index_.merges_paused_ = false;
  index_.merge_if_large();
  return corrected_ + gone.size();
}

std::uint64_t NameIndex::change_count() const {
  std::shared_lock lock(mutex_);
  return changes_;
}

NameIndex::Stats NameIndex::stats() const {
  std::shared_lock lock(mutex_);
  Stats stats;
  stats.lineages = base_->lineage_names.size();
  stats.names = base_->name_count;
  stats.delta_lineages = overrides_.size();
  stats.bytes = base_->bytes();
  for (const auto& [lineage, override] : overrides_)
    stats.bytes += 96 + lineage.size() + override.names.size() * (2 * 48 + 2 * 32);
  stats.merges = merges_;
  return stats;
}

}  // namespace certkeep::deploy

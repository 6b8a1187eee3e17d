// SPDX-License-Identifier: Apache-2.0
#include "metrics/registry.hpp"

#include <algorithm>

namespace certkeep::metrics {

std::vector<double> duration_buckets() { return {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}; }

void Registry::describe(std::string name, std::string help, MetricType type, std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  if (find(name) != nullptr) return;
  std::sort(buckets.begin(), buckets.end());
  families_.push_back(Family{std::move(name), std::move(help), type, std::move(buckets), {}});
}

Registry::Family* Registry::find(const std::string& name) {
  for (Family& family : families_)
    if (family.name == name) return &family;
  return nullptr;
}

void Registry::add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mutex_);
  Family* family = find(name);
  if (family == nullptr || family->type == MetricType::Histogram) return;
  family->series[labels].value += delta;
}

void Registry::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  Family* family = find(name);
  if (family == nullptr || family->type != MetricType::Histogram) return;
  Series& series = family->series[labels];
  if (series.counts.empty()) series.counts.assign(family->buckets.size() + 1, 0);
  const auto bucket = std::lower_bound(family->buckets.begin(), family->buckets.end(), value);
  ++series.counts[static_cast<std::size_t>(bucket - family->buckets.begin())];
  series.sum += value;
  ++series.count;
}

double Registry::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  for (const Family& family : families_) {
    if (family.name != name) continue;
    auto found = family.series.find(labels);
    return found == family.series.end() ? 0 : found->second.value;
  }
  return 0;
}

void Registry::write(Exposition& out) const {
  std::lock_guard lock(mutex_);
  for (const Family& family : families_) {
    if (family.series.empty()) continue;
    out.family(family.name, family.help, family.type);
    for (const auto& [labels, series] : family.series) {
      if (family.type != MetricType::Histogram) {
        out.sample(family.name, labels, series.value);
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= family.buckets.size(); ++i) {
        cumulative += series.counts[i];
        Labels with_le = labels;
        with_le.emplace_back("le", i < family.buckets.size() ? format_value(family.buckets[i]) : "+Inf");
        out.sample(family.name + "_bucket", with_le, static_cast<double>(cumulative));
      }
      out.sample(family.name + "_sum", labels, series.sum);
      out.sample(family.name + "_count", labels, static_cast<double>(series.count));
    }
  }
}

}  // namespace certkeep::metrics

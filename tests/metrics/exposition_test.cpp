// SPDX-License-Identifier: Apache-2.0
// The text exposition format: value formatting, escaping, histograms (cumulative buckets, +Inf,
// _sum, _count) and a registry shared by threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "metrics/exposition.hpp"
#include "metrics/registry.hpp"

using namespace certkeep::metrics;

TEST_CASE("values: integers plain, fractions round-trip, the specials spelled as Prometheus reads them",
          "[metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(1796875037) == "1796875037");
  CHECK(format_value(-3) == "-3");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(0.1) == "0.1");  // the shortest text that reads back the same
  CHECK(std::strtod(format_value(0.000758603).c_str(), nullptr) == 0.000758603);
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
}

TEST_CASE("label values escape backslash, double quote and newline, HELP escapes backslash and newline",
          "[metrics]") {
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  Exposition out;
  out.family("x_total", "line one\nsay \"hi\" \\ bye", MetricType::Counter);
  out.sample("x_total", {{"name", "we\"ird\n"}, {"issuer", "a"}}, 2);
  CHECK(out.text() ==
        "# HELP x_total line one\\nsay \"hi\" \\\\ bye\n# TYPE x_total counter\n"
        "x_total{name=\"we\\\"ird\\n\",issuer=\"a\"} 2\n");
}

TEST_CASE("a histogram writes cumulative buckets up to +Inf, then _sum and _count", "[metrics]") {
  Registry registry;
  registry.describe("d_seconds", "durations", MetricType::Histogram, {0.1, 1});
  registry.observe("d_seconds", {{"e", "x"}}, 0.05);
  registry.observe("d_seconds", {{"e", "x"}}, 0.1);  // le is inclusive
  registry.observe("d_seconds", {{"e", "x"}}, 0.5);
  registry.observe("d_seconds", {{"e", "x"}}, 7);
  Exposition out;
  registry.write(out);
  CHECK(out.text() ==
        "# HELP d_seconds durations\n# TYPE d_seconds histogram\n"
        "d_seconds_bucket{e=\"x\",le=\"0.1\"} 2\n"
        "d_seconds_bucket{e=\"x\",le=\"1\"} 3\n"
        "d_seconds_bucket{e=\"x\",le=\"+Inf\"} 4\n"
        "d_seconds_sum{e=\"x\"} 7.65\n"
        "d_seconds_count{e=\"x\"} 4\n");
}

TEST_CASE("counters: per label set, undeclared names ignored, families without samples left out",
          "[metrics]") {
  Registry registry;
  registry.describe("a_total", "a", MetricType::Counter);
  registry.describe("b_total", "b", MetricType::Counter);
  registry.add("a_total", {{"r", "ok"}});
  registry.add("a_total", {{"r", "ok"}}, 2);
  registry.add("a_total", {{"r", "no"}});
  registry.add("undeclared_total", {});
  CHECK(registry.value("a_total", {{"r", "ok"}}) == 3);
  Exposition out;
  registry.write(out);
  CHECK(out.text() == "# HELP a_total a\n# TYPE a_total counter\na_total{r=\"no\"} 1\na_total{r=\"ok\"} 3\n");
}

TEST_CASE("a registry counts from many threads without losing a count", "[metrics]") {
  Registry registry;
  registry.describe("c_total", "c", MetricType::Counter);
  registry.describe("h_seconds", "h", MetricType::Histogram, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        registry.add("c_total", {});
        registry.observe("h_seconds", {}, 0.5);
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(registry.value("c_total", {}) == 8000);
  Exposition out;
  registry.write(out);
  CHECK(out.text().find("h_seconds_count 8000\n") != std::string::npos);
}

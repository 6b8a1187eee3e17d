// SPDX-License-Identifier: Apache-2.0
#include "core/json_writer.hpp"

#include <catch2/catch.hpp>

using namespace certkeep;

TEST_CASE("JsonWriter escapes every control character", "[core][json]") {
  core::JsonWriter json;
  json.begin_object()
      .field("a", "x\"\\\n\x01")
      .field("n", 3)
      .field("b", true)
      .key("z")
      .null()
      .field("list", std::vector<std::string>{"p", "q"})
      .end_object();
  CHECK(json.str() == R"({"a":"x\"\\\n\u0001","n":3,"b":true,"z":null,"list":["p","q"]})");
}

// SPDX-License-Identifier: Apache-2.0
#include "acme/nonce_pool.hpp"

#include <catch2/catch.hpp>

using certkeep::acme::NoncePool;

TEST_CASE("the nonce pool hands out the newest nonce once", "[acme][nonce]") {
  NoncePool pool;
  CHECK_FALSE(pool.take());
  CHECK(pool.add("oFvnlFP1wIhRlYS2jTaXbA"));
  CHECK(pool.add("8aF7y2cQYaSIf05fCbzoEA"));
  CHECK(pool.take() == "8aF7y2cQYaSIf05fCbzoEA");
  CHECK(pool.take() == "oFvnlFP1wIhRlYS2jTaXbA");
  CHECK_FALSE(pool.take());
}

TEST_CASE("the nonce pool ignores nonces that are not base64url", "[acme][nonce]") {
  NoncePool pool;
  CHECK_FALSE(pool.add(""));
  CHECK_FALSE(pool.add("abc=="));
  CHECK_FALSE(pool.add("a b"));
  CHECK_FALSE(pool.add("x\r\nInjected: 1"));
  CHECK_FALSE(pool.add(std::string(300, 'a')));
  CHECK(pool.size() == 0);
}

TEST_CASE("the nonce pool is bounded and drops the oldest", "[acme][nonce]") {
  NoncePool pool;
  for (int i = 0; i < 100; ++i) pool.add("nonce" + std::to_string(i));
  CHECK(pool.size() == NoncePool::kCapacity);
  CHECK(pool.take() == "nonce99");
}

// Comparing switching keys that may be compressed (a_j dropped, re-expanded from the seed).
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "rlwe/keygen.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::testing {

// The key's a_j, expanded when the key is compressed.
inline std::vector<ring::RnsPoly> key_a(const rlwe::Params& params, const rlwe::SwitchingKey& k) {
  if (!k.compressed()) return k.a;
  std::vector<ring::RnsPoly> a;
  for (std::size_t j = 0; j < k.digits(); ++j) {
    a.push_back(rlwe::expand_key_a(params, k.seed, j, k.max_level));
  }
  return a;
}

// Same level, seed, b and (expanded) a.
inline void expect_equal_keys(const rlwe::Params& params, const rlwe::SwitchingKey& a,
                              const rlwe::SwitchingKey& b) {
  EXPECT_EQ(a.max_level, b.max_level);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_TRUE(a.b == b.b);
  EXPECT_TRUE(key_a(params, a) == key_a(params, b));
}

}  // namespace fhecnn::testing

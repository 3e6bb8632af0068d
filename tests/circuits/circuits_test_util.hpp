// Shared helpers for the circuits tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "circuits/slots.hpp"
#include "common/error.hpp"
#include "math/primes.hpp"

namespace fhecnn::circuits::testing {

// q_0 (50 bits) and q_1..q_20 (46 bits), NTT-friendly for N = 2^16: the AppReLU region of the
// paper's chain with realistic, non-power-of-two primes.
inline std::vector<std::uint64_t> realistic_primes() {
  std::vector<std::uint64_t> q = math::generate_ntt_primes(50, 1, 1 << 16);
  const std::vector<std::uint64_t> rest = math::generate_ntt_primes(46, 20, 1 << 16);
  q.insert(q.end(), rest.begin(), rest.end());
  return q;
}

inline SlotBackend realistic_backend(std::size_t slots) {
  return SlotBackend(realistic_primes(), slots);
}

// Runs f, expects InvalidArgument whose message contains `text`.
template <typename F>
void expect_error(F&& f, const std::string& text) {
  try {
    f();
    FAIL() << "no exception, expected '" << text << "'";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

inline std::string data_path(const std::string& name) {
  return std::string(FHECNN_SOURCE_DIR) + "/data/minimax/" + name;
}

// n points evenly spread over [lo, hi] (both ends included).
inline std::vector<Complex> grid(double lo, double hi, std::size_t n) {
  std::vector<Complex> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
  return v;
}

}  // namespace fhecnn::circuits::testing

// out[c] = sum_i cols[i][c] * w[i] mod q: the inner kernel of RNS basis conversion (one target
// prime, k source columns). Inputs: every cols[i][c] < input_bound <= 2^61 (the columns are
// residues of their own source primes, which may be larger than q), w[i] < q. k <= 16. Output
// fully reduced. The IFMA kernel runs only when q and input_bound are at most 2^50.
#pragma once

#include <cstddef>

#include "math/modarith.hpp"

namespace fhecnn::math {

void dot_mod_columns(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                     std::size_t n, const Modulus& q, u64 input_bound);

// out[c] = sum_i a[i][c] * b[i][c] mod q with a[i][c], b[i][c] < q (residues of q itself).
void dot_mod_pairs(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                   std::size_t n, const Modulus& q);

namespace detail {
void dot_mod_pairs_reference(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                             std::size_t n, const Modulus& q);
bool dot_mod_pairs_ifma(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                        std::size_t n, const Modulus& q);
void dot_mod_columns_reference(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                               std::size_t n, const Modulus& q);
// IFMA52 version (dotmod_avx512.cpp): requires q < 2^50 and every input < 2^50; returns false
// when it does not apply. Call only on CPUs with AVX-512F and IFMA.
bool dot_mod_columns_ifma(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                          std::size_t n, const Modulus& q);
}  // namespace detail

}  // namespace fhecnn::math

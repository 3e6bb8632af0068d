// out[c] = sum_i cols[i][c] * w[i] mod q: the inner kernel of RNS basis conversion (one target
// prime, k source columns). Inputs: cols[i][c] < 2^50 or < q_i of their own prime (any value
// below 2^61 for the portable path), w[i] < q. k <= 16. Output fully reduced.
#pragma once

#include <cstddef>

#include "math/modarith.hpp"

namespace fhecnn::math {

void dot_mod_columns(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                     std::size_t n, const Modulus& q);

// out[c] = sum_i a[i][c] * b[i][c] mod q (same input bounds as dot_mod_columns; b[i][c] < q).
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

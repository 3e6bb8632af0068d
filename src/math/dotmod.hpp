// out[c] = sum_i cols[i][c] * w[i] mod q: the inner kernel of RNS basis conversion (one target
// prime, k source columns). Inputs: every cols[i][c] < input_bound <= 2^61 (the columns are
// residues of their own source primes, which may be larger than q), w[i] < q. k <= 16. Output
// fully reduced. Kernels (chosen at run time, FHECNN_DISABLE_AVX512=1 forces the reference):
// IFMA52 narrow when q < 2^50 and input_bound <= 2^50; IFMA52 wide (also AVX-512DQ) when
// q < 2^61; otherwise the portable reference. All give the reference's output.
#pragma once

#include <cstddef>
#include <cstdint>

#include "math/modarith.hpp"

namespace fhecnn::math {

void dot_mod_columns(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                     std::size_t n, const Modulus& q, u64 input_bound);

// out[c] = sum_i a[i][c] * b[i][c] mod q with a[i][c], b[i][c] < q (residues of q itself).
// Same kernels as dot_mod_columns: IFMA52 narrow for q < 2^50, wide for q < 2^61.
void dot_mod_pairs(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                   std::size_t n, const Modulus& q);

// The two element-wise steps of exact basis conversion (Halevi, Polyakov, Shoup 2019):
// u[c] = floor(sum_i cols[i][c] * inv[i]) in double precision, the products and the sums taken
// in order and rounded separately (every kernel gives the same bits), for k <= 255 columns of
// values below 2^62 whose sum stays below 256;
void overflow_estimate(const u64* const* cols, const double* inv, std::size_t k, std::uint8_t* u,
                       std::size_t n);
// out[c] = out[c] - table[idx[c]] mod q, with every table entry below q and idx[c] < table_size.
void sub_table_mod_vec(u64* out, const std::uint8_t* idx, const u64* table, std::size_t table_size,
                       std::size_t n, const Modulus& q);

namespace detail {
void overflow_estimate_reference(const u64* const* cols, const double* inv, std::size_t k,
                                 std::uint8_t* u, std::size_t n);
void sub_table_mod_vec_reference(u64* out, const std::uint8_t* idx, const u64* table,
                                 std::size_t n, const Modulus& q);
// AVX-512F/DQ versions (dotmod_avx512.cpp); sub_table needs table_size <= 8 and returns false
// otherwise. Call only on CPUs with AVX-512F/DQ.
void overflow_estimate_avx512(const u64* const* cols, const double* inv, std::size_t k,
                              std::uint8_t* u, std::size_t n);
bool sub_table_mod_vec_avx512(u64* out, const std::uint8_t* idx, const u64* table,
                              std::size_t table_size, std::size_t n, const Modulus& q);
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
// Wide IFMA52 versions (dotmod_avx512.cpp): q < 2^61 and every input < 2^61 (a, b < q for pairs),
// n a multiple of 8; return false when they do not apply. Call only on CPUs with AVX-512F/DQ and
// IFMA52.
bool dot_mod_columns_ifma_wide(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                               std::size_t n, const Modulus& q);
bool dot_mod_pairs_ifma_wide(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                             std::size_t n, const Modulus& q);
}  // namespace detail

}  // namespace fhecnn::math

#include "math/dotmod.hpp"

#include "common/error.hpp"
#include "math/cpu.hpp"

namespace fhecnn::math {

namespace {
bool has_ifma() {
  const auto& f = cpu_features();
  return f.avx512f && f.avx512ifma;
}
bool has_ifma_dq() { return has_ifma() && cpu_features().avx512dq; }
bool has_avx512_dq() {
  const auto& f = cpu_features();
  return f.avx512f && f.avx512dq;
}
}  // namespace

void detail::overflow_estimate_reference(const u64* const* cols, const double* inv, std::size_t k,
                                         std::uint8_t* u, std::size_t n) {
  for (std::size_t c = 0; c < n; ++c) {
    double f = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const double p = static_cast<double>(cols[i][c]) * inv[i];  // rounded, then added
      f += p;
    }
    u[c] = static_cast<std::uint8_t>(f);
  }
}

void overflow_estimate(const u64* const* cols, const double* inv, std::size_t k, std::uint8_t* u,
                       std::size_t n) {
  require(k <= 255, "convert basis exactly", k, " source primes (at most 255)");
  if (has_avx512_dq()) return detail::overflow_estimate_avx512(cols, inv, k, u, n);
  detail::overflow_estimate_reference(cols, inv, k, u, n);
}

void detail::sub_table_mod_vec_reference(u64* out, const std::uint8_t* idx, const u64* table,
                                         std::size_t n, const Modulus& q) {
  for (std::size_t c = 0; c < n; ++c) out[c] = sub_mod(out[c], table[idx[c]], q.value);
}

void sub_table_mod_vec(u64* out, const std::uint8_t* idx, const u64* table, std::size_t table_size,
                       std::size_t n, const Modulus& q) {
  if (has_avx512_dq() && detail::sub_table_mod_vec_avx512(out, idx, table, table_size, n, q)) return;
  detail::sub_table_mod_vec_reference(out, idx, table, n, q);
}

namespace detail {
void dot_mod_columns_reference(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                               std::size_t n, const Modulus& q) {
  // Products of values below 2^61 stay below 2^122: 16 of them fit in 128 bits.
  for (std::size_t c = 0; c < n; ++c) {
    u128 acc = 0;
    for (std::size_t i = 0; i < k; ++i) acc += static_cast<u128>(cols[i][c]) * w[i];
    out[c] = reduce_128(acc, q);
  }
}
void dot_mod_pairs_reference(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                             std::size_t n, const Modulus& q) {
  for (std::size_t c = 0; c < n; ++c) {
    u128 acc = 0;
    for (std::size_t i = 0; i < k; ++i) acc += static_cast<u128>(a[i][c]) * b[i][c];
    out[c] = reduce_128(acc, q);
  }
}
}  // namespace detail

void dot_mod_pairs(const u64* const* a, const u64* const* b, std::size_t k, u64* out,
                   std::size_t n, const Modulus& q) {
  require(k >= 1 && k <= 16, "accumulate products", k, " terms (1..16 supported per call)");
  if (has_ifma() && detail::dot_mod_pairs_ifma(a, b, k, out, n, q)) return;
  if (has_ifma_dq() && detail::dot_mod_pairs_ifma_wide(a, b, k, out, n, q)) return;
  detail::dot_mod_pairs_reference(a, b, k, out, n, q);
}

void dot_mod_columns(const u64* const* cols, const u64* w, std::size_t k, u64* out,
                     std::size_t n, const Modulus& q, u64 input_bound) {
  require(k >= 1 && k <= 16, "convert basis", k, " source primes (1..16 supported per call)");
  require(input_bound <= (u64{1} << 61), "convert basis", "input bound ", input_bound, " above 2^61");
  if (has_ifma() && input_bound <= (u64{1} << 50) &&
      detail::dot_mod_columns_ifma(cols, w, k, out, n, q)) {
    return;
  }
  if (has_ifma_dq() && detail::dot_mod_columns_ifma_wide(cols, w, k, out, n, q)) return;
  detail::dot_mod_columns_reference(cols, w, k, out, n, q);
}

}  // namespace fhecnn::math

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
}  // namespace

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

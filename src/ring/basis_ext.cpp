#include "ring/basis_ext.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "math/dotmod.hpp"
#include "math/vecops.hpp"

namespace fhecnn::ring {

using math::u128;

BasisConverter::BasisConverter(const RingContext& ctx, Basis from, Basis to)
    : ctx_(ctx), from_(std::move(from)), to_(std::move(to)) {
  require(!from_.empty() && from_.size() <= 64, "build basis converter", "source basis has ",
          from_.size(), " primes (1..64 supported)");
  const std::size_t k = from_.size();
  hat_inv_.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    const auto& ai = ctx.modulus(from_[i]);
    u64 prod = 1;
    for (std::size_t m = 0; m < k; ++m) {
      if (m != i) prod = math::mul_mod(prod, math::reduce_64(ctx.modulus(from_[m]).value, ai), ai);
    }
    hat_inv_[i] = math::inv_mod(prod, ai);
  }
  hat_mod_.assign(to_.size(), std::vector<u64>(k));
  for (std::size_t j = 0; j < to_.size(); ++j) {
    const auto& bj = ctx.modulus(to_[j]);
    for (std::size_t i = 0; i < k; ++i) {
      u64 prod = 1;
      for (std::size_t m = 0; m < k; ++m) {
        if (m != i) prod = math::mul_mod(prod, math::reduce_64(ctx.modulus(from_[m]).value, bj), bj);
      }
      hat_mod_[j][i] = prod;
    }
  }
  a_multiple_.assign(to_.size(), std::vector<u64>(k + 1));
  for (std::size_t j = 0; j < to_.size(); ++j) {
    const auto& bj = ctx.modulus(to_[j]);
    u64 a = 1;
    for (std::size_t m = 0; m < k; ++m) a = math::mul_mod(a, math::reduce_64(ctx.modulus(from_[m]).value, bj), bj);
    for (std::size_t v = 0; v <= k; ++v) a_multiple_[j][v] = math::mul_mod(a, v % bj.value, bj);
  }
  for (auto i : from_) input_bound_ = std::max(input_bound_, ctx.modulus(i).value);
  inv_a_.resize(k);
  for (std::size_t i = 0; i < k; ++i) inv_a_[i] = 1.0 / static_cast<double>(ctx.modulus(from_[i]).value);
}

void BasisConverter::convert(const u64* const* in, u64* const* out, std::size_t out_count,
                             const Then& then) const {
  convert_impl(in, out, out_count, false, then);
}

void BasisConverter::convert_exact(const u64* const* in, u64* const* out, std::size_t out_count,
                                   const Then& then) const {
  convert_impl(in, out, out_count, true, then);
}

void BasisConverter::convert_impl(const u64* const* in, u64* const* out, std::size_t out_count,
                                  bool exact, const Then& then) const {
  require(out_count <= to_.size(), "convert basis", out_count, " target limbs of ", to_.size());
  const std::size_t n = ctx_.n(), k = from_.size();
  // y_i = x_i * (A/a_i)^-1 mod a_i, limb-major.
  LimbStorage y(n * k);  // every residue written below
  std::vector<const u64*> cols(k);
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < static_cast<long>(k); ++i) {
    const auto idx = static_cast<std::size_t>(i);
    math::mul_scalar_mod_vec(in[idx], hat_inv_[idx], y.data() + idx * n, n,
                             ctx_.modulus(from_[idx]));
  }
  for (std::size_t i = 0; i < k; ++i) cols[i] = y.data() + i * n;
  // The overflow u = floor(sum_i y_i / a_i) of sum_i y_i (A/a_i) = x + u A.
  std::vector<std::uint8_t> u;
  if (exact) {
    u.resize(n);
    constexpr std::size_t kBlock = 4096;  // coefficients per task
#pragma omp parallel
    {
      std::vector<const u64*> at(k);
#pragma omp for schedule(static)
      for (long b = 0; b < static_cast<long>((n + kBlock - 1) / kBlock); ++b) {
        const std::size_t c0 = static_cast<std::size_t>(b) * kBlock, len = std::min(kBlock, n - c0);
        for (std::size_t i = 0; i < k; ++i) at[i] = cols[i] + c0;
        math::overflow_estimate(at.data(), inv_a_.data(), k, u.data() + c0, len);
      }
    }
  }
  // out_j = sum_i y_i * (A/a_i mod b_j) mod b_j, in chunks of at most 16 sources.
#pragma omp parallel for schedule(static, 1)
  for (long j = 0; j < static_cast<long>(out_count); ++j) {
    const auto& bj = ctx_.modulus(to_[j]);
    std::vector<u64> part;
    for (std::size_t first = 0; first < k; first += 16) {
      const std::size_t cnt = std::min<std::size_t>(16, k - first);
      if (first == 0) {
        math::dot_mod_columns(cols.data(), hat_mod_[j].data(), cnt, out[j], n, bj, input_bound_);
      } else {
        part.resize(n);
        math::dot_mod_columns(cols.data() + first, hat_mod_[j].data() + first, cnt, part.data(), n,
                              bj, input_bound_);
        math::add_mod_vec(out[j], part.data(), out[j], n, bj);
      }
    }
    if (exact) {
      const auto& am = a_multiple_[static_cast<std::size_t>(j)];
      math::sub_table_mod_vec(out[j], u.data(), am.data(), am.size(), n, bj);
    }
    if (then) then(static_cast<std::size_t>(j));
  }
}

}  // namespace fhecnn::ring

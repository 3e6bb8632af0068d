#include "ring/rns_tools.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"
#include "math/ntt.hpp"
#include "math/vecops.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::ring {

namespace {

// x = (x - t) * s mod q, one pass (s < q).
void sub_then_mul_scalar(u64* x, const u64* t, u64 s, std::size_t n, const math::Modulus& q) {
  math::sub_mul_scalar_mod_vec(x, t, s, x, n, q);
}

}  // namespace

RnsTools::RnsTools(const RingContext& ctx) : ctx_(ctx) {
  const std::size_t nq = ctx.q_count();
  // P_k mod m for P_k = p_0 ... p_{k-1}.
  const auto p_mod = [&](std::size_t k, const math::Modulus& m) {
    u64 p = 1 % m.value;
    for (std::size_t j = 0; j < k; ++j) {
      p = math::mul_mod(p, math::reduce_64(ctx.modulus(ctx.p_index(j)).value, m), m);
    }
    return p;
  };
  // floor(P / 2) = (P - 1) / 2 (P odd) mod m: (P mod m - 1) * 2^-1 mod m.
  const auto half_p_mod = [&](std::size_t k, const math::Modulus& m) {
    const u64 inv2 = (m.value + 1) / 2;
    return math::mul_mod(math::sub_mod(p_mod(k, m), 1 % m.value, m.value), inv2, m);
  };
  tables_.resize(ctx.p_count() + 1);
  for (std::size_t k = 0; k < tables_.size(); ++k) {
    SpecialTables& t = tables_[k];
    for (std::size_t i = 0; i < nq; ++i) {
      const auto& qi = ctx.modulus(static_cast<PrimeIndex>(i));
      t.p_mod_q.push_back(p_mod(k, qi));
      t.p_inv_mod_q.push_back(math::inv_mod(t.p_mod_q.back(), qi));
      t.half_p_mod_q.push_back(half_p_mod(k, qi));
    }
    for (std::size_t j = 0; j < k; ++j) t.half_p_mod_p.push_back(half_p_mod(k, ctx.modulus(ctx.p_index(j))));
  }
  qlast_inv_.resize(nq);
  for (std::size_t l = 1; l < nq; ++l) {
    qlast_inv_[l].resize(l);
    for (std::size_t i = 0; i < l; ++i) {
      const auto& qi = ctx.modulus(static_cast<PrimeIndex>(i));
      qlast_inv_[l][i] = math::inv_mod(math::reduce_64(ctx.modulus(static_cast<PrimeIndex>(l)).value, qi), qi);
    }
  }
}

const BasisConverter& RnsTools::converter(const Basis& from, const Basis& to) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_pair(from, to);
  auto it = converters_.find(key);
  if (it == converters_.end()) {
    it = converters_.emplace(key, std::make_unique<BasisConverter>(ctx_, from, to)).first;
  }
  return *it->second;
}

RnsPoly RnsTools::mod_up(const RnsPoly& coeff, const RnsPoly& ntt, std::size_t begin,
                         std::size_t end) const {
  return mod_up(coeff, ntt, begin, end, ctx_.p_count());
}

RnsPoly RnsTools::mod_up(const RnsPoly& coeff, const RnsPoly& ntt, std::size_t begin,
                         std::size_t end, std::size_t specials) const {
  require(!coeff.is_ntt() && ntt.is_ntt(), "mod up", "needs the coefficient and NTT forms");
  require(begin < end && end <= coeff.limbs(), "mod up", "digit [", begin, ", ", end,
          ") outside ", coeff.limbs(), " limbs");
  const Level level{static_cast<int>(coeff.limbs()) - 1};
  const std::size_t n = ctx_.n();
  RnsPoly out(n, ctx_.qp_basis(level, specials), true, Uninitialized{});
  Basis from(coeff.basis().begin() + static_cast<long>(begin),
             coeff.basis().begin() + static_cast<long>(end));
  // Targets: the Q_l primes outside the digit, then P (one cached converter per digit and level).
  Basis to;
  std::vector<std::size_t> out_pos;
  for (std::size_t i = 0; i < out.limbs(); ++i) {
    if (i < begin || i >= end) {
      to.push_back(out.basis()[i]);
      out_pos.push_back(i);
    }
  }
  const BasisConverter& conv = converter(from, to);
  std::vector<const u64*> in(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) in[i] = coeff.limb(begin + i);
  std::vector<u64*> dst(to.size());
  for (std::size_t j = 0; j < to.size(); ++j) dst[j] = out.limb(out_pos[j]);
  conv.convert(in.data(), dst.data(), to.size(),
               [&](std::size_t j) { math::ntt_forward(ctx_.ntt(to[j]), dst[j]); });
  for (std::size_t i = begin; i < end; ++i) std::memcpy(out.limb(i), ntt.limb(i), n * sizeof(u64));
  return out;
}

RnsPoly RnsTools::mod_down(const RnsPoly& x) const {
  const auto is_special = [&](PrimeIndex i) { return static_cast<std::size_t>(i) >= ctx_.q_count(); };
  const std::size_t k = static_cast<std::size_t>(
      std::count_if(x.basis().begin(), x.basis().end(), is_special));
  require(x.is_ntt() && k >= 1 && x.limbs() > k, "mod down",
          "needs an NTT-form polynomial over Q_l P");
  const std::size_t nq = x.limbs() - k, n = ctx_.n();
  for (std::size_t j = 0; j < k; ++j) {
    require(x.basis()[nq + j] == ctx_.p_index(j), "mod down", "last limbs are not p_0..p_",
            k - 1);
  }
  const SpecialTables& tables = tables_[k];
  // t = x mod P in coefficient form, extended to Q_l.
  // Round instead of floor: t = [x + P/2]_P - P/2 (exact conversion), so (x - t) / P = round(x / P).
  RnsPoly tp(n, ctx_.p_basis(k), false, Uninitialized{});
#pragma omp parallel for schedule(static, 1)
  for (long jl = 0; jl < static_cast<long>(k); ++jl) {
    const auto j = static_cast<std::size_t>(jl);
    u64* v = tp.limb(j);
    std::memcpy(v, x.limb(nq + j), n * sizeof(u64));
    math::ntt_inverse(ctx_.ntt(ctx_.p_index(j)), v);
    math::add_scalar_mod_vec(v, tables.half_p_mod_p[j], v, n, ctx_.modulus(ctx_.p_index(j)));
  }
  Basis q_full = ctx_.q_basis(ctx_.max_level());
  const BasisConverter& conv = converter(ctx_.p_basis(k), q_full);
  RnsPoly t(n, ctx_.q_basis(Level{static_cast<int>(nq) - 1}), true, Uninitialized{});  // the result
  std::vector<const u64*> in(k);
  for (std::size_t j = 0; j < k; ++j) in[j] = tp.limb(j);
  std::vector<u64*> dst(nq);
  for (std::size_t i = 0; i < nq; ++i) dst[i] = t.limb(i);
  conv.convert_exact(in.data(), dst.data(), nq, [&](std::size_t i) {
    const auto& q = ctx_.modulus(static_cast<PrimeIndex>(i));
    u64* ti = t.limb(i);
    const u64 h = tables.half_p_mod_q[i];  // - h as + (q - h)
    if (h != 0) math::add_scalar_mod_vec(ti, q.value - h, ti, n, q);
    math::ntt_forward(ctx_.ntt(static_cast<PrimeIndex>(i)), ti);
    math::sub_mul_scalar_mod_vec(x.limb(i), ti, tables.p_inv_mod_q[i], ti, n, q);  // (x - t) / P
  });
  return t;
}

void RnsTools::mod_down_inplace(RnsPoly& x) const { x = mod_down(x); }

void RnsTools::rescale_inplace(RnsPoly& x) const {
  require(x.is_ntt(), "rescale", "polynomial must be in NTT form");
  require(x.limbs() >= 2, "rescale", "level 0 has no prime left to divide by");
  const std::size_t l = x.limbs() - 1, n = ctx_.n();
  require(x.basis()[l] == static_cast<PrimeIndex>(l), "rescale", "basis is not q_0..q_l");
  const auto& ql = ctx_.modulus(static_cast<PrimeIndex>(l));
  std::vector<u64> last(x.limb(l), x.limb(l) + n);
  math::ntt_inverse(ctx_.ntt(static_cast<PrimeIndex>(l)), last.data());
  // round(x / q_l) = (x + h - [x + h]_{q_l}) / q_l with h = floor(q_l / 2).
  const u64 half = ql.value >> 1;
  math::add_scalar_mod_vec(last.data(), half, last.data(), n, ql);
  x.truncate_limbs(l);
#pragma omp parallel
  {
    LimbStorage t(n);
#pragma omp for schedule(static, 1)
    for (long i = 0; i < static_cast<long>(l); ++i) {
      const auto& qi = ctx_.modulus(static_cast<PrimeIndex>(i));
      // t = (last - half) mod q_i, last < q_l.
      const u64 half_i = math::reduce_64(half, qi);
      if (ql.value < (u64{1} << 51) && qi.value < (u64{1} << 51)) {
        math::add_scalar_reduce_vec(last.data(), qi.value - half_i, t.data(), n, qi);  // < 2^52
      } else {  // last < q_l < 2^62 reduced mod q_i as a signed value, then - half_i
        math::reduce_signed_vec(reinterpret_cast<const std::int64_t*>(last.data()), t.data(), n, qi);
        if (half_i != 0) math::add_scalar_mod_vec(t.data(), qi.value - half_i, t.data(), n, qi);
      }
      math::ntt_forward(ctx_.ntt(static_cast<PrimeIndex>(i)), t.data());
      sub_then_mul_scalar(x.limb(i), t.data(), qlast_inv_[l][i], n, qi);
    }
  }
}

}  // namespace fhecnn::ring

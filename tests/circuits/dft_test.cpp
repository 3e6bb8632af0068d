#include "circuits/dft.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "circuits/slots.hpp"
#include "circuits_test_util.hpp"
#include "ckks/encoder.hpp"
#include "ckks/presets.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

using testing::realistic_backend;

using testing::expect_error;

// N = 2^15: special_fft / special_ifft for every n <= 2^14 (an insecure one-level ring; only
// its encoder is used).
const ckks::Encoder& encoder() {
  static const ckks::Encoder e([] {
    rlwe::ParamsLiteral lit;
    lit.name = "insecure_encoder_n15";
    lit.log_n = 15;
    lit.log_q = {50};
    lit.log_p = {50};
    lit.allow_insecure = true;
    return rlwe::Params::create(lit);
  }());
  return e;
}

std::vector<Complex> random_vector(std::size_t n, std::mt19937_64& rng, bool real = false) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<Complex> v(n);
  for (auto& z : v) z = Complex(u(rng), real ? 0.0 : u(rng));
  return v;
}

double max_abs(const std::vector<Complex>& v) {
  double m = 0.0;
  for (const auto& z : v) m = std::max(m, std::abs(z));
  return m;
}

double max_diff(const std::vector<Complex>& a, const std::vector<Complex>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

std::vector<Complex> fft(std::vector<Complex> v) {
  encoder().special_fft(v);
  return v;
}

std::vector<Complex> ifft(std::vector<Complex> v) {
  encoder().special_ifft(v);
  return v;
}

std::vector<Complex> concat(const std::vector<Complex>& a, const std::vector<Complex>& b) {
  std::vector<Complex> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<Complex> times(std::vector<Complex> v, Complex c) {
  for (auto& z : v) z *= c;
  return v;
}

// A SlotBackend that refuses rotations outside a key set (as CKKS without the Galois key).
class KeyedBackend {
 public:
  using Value = SlotBackend::Value;
  KeyedBackend(std::size_t slots, std::vector<RotationStep> keys)
      : b_(realistic_backend(slots)), keys_(keys.begin(), keys.end()) {}

  Value add(const Value& x, const Value& y) { return b_.add(x, y); }
  Value sub(const Value& x, const Value& y) { return b_.sub(x, y); }
  Value add_const(const Value& x, Complex c) { return b_.add_const(x, c); }
  Value mul_const(const Value& x, Complex c, Scale s) { return b_.mul_const(x, c, s); }
  Value mul_plain(const Value& x, const std::vector<Complex>& v, Scale s) { return b_.mul_plain(x, v, s); }
  Value mul(const Value& x, const Value& y) { return b_.mul(x, y); }
  Value rescale(const Value& x) { return b_.rescale(x); }
  Value drop_to_level(const Value& x, Level l) { return b_.drop_to_level(x, l); }
  Value rotate(const Value& x, RotationStep k) {
    const int n = static_cast<int>(b_.slots());
    require(keys_.count(RotationStep{((k.value % n) + n) % n}) == 1, "rotate", "no key for ", k);
    return b_.rotate(x, k);
  }
  Value conjugate(const Value& x) { return b_.conjugate(x); }
  Level level(const Value& x) const { return b_.level(x); }
  Scale scale(const Value& x) const { return b_.scale(x); }
  double prime(Level l) const { return b_.prime(l); }
  SlotBackend& inner() { return b_; }

 private:
  SlotBackend b_;
  std::set<RotationStep> keys_;
};

// The convention the factors rely on: slots z_j = m(zeta^(5^j)) for the 2n real coefficients
// m of a polynomial in Y, with v_k = m_k + i m_{k+n} the vector special_fft transforms.
TEST(Dft, SpecialFftIsTheCanonicalEmbeddingOfTheCoefficients) {
  std::mt19937_64 rng(1);
  const std::size_t n = 8;
  const auto m = random_vector(2 * n, rng, true);
  std::vector<Complex> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = Complex(m[k].real(), m[k + n].real());
  const auto z = fft(v);
  std::uint64_t g = 1;
  for (std::size_t j = 0; j < n; ++j) {
    Complex sum(0.0, 0.0);
    for (std::size_t k = 0; k < 2 * n; ++k) {
      const double angle = 2.0 * M_PI * static_cast<double>(g * k % (4 * n)) / static_cast<double>(4 * n);
      sum += m[k] * std::polar(1.0, angle);
    }
    EXPECT_LT(std::abs(z[j] - sum), 1e-13) << j;
    g = g * 5 % (4 * n);
  }
  EXPECT_LT(max_diff(ifft(z), v), 1e-14);
}

TEST(Dft, FactorProductsAreTheEncodersSpecialFftUpToBitReversal) {
  std::mt19937_64 rng(2);
  for (std::size_t n = 4; n <= 1024; n *= 2) {
    const int log_n = static_cast<int>(std::log2(static_cast<double>(n)));
    std::set<int> levels = {1, 2, 3, log_n};
    if (n <= 32) for (int l = 1; l <= log_n; ++l) levels.insert(l);
    for (int l : levels) {
      if (l > log_n) continue;
      for (auto dir : {DftDirection::slot_to_coeff, DftDirection::coeff_to_slot}) {
        const auto sizes = choose_group_sizes(n, l, dir, DftLayout::complex_slots);
        const auto factors = dft_factors(n, dir, sizes);
        ASSERT_EQ(factors.size(), static_cast<std::size_t>(l));
        auto x = random_vector(n, rng);
        const auto expected =
            dir == DftDirection::slot_to_coeff ? fft(bit_reversed(x)) : bit_reversed(ifft(x));
        for (const auto& f : factors) x = apply_clear(f, x);
        EXPECT_LT(max_diff(x, expected) / max_abs(expected), 1e-12)
            << "n " << n << " levels " << l << (dir == DftDirection::slot_to_coeff ? " StC" : " CtS");
      }
    }
  }
}

TEST(Dft, PredictedCostsMatchTheBuiltPlans) {
  for (std::size_t n : {16u, 256u, 1024u}) {
    for (int l : {1, 2, 3}) {
      for (auto layout : {DftLayout::complex_slots, DftLayout::real_packed}) {
        for (auto dir : {DftDirection::coeff_to_slot, DftDirection::slot_to_coeff}) {
          const DftOptions opt{l, {}, Complex(1.0, 0.0)};
          const DftPlan plan = dir == DftDirection::coeff_to_slot ? make_coeff_to_slot(n, layout, opt)
                                                                   : make_slot_to_coeff(n, layout, opt);
          const auto costs = dft_costs(n, dir, layout, plan.group_sizes);
          ASSERT_EQ(plan.factors.size(), costs.size());
          for (std::size_t i = 0; i < costs.size(); ++i) {
            EXPECT_EQ(plan.factors[i].diagonals(), costs[i].diagonals) << n << " " << l << " " << i;
            EXPECT_EQ(plan.factors[i].rotations(), costs[i].split.rotations()) << n << " " << l << " " << i;
            const std::size_t d = std::size_t{1} << costs[i].layers;
            EXPECT_EQ(costs[i].diagonals, costs[i].form == DiagonalForm::cyclic ? d : 2 * d - 1);
          }
        }
      }
    }
  }
}

// PAPER.md §3.5 (n_boot = 2^12, 2^13, 2^14; 3 + 3 levels): CtS 26/30/34 rotations, StC 30/34/38.
TEST(Dft, ThreeLevelPlansNeedNoMoreRotationsThanThePaper) {
  const int paper_cts[] = {26, 30, 34}, paper_stc[] = {30, 34, 38};
  for (int i = 0; i < 3; ++i) {
    const std::size_t n = std::size_t{1} << (12 + i);
    auto total = [&](DftDirection dir) {
      int r = 0;
      const auto sizes = choose_group_sizes(n, 3, dir, DftLayout::real_packed);
      int sum = 0;
      for (int d : sizes) sum += d;
      EXPECT_EQ(sum, 12 + i);
      for (const auto& c : dft_costs(n, dir, DftLayout::real_packed, sizes)) r += c.split.rotations();
      return r;
    };
    EXPECT_LE(total(DftDirection::coeff_to_slot), paper_cts[i]) << n;
    EXPECT_LE(total(DftDirection::slot_to_coeff), paper_stc[i]) << n;
  }
}

TEST(Dft, ComplexSlotsRoundTripKeepsLevelsAndScale) {
  std::mt19937_64 rng(3);
  const std::size_t n = 128;
  const Complex c(0.125, 0.0);
  const DftPlan cts = make_coeff_to_slot(n, DftLayout::complex_slots, {3, {}, c});
  const DftPlan stc = make_slot_to_coeff(n, DftLayout::complex_slots, {3, {}, 1.0 / c});
  SlotBackend b = realistic_backend(n);
  const Scale s{1.2345 * std::exp2(44.0)};
  const auto z = random_vector(n, rng);
  const auto x = b.encrypt(z, Level{9}, s);
  const auto w = coeff_to_slot(b, x, cts);
  EXPECT_EQ(b.level(w), Level{6});
  EXPECT_NEAR(b.scale(w).value / s.value, 1.0, 1e-15);
  EXPECT_LT(max_diff(b.decrypt(w), times(bit_reversed(ifft(z)), c)), 1e-12);
  EXPECT_EQ(b.counts().rotate, cts.rotations());
  EXPECT_EQ(b.counts().mul_plain, static_cast<int>(cts.diagonals()));

  const auto back = slot_to_coeff(b, w, stc);
  EXPECT_EQ(b.level(back), Level{3});
  EXPECT_NEAR(b.scale(back).value / s.value, 1.0, 1e-15);
  EXPECT_LT(max_diff(b.decrypt(back), z), 1e-12);
  // SlotToCoeff of arbitrary (bit-reversed) input: special_fft.
  const auto wp = random_vector(n, rng);
  const auto y = slot_to_coeff(b, b.encrypt(wp, Level{5}, Scale::from_log2(46)), stc);
  EXPECT_EQ(b.scale(y), Scale::from_log2(46));
  EXPECT_LT(max_diff(b.decrypt(y), times(fft(bit_reversed(wp)), 1.0 / c)), 1e-12);
}

// The paper's sparse bootstrapping with real packing: CtS, x + conj(x) (the bootstrapper's step),
// StC with x + rot(x, n), then imaginary removal y + conj(y) with the 1/2 folded into StC.
void check_real_packed_pipeline(std::size_t n) {
  std::mt19937_64 rng(4);
  const double c1 = 1.0 / (2 * 25 * 4.0);  // 1 / (2K N/(2n)) for K = 25, N/(2n) = 4
  const DftPlan cts = make_coeff_to_slot(n, DftLayout::real_packed, {3, {}, c1});
  const DftPlan stc = make_slot_to_coeff(n, DftLayout::real_packed, {3, {}, 1.0 / (2 * c1)});
  const DftPlan stc_half = make_slot_to_coeff(n, DftLayout::real_packed, {3, {}, 1.0 / (4 * c1)});
  EXPECT_EQ(cts.slots, 2 * n);

  const auto m = random_vector(2 * n, rng, true);  // the 2n real coefficients
  std::vector<Complex> v(n), re(n), im(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = Complex(m[k].real(), m[k + n].real());
  const auto z = fft(v);
  SlotBackend b = realistic_backend(2 * n);
  const Scale s = Scale::from_log2(45);
  const auto x = b.encrypt(concat(z, z), Level{12}, s);  // n-periodic on 2n slots

  const auto w = coeff_to_slot(b, x, cts);
  const auto rv = times(bit_reversed(v), c1);
  EXPECT_LT(max_diff(b.decrypt(w), concat(rv, times(rv, Complex(0.0, -1.0)))), 1e-14);
  const auto t = b.add(w, b.conjugate(w));
  for (std::size_t j = 0; j < n; ++j) {
    re[j] = m[j].real();
    im[j] = m[j + n].real();
  }
  const auto expected_t = times(concat(bit_reversed(re), bit_reversed(im)), 2 * c1);
  EXPECT_LT(max_diff(b.decrypt(t), expected_t), 1e-14);

  const auto y = slot_to_coeff(b, t, stc);
  EXPECT_EQ(b.level(y), Level{6});
  EXPECT_EQ(b.scale(y), s);
  EXPECT_LT(max_diff(b.decrypt(y), concat(z, z)), 1e-12);

  const auto h = slot_to_coeff(b, t, stc_half);
  const auto r = b.add(h, b.conjugate(h));
  std::vector<Complex> real_z(n);
  for (std::size_t j = 0; j < n; ++j) real_z[j] = z[j].real();
  EXPECT_LT(max_diff(b.decrypt(r), concat(real_z, real_z)), 1e-12);
  double max_imag = 0.0;  // the removal had something to remove
  for (const auto& zj : z) max_imag = std::max(max_imag, std::abs(zj.imag()));
  EXPECT_GT(max_imag, 0.5);
}

TEST(Dft, RealPackedPipelineIsTheIdentityAndRemovesTheImaginaryPart) { check_real_packed_pipeline(64); }

// The sizes bootstrapping uses at N = 2^16 (2^14: 14 layers in 3 factors of up to 5 layers).
TEST(Dft, RealPackedPipelineAtNetworkSizes) {
  for (std::size_t n : {std::size_t{4096}, std::size_t{16384}}) check_real_packed_pipeline(n);
}

TEST(Dft, RotationStepsAreExactlyTheKeysThePlansNeed) {
  std::mt19937_64 rng(5);
  const std::size_t n = 64;
  for (auto layout : {DftLayout::complex_slots, DftLayout::real_packed}) {
    for (auto dir : {DftDirection::coeff_to_slot, DftDirection::slot_to_coeff}) {
      const DftPlan plan = dir == DftDirection::coeff_to_slot ? make_coeff_to_slot(n, layout)
                                                              : make_slot_to_coeff(n, layout);
      const auto keys = rotation_steps(plan);
      for (RotationStep k : keys) {
        EXPECT_GE(k.value, 1);
        EXPECT_LT(k.value, static_cast<int>(plan.slots));
      }
      auto run = [&](const std::vector<RotationStep>& key_set) {
        KeyedBackend b(plan.slots, key_set);
        const auto x = b.inner().encrypt(random_vector(plan.slots, rng), Level{6}, Scale::from_log2(46));
        if (dir == DftDirection::coeff_to_slot) {
          coeff_to_slot(b, x, plan);
        } else {
          slot_to_coeff(b, x, plan);
        }
        EXPECT_EQ(b.inner().counts().rotate, plan.rotations());
      };
      EXPECT_NO_THROW(run(keys));
      for (std::size_t drop = 0; drop < keys.size(); ++drop) {  // every key is used
        auto fewer = keys;
        fewer.erase(fewer.begin() + static_cast<long>(drop));
        expect_error([&] { run(fewer); }, "cannot rotate: no key for");
      }
    }
  }
}

TEST(Dft, RejectsBadParametersAndMisusedPlans) {
  expect_error([] { make_coeff_to_slot(12, DftLayout::complex_slots); },
               "cannot plan CoeffToSlot: slot count 12 is not a power of two >= 2");
  expect_error([] { make_slot_to_coeff(16, DftLayout::complex_slots, {5, {}, 1.0}); },
               "cannot plan SlotToCoeff: levels 5 outside [1, 4]");
  expect_error([] { make_slot_to_coeff(16, DftLayout::complex_slots, {0, {}, 1.0}); },
               "levels 0 outside [1, 4]");
  expect_error([] { make_coeff_to_slot(16, DftLayout::complex_slots, {2, {1, 2}, 1.0}); },
               "group sizes sum to 3, not log2 n = 4");
  expect_error([] { make_coeff_to_slot(16, DftLayout::complex_slots, {2, {}, 0.0}); },
               "the scalar is zero");
  const DftPlan cts = make_coeff_to_slot(16, DftLayout::complex_slots);
  SlotBackend b = realistic_backend(16);
  const auto x = b.encrypt({1.0}, Level{2}, Scale::from_log2(40));
  expect_error([&] { slot_to_coeff(b, x, cts); },
               "cannot apply SlotToCoeff: the plan is for CoeffToSlot");
  expect_error([&] { coeff_to_slot(b, x, cts); },
               "cannot apply CoeffToSlot: needs 3 levels but the input is at level 2");
}

}  // namespace
}  // namespace fhecnn::circuits

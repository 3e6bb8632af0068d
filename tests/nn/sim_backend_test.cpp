// SimBackend against circuits::SlotBackend, whose semantics it reimplements on shared, lazily
// rotated, real-or-complex slot storage: random programs of every operation must give the same
// slots bit for bit (with and without injected noise), the same levels, scales and exceptions;
// the fused multiply-accumulates and plaintexts given as runs must equal their unfused, dense
// forms; shared storage must never be written through another value. (Bootstrapping and the
// counters: packed_layers_test.cpp.)
#include "nn/sim_backend.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "circuits/slots.hpp"
#include "common/error.hpp"
#include "nn/packed_executor.hpp"

namespace fhecnn::nn {
namespace {

using circuits::Complex;
using circuits::SlotBackend;

const Scale kDelta = Scale::from_log2(40);

std::vector<Complex> random_slots(std::size_t n, std::mt19937_64& rng, bool complex) {
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  std::vector<Complex> v(n);
  for (Complex& z : v) z = Complex(d(rng), complex ? d(rng) : 0.0);
  return v;
}

// The same program on both backends: a pool of values, each step one random operation on
// random members, its result checked slot for slot and added to the pool.
class Twin {
 public:
  Twin(std::size_t slots, std::uint64_t seed, double noise)
      : slow_(paper_primes(), slots), fast_(paper_primes(), slots), rng_(seed), n_(slots) {
    if (noise > 0.0) {
      slow_.set_noise({noise, 7});
      fast_.set_noise({noise, 7});
    }
    for (bool complex : {false, false, true}) {
      const auto m = random_slots(n_, rng_, complex);
      push(slow_.encrypt(m, Level{12}, kDelta), fast_.encrypt(m, Level{12}, kDelta));
    }
  }

  int compared() const { return compared_; }

  void step() {
    const std::size_t a = pick(), b = pick();
    const auto& [sa, fa] = pool_[a];
    const auto& [sb, fb] = pool_[b];
    const bool same = sa.level == sb.level &&
                      std::abs(sa.scale.value - sb.scale.value) <= 1e-12 * sa.scale.value;
    std::uniform_int_distribution<int> op(0, 10);
    std::uniform_real_distribution<double> c(-2.0, 2.0);
    switch (op(rng_)) {
      case 0:
        if (same) return push(slow_.add(sa, sb), fast_.add(fa, fb));
        return push(slow_.sub(sa, sa), fast_.sub(fa, fa));
      case 1:
        if (same) return push(slow_.sub(sa, sb), fast_.sub(fa, fb));
        return push(slow_.add(sa, sa), fast_.add(fa, fa));
      case 2: {
        const Complex k(c(rng_), op(rng_) < 3 ? c(rng_) : 0.0);
        return push(slow_.add_const(sa, k), fast_.add_const(fa, k));
      }
      case 3: {
        const Complex k(c(rng_), op(rng_) < 3 ? c(rng_) : 0.0);
        return push(slow_.rescale(slow_.mul_const(sa, k, kDelta)),
                    fast_.rescale(fast_.mul_const(fa, k, kDelta)));
      }
      case 4: {
        const auto v = random_slots(n_, rng_, op(rng_) < 3);
        return push(slow_.rescale(slow_.mul_plain(sa, v, kDelta)),
                    fast_.rescale(fast_.mul_plain(fa, v, kDelta)));
      }
      case 5:
        if (sa.level == sb.level && sa.level.value > 0) {
          return push(slow_.rescale(slow_.mul(sa, sb)), fast_.rescale(fast_.mul(fa, fb)));
        }
        return;
      case 6:
      case 7: {
        const RotationStep k{std::uniform_int_distribution<int>(-3 * static_cast<int>(n_),
                                                                3 * static_cast<int>(n_))(rng_)};
        return push(slow_.rotate(sa, k), fast_.rotate(fa, k));
      }
      case 8:
        return push(slow_.conjugate(sa), fast_.conjugate(fa));
      case 9:
        if (sa.level.value > 1) {
          const Level l{sa.level.value - 1};
          return push(slow_.drop_to_level(sa, l), fast_.drop_to_level(fa, l));
        }
        return;
      default:
        EXPECT_EQ(slow_.observe_input(sa), fast_.observe_input(fa));
        return;
    }
  }

 private:
  std::size_t pick() {
    return std::uniform_int_distribution<std::size_t>(0, pool_.size() - 1)(rng_);
  }
  void push(const SlotBackend::Value& s, const SimBackend::Value& f) {
    ASSERT_EQ(s.level, f.level);
    ASSERT_EQ(s.scale.value, f.scale.value);
    ASSERT_EQ(s.slots, fast_.decrypt(f)) << "after " << compared_ << " values";
    ++compared_;
    if (s.level.value < 2) return;  // keep levels for later products
    pool_.emplace_back(s, f);
    if (pool_.size() > 12) pool_.erase(pool_.begin() + 3);
  }

  SlotBackend slow_;
  SimBackend fast_;
  std::mt19937_64 rng_;
  std::size_t n_;
  int compared_ = 0;
  std::vector<std::pair<SlotBackend::Value, SimBackend::Value>> pool_;
};

TEST(SimBackend, RandomProgramsMatchTheSlotBackendBitForBit) {
  for (std::size_t slots : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{5000}}) {
    Twin twin(slots, 100 + slots, 0.0);
    for (int i = 0; i < 300; ++i) twin.step();
    EXPECT_GT(twin.compared(), 200);
  }
}

TEST(SimBackend, InjectedNoiseDrawsTheSameValuesAsTheSlotBackend) {
  Twin twin(300, 5, 1e-6);
  for (int i = 0; i < 300; ++i) twin.step();
  EXPECT_GT(twin.compared(), 200);
}

// Runs f (a generic lambda) on both backends and expects the same exception message.
template <typename F>
void expect_same_error(F f) {
  std::string a, b;
  SlotBackend s(paper_primes(), 8);
  SimBackend m(paper_primes(), 8);
  try {
    f(s);
  } catch (const InvalidArgument& e) {
    a = e.what();
  }
  try {
    f(m);
  } catch (const InvalidArgument& e) {
    b = e.what();
  }
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

TEST(SimBackend, RefusesWhatTheSlotBackendRefusesWithTheSameMessage) {
  const std::vector<Complex> big(8, Complex(1e30, 0.0)), one(8, Complex(1.0, 0.0));
  expect_same_error([&](auto& b) {  // a product overflowing the modulus
    b.mul(b.encrypt(big, Level{3}, kDelta), b.encrypt(big, Level{3}, kDelta));
  });
  expect_same_error(
      [&](auto& b) { b.add(b.encrypt(one, Level{1}, kDelta), b.encrypt(one, Level{2}, kDelta)); });
  expect_same_error([&](auto& b) {
    b.sub(b.encrypt(one, Level{1}, kDelta), b.encrypt(one, Level{1}, Scale{3.0}));
  });
  expect_same_error([&](auto& b) { b.rescale(b.encrypt(one, Level{0}, kDelta)); });
  expect_same_error([&](auto& b) {
    b.mul_plain(b.encrypt(one, Level{1}, kDelta), std::vector<Complex>(3), kDelta);
  });
  expect_same_error([&](auto& b) {  // a level drop that no longer fits the smaller modulus
    b.drop_to_level(b.encrypt(big, Level{10}, Scale::from_log2(80)), Level{0});
  });
  expect_same_error([&](auto& b) { b.encrypt(std::vector<Complex>(9), Level{1}, kDelta); });
  expect_same_error([&](auto& b) { b.set_noise({-1.0, 0}); });
}

TEST(SimBackend, FusedMultiplyAccumulatesEqualTheirUnfusedForms) {
  std::mt19937_64 rng(3);
  for (bool complex : {false, true}) {
    SimBackend b(paper_primes(), 100);
    const auto x = b.rotate(b.encrypt(random_slots(100, rng, complex), Level{6}, kDelta),
                            RotationStep{17});
    const auto y = b.encrypt(random_slots(100, rng, false), Level{5}, kDelta);
    const Scale s = Scale::from_log2(30);
    // acc += x * c, x one level above acc (its extra prime ignored).
    auto acc = b.mul_const(b.drop_to_level(x, Level{5}), Complex(0.3, 0.0), s);
    const auto shared = acc;  // must not change when acc is written in place
    const auto before = b.decrypt(shared);
    const auto want = b.add(acc, b.mul_const(b.drop_to_level(y, Level{5}), Complex(-1.7, 0.0), s));
    const OpCounts counts = b.counts();
    b.mul_const_then_add(acc, y, Complex(-1.7, 0.0), s);
    EXPECT_EQ(b.decrypt(acc), b.decrypt(want));
    EXPECT_EQ(b.decrypt(shared), before);
    EXPECT_EQ(b.counts().mul_const, counts.mul_const + 1);
    EXPECT_EQ(b.counts().add, counts.add + 1);
    // Plaintexts as runs (strided, crossing the rotation's wrap point): as their dense vectors.
    const SparsePlain runs = {{3, 10, 7, 0.5}, {1, 1, 1, -2.0}, {80, 20, 1, 1.25}, {5, 0, 1, 9.0}};
    const auto xs = b.drop_to_level(x, Level{5});
    const auto first = b.mul_plain_sparse(xs, runs, s);
    EXPECT_EQ(b.decrypt(first), b.decrypt(b.mul_plain(xs, dense_plain(runs, 100), s)));
    auto sum = b.mul_plain(y, random_slots(100, rng, false), s);
    const auto want2 = b.add(sum, b.mul_plain(xs, dense_plain(runs, 100), s));
    const OpCounts before2 = b.counts();
    b.mul_plain_sparse_then_add(sum, xs, runs, s);
    EXPECT_EQ(b.decrypt(sum), b.decrypt(want2));
    EXPECT_EQ(sum.scale.value, want2.scale.value);
    EXPECT_EQ(b.counts().mul_plain, before2.mul_plain + 1);
    EXPECT_EQ(b.counts().add, before2.add + 1);
    // A scale that does not match the accumulator is refused, as add refuses it; so is a run
    // outside the slots.
    EXPECT_THROW(b.mul_plain_sparse_then_add(sum, y, runs, Scale::from_log2(31)), InvalidArgument);
    EXPECT_THROW(b.mul_plain_sparse(y, {{90, 3, 5, 1.0}}, s), InvalidArgument);
  }
}

TEST(SimBackend, ValuesShareTheirSlotsUntilWritten) {
  SimBackend b(paper_primes(), 16);
  std::vector<Complex> m(16);
  for (int i = 0; i < 16; ++i) m[static_cast<std::size_t>(i)] = Complex(i, 0.0);
  const auto x = b.encrypt(m, Level{3}, kDelta);
  const auto r = b.rotate(x, RotationStep{5});
  EXPECT_EQ(r.data, x.data);  // a rotation only moves the offset
  EXPECT_EQ(b.decrypt(r)[0], Complex(5.0, 0.0));
  EXPECT_EQ(b.decrypt(r)[15], Complex(4.0, 0.0));
  const auto d = b.rescale(x);
  EXPECT_EQ(d.data, x.data);
  EXPECT_EQ(b.decrypt(b.rotate(r, RotationStep{-5})), m);
  EXPECT_EQ(SimBackend::max_abs(r), 15.0);
  EXPECT_EQ(b.observe_input(r), 15.0);
}

}  // namespace
}  // namespace fhecnn::nn

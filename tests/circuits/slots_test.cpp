#include "circuits/slots.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "circuits/coeff_file.hpp"
#include "circuits/relu.hpp"
#include "circuits/sign.hpp"
#include "circuits_test_util.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

using testing::realistic_backend;

using testing::expect_error;

TEST(SlotBackend, TracksLevelAndScaleLikeCkks) {
  SlotBackend b = realistic_backend(4);
  const Scale delta = Scale::from_log2(46);
  const auto x = b.encrypt({1.0, -0.5, Complex(0.25, 0.5)}, Level{20}, delta);
  const auto y = b.mul(x, x);
  EXPECT_EQ(b.level(y), Level{20});
  EXPECT_DOUBLE_EQ(b.scale(y).value, delta.value * delta.value);
  const auto z = b.rescale(y);
  EXPECT_EQ(b.level(z), Level{19});
  EXPECT_DOUBLE_EQ(b.scale(z).value, delta.value * delta.value / b.prime(Level{20}));
  EXPECT_NEAR(std::abs(b.decrypt(z)[2] - Complex(0.25, 0.5) * Complex(0.25, 0.5)), 0.0, 1e-15);
  EXPECT_EQ(b.counts().mul, 1);
  EXPECT_EQ(b.counts().rescale, 1);
  const auto c = b.mul_const(x, Complex(3.0, 0.0), Scale{1.0});
  EXPECT_EQ(b.scale(c), delta);
  EXPECT_EQ(b.decrypt(c)[0], Complex(3.0, 0.0));
}

TEST(SlotBackend, ConstantsAreRoundedAtTheirScale) {
  SlotBackend b = realistic_backend(2);
  const auto x = b.encrypt({1.0, 1.0}, Level{5}, Scale{1024.0});
  EXPECT_EQ(b.decrypt(b.mul_const(x, 0.3, Scale{4.0}))[0], Complex(0.25, 0.0));  // round(1.2)/4
  EXPECT_EQ(b.decrypt(b.add_const(x, Complex(0.0, 1e-4)))[0], Complex(1.0, 0.0));
}

TEST(SlotBackend, ThrowsOnBrokenPreconditions) {
  SlotBackend b = realistic_backend(2);
  const Scale delta = Scale::from_log2(46);
  const auto x = b.encrypt({0.5}, Level{0}, delta);
  const auto y = b.encrypt({0.5}, Level{1}, delta);
  expect_error([&] { b.rescale(x); }, "cannot rescale: value is at level 0");
  expect_error([&] { b.mul(x, y); }, "cannot multiply: level mismatch");
  expect_error([&] { b.add(x, y); }, "cannot add: level mismatch");
  const auto y2 = b.encrypt({0.5}, Level{1}, Scale{delta.value * 1.001});
  expect_error([&] { b.sub(y, y2); }, "cannot subtract: scale mismatch");
  expect_error([&] { b.drop_to_level(x, Level{1}); }, "cannot drop to level");
  expect_error([&] { b.mul(x, x); }, "exceeds the modulus");  // 2^92 > q_0 at level 0
  expect_error([&] { b.encrypt({0.5}, Level{21}, delta); }, "cannot encrypt");
  expect_error([&] { b.mul_const(x, 1.0, Scale{0.0}); }, "must be positive");
  expect_error([&] { b.mul_plain(x, {1.0}, delta); }, "1 values for 2 slots");
}

TEST(SlotBackend, RotateConjugateAndObserve) {
  SlotBackend b = realistic_backend(4);
  const auto x = b.encrypt({1.0, 2.0, Complex(3.0, 1.0), 4.0}, Level{3}, Scale{1e10});
  const auto r = b.decrypt(b.rotate(x, RotationStep{1}));
  EXPECT_EQ(r[0], Complex(2.0, 0.0));
  EXPECT_EQ(r[3], Complex(1.0, 0.0));
  EXPECT_EQ(b.decrypt(b.rotate(x, RotationStep{-1}))[0], Complex(4.0, 0.0));
  EXPECT_EQ(b.decrypt(b.conjugate(x))[2], Complex(3.0, -1.0));
  EXPECT_DOUBLE_EQ(b.observe_input(x), 4.0);
  EXPECT_DOUBLE_EQ(b.max_input_seen(), 4.0);
  EXPECT_EQ(b.counts().rotate, 2);
  EXPECT_EQ(b.counts().conjugate, 1);
}

// Sample variance of the real and of the imaginary parts of x's slots (the expected mean is 0).
std::pair<double, double> part_variances(const std::vector<Complex>& v, Complex mean) {
  double re = 0.0, im = 0.0;
  for (const Complex& z : v) {
    re += (z.real() - mean.real()) * (z.real() - mean.real());
    im += (z.imag() - mean.imag()) * (z.imag() - mean.imag());
  }
  return {re / static_cast<double>(v.size()), im / static_cast<double>(v.size())};
}

// Each noisy operation adds independent N(0, sigma^2) to the real and the imaginary part of every
// slot, so after k of them the per-part variance is k sigma^2 (2^14 samples: the sample variance
// is within 5% of it with probability far above 1 - 1e-5).
TEST(SlotBackendNoise, EveryNoisyOperationAddsTheDocumentedVariance) {
  SlotBackend b = realistic_backend(1 << 14);
  const double sigma = std::exp2(-20);
  b.set_noise({sigma, 7});
  const Scale delta = Scale::from_log2(46);
  const Level top{20};
  auto expect_variance = [&](const SlotBackend::Value& x, Complex mean, double k, const char* at) {
    const auto [re, im] = part_variances(b.decrypt(x), mean);
    EXPECT_NEAR(re / (k * sigma * sigma), 1.0, 0.05) << at << " (real)";
    EXPECT_NEAR(im / (k * sigma * sigma), 1.0, 0.05) << at << " (imaginary)";
  };
  auto x = b.encrypt({}, top, delta);  // zeros
  expect_variance(x, 0.0, 1, "encrypt");
  x = b.mul_const(x, Complex(1.0, 0.0), Scale{b.prime(top)});
  expect_variance(x, 0.0, 2, "mul_const");
  x = b.rescale(x);
  expect_variance(x, 0.0, 3, "rescale");
  x = b.rotate(x, RotationStep{5});
  expect_variance(x, 0.0, 4, "rotate");
  x = b.conjugate(x);
  expect_variance(x, 0.0, 5, "conjugate");
  x = b.mul_plain(x, std::vector<Complex>(b.slots(), 1.0), Scale{b.prime(Level{19})});
  expect_variance(x, 0.0, 6, "mul_plain");
  // Noise-free operations: the variance stays.
  x = b.add_const(b.drop_to_level(b.rotate(x, RotationStep{0}), Level{15}), Complex(0.5, 0.0));
  expect_variance(x, Complex(0.5, 0.0), 6, "add_const, drop_to_level, rotate by 0");
  // mul: (1 + e)^2 + e' has per-part variance 4 sigma^2 + sigma^2 (to first order).
  const auto one = b.encrypt(std::vector<Complex>(b.slots(), 1.0), top, delta);
  expect_variance(b.mul(one, one), 1.0, 5, "mul");
}

TEST(SlotBackendNoise, ZeroNoiseIsBitIdenticalAndSeedsAreDeterministic) {
  const CompositeSign sign = composite_sign_from_file(load_minimax(testing::data_path("relu_alpha13.txt")));
  const std::vector<ChebyshevPoly> chain = sign.relu_chain();
  const Scale delta = Scale::from_log2(46);
  // AppReLU on x / 2 rotated and conjugated: every kind of noisy operation takes part.
  auto run = [&](SlotBackend& b) {
    const auto x = b.encrypt(testing::grid(-1.0, 1.0, b.slots()), Level{20}, delta);
    auto y = b.conjugate(b.rotate(x, RotationStep{3}));
    y = b.rescale(b.mul_plain(y, std::vector<Complex>(b.slots(), 0.5), Scale{b.prime(Level{20})}));
    return b.decrypt(app_relu(b, y, chain, delta));
  };
  SlotBackend plain = realistic_backend(1024);
  SlotBackend zero = realistic_backend(1024);
  zero.set_noise({0.0, 123});
  const std::vector<Complex> exact = run(plain);
  EXPECT_EQ(run(zero), exact);  // bit for bit: no noise, no draws

  const double sigma = std::exp2(-30);
  SlotBackend n1 = realistic_backend(1024), n2 = realistic_backend(1024);
  n1.set_noise({sigma, 1});
  n2.set_noise({sigma, 1});
  const std::vector<Complex> noisy = run(n1);
  EXPECT_EQ(run(n2), noisy);  // same seed, same operations: same values
  n1.set_noise({sigma, 1});   // setting the model again reseeds
  EXPECT_EQ(run(n1), noisy);
  n2.set_noise({sigma, 2});
  EXPECT_NE(run(n2), noisy);
  // The noise shows in the output, amplified by the composite polynomial but bounded.
  double diff = 0.0;
  for (std::size_t i = 0; i < exact.size(); ++i) diff = std::max(diff, std::abs(noisy[i] - exact[i]));
  EXPECT_GT(diff, sigma);
  EXPECT_LT(diff, std::exp2(-16));
  std::cout << "AppReLU with sigma = 2^-30 per operation: max change 2^" << std::log2(diff) << "\n";
}

TEST(SlotBackendNoise, RejectsANegativeStddev) {
  SlotBackend b = realistic_backend(2);
  expect_error([&] { b.set_noise({-1e-9, 0}); }, "cannot set noise model: stddev -1e-09");
  expect_error([&] { b.set_noise({std::nan(""), 0}); }, "cannot set noise model");
  EXPECT_EQ(b.noise().stddev, 0.0);  // unchanged
}

}  // namespace
}  // namespace fhecnn::circuits

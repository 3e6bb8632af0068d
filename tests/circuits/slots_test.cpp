#include "circuits/slots.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "circuits_test_util.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

using testing::realistic_backend;

// Runs f, expects InvalidArgument whose message contains `text`.
template <typename F>
void expect_error(F&& f, const std::string& text) {
  try {
    f();
    FAIL() << "no exception, expected '" << text << "'";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

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

}  // namespace
}  // namespace fhecnn::circuits

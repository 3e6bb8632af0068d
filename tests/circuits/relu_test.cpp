#include "circuits/relu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "circuits/coeff_file.hpp"
#include "circuits/sign.hpp"
#include "circuits/slots.hpp"
#include "circuits_test_util.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

using testing::data_path;
using testing::grid;
using testing::realistic_backend;

CompositeSign load_sign(int alpha) {
  return composite_sign_from_file(
      load_minimax(data_path("relu_alpha" + std::to_string(alpha) + ".txt")));
}

double cleartext_error(const CompositeSign& s, int points) {
  double worst = 0.0;
  for (int i = 0; i < points; ++i) {
    const double x = -1.0 + 2.0 * i / (points - 1);
    worst = std::max(worst, std::abs(s.app_relu(x) - std::max(x, 0.0)));
  }
  return worst;
}

TEST(AppRelu, Alpha13HasThePaperDegreesAndPrecision) {
  const CompositeSign s = load_sign(13);
  EXPECT_EQ(s.degrees(), (std::vector<int>{15, 15, 27}));
  const ReluCost cost = app_relu_cost(s.degrees());
  EXPECT_EQ(cost.depth, 14);
  EXPECT_EQ(cost.mults, 27);
  const double err = cleartext_error(s, 400001);  // dense grid of [-1, 1]
  EXPECT_LE(err, std::exp2(-13.0));
  std::cout << "alpha 13: max |AppReLU - ReLU| = 2^" << std::log2(err) << "\n";
}

TEST(AppRelu, EveryStoredAlphaMeetsItsBound) {
  for (int alpha = 8; alpha <= 16; ++alpha) {
    const MinimaxFile f = load_minimax(data_path("relu_alpha" + std::to_string(alpha) + ".txt"));
    const CompositeSign s = composite_sign_from_file(f);
    EXPECT_EQ(f.param_int("alpha"), alpha);
    EXPECT_EQ(app_relu_cost(s.degrees()).mults, f.param_int("nonscalar_mults"));
    EXPECT_LE(cleartext_error(s, 100001), std::exp2(-alpha)) << "alpha " << alpha;
    EXPECT_LE(app_relu_error(s, 1 << 16).max_error, std::exp2(-alpha)) << "alpha " << alpha;
  }
}

TEST(AppRelu, SlotBackendLevelsScaleCountsAndError) {
  const CompositeSign s = load_sign(13);
  const std::vector<ChebyshevPoly> chain = s.relu_chain();
  SlotBackend b = realistic_backend(1 << 14);
  const Scale delta = Scale::from_log2(46);
  const std::vector<Complex> in = grid(-1.0, 1.0, 1 << 14);
  const auto x = b.encrypt(in, Level{20}, delta);
  const auto y = app_relu(b, x, chain, delta);
  EXPECT_EQ(b.level(y), Level{6});  // 14 levels
  EXPECT_NEAR(b.scale(y).value / delta.value, 1.0, 1e-12);
  EXPECT_EQ(b.counts().mul, 27);
  EXPECT_LE(b.max_input_seen(), 1.0);  // every stage's input stayed in [-1, 1]
  double worst = 0.0;
  const auto out = b.decrypt(y);
  for (std::size_t i = 0; i < in.size(); ++i) {
    worst = std::max(worst, std::abs(out[i] - std::max(in[i].real(), 0.0)));
  }
  EXPECT_LE(worst, std::exp2(-13.0));
}

TEST(AppRelu, OutOfDomainInputIsRejected) {
  const CompositeSign s = load_sign(13);
  EXPECT_GT(std::abs(s.app_relu(1.01)), 1e100);  // the failure mode of PAPER.md §17.1
  SlotBackend b = realistic_backend(2);
  const auto x = b.encrypt({0.5, 1.01}, Level{20}, Scale::from_log2(46));
  try {
    app_relu(b, x, s.relu_chain(), Scale::from_log2(46));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "cannot evaluate AppReLU (stage 1/3): input max |x| = 1.01 leaves the domain"),
              std::string::npos)
        << e.what();
  }
  EXPECT_DOUBLE_EQ(b.max_input_seen(), 1.01);
  const auto low = b.encrypt({0.5}, Level{13}, Scale::from_log2(46));
  EXPECT_THROW(app_relu(b, low, s.relu_chain(), Scale::from_log2(46)), InvalidArgument);
}

TEST(AppRelu, RegeneratedCoefficientsMatchTheStoredFile) {
  for (int alpha : {8, 13}) {
    const MinimaxFile f = load_minimax(data_path("relu_alpha" + std::to_string(alpha) + ".txt"));
    const CompositeSign stored = composite_sign_from_file(f);
    SignDesignOptions o;
    o.remez.precision_bits = f.param_int("precision_bits");
    const CompositeSign fresh = composite_sign(stored.degrees(), stored.eps, o);
    ASSERT_EQ(fresh.stages.size(), stored.stages.size());
    for (std::size_t i = 0; i < fresh.stages.size(); ++i) {
      EXPECT_EQ(fresh.stages[i].input_bound, stored.stages[i].input_bound);
      EXPECT_NEAR(fresh.stages[i].error, stored.stages[i].error, 1e-12);
      const auto& a = fresh.stages[i].poly.coeffs;
      const auto& c = stored.stages[i].poly.coeffs;
      ASSERT_EQ(a.size(), c.size());
      for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], c[k], 1e-12) << "stage " << i;
    }
  }
}

}  // namespace
}  // namespace fhecnn::circuits

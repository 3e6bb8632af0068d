#include "circuits/poly_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

TEST(PolyPlan, PaperTreesForOddDegrees15And27) {
  const PolyPlan p15 = plan_chebyshev(15, Parity::Odd);
  EXPECT_EQ(p15.depth, 4);
  EXPECT_EQ(p15.nonscalar_mults(), 8) << p15.describe();
  const PolyPlan p27 = plan_chebyshev(27, Parity::Odd);
  EXPECT_EQ(p27.depth, 5);
  EXPECT_EQ(p27.nonscalar_mults(), 10) << p27.describe();
  EXPECT_EQ(p27.nodes[0].giant, 16);
}

TEST(PolyPlan, DepthIsMinimal) {
  EXPECT_EQ(chebyshev_depth(1), 1);
  EXPECT_EQ(chebyshev_depth(15), 4);
  EXPECT_EQ(chebyshev_depth(16), 5);
  EXPECT_EQ(chebyshev_depth(59), 6);
  EXPECT_EQ(power_depth(8), 3);
  EXPECT_EQ(power_depth(9), 4);
}

// Every node respects its level budget, and the split coefficients rebuild the polynomial.
void check_plan(int degree, Parity parity, std::mt19937_64& rng) {
  const PolyPlan plan = plan_chebyshev(degree, parity);
  ASSERT_EQ(plan.depth, chebyshev_depth(degree));
  for (const PlanNode& n : plan.nodes) {
    if (n.leaf()) {
      if (n.degree > 0) EXPECT_LE(power_depth(n.degree) + 1, n.depth) << plan.describe();
    } else {
      EXPECT_LE(power_depth(n.giant) + 1, n.depth) << plan.describe();
      EXPECT_LT(n.giant, n.degree);
    }
  }
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> c(static_cast<std::size_t>(degree) + 1, 0.0);
  for (std::size_t k = 0; k < c.size(); ++k) {
    const bool keep = parity == Parity::None || (k % 2 == 1) == (parity == Parity::Odd);
    if (keep) c[k] = u(rng);
  }
  const auto parts = split_coefficients(plan, c);
  const double t = 0.37;
  std::vector<double> value(plan.nodes.size());
  for (std::size_t i = plan.nodes.size(); i-- > 0;) {  // children follow their parents
    const PlanNode& n = plan.nodes[i];
    value[i] =
        n.leaf() ? chebyshev_eval(parts[i], t)
                 : value[static_cast<std::size_t>(n.quotient)] * std::cos(n.giant * std::acos(t)) +
                       value[static_cast<std::size_t>(n.remainder)];
  }
  EXPECT_NEAR(value[0], chebyshev_eval(c, t), 1e-10) << plan.describe();
}

TEST(PolyPlan, AllDegreesAndParitiesAreValid) {
  std::mt19937_64 rng(3);
  for (int d = 1; d <= 130; ++d) {
    check_plan(d, Parity::None, rng);
    if (d % 2 == 1) check_plan(d, Parity::Odd, rng);
    if (d % 2 == 0) check_plan(d, Parity::Even, rng);
  }
}

TEST(PolyPlan, RejectsBadArguments) {
  EXPECT_THROW(plan_chebyshev(0, Parity::None), InvalidArgument);
  EXPECT_THROW(plan_chebyshev(4, Parity::Odd), InvalidArgument);
  EXPECT_THROW(plan_chebyshev(3, Parity::Even), InvalidArgument);
  EXPECT_THROW(plan_chebyshev(5000, Parity::None), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::circuits

// Ring degree 2^16 at the 128-bit core preset (ctest label "slow").
#include <gtest/gtest.h>

#include "testing/ckks_env.hpp"

namespace fhecnn::ckks {
namespace {

TEST(EvaluatorSlow, MultiplyRotateConjugatePrecisionAtN16) {
  testing::CkksEnv env(presets::n16_l27_dnum3(), {1, 5, -32});
  ASSERT_TRUE(env.params->security().secure_128);
  const std::size_t slots = env.params->max_slots();
  const auto a = testing::random_complex(slots, 0.7, 1), b = testing::random_complex(slots, 0.7, 2);
  const auto ca = env.encrypt(a), cb = env.encrypt(b);
  auto prod = env.eval->multiply(ca, cb);
  env.eval->rescale_inplace(prod);
  const auto rotated = env.eval->rotate(prod, RotationStep{5});
  const auto conj = env.eval->conjugate(rotated);
  std::vector<Complex> expect(slots);
  for (std::size_t i = 0; i < slots; ++i) expect[i] = std::conj(a[(i + 5) % slots] * b[(i + 5) % slots]);
  const auto stats = measure_precision(expect, env.decrypt(conj));
  std::cout << stats.str() << "\n";
  EXPECT_GT(stats.min_bits, 18.0);
  EXPECT_GT(stats.mean_bits, 25.0);
  const auto hoisted = env.eval->rotate_hoisted(ca, {1, -32});
  std::vector<Complex> e1(slots), e2(slots);
  for (std::size_t i = 0; i < slots; ++i) {
    e1[i] = a[(i + 1) % slots];
    e2[i] = a[(i + slots - 32) % slots];
  }
  EXPECT_GT(measure_precision(e1, env.decrypt(hoisted[0])).min_bits, 20.0);
  EXPECT_GT(measure_precision(e2, env.decrypt(hoisted[1])).min_bits, 20.0);
}

}  // namespace
}  // namespace fhecnn::ckks

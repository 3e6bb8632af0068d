#include "ckks/encoder.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::ckks {
namespace {

TEST(Encoder, SpecialFftEvaluatesAtPowersOfFive) {
  auto params = rlwe::Params::create(presets::insecure_test(10, 1, 1));
  Encoder enc(params);
  for (std::size_t n : {1u, 2u, 8u, 64u}) {
    auto v = testing::random_complex(n, 1, 1);
    auto z = v;
    enc.special_fft(z);
    for (std::size_t j = 0; j < n; ++j) {
      std::uint64_t e = 1;
      for (std::size_t t = 0; t < j; ++t) e = e * 5 % (4 * n);
      Complex sum = 0;
      for (std::size_t k = 0; k < n; ++k) {
        sum += v[k] * std::polar(1.0, 2 * M_PI * static_cast<double>(e * k % (4 * n)) / (4.0 * n));
      }
      ASSERT_LT(std::abs(sum - z[j]), 1e-12) << "n " << n << " slot " << j;
    }
    enc.special_ifft(z);
    for (std::size_t k = 0; k < n; ++k) ASSERT_LT(std::abs(z[k] - v[k]), 1e-13);
  }
}

TEST(Encoder, RoundTripAtEverySlotCountAndLevel) {
  auto params = rlwe::Params::create(presets::insecure_test(12, 3, 1));
  Encoder enc(params);
  for (std::size_t slots = 1; slots <= 2048; slots *= 4) {
    const auto v = testing::random_complex(slots, 100, 2);
    for (int l = 0; l <= 3; ++l) {
      const auto pt = enc.encode(v, Level{l}, params->default_scale());
      EXPECT_EQ(pt.slots, slots);
      EXPECT_GT(testing::min_bits(v, enc.decode(pt)), 25.0) << slots << " slots, level " << l;
    }
  }
}

TEST(Encoder, SparseVectorsRepeatAcrossTheFullSlots) {
  auto params = rlwe::Params::create(presets::insecure_test(10, 1, 1));
  Encoder enc(params);
  const auto v = testing::random_complex(16, 1, 3);
  auto pt = enc.encode(v, Level{1}, params->default_scale());
  pt.slots = 512;
  const auto full = enc.decode(pt);
  std::vector<Complex> expect(512);
  for (std::size_t i = 0; i < 512; ++i) expect[i] = v[i % 16];
  EXPECT_GT(testing::min_bits(expect, full), 25.0);
}

TEST(Encoder, LargeScalesAndValuesAreEncodedExactly) {
  auto params = rlwe::Params::create(presets::insecure_test(10, 3, 1));
  Encoder enc(params);
  const auto v = testing::random_real(512, 1000, 4);
  const auto pt = enc.encode(v, Level{3}, Scale::from_log2(90));
  EXPECT_GT(testing::min_bits(v, enc.decode(pt)), 40.0);
}

TEST(Encoder, RejectsBadInput) {
  auto params = rlwe::Params::create(presets::insecure_test(10, 1, 1));
  Encoder enc(params);
  std::vector<Complex> v(8, 1.0);
  EXPECT_THROW(enc.encode(v, Level{0}, params->default_scale(), 4), InvalidArgument);
  EXPECT_THROW(enc.encode(v, Level{0}, params->default_scale(), 12), InvalidArgument);
  EXPECT_THROW(enc.encode(v, Level{0}, params->default_scale(), 1024), InvalidArgument);
  EXPECT_THROW(enc.encode(v, Level{2}, params->default_scale()), InvalidArgument);
  v[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(enc.encode(v, Level{0}, params->default_scale()), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::ckks

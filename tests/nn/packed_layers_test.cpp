// Each packed layer on the slot simulator against the float kernels of nn/float_ops.hpp, on
// random tensors of several shapes; levels, scales and operation counts per layer; the
// rotation counts of the CIFAR ResNet-20 convolutions against PAPER.md §8; SimBackend itself.
#include "nn/packed_layers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "circuits/coeff_file.hpp"
#include "common/error.hpp"
#include "nn/float_ops.hpp"
#include "nn/packed_executor.hpp"
#include "nn/sim_backend.hpp"

namespace fhecnn::nn {
namespace {

using circuits::Complex;
using Packed = PackedTensor<SimBackend::Value>;

constexpr double kTolerance = 1e-9;
const Scale kDelta = Scale::from_log2(46);

SimBackend backend(std::size_t slots) { return SimBackend(paper_primes(), slots); }

std::vector<double> random_values(std::size_t n, std::mt19937_64& rng, double lo = -1.0,
                                  double hi = 1.0) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

Tensor random_tensor(Shape s, std::mt19937_64& rng) {
  return Tensor(s, random_values(s.size(), rng));
}

Conv2dSpec random_conv(int ci, int co, int kernel, int stride, std::mt19937_64& rng,
                       bool bias = true) {
  Conv2dSpec s;
  s.in_channels = ci;
  s.out_channels = co;
  s.kernel_height = s.kernel_width = kernel;
  s.stride = stride;
  s.padding = kernel / 2;
  s.weights = random_values(static_cast<std::size_t>(co) * ci * kernel * kernel, rng, -0.3, 0.3);
  if (bias) s.bias = random_values(static_cast<std::size_t>(co), rng);
  return s;
}

Packed encrypt(SimBackend& b, const Tensor& t, const Layout& l, Level level, Scale scale = kDelta) {
  return {b.encrypt(pack(t, l), level, scale), l};
}

double max_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  double m = 0.0;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    m = std::max(m, std::abs(a.values[i] - b.values[i]));
  return m;
}

// The decrypted result against `expected`, plus the layout invariants (zeros, replicas).
void expect_matches(SimBackend& b, const Packed& y, const Tensor& expected) {
  const SlotVector slots = b.decrypt(y.value);
  EXPECT_LT(max_diff(unpack(slots, y.layout), expected), kTolerance) << y.layout;
  EXPECT_LT(layout_violation(slots, y.layout), kTolerance) << y.layout;
}

std::filesystem::path repo_root() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

std::vector<circuits::ChebyshevPoly> alpha13_chain() {
  const auto file =
      circuits::load_minimax((repo_root() / "data/minimax/relu_alpha13.txt").string());
  return circuits::composite_sign_from_file(file).relu_chain();
}

// ---------------------------------------------------------------------------------------------

TEST(SumRotations, EqualsTheNaiveSumWithFewRotations) {
  SimBackend b = backend(64);
  std::mt19937_64 rng(1);
  std::vector<Complex> v(64);
  for (auto& z : v) z = random_values(1, rng)[0];
  const auto x = b.encrypt(v, Level{3}, kDelta);
  for (int count = 1; count <= 13; ++count) {
    b.reset_counts();
    const auto y = packed::sum_rotations(b, x, -3, count);
    EXPECT_EQ(b.counts().rotations, sum_rotations_cost(count)) << count;
    const auto got = b.decrypt(y);
    for (int i = 0; i < 64; ++i) {
      Complex want = 0.0;
      for (int j = 0; j < count; ++j)
        want += v[static_cast<std::size_t>(((i - 3 * j) % 64 + 64) % 64)];
      EXPECT_LT(std::abs(got[static_cast<std::size_t>(i)] - want), 1e-12) << count;
    }
  }
  EXPECT_EQ(sum_rotations_cost(8), 3);
  EXPECT_EQ(sum_rotations_cost(3), 2);
  EXPECT_EQ(sum_rotations_cost(7), 4);
}

struct ConvCase {
  int gap, size, ci, co, kernel, stride;
  std::size_t slots;
};

// conv2d (MultParConv) against the float convolution, with the BN fused into the plan.
TEST(PackedConv, MatchesFloatConvolutionOnManyShapes) {
  const ConvCase cases[] = {
      {1, 8, 3, 5, 3, 1, 1 << 12}, {1, 8, 6, 10, 3, 2, 1 << 12}, {2, 8, 7, 12, 3, 1, 1 << 12},
      {2, 6, 5, 9, 3, 2, 1 << 12}, {1, 8, 4, 8, 1, 2, 1 << 12},  {1, 10, 3, 4, 5, 1, 1 << 12},
      {1, 8, 5, 6, 3, 4, 1 << 12}, {4, 4, 20, 3, 3, 1, 1 << 12}, {1, 7, 2, 3, 3, 1, 1 << 10}};
  std::mt19937_64 rng(11);
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "gap " << c.gap << " " << c.ci << "x" << c.size << "x" << c.size << " -> "
                 << c.co << ", " << c.kernel << "x" << c.kernel << " stride " << c.stride);
    SimBackend b = backend(c.slots);
    const Layout in = Layout::multiplexed(c.gap, c.size, c.size, c.ci, c.slots);
    const Tensor t = random_tensor(in.shape(), rng);
    const Conv2dSpec spec = random_conv(c.ci, c.co, c.kernel, c.stride, rng);
    const ConvPlan plan(in, spec);
    const Packed x = encrypt(b, t, in, Level{5});
    const Packed y = packed::conv2d(b, x, plan);
    expect_matches(b, y, conv2d(t, spec));
    EXPECT_EQ(b.level(y.value).value, 3);
    EXPECT_NEAR(b.scale(y.value).value / kDelta.value, 1.0, 1e-12);
    EXPECT_EQ(b.counts().rotations, plan.rotations());
    EXPECT_EQ(b.counts().mul_plain, plan.plaintext_mults());
    EXPECT_EQ(b.counts().mul, 0);
    EXPECT_EQ(b.counts().rescale, plan.output_groups() + 1);
  }
}

TEST(PackedConv, FusesBatchNormScaleIntoTheMasksAndLandsOnTheRequestedScale) {
  std::mt19937_64 rng(5);
  SimBackend b = backend(1 << 12);
  const Layout in = Layout::multiplexed(1, 8, 8, 6, 1 << 12);
  const Tensor t = random_tensor(in.shape(), rng);
  const Conv2dSpec spec = random_conv(6, 12, 3, 2, rng);
  BatchNormSpec bn;
  bn.scale = random_values(12, rng, 0.5, 2.0);
  bn.shift = random_values(12, rng);
  bn.mean = random_values(12, rng);
  bn.variance = random_values(12, rng, 0.1, 3.0);
  ConvOptions options;
  options.bias_factor = 0.25;  // a network normalised by B = 4
  for (int o = 0; o < 12; ++o) {
    const double a = bn.scale[o] / std::sqrt(bn.variance[o] + bn.epsilon);
    options.multiplier.push_back(a);
    options.shift.push_back(bn.shift[o] - bn.mean[o] * a);
  }
  const ConvPlan plan(in, spec, options);
  // The network scales the input by 1/B and the constant term by bias_factor = 1/B.
  Tensor scaled = t;
  for (double& v : scaled.values) v *= 0.25;
  const Scale target = Scale::from_log2(40);
  const Packed y =
      packed::conv2d(b, encrypt(b, scaled, in, Level{4}, Scale::from_log2(51)), plan, target);
  Tensor expected = batch_norm(conv2d(t, spec), bn);
  for (double& v : expected.values) v *= 0.25;
  expect_matches(b, y, expected);
  EXPECT_NEAR(b.scale(y.value).value / target.value, 1.0, 1e-12);
  EXPECT_EQ(b.counts().add_const, 12);  // one constant per output channel, no level
}

TEST(PackedConv, RejectsWhatTheLayoutCannotHold) {
  std::mt19937_64 rng(2);
  const Layout in = Layout::multiplexed(1, 8, 8, 3, 1 << 12);
  Conv2dSpec valid = random_conv(3, 4, 3, 1, rng);
  Conv2dSpec no_padding = valid;
  no_padding.padding = 0;
  EXPECT_THROW(ConvPlan(in, no_padding), InvalidArgument);
  Conv2dSpec stride3 = valid;
  stride3.stride = 3;
  EXPECT_THROW(ConvPlan(in, stride3), InvalidArgument);
  Conv2dSpec channels = random_conv(4, 4, 3, 1, rng);
  EXPECT_THROW(ConvPlan(in, channels), InvalidArgument);
  ConvOptions zero;
  zero.multiplier.assign(4, 1.0);
  zero.multiplier[2] = 0.0;
  EXPECT_THROW(ConvPlan(in, valid, zero), InvalidArgument);
  SimBackend b = backend(1 << 12);
  const ConvPlan plan(in, valid);
  const Packed low = encrypt(b, random_tensor(in.shape(), rng), in, Level{1});
  try {
    packed::conv2d(b, low, plan);
    FAIL() << "a convolution at level 1 must throw";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot apply convolution: needs 2 levels"),
              std::string::npos)
        << e.what();
  }
}

// PAPER.md §8's table: rotations per ResNet-20 convolution (in / reduce / collect / replicate).
// Ours differ in two places, both by design: sums of m rotated copies use doubling, so the
// replication costs log2(po) rotations instead of po - 1 (1, 2, 3 instead of 1, 3, 7), and the
// group sum of a non-power-of-two t costs floor(log2 t) + popcount(t) - 1 (t = 3: 2, the same).
// Hence 105 = 106 - 1, 81 = 82 - 1, 154 = 158 - 4, 122 = 126 - 4; plaintext products agree.
struct ResNetConv {
  const char* name;
  int gap, size, ci, co, stride;
  int paper_rotations, rotations, ptmults;
};

TEST(PackedConv, ResNet20RotationCountsAgainstThePaper) {
  const ResNetConv table[] = {{"conv0 3->16", 1, 32, 3, 16, 1, 28, 28, 34},
                              {"stage1 16->16", 1, 32, 16, 16, 1, 56, 56, 88},
                              {"16->32 stride 2", 1, 32, 16, 32, 2, 106, 105, 176},
                              {"stage2 32->32", 2, 16, 32, 32, 1, 82, 81, 104},
                              {"32->64 stride 2", 2, 16, 32, 64, 2, 158, 154, 208},
                              {"stage3 64->64", 4, 8, 64, 64, 1, 126, 122, 136}};
  std::mt19937_64 rng(20);
  for (const ResNetConv& c : table) {
    SCOPED_TRACE(c.name);
    SimBackend b = backend(std::size_t{1} << 15);
    const Layout in = Layout::multiplexed(c.gap, c.size, c.size, c.ci, std::size_t{1} << 15);
    const Conv2dSpec spec = random_conv(c.ci, c.co, 3, c.stride, rng, false);
    const ConvPlan plan(in, spec);
    EXPECT_EQ(plan.rotations(), c.rotations);
    EXPECT_EQ(plan.plaintext_mults(), c.ptmults);
    EXPECT_LE(c.rotations, c.paper_rotations);
    const Tensor t = random_tensor(in.shape(), rng);
    const Packed y = packed::conv2d(b, encrypt(b, t, in, Level{2}), plan);
    expect_matches(b, y, conv2d(t, spec));
    EXPECT_EQ(b.counts().rotations, c.rotations);
    EXPECT_EQ(b.counts().hoisted_rotations, 8 + c.co - 1);  // taps and collect
    EXPECT_EQ(b.counts().mul_plain, c.ptmults);
    EXPECT_EQ(b.level(y.value).value, 0);
  }
}

struct ShortcutCase {
  int gap, size, channels, before, after, stride;
  std::size_t slots;
  int masks;  // distinct shifts
};

TEST(PackedShortcut, MatchesTheFloatOptionAShortcut) {
  // The two ResNet transitions (PAPER.md §10.1: ki ti = 16 masks each) and odd shapes.
  const ShortcutCase cases[] = {
      {1, 32, 16, 8, 8, 2, 1 << 15, 16}, {2, 16, 32, 16, 16, 2, 1 << 15, 16},
      {1, 8, 5, 1, 2, 2, 1 << 12, 0},    {2, 6, 7, 3, 0, 2, 1 << 12, 0},
      {1, 8, 3, 2, 1, 1, 1 << 12, 0},    {1, 8, 4, 0, 4, 4, 1 << 12, 0}};
  std::mt19937_64 rng(3);
  for (const ShortcutCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "gap " << c.gap << " " << c.channels << "x" << c.size
                                      << " stride " << c.stride);
    SimBackend b = backend(c.slots);
    const Layout in = Layout::multiplexed(c.gap, c.size, c.size, c.channels, c.slots);
    const DownsampleShortcutSpec spec{c.stride, c.before, c.after};
    const ShortcutPlan plan(in, spec);
    const Tensor t = random_tensor(in.shape(), rng);
    const Packed y = packed::downsample_shortcut(b, encrypt(b, t, in, Level{2}), plan);
    expect_matches(b, y, downsample_shortcut(t, spec));
    EXPECT_EQ(b.level(y.value).value, 1);
    const auto moves = static_cast<long>(plan.moves().size());
    if (c.masks > 0) EXPECT_EQ(moves, c.masks);
    const long zero_step = std::count_if(plan.moves().begin(), plan.moves().end(),
                                         [](const MaskedMove& m) { return m.step.value == 0; });
    EXPECT_EQ(b.counts().mul_plain, moves);
    EXPECT_EQ(b.counts().rotations, moves - zero_step + sum_rotations_cost(y.layout.replicas));
  }
}

TEST(PackedAvgPool, MatchesTheFloatPoolTimesTheFactor) {
  struct Case {
    int gap, height, width, channels;
    std::size_t slots;
  };
  const Case cases[] = {{4, 8, 8, 64, 1 << 15}, {2, 6, 5, 7, 1 << 12}, {1, 3, 3, 10, 1 << 10}};
  std::mt19937_64 rng(4);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "gap " << c.gap << " " << c.channels << "x" << c.height << "x" << c.width);
    SimBackend b = backend(c.slots);
    const Layout in = Layout::multiplexed(c.gap, c.height, c.width, c.channels, c.slots);
    const AvgPoolPlan plan(in, 40.0);
    const Tensor t = random_tensor(in.shape(), rng);
    const Packed y = packed::avg_pool(b, encrypt(b, t, in, Level{3}), plan);
    Tensor expected = global_avg_pool(t);
    for (double& v : expected.values) v *= 40.0;
    expect_matches(b, y, expected);
    EXPECT_EQ(b.level(y.value).value, 2);
    if (c.gap == 4) {
      // PAPER.md §10.2: 6 pixel-sum rotations + 15 gathers, 16 masks.
      EXPECT_EQ(b.counts().rotations, 21);
      EXPECT_EQ(b.counts().mul_plain, 16);
    }
  }
}

TEST(PackedLinear, MatchesTheFloatLayerWithBias) {
  struct Case {
    int in, out;
  };
  std::mt19937_64 rng(6);
  for (const Case c : {Case{64, 10}, Case{13, 7}, Case{5, 9}}) {
    SCOPED_TRACE(::testing::Message() << c.in << " -> " << c.out);
    SimBackend b = backend(1 << 12);
    LinearSpec spec;
    spec.in_features = c.in;
    spec.out_features = c.out;
    spec.weights = random_values(static_cast<std::size_t>(c.in) * c.out, rng);
    spec.bias = random_values(static_cast<std::size_t>(c.out), rng);
    const Layout in = Layout::vector(c.in, 1 << 12);
    const LinearPlan plan(in, spec);
    const Tensor t = random_tensor(in.shape(), rng);
    const Packed y = packed::linear(b, encrypt(b, t, in, Level{1}), plan, Scale::from_log2(40));
    expect_matches(b, y, linear(t, spec));
    EXPECT_EQ(b.level(y.value).value, 0);
    EXPECT_EQ(b.counts().rotations, c.in + c.out - 2);  // PAPER.md §10.3: 72 for 64 -> 10
    EXPECT_EQ(b.counts().mul_plain, c.in + c.out - 1);
    EXPECT_EQ(b.counts().add_plain, 1);
  }
}

TEST(PackedResidual, AlignsLevelsAndScalesExactly) {
  std::mt19937_64 rng(8);
  SimBackend b = backend(1 << 10);
  const Layout l = Layout::multiplexed(2, 4, 4, 6, 1 << 10);
  const Tensor tx = random_tensor(l.shape(), rng), ty = random_tensor(l.shape(), rng);
  const Packed x = encrypt(b, tx, l, Level{3}, Scale::from_log2(45));
  const Packed y = encrypt(b, ty, l, Level{1}, Scale{kDelta.value * 1.0123});
  const Tensor sum = add(tx, ty);
  for (const Packed& z : {packed::add_residual(b, x, y), packed::add_residual(b, y, x)}) {
    expect_matches(b, z, sum);
    EXPECT_EQ(b.level(z.value).value, 1);
    EXPECT_EQ(b.scale(z.value).value, b.scale(y.value).value);
  }
  EXPECT_EQ(b.counts().rescale, 2);  // one per call, on the higher operand
  const Packed same = packed::add_residual(b, y, y);
  EXPECT_EQ(b.level(same.value).value, 1);
  const Packed other{y.value, Layout::multiplexed(1, 4, 4, 6, 1 << 10)};
  EXPECT_THROW(packed::add_residual(b, x, other), InvalidArgument);
}

TEST(PackedRelu, AppReluIsWithinTwoToTheMinus13OfRelu) {
  const auto chain = alpha13_chain();
  SimBackend b = backend(1 << 12);
  const Layout l = Layout::multiplexed(1, 16, 16, 12, 1 << 12);
  std::mt19937_64 rng(9);
  const Tensor t = random_tensor(l.shape(), rng);
  const Packed y = packed::relu(b, encrypt(b, t, l, Level{16}), chain, kDelta);
  const SlotVector slots = b.decrypt(y.value);
  EXPECT_LE(max_diff(unpack(slots, l), relu(t)), std::exp2(-13.0));
  EXPECT_LT(layout_violation(slots, l), 1e-12);  // AppReLU(0) = 0 keeps the padding zero
  EXPECT_EQ(b.level(y.value).value, 2);          // 14 levels
  EXPECT_EQ(b.counts().mul, 27);
  EXPECT_NEAR(b.scale(y.value).value / kDelta.value, 1.0, 1e-9);
  Tensor big = t;
  big.values[5] = 1.01;
  EXPECT_THROW(packed::relu(b, encrypt(b, big, l, Level{16}), chain, kDelta), InvalidArgument);
}

TEST(SimBackend, BootstrapRefreshesTheRealPartAtTheConfiguredLevelAndScale) {
  BootstrapConfig config;
  config.output_level = Level{12};
  config.output_scale = Scale::from_log2(45);
  SimBackend b(paper_primes(), 16, config);
  const auto x =
      b.encrypt({Complex(0.5, 0.25), Complex(-1.0, 0.0)}, Level{0}, Scale::from_log2(40));
  const auto y = b.bootstrap(x);
  EXPECT_EQ(y.level.value, 12);
  EXPECT_EQ(y.scale.value, std::exp2(45.0));
  EXPECT_EQ(b.decrypt(y)[0], Complex(0.5, 0.0));
  EXPECT_EQ(b.decrypt(y)[1], Complex(-1.0, 0.0));
  EXPECT_EQ(b.counts().bootstraps, 1);
  // Not at level 0, or a slot beyond 1: refused with the reason.
  const auto high = b.encrypt({Complex(0.5, 0.0)}, Level{1}, Scale::from_log2(40));
  EXPECT_THROW(b.bootstrap(high), InvalidArgument);
  const auto big =
      b.encrypt({Complex(0.1, 0.0), Complex(1.5, 0.0)}, Level{0}, Scale::from_log2(40));
  try {
    b.bootstrap(big);
    FAIL() << "max |slot| 1.5 must be refused";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot bootstrap: max |slot| = 1.5 at slot 1"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(b.counts().bootstraps, 1);
}

TEST(SimBackend, CountsOperationsAndRecordsNormalisedRotationSteps) {
  SimBackend b(paper_primes(), 64);
  const auto x = b.encrypt({Complex(1.0, 0.0)}, Level{2}, kDelta);
  b.rotate(x, RotationStep{-3});
  b.rotate(x, RotationStep{61});  // the same key as -3
  b.rotate(x, RotationStep{32});
  circuits::rotate_many(b, x, {RotationStep{1}, RotationStep{2}});
  EXPECT_EQ(b.rotation_steps(), (std::set<int>{-3, 1, 2, 32}));
  EXPECT_EQ(b.counts().rotations, 5);
  EXPECT_EQ(b.counts().hoisted_rotations, 2);
  const auto y = b.add_plain(x, std::vector<Complex>(64, Complex(0.5, 0.0)));
  EXPECT_EQ(b.decrypt(y)[1], Complex(0.5, 0.0));
  EXPECT_THROW(b.add_plain(x, std::vector<Complex>(3)), InvalidArgument);
  b.rescale(b.mul_plain(x, std::vector<Complex>(64, 1.0), kDelta));
  EXPECT_EQ(b.counts().mul_plain, 1);
  EXPECT_EQ(b.counts().rescale, 1);
  b.reset_counts();
  EXPECT_EQ(b.counts(), OpCounts{});
  EXPECT_TRUE(b.rotation_steps().empty());
}

}  // namespace
}  // namespace fhecnn::nn

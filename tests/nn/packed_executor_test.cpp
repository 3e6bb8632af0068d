// The packed executor on the slot simulator: a small residual network against a float run with
// the same AppReLU (exact to ~1e-9), the level schedule of PAPER.md §12.2, errors naming the
// layer, and the shared ResNet-20 on a few test images against its float logits.
#include "nn/packed_executor.hpp"

#include <gtest/gtest.h>

#include "testing/relu_alpha13.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "circuits/coeff_file.hpp"
#include "ckks/presets.hpp"
#include "common/error.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_ops.hpp"
#include "nn/passes.hpp"
#include "nn/shared_models.hpp"

namespace fhecnn::nn {
namespace {

using testing::alpha13;

// The tiny network's tests use 2^12 slots (faster), ResNet-20 the paper's 2^15.
PackedOptions options(double bound, std::size_t slots = std::size_t{1} << 12) {
  PackedOptions o;
  o.slots = slots;
  o.relu_bound = bound;
  o.relu_chain = alpha13().relu_chain();
  return o;
}

std::vector<double> random_values(std::size_t n, std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

Conv2dSpec conv(int ci, int co, int kernel, int stride, std::mt19937_64& rng) {
  Conv2dSpec s{ci,
               co,
               kernel,
               kernel,
               stride,
               kernel / 2,
               random_values(static_cast<std::size_t>(co * ci * kernel * kernel), rng, -0.4, 0.4),
               {}};
  return s;
}

BatchNormSpec bn(int c, std::mt19937_64& rng) {
  const auto n = static_cast<std::size_t>(c);
  return {random_values(n, rng, 0.5, 1.5), random_values(n, rng, -0.2, 0.2),
          random_values(n, rng, -0.2, 0.2), random_values(n, rng, 0.5, 2.0), 1e-5};
}

// input 3x8x8 -> conv+BN (unfolded) -> relu -> conv s2 -> relu -> conv -> + option-A shortcut
// -> relu -> pool -> flatten -> linear 8 -> 3 with bias.
struct TinyNet {
  Graph graph;
  Conv2dSpec c0, c1, c2;
  BatchNormSpec b0;
  DownsampleShortcutSpec ds{2, 2, 2};
  LinearSpec fc;

  explicit TinyNet(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    c0 = conv(3, 4, 3, 1, rng);
    b0 = bn(4, rng);
    c1 = conv(4, 8, 3, 2, rng);
    c1.bias = random_values(8, rng, -0.1, 0.1);
    c2 = conv(8, 8, 3, 1, rng);
    fc = {8, 3, random_values(24, rng, -1, 1), random_values(3, rng, -1, 1)};
    Graph& g = graph;
    g.name = "tiny";
    ValueId v = g.add_input("input", Shape{3, 8, 8});
    v = g.add_node("conv0", c0, {v}, "c0");
    v = g.add_node("bn0", b0, {v}, "b0");
    const ValueId r0 = g.add_node("relu0", ReluSpec{}, {v}, "r0");
    v = g.add_node("conv1", c1, {r0}, "c1");
    v = g.add_node("relu1", ReluSpec{}, {v}, "r1");
    v = g.add_node("conv2", c2, {v}, "c2");
    const ValueId s = g.add_node("shortcut", ds, {r0}, "s");
    v = g.add_node("add", AddSpec{}, {v, s}, "a");
    v = g.add_node("relu2", ReluSpec{}, {v}, "r2");
    v = g.add_node("pool", GlobalAvgPoolSpec{}, {v}, "p");
    v = g.add_node("flatten", FlattenSpec{}, {v}, "f");
    g.output = g.add_node("fc", fc, {v}, "logits");
  }

  // The same network in float with the double-precision AppReLU at bound B.
  std::vector<double> reference(const Tensor& x, double bound) const {
    auto app_relu = [&](Tensor t) {
      for (double& v : t.values) v = bound * alpha13().app_relu(v / bound);
      return t;
    };
    const Tensor r0 = app_relu(batch_norm(conv2d(x, c0), b0));
    const Tensor r1 = app_relu(conv2d(r0, c1));
    const Tensor r2 = app_relu(add(conv2d(r1, c2), downsample_shortcut(r0, ds)));
    return linear(flatten(global_avg_pool(r2)), fc).values;
  }
};

Tensor random_image(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  return Tensor(Shape{3, 8, 8}, random_values(192, rng, -1, 1));
}

TEST(PackedExecutor, TinyResidualNetMatchesFloatWithTheSameAppRelu) {
  const TinyNet net(1);
  const PackedNetwork packed(net.graph, options(8.0));
  for (std::uint64_t seed : {10, 11}) {
    const Tensor x = random_image(seed);
    const SimulationResult r = simulate_packed(packed, x);
    const std::vector<double> want = net.reference(x, 8.0);
    ASSERT_EQ(r.logits.size(), want.size());
    for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(r.logits[k], want[k], 1e-8) << k;
  }
}

// Logits of about 100 overflow a 46-bit q_0 at the output scale 2^40 when kept at true size (the paper's
// choice, logit_unit 1); the default logit unit 1/8 keeps them in range and decodes them exactly.
TEST(PackedExecutor, LargeLogitsFitQ0ThroughTheLogitUnit) {
  TinyNet net(1);
  for (double& w : net.fc.weights) w *= 100.0;
  for (double& b : net.fc.bias) b *= 100.0;
  std::get<LinearSpec>(net.graph.nodes.back().spec) = net.fc;
  const Tensor x = random_image(10);
  const std::vector<double> want = net.reference(x, 8.0);
  const double largest = std::abs(*std::max_element(want.begin(), want.end(), [](double a, double b) {
    return std::abs(a) < std::abs(b);
  }));
  ASSERT_GT(largest, 40.0);  // beyond 2^(log q_0 - 1) / 2^40 = 32 at true size

  // The bootstrapping chain: a 46-bit q_0 under logits at scale 2^40.
  PackedOptions boot = packed_options(ckks::presets::boot_n16());
  boot.slots = std::size_t{1} << 12;
  boot.relu_bound = 8.0;
  boot.relu_chain = alpha13().relu_chain();
  PackedOptions true_size = boot;
  true_size.logit_unit = 1.0;
  try {
    simulate_packed(PackedNetwork(net.graph, true_size), x);
    FAIL() << "logits of " << largest << " at true size must overflow q_0";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the modulus"), std::string::npos) << e.what();
  }
  const SimulationResult r = simulate_packed(PackedNetwork(net.graph, boot), x);
  ASSERT_EQ(r.logits.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(r.logits[k], want[k], 1e-6) << k;

  PackedOptions bad = boot;
  for (double unit : {0.0, -0.5, 2.0}) {
    bad.logit_unit = unit;
    EXPECT_THROW(PackedNetwork(net.graph, bad), InvalidArgument) << unit;
  }
}

TEST(PackedExecutor, FollowsThePapersLevelSchedule) {
  const TinyNet net(2);
  const PackedNetwork packed(net.graph, options(8.0));
  const SimulationResult r = simulate_packed(packed, random_image(3));
  // node -> (output level, bootstraps): conv0 19 -> 17, scale fix + AppReLU 17 -> 16 -> 2,
  // conv 2 -> 0, bootstrap + AppReLU 0 -> 16 -> 2, conv 2 -> 0, shortcut 2 -> 1, add -> 0,
  // bootstrap + AppReLU -> 2, pool 2 -> 1, linear 1 -> 0.
  const std::vector<std::tuple<std::string, int, int>> want = {
      {"conv0", 17, 0}, {"bn0", 17, 0},  {"relu0", 2, 0},    {"conv1", 0, 0},
      {"relu1", 2, 1},  {"conv2", 0, 0}, {"shortcut", 1, 0}, {"add", 0, 0},
      {"relu2", 2, 1},  {"pool", 1, 0},  {"flatten", 1, 0},  {"fc", 0, 0}};
  ASSERT_EQ(r.layers.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r.layers[i].node, std::get<0>(want[i]));
    EXPECT_EQ(r.layers[i].level.value, std::get<1>(want[i])) << r.layers[i].node;
    EXPECT_EQ(r.layers[i].counts.bootstraps, std::get<2>(want[i])) << r.layers[i].node;
  }
  EXPECT_EQ(r.total.bootstraps, 2);
  EXPECT_EQ(r.layers[2].counts.mul, 27);       // AppReLU
  EXPECT_EQ(r.layers[2].counts.mul_plain, 0);  // ... and the scale fix is a constant product
  const auto& plan1 = std::get<ConvPlan>(packed.steps()[3].plan);
  EXPECT_EQ(r.layers[3].counts.mul_plain, plan1.plaintext_mults());
  EXPECT_EQ(r.layers[3].counts.rotations, plan1.rotations());
  for (const LayerReport& l : r.layers) {
    if (l.op == "relu")
      EXPECT_LE(l.relu_input, 1.0) << l.node;
    else
      EXPECT_TRUE(std::isnan(l.relu_input)) << l.node;
  }
  // The rotation keys do not depend on the data, and cover the conv taps (gap 1, width 8).
  const SimulationResult other = simulate_packed(packed, random_image(4));
  EXPECT_EQ(other.rotation_steps, r.rotation_steps);
  for (int step : {1, -1, 8, -8, 9, -9, 7, -7}) EXPECT_TRUE(r.rotation_steps.count(step)) << step;
  long sum = 0;
  for (const LayerReport& l : r.layers) sum += l.counts.rotations;
  EXPECT_EQ(sum, r.total.rotations);
}

TEST(PackedExecutor, InjectedNoisePerturbsTheLogitsSlightly) {
  const TinyNet net(1);
  PackedOptions o = options(8.0);
  o.noise.stddev = 1e-7;
  const PackedNetwork exact(net.graph, options(8.0)), noisy(net.graph, o);
  const Tensor x = random_image(10);
  const SimulationResult a = simulate_packed(exact, x), b = simulate_packed(noisy, x, 1);
  double diff = 0.0;
  for (std::size_t k = 0; k < a.logits.size(); ++k)
    diff = std::max(diff, std::abs(a.logits[k] - b.logits[k]));
  EXPECT_GT(diff, 1e-9);
  EXPECT_LT(diff, 1e-3);
  EXPECT_EQ(simulate_packed(noisy, x, 1).logits, b.logits);  // same stream, same noise
}

TEST(PackedExecutor, OptionsFromAParameterSet) {
  const PackedOptions paper = packed_options(ckks::presets::paper_n16());
  EXPECT_EQ(paper.primes, paper_primes());
  EXPECT_EQ(paper.network_scale.log2(), 46.0);
  EXPECT_EQ(paper.input_scale.log2(), 51.0);  // q_19 is a 51-bit prime (PAPER.md §14.2)
  const PackedOptions boot = packed_options(ckks::presets::boot_n16());
  EXPECT_EQ(boot.primes.size(), 31u);
  EXPECT_EQ(boot.network_scale.log2(), 40.0);
  EXPECT_EQ(boot.input_scale.log2(), 40.0);
}

TEST(PackedExecutor, OutOfRangeActivationNamesTheLayer) {
  const TinyNet net(1);
  const PackedNetwork packed(net.graph, options(0.05));  // far too small a bound
  try {
    simulate_packed(packed, random_image(10));
    FAIL() << "an AppReLU input beyond [-1, 1] must throw";
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot run node relu"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[-1, 1]"), std::string::npos) << msg;
  }
}

TEST(PackedExecutor, RejectsWhatItCannotCompile) {
  Graph g;
  ValueId v = g.add_input("input", Shape{4, 8, 8});
  SliceSpec slice;
  slice.axes = {AxisSlice{0, 4, 1}, AxisSlice{0, 8, 2}, AxisSlice{0, 8, 2}};
  g.output = g.add_node("odd_slice", slice, {v}, "s");
  try {
    PackedNetwork packed(g, options(8.0));
    FAIL() << "a Slice must be rejected";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("node odd_slice (Slice)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(PackedNetwork(TinyNet(1).graph, PackedOptions{}), InvalidArgument);  // no chain
  PackedOptions low = options(8.0);
  low.bootstrap_level = Level{10};  // below the AppReLU depth 14
  EXPECT_THROW(PackedNetwork(TinyNet(1).graph, low), InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// ResNet-20 from shared/models (skipped when absent).

Graph resnet20() {
  Graph g = testing::shared_graph("paper-resnet20-cifar10");
  fold_batch_norm(g);
  fuse_downsample_shortcuts(g);
  return g;
}

TEST(PackedExecutor, ResNet20AgreesWithTheFloatModel) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model("paper-resnet20-cifar10"));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  FHECNN_SKIP_IF_ABSENT(testing::expected_logits_file());
  const Graph g = resnet20();
  const PackedNetwork packed(g, options(40.0, std::size_t{1} << 15));
  const auto expected = testing::expected_logits("paper-resnet20-cifar10");
  for (std::size_t i = 0; i < 2; ++i) {
    const SimulationResult r = simulate_packed(packed, testing::shared_image_tensor(i));
    EXPECT_EQ(argmax(r.logits), argmax(expected[i])) << "image " << i;
    double diff = 0.0;
    for (std::size_t k = 0; k < r.logits.size(); ++k) {
      diff = std::max(diff, std::abs(r.logits[k] - expected[i][k]));
    }
    EXPECT_LT(diff, 0.5) << "image " << i;  // AppReLU error 2^-13 B per layer, 19 layers
    EXPECT_EQ(r.total.bootstraps, 18);
    if (i > 0) continue;
    // Per-layer costs: the six conv kinds of PAPER.md §8 (see packed_layers_test for the
    // difference to the paper's rotation counts), 19 AppReLUs of 27 products each.
    std::vector<long> conv_rotations;
    int relus = 0;
    for (const LayerReport& l : r.layers) {
      if (l.op == "conv") conv_rotations.push_back(l.counts.rotations);
      if (l.op == "relu") {
        ++relus;
        EXPECT_EQ(l.counts.mul, 27) << l.node;
        EXPECT_LT(l.relu_input, 1.0) << l.node;
      }
    }
    const std::vector<long> want = {28, 56, 56, 56,  56,  56,  56,  105, 81, 81,
                                    81, 81, 81, 154, 122, 122, 122, 122, 122};
    EXPECT_EQ(conv_rotations, want);
    EXPECT_EQ(relus, 19);
  }
}

}  // namespace
}  // namespace fhecnn::nn

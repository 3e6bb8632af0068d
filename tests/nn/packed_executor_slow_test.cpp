// Slow: the packed executor on more images and deeper shared models (a few seconds per image
// and ResNet-20, about 5x that for ResNet-110). Skipped when shared/ is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "circuits/coeff_file.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_executor.hpp"
#include "nn/packed_executor.hpp"
#include "nn/passes.hpp"
#include "nn/shared_models.hpp"

namespace fhecnn::nn {
namespace {

std::vector<circuits::ChebyshevPoly> alpha13_chain() {
  const auto path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
                    "data/minimax/relu_alpha13.txt";
  return circuits::composite_sign_from_file(circuits::load_minimax(path.string())).relu_chain();
}

Graph prepared(const std::string& name) {
  Graph g = testing::shared_graph(name);
  fold_batch_norm(g);
  fuse_downsample_shortcuts(g);
  return g;
}

struct Agreement {
  std::size_t agree = 0;
  double max_diff = 0.0;
};

// Simulated vs float (exact ReLU) logits on the first `images` test records.
Agreement compare(const std::string& name, double bound, std::size_t images) {
  const Graph g = prepared(name);
  PackedOptions o;
  o.relu_bound = bound;
  o.relu_chain = alpha13_chain();
  const PackedNetwork net(g, o);
  const FloatExecutor reference(g);
  Agreement a;
  for (std::size_t i = 0; i < images; ++i) {
    const Tensor x = testing::shared_image_tensor(i);
    const std::vector<double> want = reference.run(x).values;
    const SimulationResult r = simulate_packed(net, x);
    a.agree += argmax(r.logits) == argmax(want) ? 1 : 0;
    for (std::size_t k = 0; k < want.size(); ++k) {
      a.max_diff = std::max(a.max_diff, std::abs(r.logits[k] - want[k]));
    }
  }
  ::testing::Test::RecordProperty("max_logit_diff_" + name, std::to_string(a.max_diff));
  return a;
}

TEST(PackedExecutorSlow, ResNet20On20Images) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model("paper-resnet20-cifar10"));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  const Agreement a = compare("paper-resnet20-cifar10", 40.0, 20);
  EXPECT_GE(a.agree, 19u);
  EXPECT_LT(a.max_diff, 0.5);
}

TEST(PackedExecutorSlow, DeeperCifar10Models) {
  for (const char* name :
       {"paper-resnet32-cifar10", "paper-resnet56-cifar10", "paper-resnet110-cifar10"}) {
    SCOPED_TRACE(name);
    FHECNN_SKIP_IF_ABSENT(testing::shared_model(name));
    FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
    const Agreement a = compare(name, 50.0, 2);  // B = 50 covers ResNet-110 (models/README.md)
    EXPECT_EQ(a.agree, 2u);
    EXPECT_LT(a.max_diff, 1.0);
  }
}

// ResNet-32 for CIFAR-100 has option-B shortcuts (1x1 stride-2 convolution + BN on the block
// input). No CIFAR-100 images are available: CIFAR-10 ones still check simulated = float.
TEST(PackedExecutorSlow, OptionBShortcutsOfTheCifar100Model) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model("paper-resnet32-cifar100"));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  const Graph g = prepared("paper-resnet32-cifar100");
  EXPECT_EQ(count_nodes<DownsampleShortcutSpec>(g), 0u);
  const Agreement a = compare("paper-resnet32-cifar100", 65.0, 2);
  EXPECT_EQ(a.agree, 2u);
  EXPECT_LT(a.max_diff, 1.0);
}

}  // namespace
}  // namespace fhecnn::nn

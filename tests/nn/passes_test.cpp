#include "nn/passes.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/error.hpp"
#include "nn/calibration.hpp"
#include "nn/float_executor.hpp"
#include "nn/shared_models.hpp"

namespace fhecnn::nn {
namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    worst = std::max(worst, std::abs(a.values[i] - b.values[i]));
  }
  return worst;
}

// Runs both graphs on the first `images` test records; returns the largest logit difference.
double max_logit_diff(const Graph& a, const Graph& b, std::size_t images) {
  const FloatExecutor run_a(a), run_b(b);
  double worst = 0.0;
  for (std::size_t i = 0; i < images; ++i) {
    const Tensor x = testing::shared_image_tensor(i);
    worst = std::max(worst, max_abs_diff(run_a.run(x), run_b.run(x)));
  }
  return worst;
}

class SharedModelPasses : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(testing::shared_model(GetParam())) ||
        !std::filesystem::exists(testing::shared_test_batch())) {
      GTEST_SKIP() << "shared model " << GetParam() << " or test batch absent (set FHECNN_SHARED)";
    }
  }
};

TEST_P(SharedModelPasses, BatchNormFoldingKeepsTheLogits) {
  const Graph& original = testing::shared_graph(GetParam());
  Graph folded = original;
  const std::size_t bns = count_nodes<BatchNormSpec>(original);
  EXPECT_EQ(fold_batch_norm(folded), bns);
  EXPECT_EQ(count_nodes<BatchNormSpec>(folded), 0u);
  EXPECT_EQ(folded.nodes.size(), original.nodes.size() - bns);
  EXPECT_EQ(folded.values.size(), original.values.size() - bns);
  EXPECT_NO_THROW(validate(folded));
  EXPECT_LT(max_logit_diff(original, folded, 2), 1e-10);
}

TEST_P(SharedModelPasses, ShortcutFusionKeepsTheLogits) {
  const Graph& original = testing::shared_graph(GetParam());
  Graph fused = original;
  const std::size_t slices = count_nodes<SliceSpec>(original);
  EXPECT_EQ(fuse_downsample_shortcuts(fused), slices);
  EXPECT_EQ(count_nodes<DownsampleShortcutSpec>(fused), slices);
  EXPECT_EQ(count_nodes<PadSpec>(fused), 0u);
  for (const Node& node : fused.nodes) {
    if (const auto* s = std::get_if<DownsampleShortcutSpec>(&node.spec)) {
      // option A: stride 2, half the input channels on each side (8 for 16->32, 16 for 32->64)
      const int in_channels = fused.shape(node.inputs[0]).channels;
      EXPECT_EQ(s->stride, 2);
      EXPECT_EQ(s->channels_before, in_channels / 2);
      EXPECT_EQ(s->channels_after, in_channels / 2);
    }
  }
  EXPECT_EQ(max_logit_diff(original, fused, 1), 0.0);
}

INSTANTIATE_TEST_SUITE_P(PaperModels, SharedModelPasses,
                         ::testing::Values("paper-resnet20-cifar10", "paper-resnet32-cifar100"),
                         [](const auto& info) {
                           return info.param == "paper-resnet20-cifar10" ? "resnet20"
                                                                         : "resnet32_cifar100";
                         });

// Per-ReLU max |input| over the first 1000 records from shared/models/relu_input_ranges.json.
std::vector<double> readme_relu_max_abs(const std::string& model) {
  std::ifstream in(testing::shared_dir() / "models" / "relu_input_ranges.json");
  const auto doc = nlohmann::json::parse(in);
  std::vector<double> out;
  for (const auto& relu : doc.at("models").at(model).at("relus")) out.push_back(relu.at("max_abs"));
  return out;
}

TEST(Calibration, ReluRangesOfResNet20AreWithinThePublishedOnes) {
  const std::string name = "paper-resnet20-cifar10";
  FHECNN_SKIP_IF_ABSENT(testing::shared_model(name));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  FHECNN_SKIP_IF_ABSENT(testing::shared_dir() / "models" / "relu_input_ranges.json");
  Graph graph = testing::shared_graph(name);
  fold_batch_norm(graph);
  std::vector<Tensor> images;
  for (std::size_t i = 0; i < 20; ++i) images.push_back(testing::shared_image_tensor(i));
  const ReluCalibration cal = calibrate_relu_inputs(graph, images);
  const std::vector<double> published = readme_relu_max_abs(name);
  ASSERT_EQ(cal.relus.size(), published.size());
  EXPECT_EQ(cal.images, 20u);
  EXPECT_EQ(cal.relus.front().node, "/relu/Relu");
  EXPECT_EQ(cal.relus.back().node, "/layer3/layer3.2/relu2/Relu");
  for (std::size_t r = 0; r < cal.relus.size(); ++r) {
    // 20 records are a subset of the 1000 the published maxima cover (rounded to 4 decimals).
    EXPECT_LE(cal.relus[r].max_abs(), published[r] + 1e-3) << cal.relus[r].node;
    EXPECT_GT(cal.relus[r].max_abs(), 0.2 * published[r]) << cal.relus[r].node;
  }
  EXPECT_GT(cal.max_abs(), 5.0);
  EXPECT_LT(cal.max_abs(), 25.12);  // README: 25.12 over all 10000 records

  set_relu_bounds(graph, cal, 1.5, false);
  for (const Node& node : graph.nodes) {
    if (const auto* relu = std::get_if<ReluSpec>(&node.spec)) {
      EXPECT_DOUBLE_EQ(relu->input_bound, 1.5 * cal.max_abs());
    }
  }
  ReluCalibration wrong = cal;
  wrong.relus.pop_back();
  EXPECT_THROW(set_relu_bounds(graph, wrong, 1.0, true), InvalidArgument);
}

TEST(Calibration, MergeWidensRanges) {
  ReluCalibration a{{ReluRange{"r", Shape{1, 1, 1}, -1.0, 2.0}}, 3};
  const ReluCalibration b{{ReluRange{"r", Shape{1, 1, 1}, -4.0, 1.0}}, 2};
  a.merge(b);
  EXPECT_EQ(a.relus[0].min, -4.0);
  EXPECT_EQ(a.relus[0].max, 2.0);
  EXPECT_EQ(a.relus[0].max_abs(), 4.0);
  EXPECT_EQ(a.images, 5u);
  const ReluCalibration other{{ReluRange{"q", Shape{1, 1, 1}, 0.0, 0.0}}, 1};
  EXPECT_THROW(a.merge(other), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::nn

#include "nn/float_executor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_ops.hpp"
#include "nn/shared_models.hpp"

namespace fhecnn::nn {
namespace {

// The reference logits are printed with 6 significant digits.
double logit_tolerance(double expected) { return 1e-5 * std::max(1.0, std::abs(expected)); }

// Max |logit - expected| over the first `images` test records, and checks argmax agreement.
void expect_reference_logits(const std::string& name, std::size_t images) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model(name));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  FHECNN_SKIP_IF_ABSENT(testing::expected_logits_file());
  const FloatExecutor executor(testing::shared_graph(name));
  const auto expected = testing::expected_logits(name);
  double worst = 0.0;
  for (std::size_t i = 0; i < images; ++i) {
    const Tensor out = executor.run(testing::shared_image_tensor(i));
    ASSERT_EQ(out.values.size(), expected[i].size());
    for (std::size_t k = 0; k < out.values.size(); ++k) {
      EXPECT_NEAR(out.values[k], expected[i][k], logit_tolerance(expected[i][k]))
          << name << " image " << i << " logit " << k;
      worst = std::max(worst, std::abs(out.values[k] - expected[i][k]));
    }
    EXPECT_EQ(argmax(out.values), argmax(expected[i])) << name << " image " << i;
  }
  ::testing::Test::RecordProperty("max_abs_logit_error_" + name, std::to_string(worst));
}

TEST(FloatExecutor, ResNet20MatchesReferenceLogits) {
  expect_reference_logits("paper-resnet20-cifar10", 20);
}

TEST(FloatExecutor, DeeperModelsMatchReferenceLogits) {
  for (const char* name :
       {"paper-resnet32-cifar10", "paper-resnet44-cifar10", "paper-resnet56-cifar10",
        "paper-resnet110-cifar10", "paper-resnet32-cifar100"}) {
    expect_reference_logits(name, 2);
  }
}

TEST(FloatExecutor, RejectsAnInputOfTheWrongShape) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model("paper-resnet20-cifar10"));
  const FloatExecutor executor(testing::shared_graph("paper-resnet20-cifar10"));
  EXPECT_THROW(executor.run(Tensor(Shape{3, 16, 16})), InvalidArgument);
}

TEST(FloatOps, ConvolutionMatchesTheDefinition) {
  // 3 -> 5 channels, 3x3, stride 2, padding 1 on a 7x9 input: odd sizes exercise the block tails.
  Conv2dSpec spec{3, 5, 3, 3, 2, 1, std::vector<double>(5 * 3 * 9), std::vector<double>(5)};
  for (std::size_t i = 0; i < spec.weights.size(); ++i) spec.weights[i] = std::sin(0.7 * i);
  for (std::size_t i = 0; i < spec.bias.size(); ++i) spec.bias[i] = 0.1 * i;
  Tensor in(Shape{3, 7, 9});
  for (std::size_t i = 0; i < in.values.size(); ++i) in.values[i] = std::cos(1.3 * i);
  const Tensor out = conv2d(in, spec);
  ASSERT_EQ(out.shape, (Shape{5, 4, 5}));
  for (int o = 0; o < 5; ++o)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) {
        double sum = spec.bias[o];
        for (int i = 0; i < 3; ++i)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int iy = 2 * y + ky - 1, ix = 2 * x + kx - 1;
              if (iy < 0 || iy >= 7 || ix < 0 || ix >= 9) continue;
              sum += spec.weights[((o * 3 + i) * 3 + ky) * 3 + kx] * in.at(i, iy, ix);
            }
        EXPECT_NEAR(out.at(o, y, x), sum, 1e-12) << o << "," << y << "," << x;
      }
}

TEST(FloatEvaluation, ResNet20AccuracyOnFirst200ImagesIsPlausible) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model("paper-resnet20-cifar10"));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  const FloatEvaluation r =
      evaluate_float(testing::shared_graph("paper-resnet20-cifar10"), testing::shared_images(200));
  EXPECT_EQ(r.images, 200u);
  // README: 81.47% on all 10000 JPEG test records; 200 images give about +-5.5 points (95%).
  EXPECT_GT(r.accuracy(), 0.74);
  EXPECT_LT(r.accuracy(), 0.90);
  std::size_t per_class_total = 0;
  for (const ClassCount& c : r.per_class) {
    EXPECT_EQ(c.images, 20u);  // test_batch.bin interleaves the classes
    per_class_total += c.correct;
  }
  EXPECT_EQ(per_class_total, r.correct);
  EXPECT_EQ(r.relu_inputs.relus.size(), 19u);
  EXPECT_EQ(r.relu_inputs.images, 200u);
  RecordProperty("accuracy_first_200", std::to_string(r.accuracy()));
}

}  // namespace
}  // namespace fhecnn::nn

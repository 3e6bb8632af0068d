// Batch evaluations (float and simulated) as a long run uses them: the result must not depend on
// the thread count, and an evaluation resumed from per-image records (options.done, what
// `fhecnn eval --checkpoint` reads back) must equal the uninterrupted one, computing only the
// other images. A small CIFAR-shaped network on 2^12 slots keeps it fast.
#include "nn/evaluate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/error.hpp"
#include "nn/packed_executor.hpp"
#include "testing/relu_alpha13.hpp"

namespace fhecnn::nn {
namespace {

std::vector<double> random_values(std::size_t n, std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

// 3x32x32 -> conv 3->2 (3x3) -> relu -> pool -> flatten -> linear 2->10 with bias.
Graph cifar_net(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Graph g;
  g.name = "cifar-tiny";
  ValueId v = g.add_input("input", Shape{3, 32, 32});
  v = g.add_node("conv", Conv2dSpec{3, 2, 3, 3, 1, 1, random_values(54, rng, -0.25, 0.25), {}},
                 {v}, "c");
  v = g.add_node("relu", ReluSpec{}, {v}, "r");
  v = g.add_node("pool", GlobalAvgPoolSpec{}, {v}, "p");
  v = g.add_node("flatten", FlattenSpec{}, {v}, "f");
  g.output = g.add_node(
      "fc", LinearSpec{2, 10, random_values(20, rng, -1, 1), random_values(10, rng, -0.5, 0.5)},
      {v}, "logits");
  return g;
}

io::CifarBatch random_batch(std::size_t images, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  io::CifarBatch b;
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  b.pixels.resize(images * io::CifarBatch::image_size);
  for (float& p : b.pixels) p = pixel(rng);
  for (std::size_t i = 0; i < images; ++i) b.labels.push_back(static_cast<int>(i % 10));
  return b;
}

PackedOptions packed_options_for_test() {
  PackedOptions o;
  o.slots = std::size_t{1} << 12;
  o.relu_bound = 8.0;
  o.relu_chain = testing::alpha13().relu_chain();
  return o;
}

void expect_same(const SimulatedEvaluation& a, const SimulatedEvaluation& b) {
  EXPECT_EQ(a.images, b.images);
  EXPECT_EQ(a.correct, b.correct);
  EXPECT_EQ(a.float_correct, b.float_correct);
  EXPECT_EQ(a.agree, b.agree);
  EXPECT_EQ(a.failures, b.failures);
  EXPECT_EQ(a.max_logit_diff, b.max_logit_diff);
  EXPECT_EQ(a.logits, b.logits);
  EXPECT_EQ(a.predictions, b.predictions);
  EXPECT_EQ(a.float_predictions, b.float_predictions);
  EXPECT_EQ(a.relu_inputs, b.relu_inputs);
  EXPECT_EQ(a.first.logits, b.first.logits);
  EXPECT_EQ(a.first.total, b.first.total);
  EXPECT_EQ(a.first.rotation_steps, b.first.rotation_steps);
  EXPECT_EQ(a.first.layers.size(), b.first.layers.size());
}

TEST(EvaluateSimulated, ResumedFromRecordsEqualsOneRunWhateverTheThreads) {
  const Graph g = cifar_net(1);
  const PackedNetwork net(g, packed_options_for_test());
  const io::CifarBatch batch = random_batch(6, 2);
  std::vector<SimulatedImage> records;
  SimulatedEvaluationOptions o;
  o.threads = 2;
  o.on_image = [&](const SimulatedImage& img) { records.push_back(img); };
  const SimulatedEvaluation full = evaluate_simulated(net, batch, o);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(full.failures, 0u);
  EXPECT_EQ(full.resumed, 0u);
  EXPECT_EQ(full.relu_inputs.size(), 1u);
  EXPECT_GT(full.relu_inputs[0].second, 0.0);
  EXPECT_FALSE(full.first.layers.empty());

  // Images 0, 2 and 5 (image 0's full report is simulated again), the others computed.
  SimulatedEvaluationOptions resume;
  resume.threads = 1;
  for (const SimulatedImage& img : records) {
    if (img.index == 0 || img.index == 2 || img.index == 5) resume.done.push_back(img);
  }
  std::set<std::size_t> computed;
  resume.on_image = [&](const SimulatedImage& img) { computed.insert(img.index); };
  const SimulatedEvaluation resumed = evaluate_simulated(net, batch, resume);
  EXPECT_EQ(computed, (std::set<std::size_t>{1, 3, 4}));
  EXPECT_EQ(resumed.resumed, 3u);
  expect_same(resumed, full);
}

TEST(EvaluateSimulated, RefusesRecordsThatDoNotFitTheBatch) {
  const Graph g = cifar_net(1);
  const PackedNetwork net(g, packed_options_for_test());
  const io::CifarBatch batch = random_batch(2, 2);
  SimulatedImage img;
  img.index = 2;  // outside the batch
  SimulatedEvaluationOptions o;
  o.done = {img};
  EXPECT_THROW(evaluate_simulated(net, batch, o), InvalidArgument);
  img.index = 1;
  img.label = 5;  // the batch says 1
  o.done = {img};
  EXPECT_THROW(evaluate_simulated(net, batch, o), InvalidArgument);
  img.label = 1;
  o.done = {img, img};  // twice
  EXPECT_THROW(evaluate_simulated(net, batch, o), InvalidArgument);
}

TEST(EvaluateFloat, ResumedFromRecordsEqualsOneRun) {
  const Graph g = cifar_net(3);
  const io::CifarBatch batch = random_batch(7, 4);
  std::vector<FloatImage> records;
  EvaluationOptions o;
  o.chunk = 3;
  o.on_image = [&](const FloatImage& img) { records.push_back(img); };
  const FloatEvaluation full = evaluate_float(g, batch, o);
  ASSERT_EQ(records.size(), 7u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].index, i);  // in order

  EvaluationOptions resume;
  resume.chunk = 2;
  resume.threads = 1;
  resume.done = {records[6], records[1], records[2]};
  std::vector<std::size_t> computed;
  resume.on_image = [&](const FloatImage& img) { computed.push_back(img.index); };
  const FloatEvaluation r = evaluate_float(g, batch, resume);
  EXPECT_EQ(computed, (std::vector<std::size_t>{0, 3, 4, 5}));
  EXPECT_EQ(r.resumed, 3u);
  EXPECT_EQ(r.images, full.images);
  EXPECT_EQ(r.correct, full.correct);
  EXPECT_EQ(r.logits, full.logits);
  EXPECT_EQ(r.predictions, full.predictions);
  ASSERT_EQ(r.per_class.size(), full.per_class.size());
  for (std::size_t c = 0; c < r.per_class.size(); ++c) {
    EXPECT_EQ(r.per_class[c].images, full.per_class[c].images);
    EXPECT_EQ(r.per_class[c].correct, full.per_class[c].correct);
  }
  ASSERT_EQ(r.relu_inputs.relus.size(), 1u);
  EXPECT_EQ(r.relu_inputs.relus[0].min, full.relu_inputs.relus[0].min);
  EXPECT_EQ(r.relu_inputs.relus[0].max, full.relu_inputs.relus[0].max);
  EXPECT_EQ(r.relu_inputs.images, 7u);
}

}  // namespace
}  // namespace fhecnn::nn

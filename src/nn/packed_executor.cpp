#include "nn/packed_executor.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <type_traits>

#include "circuits/poly_plan.hpp"
#include "ckks/presets.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_executor.hpp"

namespace fhecnn::nn {
namespace {

constexpr const char* kCompile = "compile packed network";

// BatchNorm nodes that read a convolution's output and nothing else reads it: BN node -> conv.
std::vector<std::optional<std::size_t>> fusable_batch_norms(const Graph& g) {
  std::vector<std::optional<std::size_t>> conv_of(g.nodes.size());
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    if (!std::holds_alternative<BatchNormSpec>(g.nodes[n].spec)) continue;
    const ValueId in = g.nodes[n].inputs[0];
    if (in == g.output || g.consumers(in).size() != 1) continue;
    for (std::size_t p = 0; p < n; ++p) {
      if (g.nodes[p].output == in && std::holds_alternative<Conv2dSpec>(g.nodes[p].spec)) {
        conv_of[n] = p;
      }
    }
  }
  return conv_of;
}

// The collect-mask multiplier and channel shift of a BatchNorm fused into its convolution.
ConvOptions batch_norm_options(const BatchNormSpec& bn, double unit) {
  ConvOptions o;
  o.bias_factor = unit;
  for (int c = 0; c < bn.channels(); ++c) {
    const auto i = static_cast<std::size_t>(c);
    const double a = bn.scale[i] / std::sqrt(bn.variance[i] + bn.epsilon);
    o.multiplier.push_back(a);
    o.shift.push_back(bn.shift[i] - bn.mean[i] * a);
  }
  return o;
}

const Layout& layout_of(const std::vector<std::optional<Layout>>& layouts, ValueId v) {
  const auto& l = layouts[static_cast<std::size_t>(v)];
  require(l.has_value(), kCompile, "value ", v, " has no layout (a BatchNorm fused away?)");
  return *l;
}

void check_options(const PackedOptions& o, std::size_t levels, int relu_depth) {
  require(o.relu_bound > 0.0 && std::isfinite(o.relu_bound), kCompile,
          "ReLU bound B = ", o.relu_bound, " must be positive");
  require(o.logit_unit > 0.0 && o.logit_unit <= 1.0, kCompile, "logit unit ", o.logit_unit,
          " must lie in (0, 1]");
  const int top = static_cast<int>(levels) - 1;
  require(o.input_level.value >= 0 && o.input_level.value <= top, kCompile, "input ", o.input_level,
          " outside the chain's [0, ", top, "]");
  require(o.bootstrap_level.value <= top, kCompile, "bootstrap ", o.bootstrap_level,
          " above the chain's top level ", top);
  require(o.bootstrap_level.value >= relu_depth, kCompile, "a bootstrap to ", o.bootstrap_level,
          " leaves too few levels for one AppReLU (", relu_depth, ")");
}

}  // namespace

std::vector<std::uint64_t> preset_primes(const rlwe::ParamsLiteral& literal) {
  const auto params = rlwe::Params::create(literal);
  return {params->q_primes().begin(), params->q_primes().end()};
}

const std::vector<std::uint64_t>& paper_primes() {
  static const std::vector<std::uint64_t> primes = preset_primes(ckks::presets::paper_n16());
  return primes;
}

PackedOptions packed_options(const rlwe::ParamsLiteral& literal) {
  PackedOptions o;
  o.primes = preset_primes(literal);
  o.network_scale = Scale::from_log2(literal.log_default_scale);
  const auto input = static_cast<std::size_t>(o.input_level.value);
  if (input < literal.log_q.size()) o.input_scale = Scale::from_log2(literal.log_q[input]);
  return o;
}

const char* to_string(PackedStep::Kind kind) {
  switch (kind) {
    case PackedStep::Kind::conv:
      return "conv";
    case PackedStep::Kind::relu:
      return "relu";
    case PackedStep::Kind::add:
      return "add";
    case PackedStep::Kind::shortcut:
      return "shortcut";
    case PackedStep::Kind::avg_pool:
      return "avg_pool";
    case PackedStep::Kind::linear:
      return "linear";
    case PackedStep::Kind::identity:
      return "identity";
  }
  return "?";
}

PackedNetwork::PackedNetwork(const Graph& graph, PackedOptions options)
    : graph_(graph), options_(std::move(options)) {
  validate(graph_);
  require(!options_.relu_chain.empty(), kCompile, "no AppReLU chain given");
  relu_depth_ = circuits::chain_depth(options_.relu_chain) + 1;
  if (options_.primes.empty()) options_.primes = paper_primes();
  check_options(options_, options_.primes.size(), relu_depth_);
  compile();
}

void PackedNetwork::compile() {
  const Shape in = graph_.shape(graph_.input);
  input_layout_ = Layout::multiplexed(1, in.height, in.width, in.channels, options_.slots);
  std::vector<std::optional<Layout>> layouts(graph_.values.size());
  std::vector<double> units(graph_.values.size(), 1.0);
  layouts[static_cast<std::size_t>(graph_.input)] = input_layout_;
  units[static_cast<std::size_t>(graph_.input)] = 1.0 / options_.relu_bound;
  last_use_.assign(graph_.values.size(), 0);
  for (std::size_t n = 0; n < graph_.nodes.size(); ++n) {
    const Node& node = graph_.nodes[n];
    try {
      PackedStep step = compile_node(n, layouts, units);
      layouts[static_cast<std::size_t>(node.output)] = step.layout;
      steps_.push_back(std::move(step));
    } catch (const InvalidArgument& e) {
      fail(kCompile, "node ", node.name, " (", op_name(node.spec), "): ", e.what());
    }
    for (ValueId v : node.inputs) last_use_[static_cast<std::size_t>(v)] = steps_.size() - 1;
  }
  output_unit_ = units[static_cast<std::size_t>(graph_.output)];
}

PackedStep PackedNetwork::compile_node(std::size_t n,
                                       const std::vector<std::optional<Layout>>& layouts,
                                       std::vector<double>& units) {
  const Node& node = graph_.nodes[n];
  PackedStep s{n, PackedStep::Kind::identity, node.inputs, node.output, {}, {}};
  const Layout& in = layout_of(layouts, node.inputs[0]);
  const double unit = units[static_cast<std::size_t>(node.inputs[0])];
  double out_unit = unit;
  using K = PackedStep::Kind;
  if (const auto* conv = std::get_if<Conv2dSpec>(&node.spec)) {
    // A BatchNorm reading only this conv is fused: its scale and shift go into the plan.
    ConvOptions o;
    o.bias_factor = unit;
    const auto consumers = graph_.consumers(node.output);
    const auto fusable = fusable_batch_norms(graph_);
    if (consumers.size() == 1 && fusable[consumers[0]] == n) {
      o = batch_norm_options(std::get<BatchNormSpec>(graph_.nodes[consumers[0]].spec), unit);
    }
    s.kind = K::conv;
    s.plan = ConvPlan(in, *conv, o);
  } else if (std::holds_alternative<BatchNormSpec>(node.spec)) {
    require(fusable_batch_norms(graph_)[n].has_value(), kCompile,
            "a BatchNorm must read a convolution that nothing else reads (or be folded by "
            "fold_batch_norm)");
    s.layout = in;  // already applied by the convolution's plan
  } else if (std::holds_alternative<ReluSpec>(node.spec)) {
    s.kind = K::relu;
    s.layout = in;
    require(std::abs(unit * options_.relu_bound - 1.0) < 1e-12, kCompile,
            "the ReLU input is not normalised by 1/B (after the average pooling?)");
  } else if (std::holds_alternative<AddSpec>(node.spec)) {
    s.kind = K::add;
    const Layout& other = layout_of(layouts, node.inputs[1]);
    require(other == in, kCompile, "operand layouts ", in, " and ", other, " differ");
    require(units[static_cast<std::size_t>(node.inputs[1])] == unit, kCompile,
            "operands in different units");
    s.layout = in;
  } else if (const auto* ds = std::get_if<DownsampleShortcutSpec>(&node.spec)) {
    s.kind = K::shortcut;
    s.plan = ShortcutPlan(in, *ds);
  } else if (std::holds_alternative<GlobalAvgPoolSpec>(node.spec)) {
    s.kind = K::avg_pool;
    // The paper's B / (h w) masks give true averages; ours give them times logit_unit.
    s.plan = AvgPoolPlan(in, options_.logit_unit / unit);
    out_unit = options_.logit_unit;
  } else if (std::holds_alternative<FlattenSpec>(node.spec)) {
    require(in.gap == 1 && in.height == 1 && in.width == 1, kCompile, "flatten of ", in,
            " (only 1x1 feature maps, e.g. after the average pooling)");
    s.layout = in;
  } else if (const auto* fc = std::get_if<LinearSpec>(&node.spec)) {
    s.kind = K::linear;
    s.plan = LinearPlan(in, *fc, unit);
  } else {
    fail(kCompile, "the packed executor has no ", op_name(node.spec), " layer");
  }
  std::visit(
      [&s](const auto& plan) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(plan)>, std::monostate>) {
          s.layout = plan.output();
        }
      },
      s.plan);
  require(s.layout.shape() == graph_.shape(node.output), kCompile, "packed output ", s.layout,
          " does not match the graph's ", graph_.shape(node.output));
  units[static_cast<std::size_t>(node.output)] = out_unit;
  return s;
}

SlotVector PackedNetwork::pack_input(const Tensor& image) const {
  return pack(image, input_layout_, 1.0 / options_.relu_bound);
}

std::vector<double> PackedNetwork::decode_output(const SlotVector& slots) const {
  const Shape shape = graph_.shape(graph_.output);
  require(shape.height == 1 && shape.width == 1, "decode packed output", "output shape ", shape,
          " is not a vector");
  require(slots.size() >= shape.size(), "decode packed output", slots.size(), " slots");
  std::vector<double> out(shape.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = slots[i].real() / output_unit_;
  return out;
}

namespace {

// Counts per step, from snapshots of the backend's counters.
class CountingObserver : public PackedObserver {
 public:
  CountingObserver(const SimBackend& b, const PackedNetwork& net, std::vector<LayerReport>& out)
      : b_(b), net_(net), out_(out) {}
  void begin_step(std::size_t) override { before_ = b_.counts(); }
  void relu_input(std::size_t step, double m) override { relu_[step] = m; }
  void end_step(std::size_t step, Level level, Scale) override {
    const PackedStep& s = net_.steps()[step];
    LayerReport r;
    r.node = net_.graph().nodes[s.node].name;
    r.op = to_string(s.kind);
    r.layout = s.layout;
    r.level = level;
    r.counts = b_.counts() - before_;
    if (const auto it = relu_.find(step); it != relu_.end()) r.relu_input = it->second;
    out_.push_back(std::move(r));
  }

 private:
  const SimBackend& b_;
  const PackedNetwork& net_;
  std::vector<LayerReport>& out_;
  OpCounts before_;
  std::map<std::size_t, double> relu_;
};

}  // namespace

SimulationResult simulate_packed(const PackedNetwork& net, const Tensor& image,
                                 std::uint64_t noise_stream) {
  const PackedOptions& o = net.options();
  BootstrapConfig config;
  config.output_level = o.bootstrap_level;
  config.output_scale = o.network_scale;
  SimBackend b(o.primes, o.slots, config);
  if (o.noise.stddev > 0.0) b.set_noise({o.noise.stddev, o.noise.seed + noise_stream});
  SimulationResult result;
  CountingObserver observer(b, net, result.layers);
  auto x = b.encrypt(net.pack_input(image), b.top_level(), o.input_scale);
  x = b.drop_to_level(x, o.input_level);
  const auto y = run_packed(b, net, x, &observer);
  result.logits = net.decode_output(b.decrypt(y.value));
  result.total = b.counts();
  result.rotation_steps = b.rotation_steps();
  result.rotation_levels = b.rotation_levels();
  return result;
}

std::vector<std::string> relu_node_names(const PackedNetwork& net) {
  std::vector<std::string> names;
  for (const PackedStep& s : net.steps()) {
    if (s.kind == PackedStep::Kind::relu) names.push_back(net.graph().nodes[s.node].name);
  }
  return names;
}

namespace {

constexpr const char* kEvaluate = "evaluate simulated";

// One image: the float reference, then the simulation (noise stream `stream`), whose full report
// goes to `full` when given.
SimulatedImage simulate_image(const PackedNetwork& net, const FloatExecutor& reference,
                              const io::CifarBatch& batch, std::size_t i, std::uint64_t stream,
                              const io::ChannelNormalization& normalization,
                              SimulationResult* full) {
  const auto start = std::chrono::steady_clock::now();
  SimulatedImage img;
  img.index = i;
  img.label = batch.labels[i];
  try {
    const Tensor x = cifar_image_tensor(batch, i, normalization);
    img.float_logits = reference.run(x).values;
    const SimulationResult sim = simulate_packed(net, x, stream);
    for (const LayerReport& layer : sim.layers) {
      if (!std::isnan(layer.relu_input)) img.relu_inputs.push_back(layer.relu_input);
    }
    img.logits = sim.logits;
    if (full) *full = sim;
  } catch (const std::exception& e) {
    img.logits.clear();
    img.relu_inputs.clear();
    img.error = e.what();
  }
  img.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return img;
}

// Adds one image to the result (any order gives the same result).
void fold(SimulatedEvaluation& r, const SimulatedImage& img) {
  const std::size_t i = img.index;
  if (!img.float_logits.empty()) {
    r.float_predictions[i] = argmax(img.float_logits);
    r.float_correct += r.float_predictions[i] == img.label ? 1 : 0;
  }
  if (img.logits.empty()) {
    if (r.failures == 0 || i < r.first_failure_index) {
      r.first_failure = img.error;
      r.first_failure_index = i;
    }
    ++r.failures;
    return;
  }
  r.logits[i] = img.logits;
  r.predictions[i] = argmax(img.logits);
  r.correct += r.predictions[i] == img.label ? 1 : 0;
  r.agree += r.predictions[i] == r.float_predictions[i] ? 1 : 0;
  r.max_logit_diff = std::max(r.max_logit_diff, max_abs_diff(img.logits, img.float_logits));
  for (std::size_t k = 0; k < std::min(img.relu_inputs.size(), r.relu_inputs.size()); ++k) {
    r.relu_inputs[k].second = std::max(r.relu_inputs[k].second, img.relu_inputs[k]);
  }
}

// Which batch images are already done (validating options.done against the batch).
std::vector<bool> done_mask(const io::CifarBatch& batch, const std::vector<SimulatedImage>& done) {
  std::vector<bool> mask(batch.size(), false);
  for (const SimulatedImage& img : done) {
    require(img.index < batch.size(), kEvaluate, "a done image has index ", img.index,
            " but the batch has ", batch.size(), " images");
    require(!mask[img.index], kEvaluate, "image ", img.index, " is done twice");
    require(img.label == batch.labels[img.index], kEvaluate, "done image ", img.index,
            " has label ", img.label, " but the batch says ", batch.labels[img.index]);
    mask[img.index] = true;
  }
  return mask;
}

SimulatedEvaluation empty_evaluation(const PackedNetwork& net, std::size_t images) {
  SimulatedEvaluation r;
  r.images = images;
  r.logits.assign(images, {});
  r.predictions.assign(images, -1);
  r.float_predictions.assign(images, -1);
  for (const std::string& name : relu_node_names(net)) r.relu_inputs.emplace_back(name, 0.0);
  return r;
}

}  // namespace

SimulatedEvaluation evaluate_simulated(const PackedNetwork& net, const io::CifarBatch& batch,
                                       const SimulatedEvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Shape image{io::CifarBatch::channels, io::CifarBatch::height, io::CifarBatch::width};
  require(net.graph().shape(net.graph().input) == image, kEvaluate, "the model takes ",
          net.graph().shape(net.graph().input), " inputs, the images are ", image);
  const std::vector<bool> skip = done_mask(batch, options.done);
  const FloatExecutor reference(net.graph());
  SimulatedEvaluation r = empty_evaluation(net, batch.size());
  for (const SimulatedImage& img : options.done) fold(r, img);
  r.resumed = options.done.size();
  std::size_t done = r.resumed;
  std::exception_ptr error;  // from a callback; exceptions must not leave the OpenMP region
  bool stopped = false;      // set with `error`: the remaining images are skipped
  const auto count = static_cast<std::ptrdiff_t>(batch.size());
#pragma omp parallel for schedule(dynamic, 1) \
    num_threads(options.threads > 0 ? options.threads : omp_get_max_threads())
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    const auto i = static_cast<std::size_t>(k);
    bool stop = false;
#pragma omp atomic read
    stop = stopped;
    if (skip[i] || stop) continue;
    const SimulatedImage img = simulate_image(net, reference, batch, i, options.noise_offset + i,
                                              options.normalization, i == 0 ? &r.first : nullptr);
#pragma omp critical(fhecnn_evaluate_simulated)
    {
      fold(r, img);
      ++done;
      try {
        if (!error && options.on_image) options.on_image(img);
        if (!error && options.progress) options.progress(done, r.correct);
      } catch (...) {
        error = std::current_exception();
#pragma omp atomic write
        stopped = true;
      }
    }
  }
  if (error) std::rethrow_exception(error);
  if (!batch.labels.empty() && skip[0]) {  // the first image's costs and rotation steps
    try {
      r.first = simulate_packed(net, cifar_image_tensor(batch, 0, options.normalization),
                                options.noise_offset);
    } catch (const std::exception&) {
      r.first = {};  // a failing first image has no report (its failure is counted)
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace fhecnn::nn

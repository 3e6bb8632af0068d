// The packed executor: runs an imported ResNet-style Graph with the packed layers
// (nn/packed_layers.hpp) on any bootstrapping backend, following the level schedule of
// PAPER.md §12.2, and the slot-simulator run of it (the cost backend: counts per layer and the
// exact rotation-key set).
//
// Compilation (PackedNetwork) turns the graph into steps with their plans and layouts:
//   Conv2d (+ a BatchNorm reading only it: its scale goes into the collect masks, its shift into
//   the channel constants; after fold_batch_norm the BN is already in the weights and bias),
//   Relu (AppReLU), Add (residual, exact cross-level alignment), DownsampleShortcut (option A),
//   GlobalAvgPool (with the factor that turns the 1/B normalisation into logit_unit), Flatten
//   (of a 1x1 map), Linear (with bias). Anything else fails naming the node.
// Normalisation (PAPER.md §9.1): the input is packed times 1/B; every value carries its unit
// (1/B until the average pooling, logit_unit after it), biases are scaled by it, so every AppReLU
// input is (true pre-activation)/B and must lie in [-1, 1], and the logits fit q_0.
// Schedule, decided at run time from the levels (reproduces PAPER.md §12.2 on the paper chain):
//   input encrypted at the top level with scale input_scale, dropped to input_level (19);
//   a layer needing more levels than its input has gets a bootstrap first (dropped to level 0,
//   refreshed to bootstrap_level = 16 at network_scale): hence one bootstrap before every
//   AppReLU but the first; before an AppReLU whose input is not at network_scale and has a
//   level to spare, a scale fix (set_scale, 1 level: conv0's 2^51 -> 2^46, 17 -> 16);
//   conv 2 levels, AppReLU depth + 1 = 14, shortcut 1, average pooling 1, linear 1 (landing on
//   output_scale so that the logits fit q_0).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "circuits/backend.hpp"
#include "circuits/chebyshev.hpp"
#include "circuits/slots.hpp"
#include "common/error.hpp"
#include "common/types.hpp"
#include "io/cifar.hpp"
#include "nn/backend_ext.hpp"
#include "nn/graph.hpp"
#include "nn/layout.hpp"
#include "nn/packed_layers.hpp"
#include "nn/sim_backend.hpp"
#include "nn/tensor.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::nn {

// The ciphertext primes q_0..q_L of a CKKS parameter set (built with rlwe::Params::create).
// Throws what Params::create throws.
std::vector<std::uint64_t> preset_primes(const rlwe::ParamsLiteral& literal);
// The primes of ckks::presets::paper_n16() (51 | 16 x 46 | 14 x 51 bits), computed once.
const std::vector<std::uint64_t>& paper_primes();

struct PackedOptions {
  double relu_bound = 40.0;           // B: AppReLU inputs are pre-activations / B (paper: 40)
  std::vector<std::uint64_t> primes;  // q_0..q_L; empty: paper_primes()
  std::size_t slots = std::size_t{1} << 15;         // n = N/2
  Scale network_scale = Scale::from_log2(46);       // Delta: bootstrap output and AppReLU scale
  Scale input_scale = Scale::from_log2(51);         // encryption scale of the input
  Level input_level{19};                            // the input is dropped here after encryption
  Level bootstrap_level{16};                        // level after a bootstrap
  Scale output_scale = Scale::from_log2(40);        // scale of the linear layer's output (logits)
  // The average pooling leaves its output (and so the logits) times this factor, so that logits
  // up to 2^(log q_0 - 1) / output_scale / logit_unit (256 for a 46-bit q_0 at 2^40) fit q_0;
  // decode_output divides it out. Paper: 1 (its logits reach about 22; some test images reach 33).
  double logit_unit = 0.125;
  std::vector<circuits::ChebyshevPoly> relu_chain;  // CompositeSign::relu_chain(); required
  circuits::NoiseModel noise;  // simulate_packed only: injected noise (stddev 0 = exact)
};

// Options for the chain of a CKKS parameter set: its primes, network_scale = its default scale,
// input_scale = 2^(bits of q_input_level) (the paper's 2^51), the other fields as above.
// Throws what Params::create throws.
PackedOptions packed_options(const rlwe::ParamsLiteral& literal);

// One compiled graph node.
struct PackedStep {
  enum class Kind { conv, relu, add, shortcut, avg_pool, linear, identity };
  std::size_t node = 0;  // index in Graph::nodes
  Kind kind = Kind::identity;
  std::vector<ValueId> inputs;
  ValueId output = -1;
  Layout layout;  // of the output
  std::variant<std::monostate, ConvPlan, ShortcutPlan, AvgPoolPlan, LinearPlan> plan;
};

const char* to_string(PackedStep::Kind kind);

class PackedNetwork {
 public:
  // Compiles the graph (validated first). Keeps a reference: the graph must outlive this.
  // Throws InvalidArgument "cannot compile packed network: node <name> (<op>): ..." for an
  // unsupported node or shape, and "cannot compile packed network: ..." for bad options (no
  // relu_chain, B <= 0, levels outside the chain, a bootstrap level below the AppReLU depth).
  PackedNetwork(const Graph& graph, PackedOptions options);

  const Graph& graph() const { return graph_; }
  const PackedOptions& options() const { return options_; }
  const std::vector<PackedStep>& steps() const { return steps_; }
  const Layout& input_layout() const { return input_layout_; }
  int relu_depth() const { return relu_depth_; }  // levels of one AppReLU
  // For each value: the last step that reads it (values are freed after it).
  const std::vector<std::size_t>& last_use() const { return last_use_; }

  // The image packed in the input layout, times 1/B. Throws on a shape mismatch.
  SlotVector pack_input(const Tensor& image) const;
  // The network output (true units) from the decrypted output slots.
  std::vector<double> decode_output(const SlotVector& slots) const;

 private:
  void compile();
  PackedStep compile_node(std::size_t n, const std::vector<std::optional<Layout>>& layouts,
                          std::vector<double>& units);

  const Graph& graph_;
  PackedOptions options_;
  std::vector<PackedStep> steps_;
  std::vector<std::size_t> last_use_;
  Layout input_layout_;
  double output_unit_ = 1.0;
  int relu_depth_ = 0;
};

// Sees the run step by step (counters, traces).
class PackedObserver {
 public:
  virtual ~PackedObserver() = default;
  virtual void begin_step(std::size_t /*step*/) {}
  // max |slot| of an AppReLU input (on inspectable backends), after any bootstrap.
  virtual void relu_input(std::size_t /*step*/, double /*max_abs*/) {}
  virtual void end_step(std::size_t /*step*/, Level /*level*/, Scale /*scale*/) {}
};

namespace detail {

// x with at least `levels` levels, bootstrapping it when it has fewer.
template <BootstrappingBackend B>
PackedTensor<typename B::Value> with_levels(B& b, PackedTensor<typename B::Value> x, int levels) {
  if (b.level(x.value).value >= levels) return x;
  require(b.bootstrap_level().value >= levels, "schedule levels", "a layer needs ", levels,
          " levels but a bootstrap gives only ", b.bootstrap_level().value);
  return packed::bootstrap(b, x);
}

template <BootstrappingBackend B>
PackedTensor<typename B::Value> relu_step(B& b, const PackedNetwork& net, std::size_t index,
                                          PackedTensor<typename B::Value> x, PackedObserver* obs) {
  const PackedOptions& o = net.options();
  const int depth = net.relu_depth();
  x = with_levels(b, std::move(x), depth);
  const double s = b.scale(x.value).value;
  if (std::abs(s - o.network_scale.value) > 1e-9 * o.network_scale.value &&
      b.level(x.value).value > depth) {
    x.value = packed::set_scale(b, x.value, o.network_scale);
  }
  if (b.level(x.value) > o.bootstrap_level) x.value = b.drop_to_level(x.value, o.bootstrap_level);
  if constexpr (circuits::InspectableBackend<B>) {
    const double m = b.observe_input(x.value);
    if (obs) obs->relu_input(index, m);
  }
  return packed::relu(b, x, o.relu_chain, o.network_scale);
}

template <BootstrappingBackend B>
PackedTensor<typename B::Value> run_step(
    B& b, const PackedNetwork& net, std::size_t index,
    const std::vector<const PackedTensor<typename B::Value>*>& in, PackedObserver* obs) {
  const PackedStep& s = net.steps()[index];
  using K = PackedStep::Kind;
  switch (s.kind) {
    case K::conv:
      return packed::conv2d(b, with_levels(b, *in[0], 2), std::get<ConvPlan>(s.plan));
    case K::relu:
      return relu_step(b, net, index, *in[0], obs);
    case K::add:
      return packed::add_residual(b, *in[0], *in[1]);
    case K::shortcut:
      return packed::downsample_shortcut(b, with_levels(b, *in[0], 1),
                                         std::get<ShortcutPlan>(s.plan));
    case K::avg_pool:
      return packed::avg_pool(b, with_levels(b, *in[0], 1), std::get<AvgPoolPlan>(s.plan));
    case K::linear:
      return packed::linear(b, with_levels(b, *in[0], 1), std::get<LinearPlan>(s.plan),
                            net.options().output_scale);
    case K::identity:
      break;
  }
  return {in[0]->value, s.layout};
}

}  // namespace detail

// Runs the compiled network on an input already encrypted in net.input_layout() (see
// PackedNetwork::pack_input) at any level and scale; returns the graph output (the logits at
// slots 0..q-1, vector layout). Cost and levels: see the file comment. Throws InvalidArgument
// "cannot run node <name>: <the layer's or backend's message>".
template <BootstrappingBackend B>
PackedTensor<typename B::Value> run_packed(B& b, const PackedNetwork& net,
                                           const typename B::Value& input,
                                           PackedObserver* obs = nullptr) {
  using T = PackedTensor<typename B::Value>;
  const Graph& g = net.graph();
  std::vector<std::optional<T>> values(g.values.size());
  values[static_cast<std::size_t>(g.input)] = T{input, net.input_layout()};
  for (std::size_t i = 0; i < net.steps().size(); ++i) {
    const PackedStep& s = net.steps()[i];
    std::vector<const T*> in;
    for (ValueId v : s.inputs) in.push_back(&*values[static_cast<std::size_t>(v)]);
    if (obs) obs->begin_step(i);
    try {
      values[static_cast<std::size_t>(s.output)] = detail::run_step(b, net, i, in, obs);
    } catch (const InvalidArgument& e) {
      fail("run node " + g.nodes[s.node].name, e.what());
    }
    const T& out = *values[static_cast<std::size_t>(s.output)];
    if (obs) obs->end_step(i, b.level(out.value), b.scale(out.value));
    for (ValueId v : s.inputs) {
      if (net.last_use()[static_cast<std::size_t>(v)] == i && v != g.output) {
        values[static_cast<std::size_t>(v)].reset();
      }
    }
  }
  return *values[static_cast<std::size_t>(g.output)];
}

// ---------------------------------------------------------------------------------------------
// The slot-simulator run (SimBackend): logits, per-layer costs and the rotation-key set.

struct LayerReport {
  std::string node;  // graph node name
  std::string op;    // "conv", "relu", ...
  Layout layout;     // output layout
  Level level;       // output level
  OpCounts counts;   // operations of this step, including its bootstrap if any
  double relu_input = std::numeric_limits<double>::quiet_NaN();  // max |AppReLU input|, relu only
};

struct SimulationResult {
  std::vector<double> logits;
  std::vector<LayerReport> layers;  // one per step
  OpCounts total;
  std::set<int> rotation_steps;  // normalised to (-n/2, n/2], every key the run needs
  std::map<int, Level> rotation_levels;  // the same steps, each with the highest level used at
};

// Simulates one image: pack, encrypt at the top level and input_scale, drop to input_level,
// run_packed on a fresh SimBackend (bootstrap to bootstrap_level at network_scale), decode.
// With options().noise on, the noise generator is seeded with noise.seed + noise_stream.
// Throws InvalidArgument naming the node (e.g. an AppReLU input beyond [-1, 1]).
SimulationResult simulate_packed(const PackedNetwork& net, const Tensor& image,
                                 std::uint64_t noise_stream = 0);

// One image of a simulated evaluation: what evaluate_simulated folds into its result and what a
// checkpoint of a long evaluation keeps (tools/fhecnn eval --checkpoint).
struct SimulatedImage {
  std::size_t index = 0;             // in the batch
  int label = 0;
  std::vector<double> float_logits;  // float reference (exact ReLU); empty when it failed
  std::vector<double> logits;        // simulated; empty when the simulation failed
  std::string error;                 // why it failed ("" when it did not)
  std::vector<double> relu_inputs;   // per ReLU step, in order: max |input| / B (the simulated)
  double seconds = 0.0;              // wall time of the float and simulated runs
};

// The names of the network's ReLU nodes, in step order (those SimulatedImage::relu_inputs has).
std::vector<std::string> relu_node_names(const PackedNetwork& net);

struct SimulatedEvaluationOptions {
  io::ChannelNormalization normalization = io::cifar10_reference_normalization();
  int threads = 0;  // OpenMP threads, one simulator each; 0 = the OpenMP default
  // Noise stream of batch image i: noise_offset + i (with options().noise on), e.g. the index of
  // the batch's first record in its file, so that a run split in parts draws the same noise.
  std::uint64_t noise_offset = 0;
  // Images already evaluated (read back from a checkpoint): folded into the result exactly as if
  // computed here, and not run again. Each index must be < the batch size and appear once.
  std::vector<SimulatedImage> done;
  // Called for every image computed here, in completion order, one call at a time (inside a
  // critical section), before `progress`.
  std::function<void(const SimulatedImage&)> on_image;
  // Called after each image (inside a critical section) with images done (those of `done`
  // included), correct so far.
  std::function<void(std::size_t done, std::size_t correct)> progress;
};

struct SimulatedEvaluation {
  std::size_t images = 0;
  std::size_t resumed = 0;                  // images taken from options.done
  std::size_t correct = 0;                  // simulated argmax == label
  std::size_t float_correct = 0;            // float (exact ReLU) argmax == label
  std::size_t agree = 0;                    // simulated argmax == float argmax
  std::size_t failures = 0;                 // images whose simulation threw (counted as wrong)
  std::string first_failure;                // message of the failing image with the lowest index
  std::size_t first_failure_index = 0;      // its index (when failures > 0)
  double max_logit_diff = 0.0;              // max |simulated - float| over all logits
  std::vector<std::vector<double>> logits;  // simulated, per image (empty on failure)
  std::vector<int> predictions;             // simulated argmax, -1 on failure
  std::vector<int> float_predictions;       // -1 where the float run failed
  std::vector<std::pair<std::string, double>> relu_inputs;  // per ReLU node: max |input| / B
  SimulationResult first;  // the first image's full report (costs and rotation steps)
  double seconds = 0.0;    // wall time of this call

  double accuracy() const { return images ? static_cast<double>(correct) / images : 0.0; }
  double agreement() const { return images ? static_cast<double>(agree) / images : 0.0; }
};

// Simulates every image of the batch (but those of options.done) and compares with the float
// executor on the same graph; the result does not depend on the thread count or on which images
// came from options.done. The first image's full report is simulated again when it came from
// there. Throws InvalidArgument when the graph does not take 3x32x32 inputs or a done image
// has an index outside the batch, a repeated index, or another label than the batch's.
SimulatedEvaluation evaluate_simulated(const PackedNetwork& net, const io::CifarBatch& batch,
                                       const SimulatedEvaluationOptions& options = {});

}  // namespace fhecnn::nn

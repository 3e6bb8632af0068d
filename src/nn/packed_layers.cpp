#include "nn/packed_layers.hpp"

#include <bit>
#include <cmath>
#include <map>

namespace fhecnn::nn {
namespace {

using circuits::Complex;

// step mod n, in (-n/2, n/2].
RotationStep normalise(long long step, std::size_t slots) {
  const auto n = static_cast<long long>(slots);
  long long k = ((step % n) + n) % n;
  if (k > n / 2) k -= n;
  return RotationStep{static_cast<int>(k)};
}

// Moves with one mask per distinct step: entries (output slot, value) grouped by the step that
// brings their source there. Ordered by step for a deterministic rotation order.
class MoveBuilder {
 public:
  explicit MoveBuilder(std::size_t slots) : slots_(slots) {}
  void add(long long step, std::size_t slot, double value) {
    auto& m = moves_[normalise(step, slots_).value];
    m.mask.emplace_back(static_cast<std::uint32_t>(slot), value);
  }
  std::vector<MaskedMove> take() {
    std::vector<MaskedMove> out;
    for (auto& [step, m] : moves_) {
      m.step = RotationStep{step};
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  std::size_t slots_;
  std::map<int, MaskedMove> moves_;
};

int rotating_moves(const std::vector<MaskedMove>& moves) {
  int n = 0;
  for (const MaskedMove& m : moves) n += m.step.value != 0 ? 1 : 0;
  return n;
}

double value_or(const std::vector<double>& v, int i, double fallback) {
  return v.empty() ? fallback : v[static_cast<std::size_t>(i)];
}

void check_conv(const Layout& in, const Conv2dSpec& s, const ConvOptions& o) {
  const char* what = "plan convolution";
  in.check(what);
  require(s.in_channels == in.channels, what, s.in_channels, " input channels for a ", in.channels,
          "-channel layout");
  require(s.kernel_height == 2 * s.padding + 1 && s.kernel_width == 2 * s.padding + 1, what, "a ",
          s.kernel_height, "x", s.kernel_width, " kernel with padding ", s.padding,
          " changes the feature-map size; only centred kernels (size 2 padding + 1) keep the "
          "multiplexed layout");
  const std::size_t per_out = static_cast<std::size_t>(s.in_channels) * s.kernel_height *
                              static_cast<std::size_t>(s.kernel_width);
  require(s.out_channels > 0 && s.weights.size() == per_out * s.out_channels, what,
          s.weights.size(), " weights for ", s.out_channels, "x", s.in_channels, "x",
          s.kernel_height, "x", s.kernel_width);
  const auto co = static_cast<std::size_t>(s.out_channels);
  require(s.bias.empty() || s.bias.size() == co, what, s.bias.size(), " biases for ", co,
          " outputs");
  require(o.multiplier.empty() || o.multiplier.size() == co, what, o.multiplier.size(),
          " multipliers for ", co, " outputs");
  require(o.shift.empty() || o.shift.size() == co, what, o.shift.size(), " shifts for ", co,
          " outputs");
  for (std::size_t c = 0; c < o.multiplier.size(); ++c) {
    require(o.multiplier[c] != 0.0 && std::isfinite(o.multiplier[c]), what, "output channel ", c,
            " has multiplier ", o.multiplier[c],
            " (a zero channel scale cannot carry the channel's constant)");
  }
}

}  // namespace

SlotVector dense_mask(const MaskedMove& move, std::size_t slots) {
  SlotVector v(slots);
  for (const auto& [slot, value] : move.mask) v[slot] = value;
  return v;
}

void mask_runs(const MaskedMove& move, SparsePlain& out) {
  out.clear();
  for (const auto& [slot, value] : move.mask) {
    if (!out.empty()) {
      PlainRun& r = out.back();
      const std::uint32_t last = r.start + (r.count - 1) * r.stride;
      if (r.value == value && slot > last && (r.count == 1 || slot - last == r.stride)) {
        if (r.count == 1) r.stride = slot - last;
        ++r.count;
        continue;
      }
    }
    out.push_back({slot, 1, 1, value});
  }
}

const SlotVector& DenseMaskBuffer::dense(const MaskedMove& move) {
  for (const std::uint32_t slot : set_) v_[slot] = 0.0;
  set_.clear();
  for (const auto& [slot, value] : move.mask) {
    v_[slot] = value;
    set_.push_back(slot);
  }
  return v_;
}

int sum_rotations_cost(int count) {
  if (count <= 1) return 0;
  const auto u = static_cast<unsigned>(count);
  return static_cast<int>(std::bit_width(u)) - 1 + std::popcount(u) - 1;
}

ConvPlan::ConvPlan(const Layout& in, const Conv2dSpec& spec, const ConvOptions& options)
    : in_(in), spec_(spec) {
  check_conv(in, spec, options);
  out_ = strided_layout(in, spec.out_channels, spec.stride);
  const long long row = static_cast<long long>(in.gap) * static_cast<long long>(in.row_slots());
  for (int dy = -spec.padding; dy <= spec.padding; ++dy) {
    for (int dx = -spec.padding; dx <= spec.padding; ++dx) {
      taps_.push_back({dy, dx, normalise(dy * row + dx * in.gap, in.slots)});
    }
  }
  const int co = spec.out_channels;
  const int groups = (co + in.replicas - 1) / in.replicas;
  const auto block = static_cast<long long>(in.block_slots());
  for (int g = 0; g < groups; ++g) {
    std::vector<MaskedMove> moves;
    for (int r = 0; r < in.replicas && in.replicas * g + r < co; ++r) {
      const int o = in.replicas * g + r;
      const double beta = value_or(options.multiplier, o, 1.0);
      const double constant = options.bias_factor * (beta * value_or(spec.bias, o, 0.0) +
                                                     value_or(options.shift, o, 0.0));
      MaskedMove m;
      m.step = normalise(r * block - static_cast<long long>(out_.offset(o, 0, 0)), in.slots);
      m.constant = constant / beta;
      for (int a = 0; a < out_.height; ++a) {
        for (int b = 0; b < out_.width; ++b) {
          m.mask.emplace_back(static_cast<std::uint32_t>(out_.offset(o, a, b)), beta);
        }
      }
      moves.push_back(std::move(m));
    }
    collect_.push_back(std::move(moves));
  }
}

SlotVector ConvPlan::weights(int group, std::size_t tap) const {
  SlotVector v;
  weights(group, tap, v);
  return v;
}

void ConvPlan::weights(int group, std::size_t tap, SlotVector& v) const {
  SparsePlain runs;
  weight_runs(group, tap, runs);
  dense_plain(runs, in_.slots, v);
}

void ConvPlan::weight_runs(int group, std::size_t tap, SparsePlain& out) const {
  const Tap& t = taps_.at(tap);
  const int kh = spec_.kernel_height, kw = spec_.kernel_width;
  const int ky = t.dy + spec_.padding, kx = t.dx + spec_.padding;
  const std::size_t row = static_cast<std::size_t>(in_.gap) * in_.row_slots();
  const auto k = static_cast<std::uint32_t>(in_.gap);
  const int b0 = std::max(0, -t.dx), b1 = std::min(in_.width, in_.width - t.dx);
  out.clear();
  for (int r = 0; r < in_.replicas; ++r) {
    const int o = in_.replicas * group + r;
    if (o >= spec_.out_channels) break;
    for (int i = 0; i < in_.channels; ++i) {
      const double w = spec_.weights[((static_cast<std::size_t>(o) * in_.channels + i) * kh + ky) *
                                         static_cast<std::size_t>(kw) +
                                     kx];
      if (w == 0.0 || b1 <= b0) continue;
      // slot(i, a, b, r) = slot(i, 0, 0, r) + a (k row_slots) + b k
      const std::size_t base = in_.slot(i, 0, 0, r);
      for (int a = std::max(0, -t.dy); a < std::min(in_.height, in_.height - t.dy); ++a) {
        const std::size_t first = base + static_cast<std::size_t>(a) * row + b0 * std::size_t{k};
        out.push_back(
            {static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(b1 - b0), k, w});
      }
    }
  }
}

int ConvPlan::rotations() const {
  int n = 0;
  for (const Tap& t : taps_) n += t.step.value != 0 ? 1 : 0;
  const int reduce = 2 * sum_rotations_cost(in_.gap) + sum_rotations_cost(in_.groups);
  n += output_groups() * reduce;
  for (const auto& moves : collect_) n += rotating_moves(moves);
  return n + sum_rotations_cost(out_.replicas);
}

int ConvPlan::plaintext_mults() const {
  return static_cast<int>(taps_.size()) * output_groups() + spec_.out_channels;
}

ShortcutPlan::ShortcutPlan(const Layout& in, const DownsampleShortcutSpec& spec)
    : MaskedMovePlan(in) {
  const char* what = "plan downsampling shortcut";
  in.check(what);
  require(spec.channels_before >= 0 && spec.channels_after >= 0, what, "negative channel padding");
  out_ = strided_layout(in, spec.channels_before + in.channels + spec.channels_after, spec.stride);
  MoveBuilder builder(in.slots);
  for (int c = 0; c < in.channels; ++c) {
    const int o = c + spec.channels_before;
    const long long step =
        static_cast<long long>(in.offset(c, 0, 0)) - static_cast<long long>(out_.offset(o, 0, 0));
    for (int a = 0; a < out_.height; ++a) {
      for (int b = 0; b < out_.width; ++b) builder.add(step, out_.offset(o, a, b), 1.0);
    }
  }
  moves_ = builder.take();
}

AvgPoolPlan::AvgPoolPlan(const Layout& in, double factor) : MaskedMovePlan(in) {
  const char* what = "plan average pooling";
  in.check(what);
  require(std::isfinite(factor), what, "factor ", factor, " is not finite");
  out_ = Layout::vector(in.channels, in.slots);
  const double value = factor / static_cast<double>(in.height * in.width);
  MoveBuilder builder(in.slots);
  for (int c = 0; c < in.channels; ++c) {
    const long long step = static_cast<long long>(in.offset(c, 0, 0)) - c;
    builder.add(step, static_cast<std::size_t>(c), value);
  }
  moves_ = builder.take();
}

LinearPlan::LinearPlan(const Layout& in, const LinearSpec& spec, double bias_factor) : in_(in) {
  const char* what = "plan linear layer";
  in.check(what);
  require(in.gap == 1 && in.height == 1 && in.width == 1, what, "input layout ", in,
          " is not a vector (flatten after pooling to 1x1 first)");
  require(spec.in_features == in.channels, what, spec.in_features, " inputs for ", in.channels,
          " features");
  const int q = spec.out_features, r = spec.in_features;
  require(q > 0 && spec.weights.size() == static_cast<std::size_t>(q) * r, what,
          spec.weights.size(), " weights for ", q, "x", r);
  require(spec.bias.empty() || spec.bias.size() == static_cast<std::size_t>(q), what,
          spec.bias.size(), " biases for ", q, " outputs");
  out_ = Layout::vector(q, in.slots);
  for (int d = 0; d < q + r - 1; ++d) {
    MaskedMove m;
    m.step = normalise(r - 1 - d, in.slots);
    for (int i = 0; i < q; ++i) {
      const int j = i - d + r - 1;
      if (j < 0 || j >= r) continue;
      const double w = spec.weights[static_cast<std::size_t>(i) * r + j];
      if (w != 0.0) m.mask.emplace_back(static_cast<std::uint32_t>(i), w);
    }
    if (!m.mask.empty()) moves_.push_back(std::move(m));
  }
  require(!moves_.empty(), what, "all weights are zero");
  if (spec.bias.empty()) return;
  bias_.assign(in.slots, 0.0);
  for (int i = 0; i < q; ++i) bias_[static_cast<std::size_t>(i)] = bias_factor * spec.bias[i];
}

}  // namespace fhecnn::nn

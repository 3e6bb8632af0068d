// The layers of a packed CNN on any backend (ARCHITECTURE.md §3): each is written once as a
// template over circuits::Backend and acts on one ciphertext in a multiplexed layout
// (nn/layout.hpp, PAPER.md §6). The plaintext side (weights and masks, rotation steps) is
// computed once per layer by a plan (ConvPlan, ShortcutPlan, AvgPoolPlan, LinearPlan), which
// knows nothing about backends and is shared by every image and thread. The plaintext vectors
// themselves are built as each product needs them: as runs for a SparsePlainBackend (the slot
// simulator touches only their slots), as dense vectors in one reused buffer for the others.
//
// Scale convention: every layer lands exactly on a requested output scale (by default the
// input's): plaintexts are encoded at the scale that makes the product, after its rescale by the
// actual prime q_l, come out exactly there (PAPER.md §2.4). Layer costs:
//
// | layer               | levels              | rotations                        | pt-mults  |
// |---------------------|---------------------|----------------------------------|-----------|
// | conv2d (MultParConv)| 2                   | taps - 1 + q (2 R(k) + R(t))     | taps q    |
// |                     |                     |   + collect + R(po)              |   + co    |
// | downsample_shortcut | 1                   | nonzero shifts + R(po)           | shifts    |
// | avg_pool            | 1                   | R(w) + R(h) + nonzero shifts     | shifts    |
// | linear              | 1                   | nonzero diagonal steps           | diagonals |
// | add_residual        | 1 on the higher one | 0                                | 0         |
// | relu (AppReLU)      | chain depth + 1 (14)| 0 (27 products for alpha 13)     | 0         |
//
// with R(m) = floor(log2 m) + popcount(m) - 1 the rotations of sum_rotations (log2 m for a
// power of two), q = ceil(co / p_in) output-channel groups, collect = output channels whose
// shift is not 0 mod n. Every layer throws InvalidArgument "cannot <op>: ..." on a layout that
// differs from its plan's, too few levels, or what the backend throws.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "circuits/backend.hpp"
#include "circuits/chebyshev.hpp"
#include "circuits/relu.hpp"
#include "common/error.hpp"
#include "common/types.hpp"
#include "nn/backend_ext.hpp"
#include "nn/graph.hpp"
#include "nn/layout.hpp"

namespace fhecnn::nn {

// ---------------------------------------------------------------------------------------------
// Plans (packed_layers.cpp)

// One term of a gather: Rot(x, step), plus `constant` in every slot, times a sparse mask
// (value at the listed slots, 0 elsewhere).
struct MaskedMove {
  RotationStep step;  // normalised to (-n/2, n/2]
  std::vector<std::pair<std::uint32_t, double>> mask;
  double constant = 0.0;
};

// The dense mask of a move.
SlotVector dense_mask(const MaskedMove& move, std::size_t slots);
// The same mask as runs (consecutive entries with a common stride and value merged), in `out`.
// The runs do not overlap as long as the mask lists each slot once (every plan's masks do).
void mask_runs(const MaskedMove& move, SparsePlain& out);

// dense_mask(move, slots) for one move after another in one reused vector: only the previous
// move's entries are cleared (no allocation and no full clear per mask).
class DenseMaskBuffer {
 public:
  explicit DenseMaskBuffer(std::size_t slots) : v_(slots) {}
  const SlotVector& dense(const MaskedMove& move);

 private:
  SlotVector v_;
  std::vector<std::uint32_t> set_;  // slots written by the previous move
};

// Rotations used by sum_rotations(count): floor(log2 count) + popcount(count) - 1.
int sum_rotations_cost(int count);

// What the convolution applies after the weighted sum, per output channel o:
//   y_o = multiplier_o * sum(W x)_o + bias_factor * (multiplier_o * bias_o + shift_o)
// multiplier_o goes into the collect masks (PAPER.md §8: the folded BN scale), the constant
// term is added before the mask (as constant / multiplier_o), so neither costs a level.
struct ConvOptions {
  std::vector<double> multiplier;  // empty: all 1 (BN already folded into the weights)
  std::vector<double> shift;       // empty: all 0 (e.g. an unfolded BN's shift - mean * scale)
  double bias_factor = 1.0;        // 1/B in a network normalised by B (PAPER.md §9.1)
};

// MultParConv (PAPER.md §8) of one convolution: the taps' rotation steps, the weight
// plaintexts U_{g,tap} and the collect moves of each output-channel group.
class ConvPlan {
 public:
  struct Tap {
    int dy = 0, dx = 0;  // offset of the input pixel read by this tap
    RotationStep step;   // dy k^2 w + dx k (0 for the centre)
  };

  // Preconditions: spec.in_channels == in.channels; a centred kernel (kernel size 2 padding + 1
  // in both directions) so that "same" positions keep the layout; a power-of-two stride that
  // divides the height and width; the output (gap * stride) fits the slots. Group 1 only.
  // Throws InvalidArgument "cannot plan convolution: ..." otherwise, or when a multiplier is 0.
  ConvPlan(const Layout& in, const Conv2dSpec& spec, const ConvOptions& options = {});

  const Layout& input() const { return in_; }
  const Layout& output() const { return out_; }
  int output_groups() const { return static_cast<int>(collect_.size()); }  // q
  const std::vector<Tap>& taps() const { return taps_; }
  // The weight plaintext U_{group, tap}: at the slot of input channel i, pixel (a, b), replica r
  // it holds W[o][i][tap] with o = p_in * group + r, or 0 when o >= c_out or (a + dy, b + dx)
  // is outside the image. Built on each call (a dense n-slot vector); the second form writes it
  // into `out` (resized to n slots), reusing out's storage; weight_runs gives the same vector as
  // runs (one per replica, input channel and image row; dense_plain(runs) == weights()).
  SlotVector weights(int group, std::size_t tap) const;
  void weights(int group, std::size_t tap, SlotVector& out) const;
  void weight_runs(int group, std::size_t tap, SparsePlain& out) const;
  // The collect moves of a group (one per output channel o = p_in * group + r < c_out).
  const std::vector<MaskedMove>& collect(int group) const {
    return collect_[static_cast<std::size_t>(group)];
  }
  // Predicted counts on any backend (tests check them against the simulator).
  int rotations() const;
  int plaintext_mults() const;

 private:
  Layout in_, out_;
  Conv2dSpec spec_;
  std::vector<Tap> taps_;
  std::vector<std::vector<MaskedMove>> collect_;
};

// A layer made of masked rotations of one input (the shortcut and pooling plans): the input
// and output layouts and the moves, computed by the derived plan's constructor.
class MaskedMovePlan {
 public:
  const Layout& input() const { return in_; }
  const Layout& output() const { return out_; }
  const std::vector<MaskedMove>& moves() const { return moves_; }

 protected:
  explicit MaskedMovePlan(const Layout& in) : in_(in), out_(in) {}
  Layout in_, out_;
  std::vector<MaskedMove> moves_;
};

// Option-A shortcut (PAPER.md §10.1), generalised: out[c + channels_before][a][b] =
// in[c][s a][s b]. Channels whose shift (input offset minus output offset, the same at every
// pixel because k_out w_out = k_in w_in) coincides share one rotation and one mask.
class ShortcutPlan : public MaskedMovePlan {
 public:
  // Preconditions: a power-of-two stride dividing the height and width; the output fits.
  // Throws InvalidArgument "cannot plan downsampling shortcut: ..." otherwise.
  ShortcutPlan(const Layout& in, const DownsampleShortcutSpec& spec);
};

// Global average pooling (PAPER.md §10.2), generalised to any layout: sum the pixels with
// rotations, then gather channel c to slot c with mask value factor / (h w).
// Output: Layout::vector(channels): factor * mean of channel c at slot c, zeros elsewhere.
class AvgPoolPlan : public MaskedMovePlan {
 public:
  // factor: B in a network normalised by 1/B restores the true scale (the packed executor passes
  // B * logit_unit); must be finite.
  AvgPoolPlan(const Layout& in, double factor);
};

// Fully connected layer by the generalised diagonal method (PAPER.md §10.3): with r inputs at
// slots 0..r-1 and q outputs, y = sum_d Rot(x, r - 1 - d) * D_d with D_d[i] = M[i][i - d + r - 1]
// (only valid column indices). Slots of x outside 0..r-1 may hold anything (they meet zeros of
// every D_d). Output: Layout::vector(q), logit i at slot i, plus bias_factor * bias.
class LinearPlan {
 public:
  // Preconditions: the input layout has gap 1, 1x1 pixels and spec.in_features channels;
  // out_features <= slots. Throws InvalidArgument "cannot plan linear layer: ..." otherwise.
  LinearPlan(const Layout& in, const LinearSpec& spec, double bias_factor = 1.0);
  const Layout& input() const { return in_; }
  const Layout& output() const { return out_; }
  const std::vector<MaskedMove>& moves() const { return moves_; }
  // The bias plaintext (bias_factor * bias at slots 0..q-1); empty when there is no bias.
  const SlotVector& bias() const { return bias_; }

 private:
  Layout in_, out_;
  std::vector<MaskedMove> moves_;
  SlotVector bias_;
};

// ---------------------------------------------------------------------------------------------
// Building blocks
// (namespace packed: the layer templates, named like the float kernels of nn/float_ops.hpp)

namespace packed {

namespace detail {

inline void require_layout(const Layout& got, const Layout& want, const char* what) {
  if (!(got == want)) {
    fail(what, "input layout ", got, " differs from the plan's ", want);
  }
}

template <circuits::Backend B>
void require_levels(B& b, const typename B::Value& x, int levels, const char* what) {
  require(b.level(x).value >= levels, what, "needs ", levels, " levels but the input is at ",
          b.level(x));
}

// Rot(x, m.step) + m.constant, from the pre-rotated copies (index i in `rotated`, or x itself
// when the step is 0).
template <circuits::Backend B>
typename B::Value moved(B& b, const typename B::Value& x, const MaskedMove& m,
                        const std::vector<typename B::Value>& rotated, std::size_t& next) {
  typename B::Value v = m.step.value == 0 ? x : rotated[next++];
  if (m.constant != 0.0) v = b.add_const(v, circuits::Complex(m.constant, 0.0));
  return v;
}

// acc = x * v (v encoded at s) when acc is empty, acc + x * v otherwise: one plaintext product
// (and one addition).
template <circuits::Backend B>
void add_product(B& b, std::optional<typename B::Value>& acc, const typename B::Value& x,
                 const SlotVector& v, Scale s) {
  auto term = b.mul_plain(x, v, s);
  acc = acc ? b.add(*acc, term) : std::move(term);
}

// The same with v given as runs, in place (SparsePlainBackend).
template <SparsePlainBackend B>
void add_product(B& b, std::optional<typename B::Value>& acc, const typename B::Value& x,
                 const SparsePlain& v, Scale s) {
  if (acc) {
    b.mul_plain_sparse_then_add(*acc, x, v, s);
  } else {
    acc = b.mul_plain_sparse(x, v, s);
  }
}

}  // namespace detail

// sum_{j < count} Rot(x, j * step) with sum_rotations_cost(count) rotations (doubling, then the
// binary digits of count). No level. Precondition: count >= 1 (throws otherwise).
template <circuits::Backend B>
typename B::Value sum_rotations(B& b, const typename B::Value& x, long long step, int count) {
  require(count >= 1, "sum rotations", "count ", count, " must be positive");
  using V = typename B::Value;
  V partial = x;  // sum of the first 2^i terms
  std::optional<V> acc;
  long long offset = 0;
  for (int i = 0; (count >> i) != 0; ++i) {
    if ((count >> i) & 1) {
      V term =
          offset == 0 ? partial : b.rotate(partial, RotationStep{static_cast<int>(offset * step)});
      acc = acc ? b.add(*acc, term) : std::move(term);
      offset += 1LL << i;
    }
    if ((count >> (i + 1)) != 0) {
      partial =
          b.add(partial, b.rotate(partial, RotationStep{static_cast<int>((1LL << i) * step)}));
    }
  }
  return *acc;
}

// acc += sum_m (Rot(x, m.step) + m.constant) * mask_m over n-slot masks encoded at plain_scale;
// the non-zero steps are rotated together (rotate_many: hoisted where the backend can).
// No rescale, no level.
template <circuits::Backend B>
void accumulate_moves(B& b, const typename B::Value& x, const std::vector<MaskedMove>& moves,
                      std::size_t slots, Scale plain_scale, std::optional<typename B::Value>& acc) {
  std::vector<RotationStep> steps;
  for (const MaskedMove& m : moves) {
    if (m.step.value != 0) steps.push_back(m.step);
  }
  const auto rotated = circuits::rotate_many(b, x, steps);
  std::size_t next = 0;
  SparsePlain runs;
  std::optional<DenseMaskBuffer> mask;  // dense backends only
  for (const MaskedMove& m : moves) {
    const typename B::Value v = detail::moved(b, x, m, rotated, next);
    if constexpr (SparsePlainBackend<B>) {
      mask_runs(m, runs);
      detail::add_product(b, acc, v, runs, plain_scale);
    } else {
      if (!mask) mask.emplace(slots);
      detail::add_product(b, acc, v, mask->dense(m), plain_scale);
    }
  }
}

// The plaintext scale that makes (value at `from`) * plaintext, rescaled by q_level(from), land
// exactly on `target`.
template <circuits::Backend B>
Scale landing_scale(B& b, const typename B::Value& from, Scale target) {
  return Scale{target.value * b.prime(b.level(from)) / b.scale(from).value};
}

// x at exactly scale `target`, one level lower: x * 1 (the constant encoded as the integer
// round(target q_l / scale(x))), rescaled by q_l (PAPER.md §2.4, §14.2's "scale fix").
// Precondition: level(x) >= 1. Throws InvalidArgument otherwise.
template <circuits::Backend B>
typename B::Value set_scale(B& b, const typename B::Value& x, Scale target) {
  detail::require_levels(b, x, 1, "set scale");
  return b.rescale(b.mul_const(x, circuits::Complex(1.0, 0.0), landing_scale(b, x, target)));
}

// x + y with the exact cross-level alignment of PAPER.md §2.4: the operand at the higher level
// is brought to the other's scale (set_scale, one level on it) and dropped to its level; at
// equal levels the scales must agree. Throws InvalidArgument "cannot add residual: ..." on
// different layouts, or (from the backend) on a scale mismatch at equal levels.
template <circuits::Backend B>
PackedTensor<typename B::Value> add_residual(B& b, const PackedTensor<typename B::Value>& x,
                                             const PackedTensor<typename B::Value>& y) {
  if (!(x.layout == y.layout))
    fail("add residual", "layouts ", x.layout, " and ", y.layout, " differ");
  const Level lx = b.level(x.value), ly = b.level(y.value);
  if (lx == ly) return {b.add(x.value, y.value), x.layout};
  const bool x_high = ly < lx;
  const auto& high = x_high ? x.value : y.value;
  const auto& low = x_high ? y.value : x.value;
  auto aligned = b.drop_to_level(set_scale(b, high, b.scale(low)), b.level(low));
  return {b.add(low, aligned), x.layout};  // the result has exactly the lower operand's scale
}

// MultParConv with the folded BN (PAPER.md §8). Input in plan.input(), output in
// plan.output() at scale output_scale (default: the input's), two levels lower.
// Steps: the taps' shifted copies (rotate_many); per output-channel group the weighted sum
// (taps plaintext products, one rescale), the reduction over input channels (sub-columns,
// sub-rows, groups), the collect moves (constant, mask, accumulate); one rescale; replication
// into the output's po blocks. Cost: plan.rotations() rotations, plan.plaintext_mults()
// plaintext products, 2 levels, no ciphertext product.
template <circuits::Backend B>
PackedTensor<typename B::Value> conv2d(B& b, const PackedTensor<typename B::Value>& x,
                                       const ConvPlan& plan,
                                       std::optional<Scale> output_scale = std::nullopt) {
  using V = typename B::Value;
  const char* what = "apply convolution";
  detail::require_layout(x.layout, plan.input(), what);
  detail::require_levels(b, x.value, 2, what);
  const Layout& in = plan.input();
  const Layout& out = plan.output();
  const Scale target = output_scale.value_or(b.scale(x.value));
  std::vector<RotationStep> steps;
  for (const auto& tap : plan.taps()) {
    if (tap.step.value != 0) steps.push_back(tap.step);
  }
  const std::vector<V> rotated = circuits::rotate_many(b, x.value, steps);
  const Scale weight_scale{b.prime(b.level(x.value))};  // keeps the scale through the rescale
  std::optional<V> acc;
  SlotVector weights;  // one buffer for every weight plaintext
  SparsePlain runs;
  for (int g = 0; g < plan.output_groups(); ++g) {
    std::optional<V> s;
    std::size_t next = 0;
    for (std::size_t t = 0; t < plan.taps().size(); ++t) {
      const V& copy = plan.taps()[t].step.value == 0 ? x.value : rotated[next++];
      if constexpr (SparsePlainBackend<B>) {
        plan.weight_runs(g, t, runs);
        detail::add_product(b, s, copy, runs, weight_scale);
      } else {
        plan.weights(g, t, weights);
        detail::add_product(b, s, copy, weights, weight_scale);
      }
    }
    V sum = b.rescale(*s);
    sum = sum_rotations(b, sum, 1, in.gap);                                       // sub-columns
    sum = sum_rotations(b, sum, static_cast<long long>(in.row_slots()), in.gap);  // sub-rows
    sum = sum_rotations(b, sum, static_cast<long long>(in.group_slots()), in.groups);  // groups
    accumulate_moves(b, sum, plan.collect(g), in.slots, landing_scale(b, sum, target), acc);
  }
  V result = b.rescale(*acc);
  result = sum_rotations(b, result, -static_cast<long long>(out.block_slots()), out.replicas);
  return {std::move(result), out};
}

// Rotate-and-mask layers with one rescale and a final replication into the output's blocks.
namespace detail {

template <circuits::Backend B>
PackedTensor<typename B::Value> gather(B& b, const typename B::Value& x,
                                       const std::vector<MaskedMove>& moves, const Layout& out,
                                       Scale target) {
  std::optional<typename B::Value> acc;
  accumulate_moves(b, x, moves, out.slots, landing_scale(b, x, target), acc);
  typename B::Value result = b.rescale(*acc);
  if (out.replicas > 1) {
    result = sum_rotations(b, result, -static_cast<long long>(out.block_slots()), out.replicas);
  }
  return {std::move(result), out};
}

}  // namespace detail

// Option-A downsampling shortcut (PAPER.md §10.1), generalised (ShortcutPlan). One level;
// rotations: distinct shifts (minus a zero one) + R(po); one plaintext product per shift.
template <circuits::Backend B>
PackedTensor<typename B::Value> downsample_shortcut(
    B& b, const PackedTensor<typename B::Value>& x, const ShortcutPlan& plan,
    std::optional<Scale> output_scale = std::nullopt) {
  const char* what = "apply downsampling shortcut";
  detail::require_layout(x.layout, plan.input(), what);
  detail::require_levels(b, x.value, 1, what);
  return detail::gather(b, x.value, plan.moves(), plan.output(),
                        output_scale.value_or(b.scale(x.value)));
}

// Global average pooling times plan's factor (PAPER.md §10.2). One level; rotations
// R(w) + R(h) + distinct shifts (minus a zero one); one plaintext product per shift.
template <circuits::Backend B>
PackedTensor<typename B::Value> avg_pool(B& b, const PackedTensor<typename B::Value>& x,
                                         const AvgPoolPlan& plan,
                                         std::optional<Scale> output_scale = std::nullopt) {
  const char* what = "apply average pooling";
  detail::require_layout(x.layout, plan.input(), what);
  detail::require_levels(b, x.value, 1, what);
  const Layout& in = plan.input();
  auto sum = sum_rotations(b, x.value, in.gap, in.width);
  sum = sum_rotations(
      b, sum, static_cast<long long>(in.gap) * static_cast<long long>(in.row_slots()), in.height);
  return detail::gather(b, sum, plan.moves(), plan.output(),
                        output_scale.value_or(b.scale(x.value)));
}

// Fully connected layer (PAPER.md §10.3) with its bias. One level; nonzero diagonals - 1
// rotations (hoisted), one plaintext product per diagonal; the bias needs a
// PlainAddingBackend (throws InvalidArgument "cannot apply linear layer: ..." on another
// backend when the plan has a bias).
template <circuits::Backend B>
PackedTensor<typename B::Value> linear(B& b, const PackedTensor<typename B::Value>& x,
                                       const LinearPlan& plan,
                                       std::optional<Scale> output_scale = std::nullopt) {
  const char* what = "apply linear layer";
  detail::require_layout(x.layout, plan.input(), what);
  detail::require_levels(b, x.value, 1, what);
  auto y = detail::gather(b, x.value, plan.moves(), plan.output(),
                          output_scale.value_or(b.scale(x.value)));
  if (plan.bias().empty()) return y;
  if constexpr (PlainAddingBackend<B>) {
    y.value = b.add_plain(y.value, plan.bias());
  } else {
    fail(what, "the backend cannot add a plaintext vector (add_plain), which the bias needs");
  }
  return y;
}

// AppReLU (PAPER.md §5) on a value normalised to [-1, 1] (the network's 1/B), output at exactly
// `target`: chain depth + 1 levels (14 for alpha 13), chain mults + 1 products. Zero slots stay
// zero, so the layout is kept. Throws what circuits::app_relu throws (too few levels; on an
// inspectable backend an input outside [-1, 1]).
template <circuits::Backend B>
PackedTensor<typename B::Value> relu(B& b, const PackedTensor<typename B::Value>& x,
                                     std::span<const circuits::ChebyshevPoly> chain, Scale target) {
  return {circuits::app_relu(b, x.value, chain, target), x.layout};
}

// x refreshed by the backend's bootstrap after dropping it to level 0 (free), as CKKS
// bootstrapping requires. Layout unchanged. The message is periodic with period
// block_slots() (every block holds the same replica), so a PeriodicBootstrappingBackend
// bootstraps it as a sparse message of block_slots() slots.
template <BootstrappingBackend B>
PackedTensor<typename B::Value> bootstrap(B& b, const PackedTensor<typename B::Value>& x) {
  const auto low = b.drop_to_level(x.value, Level{0});
  if constexpr (PeriodicBootstrappingBackend<B>) {
    return {b.bootstrap_periodic(low, x.layout.block_slots()), x.layout};
  } else {
    return {b.bootstrap(low), x.layout};
  }
}

}  // namespace packed

}  // namespace fhecnn::nn

// The layers of a packed CNN on any backend (ARCHITECTURE.md §3): each is written once as a
// template over circuits::Backend and acts on one ciphertext in a multiplexed layout
// (nn/layout.hpp, PAPER.md §6). The plaintext side (weights and masks, rotation steps) is
// computed once per layer by a plan (ConvPlan, ShortcutPlan, AvgPoolPlan, LinearPlan), which
// knows nothing about backends and is shared by every image and thread.
//
// Scale convention: every layer lands exactly on a requested output scale (by default the
// input's): plaintexts are encoded at the scale that makes the product, after its rescale by the
// actual prime q_l, come out exactly there (PAPER.md §2.4). Layer costs:
//
// | layer                 | levels | rotations                                   | pt-mults   |
// |-----------------------|--------|---------------------------------------------|------------|
// | conv2d (MultParConv)  | 2      | taps-1 + q (2 R(k) + R(t)) + collect + R(po) | taps q + co |
// | downsample_shortcut   | 1      | distinct shifts - 1 + R(po)                 | shifts     |
// | avg_pool              | 1      | R(w) + R(h) + distinct shifts - 1           | shifts     |
// | linear                | 1      | nonzero diagonals - 1                       | diagonals  |
// | add_residual          | 1 on the higher operand (0 at equal levels)          | 0          |
// | relu (AppReLU)        | chain depth + 1 (14 for alpha 13)             | 0          |
//
// with R(m) = floor(log2 m) + popcount(m) - 1 the rotations of sum_rotations (log2 m for a
// power of two), q = ceil(co / p_in) output-channel groups, collect = output channels whose
// shift is not 0 mod n. Every layer throws InvalidArgument "cannot <op>: ..." on a layout that
// differs from its plan's, too few levels, or what the backend throws.
#pragma once

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
  // is outside the image. Built on each call (a dense n-slot vector).
  SlotVector weights(int group, std::size_t tap) const;
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

// Option-A shortcut (PAPER.md §10.1), generalised: out[c + channels_before][a][b] =
// in[c][s a][s b]. Channels whose shift (input offset minus output offset, the same at every
// pixel because k_out w_out = k_in w_in) coincides share one rotation and one mask.
class ShortcutPlan {
 public:
  // Preconditions: a power-of-two stride dividing the height and width; the output fits.
  // Throws InvalidArgument "cannot plan downsampling shortcut: ..." otherwise.
  ShortcutPlan(const Layout& in, const DownsampleShortcutSpec& spec);
  const Layout& input() const { return in_; }
  const Layout& output() const { return out_; }
  const std::vector<MaskedMove>& moves() const { return moves_; }

 private:
  Layout in_, out_;
  std::vector<MaskedMove> moves_;
};

// Global average pooling (PAPER.md §10.2), generalised to any layout: sum the pixels with
// rotations, then gather channel c to slot c with mask value factor / (h w).
// Output: Layout::vector(channels): factor * mean of channel c at slot c, zeros elsewhere.
class AvgPoolPlan {
 public:
  // factor: B in a network normalised by 1/B (restores the true scale); must be finite.
  AvgPoolPlan(const Layout& in, double factor);
  const Layout& input() const { return in_; }
  const Layout& output() const { return out_; }
  const std::vector<MaskedMove>& moves() const { return moves_; }

 private:
  Layout in_, out_;
  std::vector<MaskedMove> moves_;
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
      V term = offset == 0 ? partial
                           : b.rotate(partial, RotationStep{static_cast<int>(offset * step)});
      acc = acc ? b.add(*acc, term) : std::move(term);
      offset += 1LL << i;
    }
    if ((count >> (i + 1)) != 0) {
      partial = b.add(partial, b.rotate(partial, RotationStep{static_cast<int>((1LL << i) * step)}));
    }
  }
  return *acc;
}


// The multiplexed packed layout of one feature map in one ciphertext (PAPER.md §6, Lee et al.,
// ICML 2022), and packing of float tensors into slot vectors.
//
// A c x h x w tensor is stored with parameters (k, h, w, c, t, p) in n slots:
//   gap      k  a power of two; channels are interleaved in k x k tiles ("super-pixels"). It is
//               multiplied by the stride at every strided layer, so strided layers leave no holes.
//   height   h  rows of the feature map.
//   width    w  columns of the feature map.
//   channels c  channels of the feature map.
//   groups   t  = ceil(c / k^2): each group of k^2 channels forms one (k h) x (k w) super-image.
//   replicas p  copies of the whole tensor; the paper's choice is 2^floor(log2(n / (k^2 h w t))).
//   slots    n  slots of the ciphertext (a power of two); block = n / p slots per replica.
//
// Slot of channel ch, pixel (a, b), replica r (u = ch div k^2, s1 = (ch mod k^2) div k,
// s2 = ch mod k):
//   slot = r (n / p) + u (k^2 h w) + (k a + s1) (k w) + (k b + s2).
// The first k^2 h w t slots of each block are its data region; everything else is zero, and so
// are the channel positions ch >= c inside the last group.
#pragma once

#include <complex>
#include <cstddef>
#include <ostream>
#include <vector>

#include "nn/tensor.hpp"

namespace fhecnn::nn {

struct Layout {
  int gap = 1;            // k
  int height = 0;         // h
  int width = 0;          // w
  int channels = 0;       // c
  int groups = 0;         // t = ceil(c / k^2)
  int replicas = 1;       // p
  std::size_t slots = 0;  // n

  // The paper's layout: groups = ceil(channels / gap^2) and the most replicas that fit.
  // Throws InvalidArgument "cannot build layout: ..." when gap is not a power of two, a size is
  // not positive, slots is not a power of two or the data (gap^2 h w groups) exceeds slots.
  static Layout multiplexed(int gap, int height, int width, int channels, std::size_t slots);
  // A plain vector: feature j at slot j (gap 1, 1 x 1 pixels, one replica), zeros elsewhere.
  // The input and output layout of the fully connected layer. Throws like multiplexed().
  static Layout vector(int features, std::size_t slots);

  // Throws InvalidArgument "cannot <what>: ..." when the fields are inconsistent (the checks of
  // multiplexed(), with any replica count p such that p * data_slots() <= slots, p | slots).
  void check(const char* what) const;

  std::size_t block_slots() const { return slots / static_cast<std::size_t>(replicas); }
  // k^2 h w: slots of one group (one super-image).
  std::size_t group_slots() const {
    return static_cast<std::size_t>(gap) * gap * static_cast<std::size_t>(height) * width;
  }
  std::size_t data_slots() const { return group_slots() * static_cast<std::size_t>(groups); }
  // k w: slots of one super-row (one sub-row of the tiles of one original row).
  std::size_t row_slots() const { return static_cast<std::size_t>(gap) * width; }
  Shape shape() const { return Shape{channels, height, width}; }

  // Offset inside a block of channel `channel` at pixel (row, column) (the formula above with
  // r = 0). Preconditions (unchecked): indices in range.
  std::size_t offset(int channel, int row, int column) const;
  // The full slot index, replica r.
  std::size_t slot(int channel, int row, int column, int replica) const {
    return static_cast<std::size_t>(replica) * block_slots() + offset(channel, row, column);
  }

  bool operator==(const Layout&) const = default;
};

// "(k=2, 16x16, c=32, t=8, p=4; n=32768)"
std::ostream& operator<<(std::ostream& os, const Layout& layout);

// Output layout of a convolution (or of the option-A shortcut) with this stride and channel
// count (PAPER.md §8): gap * stride, height / stride, width / stride, out_channels.
// Throws InvalidArgument when stride is not a power of two, does not divide the height and
// width, or the result does not fit the slots.
Layout strided_layout(const Layout& in, int out_channels, int stride);

// A ciphertext-like value with its layout (Value is a backend's value type).
template <typename Value>
struct PackedTensor {
  Value value;
  Layout layout;
};

using SlotVector = std::vector<std::complex<double>>;

// The slot vector of `tensor` in `layout`, every value multiplied by `multiplier` (1/B for
// the network input, PAPER.md §9.1), replicated in every block. Throws InvalidArgument when the
// tensor's shape differs from the layout's or the layout is invalid.
SlotVector pack(const Tensor& tensor, const Layout& layout, double multiplier = 1.0);

// The tensor read back from replica `replica` (real parts), times `multiplier`.
// Throws InvalidArgument on a slot count mismatch or replica out of range.
Tensor unpack(const SlotVector& slots, const Layout& layout, int replica = 0,
              double multiplier = 1.0);

// How far `slots` is from a well-formed packing in `layout`: the largest |slot| outside the data
// (padding, unused channel positions, the rest of each block) and the largest difference between
// a replica and replica 0. 0 for exactly what pack() writes.
double layout_violation(const SlotVector& slots, const Layout& layout);

}  // namespace fhecnn::nn

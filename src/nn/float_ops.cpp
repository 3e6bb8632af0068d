#include "nn/float_ops.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace fhecnn::nn {
namespace {

// Convolution as im2col + a register-blocked matrix product: out[o][p] = sum_k W[o][k] col[k][p]
// with k = (input channel, kernel row, kernel column) and p = output pixel.
constexpr std::size_t channel_block = 4;  // output channels per micro-kernel
constexpr std::size_t pixel_block = 8;    // output pixels per micro-kernel

std::size_t round_up(std::size_t n, std::size_t block) { return (n + block - 1) / block * block; }

// Copies the input row under kernel tap (ky, kx) for output row y into dst (zeros outside).
void gather_row(const Tensor& in, int channel, int iy, int kx, const Conv2dSpec& s, int out_width,
                double* dst) {
  const double* src = in.plane(channel) + static_cast<std::size_t>(iy) * in.shape.width;
  // valid x: 0 <= x * stride + kx - padding < width
  const int shift = kx - s.padding;
  const int x_lo = shift >= 0 ? 0 : (-shift + s.stride - 1) / s.stride;
  const int x_hi = std::min(out_width, (in.shape.width - shift + s.stride - 1) / s.stride);
  for (int x = x_lo; x < x_hi; ++x) dst[x] = src[x * s.stride + shift];
}

// col[k * columns + p]: the input value under kernel tap k for output pixel p (0 outside).
std::vector<double> im2col(const Tensor& in, const Conv2dSpec& s, const Shape& out,
                           std::size_t columns) {
  const std::size_t taps = static_cast<std::size_t>(s.kernel_height) * s.kernel_width;
  std::vector<double> col(static_cast<std::size_t>(s.in_channels) * taps * columns, 0.0);
  for (int i = 0; i < s.in_channels; ++i) {
    for (int ky = 0; ky < s.kernel_height; ++ky) {
      for (int kx = 0; kx < s.kernel_width; ++kx) {
        double* row = col.data() + ((i * s.kernel_height + ky) * s.kernel_width + kx) * columns;
        for (int y = 0; y < out.height; ++y) {
          const int iy = y * s.stride + ky - s.padding;
          if (iy < 0 || iy >= in.shape.height) continue;
          gather_row(in, i, iy, kx, s, out.width, row + y * out.width);
        }
      }
    }
  }
  return col;
}

// Weights regrouped as panels of channel_block output channels: panel[b][k][r] = W[b*4 + r][k],
// zero for channels past out_channels.
std::vector<double> pack_weights(const Conv2dSpec& s, std::size_t depth) {
  const std::size_t blocks = round_up(s.out_channels, channel_block) / channel_block;
  std::vector<double> packed(blocks * depth * channel_block, 0.0);
  for (std::size_t o = 0; o < static_cast<std::size_t>(s.out_channels); ++o) {
    const std::size_t b = o / channel_block, r = o % channel_block;
    for (std::size_t k = 0; k < depth; ++k) {
      packed[(b * depth + k) * channel_block + r] = s.weights[o * depth + k];
    }
  }
  return packed;
}

using Accumulator = std::array<std::array<double, pixel_block>, channel_block>;

// acc[r][j] = sum_k panel[k][r] * col[k][j] for one channel block and one pixel block.
// Kept out of line so that the accumulators get the registers to themselves.
[[gnu::noinline]] void micro_kernel(const double* __restrict panel, const double* __restrict col,
                                    std::size_t columns, std::size_t depth, Accumulator& out) {
  Accumulator acc{};
  for (std::size_t k = 0; k < depth; ++k) {
    const double* c = col + k * columns;
    const double* w = panel + k * channel_block;
    for (std::size_t r = 0; r < channel_block; ++r) {
      for (std::size_t j = 0; j < pixel_block; ++j) acc[r][j] += w[r] * c[j];
    }
  }
  out = acc;
}

// Stores the valid part of one block into the output, adding the bias.
void store_block(const Accumulator& acc, const Conv2dSpec& s, std::size_t o0, std::size_t p0,
                 Tensor& out) {
  const std::size_t pixels = out.shape.plane();
  for (std::size_t r = 0; r < channel_block; ++r) {
    const std::size_t o = o0 + r;
    if (o >= static_cast<std::size_t>(s.out_channels)) break;
    const double b = s.bias.empty() ? 0.0 : s.bias[o];
    double* dst = out.plane(static_cast<int>(o));
    for (std::size_t j = 0; j < pixel_block && p0 + j < pixels; ++j) dst[p0 + j] = acc[r][j] + b;
  }
}

}  // namespace

Tensor conv2d(const Tensor& in, const Conv2dSpec& s) {
  const int out_height = (in.shape.height + 2 * s.padding - s.kernel_height) / s.stride + 1;
  const int out_width = (in.shape.width + 2 * s.padding - s.kernel_width) / s.stride + 1;
  Tensor out(Shape{s.out_channels, out_height, out_width});
  const std::size_t columns = round_up(out.shape.plane(), pixel_block);
  const std::size_t depth =
      static_cast<std::size_t>(s.in_channels) * s.kernel_height * s.kernel_width;
  const std::vector<double> col = im2col(in, s, out.shape, columns);
  const std::vector<double> packed = pack_weights(s, depth);
  const std::size_t blocks = packed.size() / (depth * channel_block);
  Accumulator acc{};
  for (std::size_t p0 = 0; p0 < columns; p0 += pixel_block) {
    for (std::size_t b = 0; b < blocks; ++b) {
      micro_kernel(packed.data() + b * depth * channel_block, col.data() + p0, columns, depth, acc);
      store_block(acc, s, b * channel_block, p0, out);
    }
  }
  return out;
}

Tensor batch_norm(const Tensor& in, const BatchNormSpec& s) {
  Tensor out(in.shape);
  const std::size_t plane = in.shape.plane();
  for (int c = 0; c < in.shape.channels; ++c) {
    const double inv_std = 1.0 / std::sqrt(s.variance[c] + s.epsilon);
    const double* src = in.plane(c);
    double* dst = out.plane(c);
    for (std::size_t i = 0; i < plane; ++i) {
      dst[i] = (src[i] - s.mean[c]) * inv_std * s.scale[c] + s.shift[c];
    }
  }
  return out;
}

Tensor relu(const Tensor& in) {
  Tensor out(in.shape);
  for (std::size_t i = 0; i < in.values.size(); ++i) out.values[i] = std::max(in.values[i], 0.0);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out(a.shape);
  for (std::size_t i = 0; i < a.values.size(); ++i) out.values[i] = a.values[i] + b.values[i];
  return out;
}

Tensor slice(const Tensor& in, const SliceSpec& s) {
  const AxisSlice& c = s.axes[0];
  const AxisSlice& r = s.axes[1];
  const AxisSlice& w = s.axes[2];
  auto count = [](const AxisSlice& a, int length) {
    const int end = std::min(a.end, length);
    return end > a.start ? (end - a.start + a.step - 1) / a.step : 0;
  };
  Tensor out(
      Shape{count(c, in.shape.channels), count(r, in.shape.height), count(w, in.shape.width)});
  for (int oc = 0; oc < out.shape.channels; ++oc) {
    for (int oy = 0; oy < out.shape.height; ++oy) {
      for (int ox = 0; ox < out.shape.width; ++ox) {
        out.at(oc, oy, ox) =
            in.at(c.start + oc * c.step, r.start + oy * r.step, w.start + ox * w.step);
      }
    }
  }
  return out;
}

Tensor pad(const Tensor& in, const PadSpec& s) {
  const Shape shape{in.shape.channels + s.before[0] + s.after[0],
                    in.shape.height + s.before[1] + s.after[1],
                    in.shape.width + s.before[2] + s.after[2]};
  Tensor out(shape, std::vector<double>(shape.size(), s.value));
  for (int c = 0; c < in.shape.channels; ++c) {
    for (int y = 0; y < in.shape.height; ++y) {
      for (int x = 0; x < in.shape.width; ++x) {
        out.at(c + s.before[0], y + s.before[1], x + s.before[2]) = in.at(c, y, x);
      }
    }
  }
  return out;
}

Tensor downsample_shortcut(const Tensor& in, const DownsampleShortcutSpec& s) {
  Tensor out(Shape{in.shape.channels + s.channels_before + s.channels_after,
                   (in.shape.height + s.stride - 1) / s.stride,
                   (in.shape.width + s.stride - 1) / s.stride});
  for (int c = 0; c < in.shape.channels; ++c) {
    for (int y = 0; y < out.shape.height; ++y) {
      for (int x = 0; x < out.shape.width; ++x) {
        out.at(c + s.channels_before, y, x) = in.at(c, y * s.stride, x * s.stride);
      }
    }
  }
  return out;
}

Tensor global_avg_pool(const Tensor& in) {
  Tensor out(Shape{in.shape.channels, 1, 1});
  const std::size_t plane = in.shape.plane();
  for (int c = 0; c < in.shape.channels; ++c) {
    const double* src = in.plane(c);
    double sum = 0.0;
    for (std::size_t i = 0; i < plane; ++i) sum += src[i];
    out.values[static_cast<std::size_t>(c)] = sum / static_cast<double>(plane);
  }
  return out;
}

Tensor flatten(const Tensor& in) {
  return Tensor(Shape{static_cast<int>(in.shape.size()), 1, 1}, in.values);
}

Tensor linear(const Tensor& in, const LinearSpec& s) {
  Tensor out(Shape{s.out_features, 1, 1});
  for (std::size_t o = 0; o < static_cast<std::size_t>(s.out_features); ++o) {
    const double* row = s.weights.data() + o * static_cast<std::size_t>(s.in_features);
    double sum = s.bias.empty() ? 0.0 : s.bias[o];
    for (std::size_t i = 0; i < static_cast<std::size_t>(s.in_features); ++i) {
      sum += row[i] * in.values[i];
    }
    out.values[o] = sum;
  }
  return out;
}

}  // namespace fhecnn::nn

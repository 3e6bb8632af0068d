#include "nn/layout.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/error.hpp"

namespace fhecnn::nn {
namespace {

bool power_of_two(std::size_t v) { return v != 0 && std::has_single_bit(v); }

int ceil_div(int a, int b) { return (a + b - 1) / b; }

}  // namespace

Layout Layout::multiplexed(int gap, int height, int width, int channels, std::size_t slots) {
  const char* what = "build layout";
  require(gap >= 1 && power_of_two(static_cast<std::size_t>(gap)), what, "gap ", gap,
          " is not a power of two");
  require(height > 0 && width > 0 && channels > 0, what, "empty tensor ", channels, "x", height,
          "x", width);
  require(power_of_two(slots), what, "slot count ", slots, " is not a power of two");
  Layout l{gap, height, width, channels, ceil_div(channels, gap * gap), 1, slots};
  const std::size_t data = l.data_slots();
  require(data <= slots, what, channels, "x", height, "x", width, " with gap ", gap, " needs ",
          data, " slots, more than the ", slots, " available");
  l.replicas = static_cast<int>(std::bit_floor(slots / data));
  return l;
}

Layout Layout::vector(int features, std::size_t slots) {
  require(features > 0, "build vector layout", "no features");
  require(power_of_two(slots), "build vector layout", "slot count ", slots,
          " is not a power of two");
  require(static_cast<std::size_t>(features) <= slots, "build vector layout", features,
          " features for ", slots, " slots");
  return Layout{1, 1, 1, features, features, 1, slots};
}

void Layout::check(const char* what) const {
  require(gap >= 1 && power_of_two(static_cast<std::size_t>(gap)), what, "layout gap ", gap,
          " is not a power of two");
  require(height > 0 && width > 0 && channels > 0, what, "layout of an empty tensor");
  require(groups == ceil_div(channels, gap * gap), what, "layout has ", groups, " groups for ",
          channels, " channels with gap ", gap);
  require(power_of_two(slots), what, "slot count ", slots, " is not a power of two");
  require(replicas >= 1 && power_of_two(static_cast<std::size_t>(replicas)), what, "replica count ",
          replicas, " is not a power of two");
  require(static_cast<std::size_t>(replicas) * data_slots() <= slots, what, replicas,
          " replicas of ", data_slots(), " data slots exceed ", slots, " slots");
}

std::size_t Layout::offset(int channel, int row, int column) const {
  const int k2 = gap * gap;
  const auto u = static_cast<std::size_t>(channel / k2);
  const auto s1 = static_cast<std::size_t>((channel % k2) / gap);
  const auto s2 = static_cast<std::size_t>(channel % gap);
  const auto k = static_cast<std::size_t>(gap);
  return u * group_slots() + (k * static_cast<std::size_t>(row) + s1) * row_slots() +
         k * static_cast<std::size_t>(column) + s2;
}

std::ostream& operator<<(std::ostream& os, const Layout& l) {
  return os << "(k=" << l.gap << ", " << l.height << "x" << l.width << ", c=" << l.channels
            << ", t=" << l.groups << ", p=" << l.replicas << "; n=" << l.slots << ")";
}

Layout strided_layout(const Layout& in, int out_channels, int stride) {
  const char* what = "derive strided layout";
  require(stride >= 1 && power_of_two(static_cast<std::size_t>(stride)), what, "stride ", stride,
          " is not a power of two");
  require(in.height % stride == 0 && in.width % stride == 0, what, "stride ", stride,
          " does not divide the input's ", in.height, "x", in.width, " pixels");
  return Layout::multiplexed(in.gap * stride, in.height / stride, in.width / stride, out_channels,
                             in.slots);
}

SlotVector pack(const Tensor& tensor, const Layout& layout, double multiplier) {
  layout.check("pack tensor");
  require(tensor.shape == layout.shape(), "pack tensor", "tensor shape ", tensor.shape,
          " differs from the layout's ", layout.shape());
  require(tensor.values.size() == tensor.shape.size(), "pack tensor", tensor.values.size(),
          " values for shape ", tensor.shape);
  SlotVector slots(layout.slots);
  for (int c = 0; c < layout.channels; ++c) {
    for (int a = 0; a < layout.height; ++a) {
      for (int b = 0; b < layout.width; ++b) {
        const double v = tensor.at(c, a, b) * multiplier;
        for (int r = 0; r < layout.replicas; ++r) slots[layout.slot(c, a, b, r)] = v;
      }
    }
  }
  return slots;
}

Tensor unpack(const SlotVector& slots, const Layout& layout, int replica, double multiplier) {
  layout.check("unpack tensor");
  require(slots.size() == layout.slots, "unpack tensor", slots.size(), " slots for a layout of ",
          layout.slots);
  require(replica >= 0 && replica < layout.replicas, "unpack tensor", "replica ", replica,
          " outside [0, ", layout.replicas, ")");
  Tensor t(layout.shape());
  for (int c = 0; c < layout.channels; ++c) {
    for (int a = 0; a < layout.height; ++a) {
      for (int b = 0; b < layout.width; ++b) {
        t.at(c, a, b) = slots[layout.slot(c, a, b, replica)].real() * multiplier;
      }
    }
  }
  return t;
}

double layout_violation(const SlotVector& slots, const Layout& layout) {
  layout.check("check packing");
  require(slots.size() == layout.slots, "check packing", slots.size(), " slots for a layout of ",
          layout.slots);
  std::vector<bool> data(layout.block_slots(), false);
  for (int c = 0; c < layout.channels; ++c) {
    for (int a = 0; a < layout.height; ++a) {
      for (int b = 0; b < layout.width; ++b) data[layout.offset(c, a, b)] = true;
    }
  }
  double worst = 0.0;
  const std::size_t block = layout.block_slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::size_t j = i % block;
    const double e = data[j] ? std::abs(slots[i] - slots[j]) : std::abs(slots[i]);
    worst = std::max(worst, e);
  }
  return worst;
}

}  // namespace fhecnn::nn

// Cleartext tensors of one image: the float reference the encrypted network must match.
// (The packed layouts of PAPER.md §6 will live beside this one; this is the plain CHW tensor.)
#pragma once

#include <cstddef>
#include <ostream>
#include <vector>

namespace fhecnn::nn {

// Shape of one image's feature map, channel-major (CHW). A flat vector of n features is
// {n, 1, 1}.
struct Shape {
  int channels = 0;
  int height = 0;
  int width = 0;

  std::size_t size() const {
    return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) *
           static_cast<std::size_t>(width);
  }
  std::size_t plane() const {
    return static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  }
  bool is_valid() const { return channels > 0 && height > 0 && width > 0; }
  bool operator==(const Shape&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Shape& shape);  // "16x32x32"

// A float64 CHW feature map.
struct Tensor {
  Shape shape;
  std::vector<double> values;  // shape.size() values, channel-major, then row, then column

  Tensor() = default;
  // Zero tensor of the given shape.
  explicit Tensor(Shape s) : shape(s), values(s.size(), 0.0) {}
  // Precondition: v.size() == s.size() (checked by the executor, not here).
  Tensor(Shape s, std::vector<double> v) : shape(s), values(std::move(v)) {}

  double& at(int channel, int row, int column) { return values[index(channel, row, column)]; }
  double at(int channel, int row, int column) const { return values[index(channel, row, column)]; }
  double* plane(int channel) { return values.data() + channel * shape.plane(); }
  const double* plane(int channel) const { return values.data() + channel * shape.plane(); }

 private:
  std::size_t index(int channel, int row, int column) const {
    return (static_cast<std::size_t>(channel) * shape.height + row) * shape.width + column;
  }
};

}  // namespace fhecnn::nn

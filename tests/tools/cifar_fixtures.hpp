// What the CLI tests share: the smallest CIFAR-shaped ONNX network, a synthetic CIFAR-10 test
// batch, and running a command line for its error.
#pragma once

#include <cstdint>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "commands.hpp"
#include "testing/image_files.hpp"
#include "testing/onnx_builder.hpp"

namespace fhecnn::tool::testdata {

// Runs a command line; returns the error message, "" when it succeeded.
inline std::string error_of(const std::vector<std::string>& args) {
  try {
    run_command_line(args);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline std::vector<float> uniform_floats(std::size_t n, std::mt19937_64& rng, double lo,
                                         double hi) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(d(rng));
  return v;
}

// x[1,3,32,32] -> Conv 3->2 -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> y[1,10]: the
// smallest CIFAR-shaped network; at N = 2^13 (4096 slots) it needs no bootstrap.
inline onnx::ModelProto tiny_cifar_net(std::uint64_t seed) {
  using namespace fhecnn::testing;
  std::mt19937_64 rng(seed);
  onnx::ModelProto model = empty_model({1, 3, 32, 32}, {1, 10});
  auto* g = model.mutable_graph();
  fill_floats(g->add_initializer(), "w1", {2, 3, 3, 3}, uniform_floats(54, rng, -0.25, 0.25));
  auto* c1 = add_node(g, "Conv", "/conv1/Conv", {"x", "w1"}, "c1");
  add_ints_attribute(c1, "pads", {1, 1, 1, 1});
  add_node(g, "Relu", "/relu/Relu", {"c1"}, "r1");
  add_node(g, "GlobalAveragePool", "/pool/GlobalAveragePool", {"r1"}, "gap");
  auto* flat = add_node(g, "Flatten", "/flatten/Flatten", {"gap"}, "f");
  add_int_attribute(flat, "axis", 1);
  fill_floats(g->add_initializer(), "wl", {10, 2}, uniform_floats(20, rng, -1.0, 1.0));
  fill_floats(g->add_initializer(), "bl", {10}, uniform_floats(10, rng, -0.5, 0.5));
  auto* gemm = add_node(g, "Gemm", "/linear/Gemm", {"f", "wl", "bl"}, "y");
  add_int_attribute(gemm, "transB", 1);
  return model;
}

// A CIFAR-10 test batch of `count` records (label, then 3 x 1024 pixel bytes).
inline void write_cifar_batch(const std::string& path, int count) {
  std::vector<std::uint8_t> bytes;
  for (int r = 0; r < count; ++r) {
    bytes.push_back(static_cast<std::uint8_t>(r % 10));
    for (int i = 0; i < 3072; ++i)
      bytes.push_back(static_cast<std::uint8_t>((i * 7 + r * 31) % 256));
  }
  testing::write_bytes(path, bytes);
}

}  // namespace fhecnn::tool::testdata

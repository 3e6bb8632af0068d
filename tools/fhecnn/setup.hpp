// What several subcommands share: loading a model into a compiled packed network, finding the
// AppReLU coefficients, class names, and writing JSON reports.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circuits/sign.hpp"
#include "nn/graph.hpp"
#include "nn/packed_executor.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::tool {

// How a model is compiled: the same options must be given to keygen, encrypt, infer and decrypt
// (the key set and the ciphertexts are bound to the plan they produce).
struct NetworkOptions {
  std::string model;
  std::string preset = "boot_n16";  // CKKS parameter set (its chain is the level schedule)
  int alpha = 13;                   // AppReLU precision: data/minimax/relu_alpha<alpha>.txt
  double relu_bound = 40.0;         // B
  std::string relu_coeffs;          // explicit coefficient file; found from alpha when empty
  bool allow_insecure = false;      // accept insecure_* presets
};

// Registers --model (required when `model_required`), --preset, --alpha, --relu-bound,
// --relu-coeffs and --allow-insecure on cmd.
void add_network_options(CLI::App& cmd, NetworkOptions& o, bool model_required = true);

// The parameter literal of o.preset; throws "cannot use preset ...: NOT secure" for an insecure
// one without allow_insecure.
rlwe::ParamsLiteral preset_literal(const NetworkOptions& o);

// The ONNX model, BN folded and downsampling shortcuts fused.
nn::Graph load_graph(const std::string& model);

// The AppReLU sign chain: the shipped coefficients, or a fresh design when none are found.
circuits::CompositeSign relu_sign(int alpha, const std::string& coeffs_file);

// A loaded and compiled network (the graph outlives the compiled network).
struct LoadedNetwork {
  nn::Graph graph;
  std::unique_ptr<nn::PackedNetwork> net;
};
// Loads o.model and compiles it for o.preset's chain with AppReLU alpha and bound B.
LoadedNetwork load_network(const NetworkOptions& o);

// CIFAR class names from DIR/batches.meta.txt when present, "class k" otherwise.
std::vector<std::string> class_names(const std::string& data_dir, std::size_t classes);

void write_json(const std::string& path, const nlohmann::ordered_json& report);

}  // namespace fhecnn::tool

#include "setup.hpp"

#include <cstdio>
#include <fstream>
#include <optional>

#include "circuits/coeff_file.hpp"
#include "ckks/presets.hpp"
#include "common/error.hpp"
#include "io/cifar.hpp"
#include "nn/onnx_import.hpp"
#include "nn/passes.hpp"

namespace fhecnn::tool {
namespace {

std::optional<std::filesystem::path> find_relu_coeffs(int alpha, const std::string& explicit_file) {
  if (!explicit_file.empty()) return std::filesystem::path(explicit_file);
  const std::string name = "relu_alpha" + std::to_string(alpha) + ".txt";
  std::vector<std::filesystem::path> dirs{std::filesystem::current_path()};
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {  // <repo>/build/<preset>/bin/fhecnn or <repo>/<build>/bin/fhecnn: up to 4 levels
    auto dir = exe.parent_path();
    for (int up = 0; up < 4 && dir.has_parent_path() && dir != dir.parent_path(); ++up) {
      dir = dir.parent_path();
      dirs.push_back(dir);
    }
  }
  for (const auto& d : dirs) {
    const auto p = d / "data" / "minimax" / name;
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

}  // namespace

void add_network_options(CLI::App& cmd, NetworkOptions& o, bool model_required) {
  auto* model = cmd.add_option("--model", o.model, "ONNX model (.onnx)")->check(CLI::ExistingFile);
  if (model_required) model->required();
  cmd.add_option("--preset", o.preset, "CKKS parameter set (its primes form the level chain)")
      ->capture_default_str();
  cmd.add_option("--alpha", o.alpha, "AppReLU precision (2^-alpha on [-1, 1])")
      ->check(CLI::Range(4, 24))
      ->capture_default_str();
  cmd.add_option("--relu-bound", o.relu_bound, "bound B on |ReLU input|; values are scaled by 1/B")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--relu-coeffs", o.relu_coeffs,
                 "AppReLU coefficient file (default: data/minimax/relu_alpha<A>.txt)")
      ->check(CLI::ExistingFile);
  cmd.add_flag("--allow-insecure", o.allow_insecure,
               "accept an insecure test preset (insecure_*): NOT for real data");
}

rlwe::ParamsLiteral preset_literal(const NetworkOptions& o) {
  rlwe::ParamsLiteral lit = ckks::presets::by_name(o.preset);
  require(!lit.allow_insecure || o.allow_insecure, "use preset '" + o.preset + "'",
          "it is NOT 128-bit secure (test parameters); pass --allow-insecure to use it anyway");
  return lit;
}

nn::Graph load_graph(const std::string& model) {
  nn::Graph graph = nn::load_onnx(model);
  nn::fold_batch_norm(graph);
  nn::fuse_downsample_shortcuts(graph);
  return graph;
}

circuits::CompositeSign relu_sign(int alpha, const std::string& coeffs_file) {
  if (const auto path = find_relu_coeffs(alpha, coeffs_file)) {
    std::fprintf(stderr, "AppReLU coefficients %s\n", path->string().c_str());
    return circuits::composite_sign_from_file(circuits::load_minimax(path->string()));
  }
  std::fprintf(stderr, "no relu_alpha%d.txt found, designing AppReLU (alpha %d)...\n", alpha,
               alpha);
  const circuits::ReluDesign d = circuits::search_app_relu(alpha);
  return circuits::design_app_relu(alpha, d.degrees);
}

LoadedNetwork load_network(const NetworkOptions& o) {
  LoadedNetwork r;
  r.graph = load_graph(o.model);
  const rlwe::ParamsLiteral lit = preset_literal(o);
  nn::PackedOptions packed = nn::packed_options(lit);
  packed.slots = std::size_t{1} << (lit.log_n - 1);  // full slots: N/2 (2^15 for the N = 2^16 sets)
  packed.relu_bound = o.relu_bound;
  packed.relu_chain = relu_sign(o.alpha, o.relu_coeffs).relu_chain();
  r.net = std::make_unique<nn::PackedNetwork>(r.graph, packed);
  return r;
}

std::vector<std::string> class_names(const std::string& data_dir, std::size_t classes) {
  std::vector<std::string> names;
  if (!data_dir.empty()) {
    const auto meta = std::filesystem::path(data_dir) / "batches.meta.txt";
    if (std::filesystem::exists(meta)) names = io::read_cifar_class_names(meta.string());
  }
  if (names.empty() && classes == 10) names = io::cifar10_class_names();
  for (std::size_t c = names.size(); c < classes; ++c)
    names.push_back("class " + std::to_string(c));
  return names;
}

void write_json(const std::string& path, const nlohmann::ordered_json& report) {
  std::ofstream out(path);
  require(out.good(), "write report " + path, "the file cannot be created");
  out << report.dump(1) << "\n";
  require(out.good(), "write report " + path, "writing failed");
}

}  // namespace fhecnn::tool

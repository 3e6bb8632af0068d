// Shared-model fixtures for the nn tests: imported graphs, test images and the reference logits
// of shared/models/expected_logits_test100.json, each loaded once per test binary.
#pragma once

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/cifar.hpp"
#include "nn/evaluate.hpp"
#include "nn/graph.hpp"
#include "nn/onnx_import.hpp"
#include "nn/shared_files.hpp"

namespace fhecnn::testing {

inline const std::vector<std::string>& shared_model_names() {
  static const std::vector<std::string> names{"paper-resnet20-cifar10",  "paper-resnet32-cifar10",
                                              "paper-resnet44-cifar10",  "paper-resnet56-cifar10",
                                              "paper-resnet110-cifar10", "paper-resnet32-cifar100"};
  return names;
}

// The imported (unmodified) graph of a shared model. Precondition: the file exists.
inline const nn::Graph& shared_graph(const std::string& name) {
  static std::map<std::string, nn::Graph> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, nn::load_onnx(shared_model(name).string())).first;
  return it->second;
}

// The first `count` records of the shared test batch. Precondition: the file exists.
inline const io::CifarBatch& shared_images(std::size_t count) {
  static std::map<std::size_t, io::CifarBatch> cache;
  auto it = cache.find(count);
  if (it == cache.end()) {
    it = cache.emplace(count, io::read_cifar10(shared_test_batch().string(), {0, count})).first;
  }
  return it->second;
}

inline nn::Tensor shared_image_tensor(std::size_t i) {
  return nn::cifar_image_tensor(shared_images(100), i, io::cifar10_reference_normalization());
}

inline std::filesystem::path expected_logits_file() {
  return shared_dir() / "models" / "expected_logits_test100.json";
}

// Reference float64 logits of model `name` for the first 100 test records.
inline std::vector<std::vector<double>> expected_logits(const std::string& name) {
  static const nlohmann::json doc = [] {
    std::ifstream in(expected_logits_file());
    return nlohmann::json::parse(in);
  }();
  return doc.at("models").at(name).at("logits").get<std::vector<std::vector<double>>>();
}

}  // namespace fhecnn::testing

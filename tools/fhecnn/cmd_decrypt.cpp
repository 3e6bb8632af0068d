// `fhecnn decrypt` (client): the class scores of an encrypted result.
//   fhecnn decrypt --model M.onnx [network options] --keys DIR --in RESULT [--data DIR] [--top 5]
//                  [--json OUT]
// Prints the top-k classes with their softmax probability and logit (names from
// DIR/batches.meta.txt of --data when given).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "io/serialize.hpp"
#include "nn/evaluate.hpp"

namespace fhecnn::tool {
namespace {

struct DecryptOptions {
  NetworkOptions network;
  std::string keys;
  std::string in;
  std::string data;
  std::size_t top = 5;
  std::string json;
};

void run_decrypt(const DecryptOptions& o) {
  const rlwe::ParamsLiteral lit = preset_literal(o.network);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const KeyDir dir{o.keys};
  check_key_dir(dir, *params, plan_fingerprint(o.network, net, *params));
  const rlwe::Ciphertext result = io::load_ciphertext(o.in, *params);
  check_output_ciphertext(result, net, o.in);
  const rlwe::SecretKey sk = io::load_secret_key(dir.secret_key(), *params);
  const std::vector<double> logits =
      nn::decrypt_logits(net, result, ckks::Encoder(params), rlwe::Decryptor(params, sk));
  const auto names = class_names(o.data, logits.size());
  std::cout << "result " << o.in << ": " << logits.size() << " classes, predicted "
            << names[static_cast<std::size_t>(nn::argmax(logits))] << "\n";
  print_top(std::cout, logits, names, o.top);
  if (!o.json.empty()) {
    write_json(o.json, {{"model", o.network.model},
                        {"prediction", nn::argmax(logits)},
                        {"class", names[static_cast<std::size_t>(nn::argmax(logits))]},
                        {"logits", logits},
                        {"probabilities", softmax(logits)}});
  }
}

}  // namespace

void add_decrypt_command(CLI::App& app) {
  auto options = std::make_shared<DecryptOptions>();
  auto* cmd = app.add_subcommand("decrypt", "client: decrypt a result and print the top classes");
  add_network_options(*cmd, options->network);
  cmd->add_option("--keys", options->keys, "key directory written by keygen")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--in", options->in, "encrypted result (infer's output)")->required();
  cmd->add_option("--data", options->data, "CIFAR directory with batches.meta.txt (class names)");
  cmd->add_option("--top", options->top, "classes to print")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--json", options->json, "write the logits and probabilities as JSON");
  cmd->callback([options] { run_decrypt(*options); });
}

}  // namespace fhecnn::tool

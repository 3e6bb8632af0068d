// `fhecnn encrypt` (client): one image, packed in the network's input layout and encrypted.
//   fhecnn encrypt --model M.onnx [network options] --keys DIR
//                  (--image FILE [--resize] | --cifar DIR --index I) --out CT [--public-key]
// The image is normalised as the models were trained (shared/models/README.md), divided by B,
// and encrypted under DIR/secret.key (or DIR/public.key with --public-key) at the top level.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "io/serialize.hpp"

namespace fhecnn::tool {
namespace {

struct EncryptOptions {
  NetworkOptions network;
  std::string keys;
  InputOptions input;
  std::string out;
  bool public_key = false;
};

void run_encrypt(const EncryptOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const rlwe::ParamsLiteral lit = preset_literal(o.network);
  check_input_options(o.input);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const KeyDir dir{o.keys};
  check_key_dir(dir, *params, plan_fingerprint(o.network, net, *params));
  const Input input = load_input(o.input, net);

  const ckks::Encoder encoder(params);
  rlwe::Ciphertext ct;
  if (o.public_key) {
    const rlwe::PublicKey pk = io::load_public_key(dir.public_key(), *params);
    ct = nn::encrypt_input(net, input.tensor, encoder, rlwe::Encryptor(params, pk));
  } else {
    const rlwe::SecretKey sk = io::load_secret_key(dir.secret_key(), *params);
    ct = nn::encrypt_input(net, input.tensor, encoder, rlwe::Encryptor(params, sk));
  }
  io::save_ciphertext(o.out, ct, *params);
  std::cout << "input        " << input.description;
  if (input.label) std::cout << ", label " << *input.label;
  std::cout << "\nciphertext   " << o.out << ": " << ct.slots << " slots, level "
            << ct.level().value << ", scale 2^" << ct.scale.log2() << ", "
            << format_bytes(static_cast<std::size_t>(std::filesystem::file_size(o.out)))
            << (o.public_key ? " (public-key encryption)" : " (secret-key encryption)") << "\n";
  std::printf("seconds      %.2f\n", seconds_since(start));
}

}  // namespace

void add_encrypt_command(CLI::App& app) {
  auto options = std::make_shared<EncryptOptions>();
  auto* cmd = app.add_subcommand("encrypt", "client: encrypt one image for a model");
  add_network_options(*cmd, options->network);
  cmd->add_option("--keys", options->keys, "key directory written by keygen")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_input_options(*cmd, options->input);
  cmd->add_option("--out", options->out, "ciphertext file to write")->required();
  cmd->add_flag("--public-key", options->public_key,
                "encrypt with DIR/public.key instead of the secret key");
  cmd->callback([options] { run_encrypt(*options); });
}

}  // namespace fhecnn::tool

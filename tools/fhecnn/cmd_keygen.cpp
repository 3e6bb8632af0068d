// `fhecnn keygen` (client): a fresh key set for one compiled network.
//   fhecnn keygen --model M.onnx [--preset boot_n16] [--alpha 13] [--relu-bound 40] --out DIR
// Writes DIR/secret.key (mode 0600, never leaves the client), DIR/public.key, and DIR/eval.keys:
// the evaluation bundle for the server (relinearisation and Galois keys each up to the level
// it is used at, encapsulation keys for bootstrapping), bound to the plan by its fingerprint.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "io/bundle.hpp"
#include "io/serialize.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::tool {
namespace {

struct KeygenOptions {
  NetworkOptions network;
  std::string out;
  bool force = false;
};

std::size_t file_bytes(const std::string& path) {
  return static_cast<std::size_t>(std::filesystem::file_size(path));
}

void prepare_dir(const KeygenOptions& o, const KeyDir& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.out, ec);
  require<FormatError>(!ec, "create key directory " + o.out, ec.message());
  require<FormatError>(fs::is_directory(o.out), "create key directory " + o.out,
                       "it exists and is not a directory");
  require(o.force || !fs::exists(dir.secret_key()), "generate keys", dir.secret_key(),
          " exists: replacing it loses every result encrypted under it "
          "(pass --force to replace the key set)");
}

void run_keygen(const KeygenOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const rlwe::ParamsLiteral lit = preset_literal(o.network);  // refuses insecure presets first
  const KeyDir dir{o.out};
  prepare_dir(o, dir);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const std::uint64_t plan = plan_fingerprint(o.network, net, *params);

  auto t = std::chrono::steady_clock::now();
  const Bootstrapping boot = build_bootstrapping(params, net);
  const nn::NetworkKeyPlan key_plan = nn::plan_network_keys(*params, boot.reqs, boot.boots);
  const double setup_s = seconds_since(t);

  t = std::chrono::steady_clock::now();
  rlwe::KeyGenerator kg(params);
  const rlwe::SecretKey sk = kg.gen_secret_key();
  std::fprintf(stderr, "generating %s...\n", describe_key_plan(key_plan, *params).c_str());
  const nn::NetworkKeys keys = nn::gen_network_keys(params, sk, boot.reqs, boot.boots);
  const double keygen_s = seconds_since(t);

  t = std::chrono::steady_clock::now();
  int next = 10;  // progress lines every 10%
  io::save_evaluation_bundle(
      dir.eval_keys(), plan, keys.eval, keys.encapsulation ? &*keys.encapsulation : nullptr,
      *params, {}, [&](double f) {
        const int pct = static_cast<int>(f * 100.0);
        if (pct < next) return;
        next = pct / 10 * 10 + 10;
        std::fprintf(stderr, "writing %s: %d%%\n", dir.eval_keys().c_str(), pct);
      });
  // The secret key last: a failed run leaves no secret key behind (nor a stale one with --force).
  io::save_public_key(dir.public_key(), kg.gen_public_key(sk), *params);
  io::save_secret_key(dir.secret_key(), sk, *params);
  const double write_s = seconds_since(t);

  std::cout << "model        " << o.network.model << "\nparameters   " << params->name()
            << ": N = 2^" << params->log_n().value << ", log QP " << params->security().log_qp
            << (params->security().secure_128 ? " (128-bit secure)" : " (NOT secure)")
            << "\nplan         " << io::format_fingerprint(plan) << "\nkeys         "
            << keys.galois_keys() << " Galois keys + relinearisation"
            << (keys.encapsulation ? " + encapsulation (hamming weight " +
                                         std::to_string(keys.encapsulation->hamming_weight) + ")"
                                   : "")
            << ", " << format_bytes(keys.bytes()) << " in memory\n"
            << "files        " << dir.secret_key() << " "
            << format_bytes(file_bytes(dir.secret_key())) << " (owner only)\n             "
            << dir.public_key() << " " << format_bytes(file_bytes(dir.public_key()))
            << "\n             " << dir.eval_keys() << " "
            << format_bytes(file_bytes(dir.eval_keys())) << " (for the server)\n";
  std::printf("seconds      %.1f (bootstrappers %.1f, key generation %.1f, writing %.1f)\n",
              seconds_since(start), setup_s, keygen_s, write_s);
  std::printf("peak memory  %s\n", format_bytes(peak_rss_bytes()).c_str());
}

}  // namespace

void add_keygen_command(CLI::App& app) {
  auto options = std::make_shared<KeygenOptions>();
  auto* cmd = app.add_subcommand(
      "keygen", "client: generate the secret key and the server's evaluation keys for a model");
  add_network_options(*cmd, options->network);
  cmd->add_option("--out", options->out, "key directory (secret.key, public.key, eval.keys)")
      ->required();
  cmd->add_flag("--force", options->force, "replace an existing key set in the directory");
  cmd->callback([options] { run_keygen(*options); });
}

}  // namespace fhecnn::tool

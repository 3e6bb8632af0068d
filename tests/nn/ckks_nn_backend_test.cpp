// The packed executor on CKKS ciphertexts (nn/ckks_nn_backend.hpp) against the slot simulator
// on the same plan, at boot_n16's chain shape on an insecure N = 2^12 ring (2048 slots):
// a network without bootstrap and a residual one with sparse bootstraps. Documented bound:
// max |encrypted - simulated logit| <= 1e-3 * (logit range + 1) (measured ~1e-8 without,
// ~1e-6 with a bootstrap), the same argmax; measured
// values are printed.
#include "nn/ckks_nn_backend.hpp"

#include <gtest/gtest.h>

#include "testing/relu_alpha13.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include "circuits/coeff_file.hpp"
#include "circuits/sign.hpp"
#include "ckks/presets.hpp"
#include "common/error.hpp"
#include "nn/evaluate.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::nn {
namespace {

using testing::alpha13;

rlwe::ParamsLiteral small_boot_shape() { return ckks::presets::insecure_boot_shape(12); }

std::vector<double> random_values(std::size_t n, std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

Conv2dSpec conv(int ci, int co, int stride, std::mt19937_64& rng) {
  return {ci, co, 3, 3, stride, 1,
          random_values(static_cast<std::size_t>(co * ci * 9), rng, -0.4, 0.4),
          random_values(static_cast<std::size_t>(co), rng, -0.1, 0.1)};
}

// input 2x8x8 -> conv 2->4 -> relu -> [residual: conv s2 4->8 + option-A shortcut -> relu]
// -> pool -> flatten -> linear (4 or 8) -> 3. Without the residual block no bootstrap is needed
// (conv 19 -> 17, scale fix 16, AppReLU -> 2, pool 1, linear 0); with it, one before the
// second AppReLU.
Graph small_net(bool residual, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Graph g;
  g.name = residual ? "small_residual" : "small_plain";
  ValueId v = g.add_input("input", Shape{2, 8, 8});
  v = g.add_node("conv0", conv(2, 4, 1, rng), {v}, "c0");
  v = g.add_node("relu0", ReluSpec{}, {v}, "r0");
  if (residual) {
    const ValueId c = g.add_node("conv1", conv(4, 8, 2, rng), {v}, "c1");
    const ValueId s = g.add_node("shortcut", DownsampleShortcutSpec{2, 2, 2}, {v}, "s");
    v = g.add_node("add", AddSpec{}, {c, s}, "a");
    v = g.add_node("relu1", ReluSpec{}, {v}, "r1");
  }
  v = g.add_node("pool", GlobalAvgPoolSpec{}, {v}, "p");
  v = g.add_node("flatten", FlattenSpec{}, {v}, "f");
  const int features = residual ? 8 : 4;
  g.output = g.add_node("fc", LinearSpec{features, 3, random_values(3 * features, rng, -1, 1),
                                         random_values(3, rng, -0.5, 0.5)},
                        {v}, "logits");
  return g;
}

Tensor random_image(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  return Tensor(Shape{2, 8, 8}, random_values(128, rng, -1, 1));
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Client state (secret key, encoder, encryptor, decryptor), shared by every test.
struct Client {
  rlwe::ParamsPtr params = rlwe::Params::create(small_boot_shape());
  rlwe::SecretKey sk;
  rlwe::PublicKey pk;  // the encryptor keeps a pointer to it
  std::unique_ptr<ckks::Encoder> encoder;
  std::unique_ptr<rlwe::Encryptor> encryptor;
  std::unique_ptr<rlwe::Decryptor> decryptor;

  Client() {
    rlwe::KeyGenerator kg(params);
    sk = kg.gen_secret_key();
    pk = kg.gen_public_key(sk);
    encoder = std::make_unique<ckks::Encoder>(params);
    encryptor = std::make_unique<rlwe::Encryptor>(params, pk);
    decryptor = std::make_unique<rlwe::Decryptor>(params, sk);
  }
  static const Client& get() {
    static const Client c;
    return c;
  }
};

PackedOptions options_for(const Client& c, double bound) {
  PackedOptions o = packed_options(small_boot_shape());
  o.slots = c.params->max_slots();
  o.relu_bound = bound;
  o.relu_chain = alpha13().relu_chain();
  return o;
}

// One network compiled, its keys generated, the server backend built.
struct Deployment {
  Graph graph;
  std::unique_ptr<PackedNetwork> net;
  NetworkKeyRequirements reqs;
  Bootstrappers boots;
  NetworkKeys keys;
  std::unique_ptr<ckks::Evaluator> eval;  // server: evaluation keys only
  std::unique_ptr<CkksNnBackend> backend;

  Deployment(bool residual, double bound) : graph(small_net(residual, 7)) {
    const Client& c = Client::get();
    const auto t = std::chrono::steady_clock::now();
    net = std::make_unique<PackedNetwork>(graph, options_for(c, bound));
    reqs = network_key_requirements(*net);
    boots = make_bootstrappers(c.params, reqs.bootstrap_slots);
    keys = gen_network_keys(c.params, c.sk, reqs, boots);
    eval = std::make_unique<ckks::Evaluator>(c.params, &keys.eval);
    backend = std::make_unique<CkksNnBackend>(
        *eval, keys.encapsulation ? &*keys.encapsulation : nullptr, boots);
    std::cout << graph.name << ": " << keys.galois_keys() << " Galois keys, "
              << keys.bytes() / 1e6 << " MB of keys, bootstrap periods:";
    for (std::size_t n : reqs.bootstrap_slots) std::cout << ' ' << n;
    std::cout << ", setup " << seconds_since(t) << " s\n";
  }

  // Encrypted and simulated logits of one image; checks the documented bound.
  void check_image(const Tensor& image) {
    const Client& c = Client::get();
    const SimulationResult sim = simulate_packed(*net, image);
    const auto t = std::chrono::steady_clock::now();
    const rlwe::Ciphertext in = encrypt_input(*net, image, *c.encoder, *c.encryptor);
    const rlwe::Ciphertext out = run_encrypted(*net, *backend, in);
    const std::vector<double> got = decrypt_logits(*net, out, *c.encoder, *c.decryptor);
    ASSERT_EQ(got.size(), sim.logits.size());
    const auto [lo, hi] = std::minmax_element(sim.logits.begin(), sim.logits.end());
    double diff = 0.0;
    for (std::size_t k = 0; k < got.size(); ++k) diff = std::max(diff, std::abs(got[k] - sim.logits[k]));
    std::cout << graph.name << ": encrypted run " << seconds_since(t) << " s, "
              << backend->bootstraps() << " bootstraps so far, max |enc - sim| = " << diff
              << " (logit range " << *hi - *lo << ")\n";
    EXPECT_LE(diff, 1e-3 * (*hi - *lo + 1.0));
    EXPECT_EQ(argmax(got), argmax(sim.logits));
  }
};

TEST(CkksNnBackend, NetworkWithoutBootstrapMatchesTheSimulator) {
  Deployment d(false, 4.0);
  EXPECT_TRUE(d.reqs.bootstrap_slots.empty());
  EXPECT_FALSE(d.keys.encapsulation.has_value());
  // Rotation keys reach only the levels they are used at: the conv at the input level 19,
  // the pooling and linear layer lower.
  ASSERT_FALSE(d.reqs.rotations.empty());
  for (const auto& [step, level] : d.reqs.rotations) EXPECT_LE(level.value, 19) << step;
  for (const auto& [g, key] : d.keys.eval.galois_keys()) EXPECT_LE(key.max_level.value, 19) << g;
  d.check_image(random_image(1));
  EXPECT_EQ(d.backend->bootstraps(), 0);
}

TEST(CkksNnBackend, ResidualNetworkWithBootstrapMatchesTheSimulator) {
  Deployment d(true, 4.0);
  ASSERT_EQ(d.reqs.bootstrap_slots.size(), 1u);
  EXPECT_LT(*d.reqs.bootstrap_slots.begin(), d.net->options().slots);  // a sparse bootstrap
  ASSERT_TRUE(d.keys.encapsulation.has_value());
  EXPECT_EQ(d.backend->bootstrap_level(), d.net->options().bootstrap_level);
  d.check_image(random_image(2));
  EXPECT_EQ(d.backend->bootstraps(), 1);
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(CkksNnBackend, RejectsUnsupportedInputs) {
  const Client& c = Client::get();
  ckks::Evaluator eval(c.params);
  CkksNnBackend none(eval, nullptr, {});
  const rlwe::Ciphertext x = c.encryptor->encrypt(c.encoder->encode(
      std::vector<double>(8, 0.5), Level{3}, c.params->default_scale(), c.params->max_slots()));
  std::string e = error_of([&] { none.bootstrap_periodic(x, 3); });
  EXPECT_NE(e.find("cannot bootstrap: period 3 is not a power of two"), std::string::npos) << e;
  e = error_of([&] { none.bootstrap_periodic(x, 2 * x.slots); });
  EXPECT_NE(e.find("cannot bootstrap: period"), std::string::npos) << e;
  e = error_of([&] { none.bootstrap(x); });
  EXPECT_NE(e.find("cannot bootstrap: no bootstrapper for 2048 slots (built for: none)"),
            std::string::npos)
      << e;
  e = error_of([&] { none.add_plain(x, std::vector<circuits::Complex>(x.slots + 1)); });
  EXPECT_NE(e.find("cannot add plaintext"), std::string::npos) << e;
  e = error_of([&] { CkksNnBackend bad(eval, nullptr, make_bootstrappers(c.params, {256})); });
  EXPECT_NE(e.find("without encapsulation keys"), std::string::npos) << e;
}

TEST(CkksNnBackend, NetworkNeedingABootstrapFailsOnABackendWithoutOne) {
  const Client& c = Client::get();
  const Graph g = small_net(true, 7);
  const PackedNetwork net(g, options_for(c, 4.0));
  NetworkKeyRequirements reqs = network_key_requirements(net);
  const std::string e = error_of([&] { gen_network_keys(c.params, c.sk, reqs, {}); });
  EXPECT_NE(e.find("cannot generate network keys: the network bootstraps at"), std::string::npos)
      << e;
  reqs.bootstrap_slots.clear();  // keys for the rotations only
  NetworkKeys keys = gen_network_keys(c.params, c.sk, reqs, {});
  ckks::Evaluator eval(c.params, &keys.eval);
  CkksNnBackend b(eval, nullptr, {});
  const rlwe::Ciphertext in = encrypt_input(net, random_image(3), *c.encoder, *c.encryptor);
  const std::string run = error_of([&] { run_encrypted(net, b, in); });
  EXPECT_NE(run.find("cannot run node relu1"), std::string::npos) << run;
}

}  // namespace
}  // namespace fhecnn::nn

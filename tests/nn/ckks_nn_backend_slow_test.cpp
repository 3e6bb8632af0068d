// Slow: the paper's ResNet-20 encrypted end to end at the 128-bit preset boot_n16 (N = 2^16):
// keys from the plan, CIFAR-10 test image 0 encrypted, run on the server backend (evaluation
// keys only), decrypted; compared with the slot simulator on the same plan and with the float
// model. Needs about 18 GB of RAM and several minutes on 2 cores (18 bootstraps).
// The same pipeline measured through bench/report_resnet (2026-11-24, image 0): max |encrypted -
// simulated logit| 3e-4, |encrypted - float| 0.061, argmax equal to both. Bounds: |enc - sim| <= 0.01 and the same argmax as the simulator and
// the float model. Skipped when shared/ is absent.
#include <gtest/gtest.h>

#include "testing/relu_alpha13.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "circuits/coeff_file.hpp"
#include "ckks/presets.hpp"
#include "nn/ckks_nn_backend.hpp"
#include "nn/float_executor.hpp"
#include "nn/passes.hpp"
#include "nn/shared_models.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::nn {
namespace {

TEST(CkksNnBackendSlow, PaperResNet20MatchesTheSimulatorAndTheFloatModel) {
  FHECNN_SKIP_IF_ABSENT(testing::shared_model("paper-resnet20-cifar10"));
  FHECNN_SKIP_IF_ABSENT(testing::shared_test_batch());
  Graph g = testing::shared_graph("paper-resnet20-cifar10");
  fold_batch_norm(g);
  fuse_downsample_shortcuts(g);
  const rlwe::ParamsLiteral lit = ckks::presets::boot_n16();
  PackedOptions o = packed_options(lit);
  o.relu_chain = testing::alpha13().relu_chain();
  const PackedNetwork net(g, o);

  const auto params = rlwe::Params::create(lit);
  ASSERT_TRUE(params->security().secure_128);
  const NetworkKeyRequirements reqs = network_key_requirements(net);
  const Bootstrappers boots = make_bootstrappers(params, reqs.bootstrap_slots);
  rlwe::KeyGenerator kg(params);
  const rlwe::SecretKey sk = kg.gen_secret_key();
  const rlwe::PublicKey pk = kg.gen_public_key(sk);
  const NetworkKeys keys = gen_network_keys(params, sk, reqs, boots);
  std::cout << keys.galois_keys() << " Galois keys, " << keys.bytes() / 1e9 << " GB\n";
  EXPECT_EQ(keys.bytes() - keys.encapsulation->to_sparse.bytes() -
                keys.encapsulation->to_dense.bytes(),
            plan_network_keys(*params, reqs, boots).bytes(*params));

  const ckks::Encoder encoder(params);
  const rlwe::Encryptor encryptor(params, pk);
  const rlwe::Decryptor decryptor(params, sk);
  const ckks::Evaluator server(params, &keys.eval);  // evaluation keys only
  CkksNnBackend backend(server, &*keys.encapsulation, boots);

  const Tensor image = testing::shared_image_tensor(0);
  const SimulationResult sim = simulate_packed(net, image);
  const std::vector<double> flt = FloatExecutor(g).run(image).values;
  const rlwe::Ciphertext out =
      run_encrypted(net, backend, encrypt_input(net, image, encoder, encryptor));
  const std::vector<double> got = decrypt_logits(net, out, encoder, decryptor);
  ASSERT_EQ(got.size(), sim.logits.size());
  double d_sim = 0.0, d_float = 0.0;
  for (std::size_t k = 0; k < got.size(); ++k) {
    d_sim = std::max(d_sim, std::abs(got[k] - sim.logits[k]));
    d_float = std::max(d_float, std::abs(got[k] - flt[k]));
  }
  std::cout << "bootstraps " << backend.bootstraps() << ", max |enc - sim| " << d_sim
            << ", max |enc - float| " << d_float << "\n";
  EXPECT_EQ(backend.bootstraps(), 18);
  EXPECT_LE(d_sim, 0.01);
  EXPECT_EQ(argmax(got), argmax(sim.logits));
  EXPECT_EQ(argmax(got), argmax(flt));
}

}  // namespace
}  // namespace fhecnn::nn

// The packed executor on real CKKS ciphertexts (issue 6): CkksNnBackend, the server's backend
// (circuits::CkksBackend plus plaintext-vector addition and sparse bootstrapping), the key set a
// compiled network needs (generated on the client), and the client/server split of one
// encrypted inference. The plan is the slot simulator's (simulate_packed): same layouts, same
// level schedule, same AppReLU; the encrypted logits match the simulated ones up to CKKS noise
// (tests/nn/ckks_nn_backend_test.cpp).
//
// Bootstrapping: packed::bootstrap calls bootstrap_periodic(x, layout.block_slots()); every
// block holds the same replica, so the full-slot message is periodic with that period and is
// exactly the encoding of a block_slots()-sparse message: the ciphertext is re-labelled to that
// many slots, bootstrapped by the circuits::Bootstrapper built for that slot count, and labelled
// back. One bootstrapper per period the network uses (network_bootstrap_slots).
//
// Flow:
//   client: reqs = network_key_requirements(net); boots = make_bootstrappers(params, reqs...);
//           keys = gen_network_keys(params, sk, reqs, boots); ct = encrypt_input(net, image, ...)
//   server: CkksNnBackend b(eval over keys.eval, keys.encapsulation, boots);
//           out = run_encrypted(net, b, ct)
//   client: logits = decrypt_logits(net, out, ...)
// The server holds EvaluationKeys and EncapsulationKeys only, never the secret key.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "circuits/boot.hpp"
#include "circuits/ckks_backend.hpp"
#include "ckks/encoder.hpp"
#include "ckks/evaluator.hpp"
#include "ckks/modraise.hpp"
#include "nn/backend_ext.hpp"
#include "nn/packed_executor.hpp"
#include "rlwe/encryptor.hpp"
#include "rlwe/keys.hpp"

namespace fhecnn::nn {

// One bootstrapper per message slot count (the periods the network bootstraps at).
using Bootstrappers = std::map<std::size_t, std::shared_ptr<const circuits::Bootstrapper>>;

// A Bootstrapper for every slot count in `slots`, each with `base` but its slots field.
// Cost: one EvalMod Remez run and two DFT plans each (about a second at N = 2^12).
// Throws what Bootstrapper's constructor throws.
Bootstrappers make_bootstrappers(const rlwe::ParamsPtr& params, const std::set<std::size_t>& slots,
                                 const circuits::BootstrapConfig& base = {});

class CkksNnBackend {
 public:
  using Value = rlwe::Ciphertext;
  using Complex = circuits::Complex;

  // eval's keys must hold the relinearisation key and the Galois keys of the network's and the
  // bootstrappers' rotations (gen_network_keys); enc may be null when `boots` is empty. All
  // bootstrappers must land on the same level and scale. Throws InvalidArgument
  // "cannot build CKKS network backend: ..." otherwise. eval, enc and the bootstrappers must
  // outlive the backend.
  CkksNnBackend(const ckks::Evaluator& eval, const ckks::EncapsulationKeys* enc,
                Bootstrappers boots);

  // circuits::Backend, HoistingBackend, FusedMulConstBackend: forwarded to circuits::CkksBackend
  // (its preconditions, costs and exceptions).
  Value add(const Value& x, const Value& y) { return inner_.add(x, y); }
  Value sub(const Value& x, const Value& y) { return inner_.sub(x, y); }
  Value add_const(const Value& x, Complex c) { return inner_.add_const(x, c); }
  Value mul_const(const Value& x, Complex c, Scale s) { return inner_.mul_const(x, c, s); }
  Value mul_plain(const Value& x, const std::vector<Complex>& v, Scale s) {
    return inner_.mul_plain(x, v, s);
  }
  Value mul(const Value& x, const Value& y) { return inner_.mul(x, y); }
  Value rescale(const Value& x) { return inner_.rescale(x); }
  Value drop_to_level(const Value& x, Level l) { return inner_.drop_to_level(x, l); }
  Value rotate(const Value& x, RotationStep k) { return inner_.rotate(x, k); }
  Value conjugate(const Value& x) { return inner_.conjugate(x); }
  void mul_const_then_add(Value& acc, const Value& x, Complex c, Scale s) {
    inner_.mul_const_then_add(acc, x, c, s);
  }
  std::vector<Value> rotate_hoisted(const Value& x, const std::vector<RotationStep>& steps) {
    return inner_.rotate_hoisted(x, steps);
  }
  Level level(const Value& x) const { return x.level(); }
  Scale scale(const Value& x) const { return x.scale; }
  double prime(Level l) const { return inner_.prime(l); }

  // PlainAddingBackend: x + v, v encoded on x's slots at x's level and scale; level and scale
  // unchanged, no key switch. Throws InvalidArgument "cannot add plaintext: ..." when v has
  // more entries than x has slots, or (from the encoder) values too large for the scale.
  Value add_plain(const Value& x, const std::vector<Complex>& v);

  // BootstrappingBackend. bootstrap(x) = bootstrap_periodic(x, x.slots) (a full bootstrap).
  // bootstrap_periodic(x, period): x at any level (dropped to 0), relinearised, its message
  // real, periodic with `period` and max |m| <= 1 (not checkable here: a larger message
  // decrypts to garbage); output at bootstrap_level() with exactly bootstrap_scale(), x.slots
  // slots. Cost: one Bootstrapper::bootstrap (Bootstrapper::key_switches() key switches).
  // Throws InvalidArgument "cannot bootstrap: ..." when period is not a power of two dividing
  // x.slots or no bootstrapper was built for it (naming the ones there are).
  Value bootstrap(const Value& x) { return bootstrap_periodic(x, x.slots); }
  Value bootstrap_periodic(const Value& x, std::size_t period);
  // The bootstrappers' output level and scale; Level{0} and the parameters' default scale
  // when there are none (a network that needs a bootstrap then fails naming the layer).
  Level bootstrap_level() const { return level_; }
  Scale bootstrap_scale() const { return scale_; }

  bool can_bootstrap() const { return !boots_.empty(); }
  long bootstraps() const { return bootstraps_; }  // bootstraps run so far
  const ckks::Evaluator& evaluator() const { return inner_.evaluator(); }

 private:
  circuits::CkksBackend inner_;
  const ckks::EncapsulationKeys* enc_;
  Bootstrappers boots_;
  Level level_{0};
  Scale scale_;
  long bootstraps_ = 0;
};

static_assert(circuits::HoistingBackend<CkksNnBackend>);
static_assert(circuits::FusedMulConstBackend<CkksNnBackend>);
static_assert(PlainAddingBackend<CkksNnBackend>);
static_assert(PeriodicBootstrappingBackend<CkksNnBackend>);

// What a compiled network needs from the key set, read off one simulated run (on a zero image;
// the operations do not depend on the data).
struct NetworkKeyRequirements {
  std::size_t slots = 0;                  // the network's slot count (rotations are on these)
  std::map<int, Level> rotations;         // step -> highest level it is used at
  bool conjugation = false;               // the network itself conjugates
  std::set<std::size_t> bootstrap_slots;  // periods bootstrapped at (layout block_slots())
};

// Simulates net once and collects its rotations (with levels) and bootstrap periods.
// Throws what simulate_packed throws.
NetworkKeyRequirements network_key_requirements(const PackedNetwork& net);

// Every switching key a deployment needs and the level it is generated up to.
struct NetworkKeyPlan {
  std::map<std::uint64_t, Level> galois;  // Galois element -> highest level it is used at
  Level relin;                            // the top level (the bootstrappers' EvalMod)
  std::optional<Level> conjugation;       // when the network or a bootstrapper conjugates
  int encapsulation_hamming_weight = 0;   // 0: no encapsulation keys (no bootstrapper)
  // Bytes of the relinearisation, Galois and conjugation keys (Params::switching_key_bytes, half
  // of it for compressed Galois keys); the encapsulation keys (two small keys) are not included.
  std::size_t bytes(const rlwe::Params& params, bool compressed = true) const;
};

// The merged key plan of the network's rotations and the bootstrappers' key plans. Throws
// InvalidArgument "cannot generate network keys: ..." when a bootstrap period of reqs has no
// bootstrapper in `boots` or reqs.slots is not a valid slot count.
NetworkKeyPlan plan_network_keys(const rlwe::Params& params, const NetworkKeyRequirements& reqs,
                                 const Bootstrappers& boots);

struct NetworkKeys {
  rlwe::EvaluationKeys eval;                            // relinearisation + Galois keys
  std::optional<ckks::EncapsulationKeys> encapsulation;  // when there are bootstrappers
  std::size_t galois_keys() const { return eval.galois_keys().size(); }
  // In-memory size of every switching key (evaluation + encapsulation).
  std::size_t bytes() const;
};

// Client side: the relinearisation key (top level: the bootstrappers' EvalMod needs it there),
// one Galois key per Galois element of the network's rotations and the bootstrappers' key
// plans, each generated only up to the highest level it is used at, the conjugation key, and
// the encapsulation keys (hamming weight of the first bootstrapper) when `boots` is not empty.
// Throws InvalidArgument "cannot generate network keys: ..." when a bootstrap period of reqs has
// no bootstrapper in `boots` or reqs.slots is not a valid slot count.
// compressed: every Galois key drops its uniform a_j (rlwe::SwitchingKey::compress): half the
// memory, a_j re-expanded from the key's seed at each use (up to ~10 % slower key switching);
// the relinearisation key is kept expanded (one key, used by every product).
NetworkKeys gen_network_keys(const rlwe::ParamsPtr& params, const rlwe::SecretKey& sk,
                             const NetworkKeyRequirements& reqs, const Bootstrappers& boots,
                             bool compressed = true);

// Client side: the image packed in net.input_layout() (times 1/B), encrypted at input_level
// with input_scale on net.options().slots slots. Throws on a shape mismatch or (encoder) an
// options/parameter mismatch.
rlwe::Ciphertext encrypt_input(const PackedNetwork& net, const Tensor& image,
                               const ckks::Encoder& encoder, const rlwe::Encryptor& encryptor);

// Server side: run_packed on the ciphertext (dropped to input_level first when above it).
// Throws InvalidArgument "cannot run encrypted network: ..." when the input's slot count differs
// from the network's or the backend (when it can bootstrap) lands on another level or scale than
// the network options' bootstrap_level and network_scale, and what run_packed throws (naming the node).
// `obs`, when given, sees every step (run_packed's observer: per-layer progress and timing).
rlwe::Ciphertext run_encrypted(const PackedNetwork& net, CkksNnBackend& b,
                               const rlwe::Ciphertext& input, PackedObserver* obs = nullptr);

// Client side: the logits (true units) of run_encrypted's output.
std::vector<double> decrypt_logits(const PackedNetwork& net, const rlwe::Ciphertext& output,
                                   const ckks::Encoder& encoder, const rlwe::Decryptor& decryptor);

}  // namespace fhecnn::nn

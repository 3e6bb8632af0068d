#include "nn/ckks_nn_backend.hpp"

#include <cmath>
#include <sstream>
#include <string>

#include "common/error.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::nn {
namespace {

std::string slot_counts(const Bootstrappers& boots) {
  std::ostringstream os;
  for (const auto& [n, b] : boots) os << (os.tellp() > 0 ? ", " : "") << n;
  return boots.empty() ? std::string("none") : os.str();
}

bool power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// The input layout of step i: the layout of the value its first input reads.
const Layout& input_layout(const PackedNetwork& net, std::size_t i) {
  const ValueId v = net.steps()[i].inputs.at(0);
  if (v == net.graph().input) return net.input_layout();
  for (std::size_t p = 0; p < i; ++p) {
    if (net.steps()[p].output == v) return net.steps()[p].layout;
  }
  fail("collect network keys", "step ", i, " reads value ", v, " that no earlier step writes");
}

// Galois element -> highest level it is needed at, merging the network's and the
// bootstrappers' rotations.
std::map<std::uint64_t, Level> galois_needs(const rlwe::Params& params,
                                            const NetworkKeyRequirements& reqs,
                                            const Bootstrappers& boots) {
  std::map<std::uint64_t, Level> need;
  const auto add = [&](int step, std::size_t slots, Level level) {
    const GaloisElement g = params.rotation_element(RotationStep{step}, slots);
    if (g.value == 1) return;
    auto [it, fresh] = need.emplace(g.value, level);
    if (!fresh && it->second < level) it->second = level;
  };
  for (const auto& [step, level] : reqs.rotations) add(step, reqs.slots, level);
  for (const auto& [n, boot] : boots) {
    for (const auto& r : boot->key_plan().rotations) add(r.step, r.slots, r.level);
  }
  return need;
}

}  // namespace

Bootstrappers make_bootstrappers(const rlwe::ParamsPtr& params, const std::set<std::size_t>& slots,
                                 const circuits::BootstrapConfig& base) {
  Bootstrappers out;
  for (std::size_t n : slots) {
    circuits::BootstrapConfig cfg = base;
    cfg.slots = n;
    out.emplace(n, std::make_shared<const circuits::Bootstrapper>(params, cfg));
  }
  return out;
}

CkksNnBackend::CkksNnBackend(const ckks::Evaluator& eval, const ckks::EncapsulationKeys* enc,
                             Bootstrappers boots)
    : inner_(eval), enc_(enc), boots_(std::move(boots)), scale_(eval.params().default_scale()) {
  constexpr const char* what = "build CKKS network backend";
  require(boots_.empty() || enc_ != nullptr, what, "bootstrappers given without encapsulation keys");
  bool first = true;
  for (const auto& [n, boot] : boots_) {
    require(boot != nullptr && boot->config().slots == n, what, "the bootstrapper for ", n,
            " slots is missing or built for another slot count");
    const double s = boot->config().output_scale.value > 0 ? boot->config().output_scale.value
                                                           : eval.params().default_scale().value;
    if (first) {
      level_ = boot->output_level();
      scale_ = Scale{s};
      first = false;
    }
    require(boot->output_level() == level_ && s == scale_.value, what, "the bootstrapper for ", n,
            " slots lands on level ", boot->output_level().value, " scale 2^", std::log2(s),
            " but another on level ", level_.value, " scale 2^", scale_.log2());
  }
}

CkksNnBackend::Value CkksNnBackend::add_plain(const Value& x, const std::vector<Complex>& v) {
  require(v.size() <= x.slots, "add plaintext", "the vector has ", v.size(),
          " entries but the ciphertext ", x.slots, " slots");
  const ckks::Evaluator& eval = inner_.evaluator();
  Value r = x;
  eval.add_plain_inplace(r, eval.encoder().encode(v, x.level(), x.scale, x.slots));
  return r;
}

CkksNnBackend::Value CkksNnBackend::bootstrap_periodic(const Value& x, std::size_t period) {
  constexpr const char* what = "bootstrap";
  require(power_of_two(period) && period <= x.slots && x.slots % period == 0, what, "period ",
          period, " is not a power of two dividing the ", x.slots, " slots");
  const auto it = boots_.find(period);
  require(it != boots_.end(), what, "no bootstrapper for ", period,
          " slots (built for: ", slot_counts(boots_), ")");
  Value sparse = x;
  sparse.slots = period;  // a period-periodic message is the encoding of a period-sparse one
  Value y = it->second->bootstrap(inner_.evaluator(), *enc_, sparse);
  y.slots = x.slots;
  ++bootstraps_;
  return y;
}

NetworkKeyRequirements network_key_requirements(const PackedNetwork& net) {
  const SimulationResult sim = simulate_packed(net, Tensor(net.input_layout().shape()));
  NetworkKeyRequirements r;
  r.slots = net.options().slots;
  r.rotations = sim.rotation_levels;
  r.conjugation = sim.total.conjugations > 0;
  for (std::size_t i = 0; i < sim.layers.size(); ++i) {
    if (sim.layers[i].counts.bootstraps > 0) {
      r.bootstrap_slots.insert(input_layout(net, i).block_slots());
    }
  }
  return r;
}

std::size_t NetworkKeys::bytes() const {
  std::size_t b = eval.bytes();
  if (encapsulation) b += encapsulation->to_sparse.bytes() + encapsulation->to_dense.bytes();
  return b;
}

NetworkKeyPlan plan_network_keys(const rlwe::Params& params, const NetworkKeyRequirements& reqs,
                                 const Bootstrappers& boots) {
  constexpr const char* what = "generate network keys";
  require(power_of_two(reqs.slots) && reqs.slots <= params.max_slots(), what, "slot count ",
          reqs.slots, " is not a power of two in [1, ", params.max_slots(), "]");
  for (std::size_t n : reqs.bootstrap_slots) {
    require(boots.count(n) > 0, what, "the network bootstraps at ", n,
            " slots but no bootstrapper was given for it (given: ", slot_counts(boots), ")");
  }
  NetworkKeyPlan plan;
  plan.galois = galois_needs(params, reqs, boots);
  plan.relin = params.max_level();
  if (reqs.conjugation) plan.conjugation = params.max_level();
  for (const auto& [n, boot] : boots) {
    const Level l = boot->key_plan().conjugation_level;
    if (!plan.conjugation || *plan.conjugation < l) plan.conjugation = l;
  }
  if (!boots.empty()) {
    plan.encapsulation_hamming_weight = boots.begin()->second->key_plan().hamming_weight;
  }
  return plan;
}

std::size_t NetworkKeyPlan::bytes(const rlwe::Params& params, bool compressed) const {
  std::size_t b = 0;
  for (const auto& [g, level] : galois) b += params.switching_key_bytes(level);
  if (conjugation) b += params.switching_key_bytes(*conjugation);
  return params.switching_key_bytes(relin) + (compressed ? b / 2 : b);
}

NetworkKeys gen_network_keys(const rlwe::ParamsPtr& params, const rlwe::SecretKey& sk,
                             const NetworkKeyRequirements& reqs, const Bootstrappers& boots,
                             bool compressed) {
  const NetworkKeyPlan plan = plan_network_keys(*params, reqs, boots);
  rlwe::KeyGenerator kg(params);
  NetworkKeys keys;
  const auto stored = [&](rlwe::SwitchingKey k) {
    if (compressed) k.compress();
    return k;
  };
  // The relinearisation key stays expanded: it serves every AppReLU and EvalMod product (dozens
  // per layer) and is one key.
  keys.eval.set_relin_key(kg.gen_relin_key(sk, plan.relin));
  for (const auto& [g, level] : plan.galois) {
    keys.eval.add_galois_key(GaloisElement{g},
                             stored(kg.gen_galois_key(sk, GaloisElement{g}, level)));
  }
  if (plan.conjugation) {
    keys.eval.add_galois_key(params->conjugation_element(),
                             stored(kg.gen_galois_key(sk, params->conjugation_element(),
                                                      *plan.conjugation)));
  }
  if (plan.encapsulation_hamming_weight > 0) {
    keys.encapsulation =
        ckks::gen_encapsulation_keys(params, sk, plan.encapsulation_hamming_weight);
  }
  return keys;
}

rlwe::Ciphertext encrypt_input(const PackedNetwork& net, const Tensor& image,
                               const ckks::Encoder& encoder, const rlwe::Encryptor& encryptor) {
  const PackedOptions& o = net.options();
  const SlotVector v = net.pack_input(image);
  return encryptor.encrypt(encoder.encode(v, o.input_level, o.input_scale, o.slots));
}

rlwe::Ciphertext run_encrypted(const PackedNetwork& net, CkksNnBackend& b,
                               const rlwe::Ciphertext& input, PackedObserver* obs) {
  constexpr const char* what = "run encrypted network";
  const PackedOptions& o = net.options();
  require(input.slots == o.slots, what, "the input has ", input.slots, " slots, the network ",
          o.slots);
  if (b.can_bootstrap()) {
    const double ds = std::abs(b.bootstrap_scale().value - o.network_scale.value);
    require(b.bootstrap_level() == o.bootstrap_level && ds <= 1e-9 * o.network_scale.value, what,
            "the backend bootstraps to level ", b.bootstrap_level().value, " scale 2^",
            b.bootstrap_scale().log2(), " but the network expects level ", o.bootstrap_level.value,
            " scale 2^", o.network_scale.log2());
  }
  rlwe::Ciphertext x = input;
  if (x.level() > o.input_level) x = b.drop_to_level(x, o.input_level);
  return run_packed(b, net, x, obs).value;
}

std::vector<double> decrypt_logits(const PackedNetwork& net, const rlwe::Ciphertext& output,
                                   const ckks::Encoder& encoder, const rlwe::Decryptor& decryptor) {
  return net.decode_output(encoder.decode(decryptor.decrypt(output)));
}

}  // namespace fhecnn::nn

#include "circuits/boot.hpp"

#include <algorithm>
#include <bit>

#include <chrono>
#include <cmath>
#include <map>
#include <numbers>

#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

bool is_power_of_two(std::size_t v) { return v != 0 && (v & (v - 1)) == 0; }

int evalmod_levels(const EvalModSpec& s) { return chebyshev_depth(s.degree) + s.double_angles; }

// Runs f, adds its wall time to `seconds`, returns its result.
template <typename F>
auto timed(double& seconds, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = f();
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

rlwe::Ciphertext with_slots(rlwe::Ciphertext c, std::size_t slots) {
  c.slots = slots;
  return c;
}

// CoeffToSlot group sizes (application order, widest strides first) that share rotation keys
// across slot counts: every factor but the first takes 4 butterfly layers (strides 2^(4i)
// .. 2^(4i+3), the same matrices and BSGS splits for every n), the first one the rest. With
// 3 levels: 2^12 -> (4, 4, 4), 2^13 -> (5, 4, 4), 2^14 -> (6, 4, 4). SlotToCoeff uses the
// reverse. Empty (the cost-optimal choice) when the first group would not be larger than the
// others' 4 layers (small n) or larger than 7.
std::vector<int> shared_group_sizes(std::size_t slots, int levels) {
  const int log_n = static_cast<int>(std::countr_zero(slots));
  const int first = log_n - 4 * (levels - 1);
  if (levels < 2 || first < 4 || first > 7) return {};
  std::vector<int> g(static_cast<std::size_t>(levels), 4);
  g[0] = first;
  return g;
}

}  // namespace

Bootstrapper::Bootstrapper(rlwe::ParamsPtr params, const BootstrapConfig& config)
    : params_(std::move(params)), config_(config) {
  const std::string what = "build bootstrapper";
  const std::size_t half = params_->max_slots();
  require(is_power_of_two(config_.slots) && config_.slots >= 2 && config_.slots <= half, what,
          "slots = ", config_.slots, " is not a power of two in [2, ", half, "]");
  if (config_.output_scale.value <= 0) config_.output_scale = params_->default_scale();
  sparse_ = config_.slots < half;
  const int used = config_.cts_levels + evalmod_levels(config_.evalmod) + config_.stc_levels;
  output_level_ = Level{params_->max_level().value - used};
  require(output_level_.value >= 1, what, "the chain has ", params_->max_level().value,
          " levels above q_0 but bootstrapping uses ", used);
  const DftLayout layout = sparse_ ? DftLayout::real_packed : DftLayout::complex_slots;
  const double n = static_cast<double>(config_.slots);
  const double sub_sum_gain = static_cast<double>(half) / n;
  const double K = config_.evalmod.K;
  const double q0 = static_cast<double>(params_->q_primes()[0]);
  // After ModRaise the scale is declared boot_scale (the top prime, ~ the EvalMod primes), so
  // the slots hold t / boot_scale with t = q_0 (I + f). (x + conj x) doubles and SubSum
  // multiplies by gain: CoeffToSlot scales by boot_scale / (2 K gain q_0) so that EvalMod sees
  // (I + f) / K.
  boot_scale_ = params_->q_prime(params_->max_level());
  DftOptions cts_opt;
  cts_opt.levels = config_.cts_levels;
  cts_opt.group_sizes = shared_group_sizes(config_.slots, config_.cts_levels);
  cts_opt.scalar = Complex(boot_scale_ / (2.0 * K * sub_sum_gain * q0), 0.0);
  cts_ = make_coeff_to_slot(config_.slots, layout, cts_opt);
  // sin(2 pi f) ~ 2 pi f with f = scale_in m / q_0: SlotToCoeff multiplies by q_0 / (2 pi
  // scale_nominal) (the per-call ratio goes into EvalMod's target scale), and by 1/2 when
  // x + conj(x) follows.
  DftOptions stc_opt;
  stc_opt.levels = config_.stc_levels;
  stc_opt.group_sizes = shared_group_sizes(config_.slots, config_.stc_levels);
  std::reverse(stc_opt.group_sizes.begin(), stc_opt.group_sizes.end());
  const double half_factor = config_.remove_imaginary ? 0.5 : 1.0;
  stc_opt.scalar = Complex(half_factor * q0 / (2.0 * std::numbers::pi * config_.output_scale.value), 0.0);
  stc_ = make_slot_to_coeff(config_.slots, layout, stc_opt);
  evalmod_ = evalmod_poly(config_.evalmod);
}

BootstrapKeyPlan Bootstrapper::key_plan() const {
  BootstrapKeyPlan plan;
  plan.hamming_weight = config_.hamming_weight;
  const Level top = params_->max_level();
  const Level stc_level{output_level_.value + config_.stc_levels};
  const std::size_t half = params_->max_slots();
  for (std::size_t s = config_.slots; sparse_ && s < half; s *= 2) {
    plan.rotations.push_back({static_cast<int>(s), half, top});
  }
  // Each DFT factor consumes one level: factor i runs at (first level) - i, so its keys stop there.
  for (std::size_t i = 0; i < cts_.factors.size(); ++i) {
    const Level l{top.value - static_cast<int>(i)};
    for (const auto& r : rotation_steps(cts_.factors[i])) plan.rotations.push_back({r.value, cts_.slots, l});
  }
  for (std::size_t i = 0; i < stc_.factors.size(); ++i) {
    const Level l{stc_level.value - static_cast<int>(i)};
    for (const auto& r : rotation_steps(stc_.factors[i])) plan.rotations.push_back({r.value, stc_.slots, l});
  }
  if (stc_.layout == DftLayout::real_packed) {  // the closing x + rot(x, n), after the factors
    plan.rotations.push_back({static_cast<int>(stc_.n), stc_.slots, output_level_});
  }
  plan.conjugation_level = top;
  return plan;
}

int Bootstrapper::key_switches() const {
  int sub_sum = 0;
  for (std::size_t s = config_.slots; sparse_ && s < params_->max_slots(); s *= 2) ++sub_sum;
  const int evalmod = plan_chebyshev(config_.evalmod.degree, Parity::None).nonscalar_mults() +
                      config_.evalmod.double_angles;
  const int conjugations = 1 + (config_.remove_imaginary ? 1 : 0);
  return 2 + sub_sum + cts_.rotations() + stc_.rotations() + conjugations + (sparse_ ? 1 : 2) * evalmod;
}

ckks::EncapsulationKeys gen_bootstrap_keys(const rlwe::ParamsPtr& params, const rlwe::SecretKey& sk,
                                           const BootstrapKeyPlan& plan, rlwe::EvaluationKeys& keys,
                                           bool compressed) {
  rlwe::KeyGenerator kg(params);
  // One key per Galois element, at the highest level any use needs.
  std::map<std::uint64_t, Level> need;
  for (const auto& r : plan.rotations) {
    const GaloisElement g = params->rotation_element(RotationStep{r.step}, r.slots);
    if (g.value == 1) continue;
    auto [it, fresh] = need.emplace(g.value, r.level);
    if (!fresh && it->second < r.level) it->second = r.level;
  }
  const auto covered = [&](GaloisElement g, Level level) {
    return keys.has_galois_key(g) && keys.galois_key(g).max_level >= level;
  };
  for (const auto& [g, level] : need) {
    if (!covered(GaloisElement{g}, level)) {
      rlwe::SwitchingKey k = kg.gen_galois_key(sk, GaloisElement{g}, level);
      if (compressed) k.compress();
      keys.add_galois_key(GaloisElement{g}, std::move(k));
    }
  }
  if (!covered(params->conjugation_element(), plan.conjugation_level)) {
    rlwe::SwitchingKey k = kg.gen_galois_key(sk, params->conjugation_element(), plan.conjugation_level);
    if (compressed) k.compress();
    keys.add_galois_key(params->conjugation_element(), std::move(k));
  }
  return ckks::gen_encapsulation_keys(params, sk, plan.hamming_weight);
}

rlwe::Ciphertext Bootstrapper::raise(const ckks::Evaluator& eval, const ckks::EncapsulationKeys& enc,
                                     const rlwe::Ciphertext& c) const {
  rlwe::Ciphertext low = c;
  eval.drop_to_level_inplace(low, Level{0});
  rlwe::Ciphertext up = ckks::encapsulated_mod_raise(params_, enc, low);
  require(up.level() == params_->max_level(), "bootstrap", "the encapsulation key reaches level ",
          up.level().value, ", not the top ", params_->max_level().value);
  // Declared scale: the slots now hold the coefficients t = q_0 (I + f) in units of boot_scale.
  up.scale = Scale{boot_scale_};
  return up;
}

rlwe::Ciphertext Bootstrapper::sub_sum(const ckks::Evaluator& eval, rlwe::Ciphertext x) const {
  const std::size_t half = params_->max_slots();
  x.slots = half;
  for (std::size_t s = config_.slots; s < half; s *= 2) {
    x = eval.add(x, eval.rotate(x, RotationStep{static_cast<int>(s)}));
  }
  return x;
}

// SlotToCoeff's constants assume the nominal input scale (the output scale); an input at
// scale_in leaves the message multiplied by scale_in / nominal. Landing on
// output * nominal / scale_in makes the integer exactly output * m, which bootstrap() then
// declares at the output scale.
Scale Bootstrapper::landing_scale(double scale_in) const {
  return Scale{config_.output_scale.value * config_.output_scale.value / scale_in};
}

rlwe::Ciphertext Bootstrapper::mod_and_back_sparse(const ckks::Evaluator& eval, CkksBackend& b,
                                                   const rlwe::Ciphertext& coeffs, double scale_in,
                                                   BootstrapTimings& t) const {
  rlwe::Ciphertext x = timed(t.coeff_to_slot, [&] {
    const rlwe::Ciphertext w = coeff_to_slot(b, with_slots(coeffs, cts_.slots), cts_);
    return eval.add(w, eval.conjugate(w));
  });
  x = timed(t.eval_mod, [&] { return eval_mod(b, x, evalmod_, Scale{boot_scale_}); });
  return timed(t.slot_to_coeff, [&] { return slot_to_coeff(b, x, stc_, landing_scale(scale_in)); });
}

rlwe::Ciphertext Bootstrapper::mod_and_back_full(const ckks::Evaluator& eval, CkksBackend& b,
                                                 const rlwe::Ciphertext& coeffs, double scale_in,
                                                 BootstrapTimings& t) const {
  rlwe::Ciphertext re, im;
  timed(t.coeff_to_slot, [&] {
    const rlwe::Ciphertext w = coeff_to_slot(b, coeffs, cts_);
    const rlwe::Ciphertext w_conj = eval.conjugate(w);
    re = eval.add(w, w_conj);
    // (w - conj w) * (-i): the imaginary parts as real slots (the constant -i is exact at scale 1).
    im = b.mul_const(eval.sub(w, w_conj), Complex(0.0, -1.0), Scale{1.0});
    return 0;
  });
  const rlwe::Ciphertext z = timed(t.eval_mod, [&] {
    const rlwe::Ciphertext r = eval_mod(b, re, evalmod_, Scale{boot_scale_});
    const rlwe::Ciphertext i = eval_mod(b, im, evalmod_, Scale{boot_scale_});
    return eval.add(r, b.mul_const(i, Complex(0.0, 1.0), Scale{1.0}));
  });
  return timed(t.slot_to_coeff, [&] { return slot_to_coeff(b, z, stc_, landing_scale(scale_in)); });
}

rlwe::Ciphertext Bootstrapper::bootstrap(const ckks::Evaluator& eval, const ckks::EncapsulationKeys& enc,
                                         const rlwe::Ciphertext& c, BootstrapTimings* timings) const {
  require(c.slots == config_.slots, "bootstrap", "the ciphertext has ", c.slots,
          " slots but the bootstrapper was built for ", config_.slots);
  require(c.size() == 2, "bootstrap", "the ciphertext has ", c.size(), " parts; relinearise first");
  BootstrapTimings t;
  const double scale_in = c.scale.value;
  CkksBackend b(eval);
  rlwe::Ciphertext x = timed(t.raise, [&] { return raise(eval, enc, c); });
  if (sparse_) x = timed(t.sub_sum, [&] { return sub_sum(eval, std::move(x)); });
  rlwe::Ciphertext y = sparse_ ? mod_and_back_sparse(eval, b, x, scale_in, t)
                               : mod_and_back_full(eval, b, x, scale_in, t);
  if (config_.remove_imaginary) y = timed(t.finish, [&] { return eval.add(y, eval.conjugate(y)); });
  y.slots = config_.slots;
  y.scale = config_.output_scale;  // exact: see landing_scale
  if (timings) *timings = t;
  return y;
}

}  // namespace fhecnn::circuits

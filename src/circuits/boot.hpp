// CKKS bootstrapping for real messages (PAPER.md §3): sparse-secret encapsulated ModRaise,
// SubSum, CoeffToSlot, EvalMod, SlotToCoeff, and imaginary removal folded into SlotToCoeff.
//
// Flow for n < N/2 message slots (real_packed DFT layout, one EvalMod):
//   level 0 --encapsulated ModRaise--> top (scale declared ~ q_top: slots = coefficients t / q_top
//   with t = q_0 (I + f))
//   SubSum: log2(N / 2n) rotate-and-adds on the full-slot view (keeps the coefficients of Y)
//   CoeffToSlot (cts_levels) with q_top / (2 K q_0 N / 2n) folded in, then x + conj(x):
//       2n real slots (I + f) / K (bit-reversed coefficients)
//   EvalMod (depth(degree) + r levels): sin(2 pi (I + f)) = sin(2 pi f) at the bootstrapping
//   scale (~2^55: the coefficient-domain noise is amplified by ~sqrt(n) on its way to the slots)
//   SlotToCoeff (stc_levels) with q_0 / (2 pi scale) and 1/2 folded in, its last factor landing
//   on the output scale, x + rot(x, n), then x + conj(x): the real part of the message.
// For n = N/2 (complex_slots): CoeffToSlot on N/2 slots, real and imaginary parts split with
// one conjugation, two EvalMods, recombined, SlotToCoeff, then the real part.
//
// Levels: output level = top - cts_levels - evalmod levels - stc_levels (boot_n16: 30 -> 16).
// Cost per bootstrap: key switches = 2 (encapsulation) + log2(N/2n) + DFT rotations + 2
// conjugations (+ 1 rotation in real_packed SlotToCoeff) + EvalMod relinearisations.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "circuits/ckks_backend.hpp"
#include "circuits/dft.hpp"
#include "circuits/evalmod.hpp"
#include "ckks/evaluator.hpp"
#include "ckks/modraise.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::circuits {

struct BootstrapConfig {
  std::size_t slots = 0;  // message slots n: a power of two in [2, N/2]
  int cts_levels = 3;
  int stc_levels = 3;
  EvalModSpec evalmod{16, -10, 2, 47, 0.25};  // K, log2 w, double angles, degree, shift
  int hamming_weight = 32;                    // ephemeral sparse secret of the encapsulation
  bool remove_imaginary = true;               // take the real part (PAPER.md §3.3 step 6, §4)
  Scale output_scale{0.0};                    // 0: the parameters' default scale
};

// Rotation steps (with the slot count they are normalised to) and levels of the keys a
// bootstrapper needs; generated on the client by gen_bootstrap_keys.
struct BootstrapKeyPlan {
  struct Rotation {
    int step;
    std::size_t slots;
    Level level;  // the highest level it is used at
  };
  std::vector<Rotation> rotations;
  Level conjugation_level;
  int hamming_weight = 32;
};

// Client side: rotation and conjugation keys into `keys` (each generated only up to the level
// where it is used; compressed, see rlwe::SwitchingKey::compress, unless `compressed` is false),
// and the encapsulation keys. The relinearisation key must already be there.
ckks::EncapsulationKeys gen_bootstrap_keys(const rlwe::ParamsPtr& params, const rlwe::SecretKey& sk,
                                           const BootstrapKeyPlan& plan, rlwe::EvaluationKeys& keys,
                                           bool compressed = true);

// Wall time of each stage of one bootstrap (seconds), for benchmarks and progress output.
struct BootstrapTimings {
  double raise = 0, sub_sum = 0, coeff_to_slot = 0, eval_mod = 0, slot_to_coeff = 0, finish = 0;
};

class Bootstrapper {
 public:
  // Builds the DFT plans and the EvalMod polynomial (a Remez run, about a second).
  // Throws InvalidArgument when slots is not a power of two in [2, N/2] or the chain has too
  // few levels for cts + EvalMod + stc levels.
  Bootstrapper(rlwe::ParamsPtr params, const BootstrapConfig& config);

  // The keys this bootstrapper uses (give to gen_bootstrap_keys on the client).
  BootstrapKeyPlan key_plan() const;
  Level output_level() const { return output_level_; }
  // Key switches per bootstrap: encapsulation 2, SubSum, DFT rotations, conjugations, EvalMod
  // relinearisations (two EvalMods for full slots).
  int key_switches() const;
  const BootstrapConfig& config() const { return config_; }
  const DftPlan& cts_plan() const { return cts_; }
  const DftPlan& stc_plan() const { return stc_; }
  const EvalModPoly& evalmod() const { return evalmod_; }

  // c (any level; dropped to 0 first; c.slots == config slots, real message with max |m| <= 1)
  // -> the same message at output_level() and exactly the output scale.
  // Throws InvalidArgument on a slot-count mismatch or missing keys (from the evaluator).
  // `timings`, when given, receives the wall time of each stage.
  rlwe::Ciphertext bootstrap(const ckks::Evaluator& eval, const ckks::EncapsulationKeys& enc,
                             const rlwe::Ciphertext& c, BootstrapTimings* timings = nullptr) const;

 private:
  Scale landing_scale(double scale_in) const;
  rlwe::Ciphertext raise(const ckks::Evaluator& eval, const ckks::EncapsulationKeys& enc,
                         const rlwe::Ciphertext& c) const;
  rlwe::Ciphertext sub_sum(const ckks::Evaluator& eval, rlwe::Ciphertext x) const;
  rlwe::Ciphertext mod_and_back_sparse(const ckks::Evaluator& eval, CkksBackend& b,
                                       const rlwe::Ciphertext& coeffs, double scale_in,
                                       BootstrapTimings& t) const;
  rlwe::Ciphertext mod_and_back_full(const ckks::Evaluator& eval, CkksBackend& b,
                                     const rlwe::Ciphertext& coeffs, double scale_in,
                                     BootstrapTimings& t) const;

  rlwe::ParamsPtr params_;
  BootstrapConfig config_;
  bool sparse_;
  Level output_level_;
  double boot_scale_ = 0;  // scale declared after ModRaise (the top prime)
  DftPlan cts_, stc_;  // stc_ built without the input-scale factor (applied per call)
  EvalModPoly evalmod_;
};

}  // namespace fhecnn::circuits

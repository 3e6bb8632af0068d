// SimBackend: the cleartext slot simulator of the CNN engine. It follows circuits::SlotBackend's
// semantics exactly (the same level and scale bookkeeping, constant encoding, modulus checks,
// exceptions and injected-noise model; see circuits/slots.hpp) and adds what the CNN engine
// needs: simulated bootstrapping, plaintext-vector addition, hoisted rotations, plaintexts
// given as runs, fused multiply-accumulates (acc += x * c, acc += x * runs), the cost counters of a whole network
// (rotations with the exact set of steps, plaintext and ciphertext products, rescales,
// bootstraps). It satisfies circuits::InspectableBackend, circuits::HoistingBackend,
// circuits::FusedMulConstBackend, and (nn/backend_ext.hpp) SparsePlainBackend,
// PlainAddingBackend and BootstrappingBackend.
//
// Speed (a ResNet runs thousands of operations on 2^15-slot vectors per image): values share
// immutable slot storage (nn/sim_slots.hpp): a rotation only moves an offset, a rescale or a
// level drop only relabels (without noise), max |slot| is measured once when slots are written,
// slots are real arrays while every imaginary part is zero, and arrays are recycled by a
// per-thread pool. The results are those of circuits::SlotBackend bit for bit (same operations
// in the same order on each slot).
//
// Simulated bootstrapping (PAPER.md §3): bootstrap(x) returns Re(x) (the imaginary-removing
// bootstrap) as a fresh value at exactly (config.output_level, config.output_scale). Like CKKS
// bootstrapping it requires the input at level 0 (config.require_level_zero; when false any
// level is accepted) and max |slot| <= config.max_input (EvalMod's domain: the message must stay
// far below q_0). Bootstrapping error is modelled only through set_noise (the refreshed value
// gets fresh-encryption noise).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <vector>

#include "circuits/slots.hpp"
#include "common/types.hpp"
#include "nn/backend_ext.hpp"
#include "nn/sim_slots.hpp"

namespace fhecnn::nn {

struct BootstrapConfig {
  Level output_level{16};                     // level after a bootstrap (paper: 16)
  Scale output_scale = Scale::from_log2(46);  // scale after a bootstrap, exactly (paper: 2^46)
  bool require_level_zero = true;             // reject inputs above level 0, as CKKS does
  double max_input = 1.0;                     // bound on max |slot| of the input
};

// Operation counts. rotations includes the hoisted ones (each is one key switch);
// hoisted_rotations counts those done through rotate_hoisted.
struct OpCounts {
  long rotations = 0;
  long hoisted_rotations = 0;
  long conjugations = 0;
  long mul = 0;        // ciphertext-ciphertext products (relinearisations)
  long mul_plain = 0;  // products by a plaintext vector
  long mul_const = 0;  // products by a constant
  long add = 0;        // additions and subtractions of two values
  long add_plain = 0;  // additions of a plaintext vector
  long add_const = 0;  // additions of a constant
  long rescale = 0;
  long bootstraps = 0;

  OpCounts& operator+=(const OpCounts& o);
  OpCounts& operator-=(const OpCounts& o);
  friend OpCounts operator+(OpCounts a, const OpCounts& b) { return a += b; }
  friend OpCounts operator-(OpCounts a, const OpCounts& b) { return a -= b; }
  bool operator==(const OpCounts&) const = default;
};

std::ostream& operator<<(std::ostream& os, const OpCounts& c);

class SimBackend {
 public:
  using Complex = circuits::Complex;

  // A simulated ciphertext: its slots (shared and immutable: copies are cheap), level and scale.
  // Logical slot i is data slot (i + offset) mod n. Read it with decrypt().
  struct Value {
    sim::SlotPtr data;
    std::size_t offset = 0;
    Level level;
    Scale scale;
  };

  // primes: q_0..q_L; slots >= 1. Throws InvalidArgument for an invalid chain (as SlotBackend)
  // or a config whose output level is above the top level or whose scale is not positive.
  SimBackend(std::vector<std::uint64_t> primes, std::size_t slots, BootstrapConfig config = {});

  // circuits::SlotBackend::encrypt and decrypt (fewer messages than slots are zero-padded;
  // throws on a level outside the chain, a scale <= 0, too many messages, a modulus overflow).
  Value encrypt(std::vector<Complex> messages, Level level, Scale scale) const;
  std::vector<Complex> decrypt(const Value& x) const;

  // circuits::Backend (semantics and exceptions of SlotBackend).
  Value add(const Value& x, const Value& y);
  Value sub(const Value& x, const Value& y);
  Value add_const(const Value& x, Complex c);
  Value mul_const(const Value& x, Complex c, Scale const_scale);
  Value mul_plain(const Value& x, const std::vector<Complex>& v, Scale plain_scale);
  Value mul(const Value& x, const Value& y);
  Value rescale(const Value& x);
  Value drop_to_level(const Value& x, Level level);
  Value rotate(const Value& x, RotationStep step);
  Value conjugate(const Value& x);
  Level level(const Value& x) const { return x.level; }
  Scale scale(const Value& x) const { return x.scale; }
  double prime(Level level) const { return chain_.prime(level); }

  // circuits::HoistingBackend: the same as rotate() for each step, counted as hoisted.
  std::vector<Value> rotate_hoisted(const Value& x, const std::vector<RotationStep>& steps);
  // circuits::FusedMulConstBackend: acc = add(acc, mul_const(drop_to_level(x, level(acc)), c, s))
  // with the same checks, counts (one mul_const, one add) and result, without the temporaries.
  // On a throw acc is left unspecified.
  void mul_const_then_add(Value& acc, const Value& x, Complex c, Scale s);
  // SparsePlainBackend (nn/backend_ext.hpp): mul_plain(x, dense_plain(runs, slots()), s) and
  // acc = add(acc, mul_plain_sparse(x, runs, s)) with the same results, checks, counts and
  // exceptions, touching only the runs' slots (runs must not overlap). Throws InvalidArgument
  // "cannot multiply by plaintext: ..." for a run outside the slots.
  Value mul_plain_sparse(const Value& x, const SparsePlain& runs, Scale s);
  void mul_plain_sparse_then_add(Value& acc, const Value& x, const SparsePlain& runs, Scale s);
  // circuits::InspectableBackend: max |slot| of x (as SlotBackend::observe_input).
  double observe_input(const Value& x);

  // PlainAddingBackend: x + v, v encoded at x's scale; level and scale unchanged. Throws
  // InvalidArgument "cannot add plaintext: ..." on a slot-count mismatch or a modulus overflow.
  Value add_plain(const Value& x, const std::vector<Complex>& v);

  // BootstrappingBackend (see the file comment). Throws InvalidArgument "cannot bootstrap: ..."
  // naming the level or the offending max |slot| (and its slot index).
  Value bootstrap(const Value& x);
  Level bootstrap_level() const { return config_.output_level; }
  Scale bootstrap_scale() const { return config_.output_scale; }

  // Injected noise (circuits::NoiseModel; off by default), as in SlotBackend::set_noise: it
  // applies to encryption, rescales, key switches, encodings and the bootstrap's fresh output,
  // with the same draws from the same generator. Throws InvalidArgument "cannot set noise
  // model: ..." when stddev is negative or not finite.
  void set_noise(const circuits::NoiseModel& model);
  const circuits::NoiseModel& noise() const { return noise_; }

  // max |slot| of x (std::abs of each slot; not recorded anywhere).
  static double max_abs(const Value& x);

  const OpCounts& counts() const { return counts_; }
  // Every rotation step used so far, normalised to (-slots/2, slots/2]: the rotation keys a
  // CKKS run of the same circuit needs (conjugation not included; see counts().conjugations).
  const std::set<int>& rotation_steps() const { return steps_; }
  // The same steps, each with the highest level it was used at: a CKKS key for it needs to
  // reach only that level.
  const std::map<int, Level>& rotation_levels() const { return step_levels_; }
  void reset_counts() {
    counts_ = {};
    steps_.clear();
    step_levels_.clear();
  }

  Level top_level() const { return chain_.top_level(); }
  std::size_t slots() const { return chain_.slots(); }
  const BootstrapConfig& config() const { return config_; }

 private:
  void record_step(RotationStep step, Level level);
  // A value from fresh slots, with the noise model's noise added when it is on.
  Value make(sim::SlotPtr data, Level level, Scale scale, bool noisy) const;
  void check_binary(const Value& x, const Value& y, const char* what) const;
  // scale * max(1, max |slot|) < Q_level / 2, from max |slot|^2 (SlotBackend's modulus check).
  void check_product_fits(double max_norm2, Scale scale, Level level, const char* what) const;
  void check_fits(const Value& x, const char* what) const;
  // Makes acc the only owner of its slots at offset 0 (copying them when shared or rotated), so
  // that the fused operations may write them in place.
  void own(Value& acc) const;
  // The checks and counts that close a fused acc += term: the term fits, one addition, equal scales.
  void finish_fused_add(const Value& acc, double term_max, Scale term_scale, const char* what);
  // Checks a sparse plaintext against the slot count; whether x may take the sparse path (its
  // slots are finite: x * 0 is 0 outside the runs, as the dense product has it).
  bool sparse_ok(const Value& x, const SparsePlain& runs, const char* what) const;
  Complex encode_constant(Complex c, double scale) const;

  circuits::SlotBackend chain_;  // the primes, moduli and slot count (its operations are unused)
  BootstrapConfig config_;
  circuits::NoiseModel noise_;
  mutable std::mt19937_64 rng_;  // mutable: encrypt() is const but draws noise
  OpCounts counts_;
  std::set<int> steps_;
  std::map<int, Level> step_levels_;
};

static_assert(circuits::InspectableBackend<SimBackend>);
static_assert(circuits::HoistingBackend<SimBackend>);
static_assert(circuits::FusedMulConstBackend<SimBackend>);
static_assert(SparsePlainBackend<SimBackend>);
static_assert(PlainAddingBackend<SimBackend>);
static_assert(BootstrappingBackend<SimBackend>);

}  // namespace fhecnn::nn

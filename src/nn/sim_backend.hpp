// SimBackend: the cleartext slot simulator (circuits::SlotBackend) with what the CNN engine needs
// on top: simulated bootstrapping, plaintext-vector addition, hoisted rotations, and the cost
// counters of a whole network (rotations with the exact set of steps, plaintext and ciphertext
// products, rescales, bootstraps). It satisfies circuits::InspectableBackend,
// circuits::HoistingBackend, PlainAddingBackend and BootstrappingBackend (nn/backend_ext.hpp).
//
// Every operation is forwarded to the SlotBackend (same level/scale checks, same exceptions);
// the counters here are the wrapper's own.
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
#include <set>
#include <vector>

#include "circuits/slots.hpp"
#include "common/types.hpp"
#include "nn/backend_ext.hpp"

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
  using Value = circuits::SlotBackend::Value;
  using Complex = circuits::Complex;

  // primes: q_0..q_L; slots >= 1. Throws InvalidArgument for an invalid chain (as SlotBackend)
  // or a config whose output level is above the top level or whose scale is not positive.
  SimBackend(std::vector<std::uint64_t> primes, std::size_t slots, BootstrapConfig config = {});

  Value encrypt(std::vector<Complex> messages, Level level, Scale scale) const {
    return inner_.encrypt(std::move(messages), level, scale);
  }
  std::vector<Complex> decrypt(const Value& x) const { return inner_.decrypt(x); }

  // circuits::Backend (semantics and exceptions of SlotBackend).
  Value add(const Value& x, const Value& y);
  Value sub(const Value& x, const Value& y);
  Value add_const(const Value& x, Complex c);
  Value mul_const(const Value& x, Complex c, Scale const_scale);
  Value mul_plain(const Value& x, const std::vector<Complex>& v, Scale plain_scale);
  Value mul(const Value& x, const Value& y);
  Value rescale(const Value& x);
  Value drop_to_level(const Value& x, Level level) { return inner_.drop_to_level(x, level); }
  Value rotate(const Value& x, RotationStep step);
  Value conjugate(const Value& x);
  Level level(const Value& x) const { return x.level; }
  Scale scale(const Value& x) const { return x.scale; }
  double prime(Level level) const { return inner_.prime(level); }

  // circuits::HoistingBackend: the same as rotate() for each step, counted as hoisted.
  std::vector<Value> rotate_hoisted(const Value& x, const std::vector<RotationStep>& steps);
  // circuits::InspectableBackend.
  double observe_input(const Value& x) { return inner_.observe_input(x); }

  // PlainAddingBackend: x + v, v encoded at x's scale; level and scale unchanged. Throws
  // InvalidArgument "cannot add plaintext: ..." on a slot-count mismatch or a modulus overflow.
  Value add_plain(const Value& x, const std::vector<Complex>& v);

  // BootstrappingBackend (see the file comment). Throws InvalidArgument "cannot bootstrap: ..."
  // naming the level or the offending max |slot| (and its slot index).
  Value bootstrap(const Value& x);
  Level bootstrap_level() const { return config_.output_level; }
  Scale bootstrap_scale() const { return config_.output_scale; }

  // Injected noise (circuits::NoiseModel; off by default): forwarded to the SlotBackend, so it
  // applies to encryption, rescales, key switches, encodings and the bootstrap's fresh output.
  void set_noise(const circuits::NoiseModel& model) { inner_.set_noise(model); }

  // max |slot| of x (not recorded anywhere).
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

  Level top_level() const { return inner_.top_level(); }
  std::size_t slots() const { return inner_.slots(); }
  const BootstrapConfig& config() const { return config_; }
  const circuits::SlotBackend& slot_backend() const { return inner_; }

 private:
  void record_step(RotationStep step, Level level);

  circuits::SlotBackend inner_;
  BootstrapConfig config_;
  OpCounts counts_;
  std::set<int> steps_;
  std::map<int, Level> step_levels_;
};

static_assert(circuits::InspectableBackend<SimBackend>);
static_assert(circuits::HoistingBackend<SimBackend>);
static_assert(PlainAddingBackend<SimBackend>);
static_assert(BootstrappingBackend<SimBackend>);

}  // namespace fhecnn::nn

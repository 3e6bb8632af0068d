// SlotBackend: a cleartext complex-slot simulator of RNS-CKKS that satisfies the Backend concept
// (backend.hpp). Values are the messages themselves (no noise); level and scale are tracked
// exactly as CKKS would track them with the given primes, and every precondition a real
// evaluator has is checked, so a circuit that runs here has a valid level and scale schedule.
//
// Modelled: constants are encoded as round(c * scale) (per real/imaginary part), so a constant
// encoded at too small a scale loses precision as in CKKS; the modulus bound
// scale * max(1, max|m|) < Q_l / 2 is checked after every product (overflow = decryption
// failure in CKKS). Noise is off by default (values are the exact messages); set_noise() turns
// on a simple injected-noise model (NoiseModel below) for encryption, rescale, key switches and
// plaintext/constant encoding.
//
// Counters (counts()) give the cost of a circuit: non-scalar multiplications, scalar products,
// rescales, rotations. observe_input() records the largest |input| a polynomial evaluation saw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "circuits/backend.hpp"
#include "common/types.hpp"

namespace fhecnn::circuits {

struct SlotCounts {
  int mul = 0;        // ciphertext-ciphertext products (relinearisations)
  int mul_const = 0;  // products by an encoded constant
  int mul_plain = 0;  // products by an encoded plaintext vector
  int add = 0;        // add and sub
  int add_const = 0;
  int rescale = 0;
  int rotate = 0;
  int conjugate = 0;
};

// Injected noise, in message units (the values decryption would return, i.e. after dividing
// by the scale). When stddev > 0, every slot of the result of encrypt, rescale, mul (the
// relinearisation key switch), rotate, conjugate (their key switches), mul_plain and mul_const
// (their encoding) gets e = a + b i with a, b independent N(0, stddev^2): E|e|^2 = 2 stddev^2.
// add, sub, add_const and drop_to_level add none. The same stddev is used whatever the value's
// scale, so products before their rescale are noisier than in CKKS (where key-switch noise is
// divided by the product's larger scale): a deliberately simple, pessimistic model. Draws come
// from std::mt19937_64 seeded with `seed` when the model is set (simulation noise, not
// cryptographic): the same seed and the same sequence of operations give the same values.
struct NoiseModel {
  double stddev = 0.0;  // per real/imaginary part of each slot; 0 = off
  std::uint64_t seed = 0;
};

class SlotBackend {
 public:
  struct Value {
    std::vector<Complex> slots;
    Level level;
    Scale scale;
  };

  // primes: the actual q_0..q_L (L = top level). slots >= 1.
  // Throws InvalidArgument when primes is empty or contains a value below 2.
  SlotBackend(std::vector<std::uint64_t> primes, std::size_t slots);

  // Turns the injected noise on (stddev > 0) or off (stddev = 0) and reseeds the generator.
  // Throws InvalidArgument "cannot set noise model: ..." when stddev is negative or not finite.
  void set_noise(const NoiseModel& model);
  const NoiseModel& noise() const { return noise_; }

  // A fresh value at (level, scale); fewer than slots() messages are zero-padded. With a noise
  // model, fresh encryption noise is added (this draws from the generator, hence not thread-safe).
  // Throws when level > top_level(), scale <= 0, or too many messages.
  Value encrypt(std::vector<Complex> messages, Level level, Scale scale) const;
  std::vector<Complex> decrypt(const Value& x) const { return x.slots; }

  // Backend concept. Each throws InvalidArgument "cannot <op>: ..." on a level mismatch, a scale
  // mismatch above relative 1e-9 (add, sub), a non-positive encoding scale, a slot-count
  // mismatch, a rescale at level 0, or a product that overflows the modulus at its level.
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
  double prime(Level level) const;  // throws when level is outside [0, top_level()]

  // Inspection (InspectableBackend): max |slot| of x, also folded into max_input_seen().
  double observe_input(const Value& x);
  double max_input_seen() const { return max_input_seen_; }

  Level top_level() const { return Level{static_cast<int>(primes_.size()) - 1}; }
  std::size_t slots() const { return slots_; }
  // log2 of Q_l = q_0 * ... * q_l.
  double log2_modulus(Level level) const;
  const SlotCounts& counts() const { return counts_; }
  void reset_counts() { counts_ = {}; }
  void reset_max_input() { max_input_seen_ = 0.0; }

 private:
  void check_binary(const Value& x, const Value& y, const char* what) const;
  void check_fits(const Value& x, const char* what) const;
  Complex encode_constant(Complex c, double scale) const;
  // Adds the noise model's Gaussian noise to every slot of x (nothing when the model is off).
  void add_noise(Value& x) const;

  std::vector<std::uint64_t> primes_;
  std::vector<double> log2_modulus_;  // prefix sums of log2 q_i
  std::size_t slots_;
  SlotCounts counts_;
  double max_input_seen_ = 0.0;
  NoiseModel noise_;
  mutable std::mt19937_64 rng_;  // mutable: encrypt() is const but draws noise
};

static_assert(InspectableBackend<SlotBackend>);

}  // namespace fhecnn::circuits

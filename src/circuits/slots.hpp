// SlotBackend: a cleartext complex-slot simulator of RNS-CKKS that satisfies the Backend concept
// (backend.hpp). Values are the messages themselves (no noise); level and scale are tracked
// exactly as CKKS would track them with the given primes, and every precondition a real
// evaluator has is checked, so a circuit that runs here has a valid level and scale schedule.
//
// Modelled: constants are encoded as round(c * scale) (per real/imaginary part), so a constant
// encoded at too small a scale loses precision as in CKKS; the modulus bound
// scale * max(1, max|m|) < Q_l / 2 is checked after every product (overflow = decryption
// failure in CKKS). Not modelled: encryption/rescale/key-switch noise, the encoding error of
// mul_plain vectors (slot values are used as given).
//
// Counters (counts()) give the cost of a circuit: non-scalar multiplications, scalar products,
// rescales, rotations. observe_input() records the largest |input| a polynomial evaluation saw.
#pragma once

#include <cstddef>
#include <cstdint>
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

  // A fresh value at (level, scale); fewer than slots() messages are zero-padded.
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

  std::vector<std::uint64_t> primes_;
  std::vector<double> log2_modulus_;  // prefix sums of log2 q_i
  std::size_t slots_;
  SlotCounts counts_;
  double max_input_seen_ = 0.0;
};

static_assert(InspectableBackend<SlotBackend>);

}  // namespace fhecnn::circuits

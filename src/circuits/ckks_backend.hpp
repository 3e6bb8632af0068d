// The Backend concept (backend.hpp) on real CKKS ciphertexts: a thin adapter over
// ckks::Evaluator, so every circuit written against the concept runs encrypted.
// Tested against SlotBackend on encrypted data (tests/circuits/ckks_backend_test.cpp): every
// operation and AppReLU give the simulator's levels and scales exactly, its values up to noise.
// Preconditions are the concept's (stricter than the evaluator's, which would silently drop the
// higher operand of add/sub/mul to the lower level): a broken one throws InvalidArgument.
// The evaluator must outlive the backend; its keys must hold the relinearisation key (mul) and
// the Galois keys of the rotations and conjugation used.
#pragma once

#include "circuits/backend.hpp"
#include "ckks/evaluator.hpp"

namespace fhecnn::circuits {

class CkksBackend {
 public:
  using Value = rlwe::Ciphertext;

  explicit CkksBackend(const ckks::Evaluator& eval) : eval_(eval) {}

  // Same level and scale (relative 1e-9) required; 0 levels.
  Value add(const Value& x, const Value& y);
  Value sub(const Value& x, const Value& y);
  Value add_const(const Value& x, Complex c);
  Value mul_const(const Value& x, Complex c, Scale s);
  // v is encoded on x's slots at x's level with scale s.
  Value mul_plain(const Value& x, const std::vector<Complex>& v, Scale s);
  // Same level required (the concept's rule); relinearised.
  Value mul(const Value& x, const Value& y);
  Value rescale(const Value& x) { return eval_.rescale(x); }
  // Copies only the limbs of q_0..q_l (l <= level(x)).
  Value drop_to_level(const Value& x, Level l);
  Value rotate(const Value& x, RotationStep k) { return eval_.rotate(x, k); }
  Value conjugate(const Value& x) { return eval_.conjugate(x); }
  // FusedMulConstBackend: acc += x * round(c * s), x at level(acc) or above.
  void mul_const_then_add(Value& acc, const Value& x, Complex c, Scale s);
  // HoistingBackend: all rotations of x share one decomposition (one ModUp).
  std::vector<Value> rotate_hoisted(const Value& x, const std::vector<RotationStep>& steps) {
    std::vector<int> k;
    k.reserve(steps.size());
    for (const auto& s : steps) k.push_back(s.value);
    return eval_.rotate_hoisted(x, k);
  }
  // RotationSumBackend: Evaluator::rotate_multiply_sums (one decomposition, one ModDown per
  // sum), the values encoded on x's slots at x's level with scale s.
  std::vector<Value> rotate_mul_sums(const Value& x, const std::vector<RotationStep>& steps,
                                     const std::vector<std::vector<RotationTerm>>& sums, Scale s);
  // LazyBackend: extended ciphertexts (P times the value over Q_l P), one ModDown at settle.
  using Lazy = rlwe::ExtendedCiphertext;
  std::vector<Lazy> lazy_rotate_mul_sums(const Value& x, const std::vector<RotationStep>& steps,
                                         const std::vector<std::vector<RotationTerm>>& sums,
                                         Scale s);
  Lazy lazy_rotate(const Lazy& e, RotationStep k) { return eval_.rotate(e, k); }
  void lazy_add_inplace(Lazy& acc, const Lazy& e) { eval_.add_inplace(acc, e); }
  Value settle(Lazy e) { return eval_.mod_down(std::move(e)); }
  Level level(const Value& x) const { return x.level(); }
  Scale scale(const Value& x) const { return x.scale; }
  double prime(Level l) const { return eval_.params().q_prime(l); }

  const ckks::Evaluator& evaluator() const { return eval_; }

 private:
  const ckks::Evaluator& eval_;
};

static_assert(HoistingBackend<CkksBackend> && FusedMulConstBackend<CkksBackend> &&
              RotationSumBackend<CkksBackend> && LazyBackend<CkksBackend>);

}  // namespace fhecnn::circuits

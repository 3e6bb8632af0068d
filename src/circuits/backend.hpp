// The evaluator interface: every circuit (polynomials, AppReLU, EvalMod, later the linear
// transforms) is written once against the Backend concept and runs on any implementation:
// SlotBackend (cleartext complex-slot simulator, slots.hpp) now, the CKKS evaluator later.
//
// Semantics every backend must follow (RNS-CKKS with exact scale tracking, PAPER.md §2.4):
// * A value carries a level l (primes q_0..q_l remain) and a scale s (a double, tracked
//   exactly, never rounded to a power of two). Its message m is what decryption divides by s.
// * add / sub: both operands at the same level and (up to rounding) the same scale.
// * add_const(x, c): c is encoded at x's scale and added; no level, scale unchanged.
// * mul_const(x, c, cs): c is encoded at scale cs (the integer round(c * cs) per real/imag
//   part) and multiplied; scale(x) * cs, no rescale, no level.
// * mul_plain(x, v, ps): slot-wise product with v encoded at scale ps; scale(x) * ps.
// * mul(x, y): relinearised ciphertext product (one key switch); same level required;
//   scale(x) * scale(y), no rescale.
// * rescale(x): level - 1, scale / q_level exactly; throws at level 0.
// * drop_to_level(x, l): l <= level(x); scale unchanged.
// * rotate(x, k): out[i] = in[(i + k) mod slots] (one key switch); conjugate: complex conjugate.
// * prime(l): the actual prime q_l as a double.
// Backends throw fhecnn::InvalidArgument "cannot <op>: <reason>" on a broken precondition.
#pragma once

#include <complex>
#include <concepts>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/types.hpp"

namespace fhecnn::circuits {

using Complex = std::complex<double>;

template <typename B>
concept Backend = requires(B& b, const typename B::Value& x, const typename B::Value& y, Complex c,
                           const std::vector<Complex>& v, Scale s, Level l, RotationStep k) {
  typename B::Value;
  { b.add(x, y) } -> std::same_as<typename B::Value>;
  { b.sub(x, y) } -> std::same_as<typename B::Value>;
  { b.add_const(x, c) } -> std::same_as<typename B::Value>;
  { b.mul_const(x, c, s) } -> std::same_as<typename B::Value>;
  { b.mul_plain(x, v, s) } -> std::same_as<typename B::Value>;
  { b.mul(x, y) } -> std::same_as<typename B::Value>;
  { b.rescale(x) } -> std::same_as<typename B::Value>;
  { b.drop_to_level(x, l) } -> std::same_as<typename B::Value>;
  { b.rotate(x, k) } -> std::same_as<typename B::Value>;
  { b.conjugate(x) } -> std::same_as<typename B::Value>;
  { b.level(x) } -> std::same_as<Level>;
  { b.scale(x) } -> std::same_as<Scale>;
  { b.prime(l) } -> std::same_as<double>;
};

// A backend whose values are visible (the simulator): observe_input returns max |slot| of a
// polynomial's input and records it, so evaluators can reject out-of-domain inputs early.
template <typename B>
concept InspectableBackend = Backend<B> && requires(B& b, const typename B::Value& x) {
  { b.observe_input(x) } -> std::convertible_to<double>;
};

// A backend with hoisted rotations: rotate_hoisted(x, steps)[i] == rotate(x, steps[i]), cheaper
// than separate rotations when there are several (CKKS shares one ModUp across them).
template <typename B>
concept HoistingBackend = Backend<B> && requires(B& b, const typename B::Value& x,
                                                 const std::vector<RotationStep>& steps) {
  { b.rotate_hoisted(x, steps) } -> std::same_as<std::vector<typename B::Value>>;
};

// A backend with a fused acc += x * c (c encoded at scale s; scale(acc) == scale(x) * s; x at
// level(acc) or above, its extra primes ignored): saves the level-dropped copy and the
// temporary product of mul_const + add.
template <typename B>
concept FusedMulConstBackend = Backend<B> && requires(B& b, typename B::Value& acc,
                                                      const typename B::Value& x, Complex c, Scale s) {
  { b.mul_const_then_add(acc, x, c, s) } -> std::same_as<void>;
};

// One term of a rotation sum (rotate_mul_sums): `values` times x rotated by steps[rotation].
// `values` is borrowed: it must outlive the call.
struct RotationTerm {
  std::size_t rotation;
  const std::vector<Complex>* values;
};

// A backend that sums plaintext products of hoisted rotations itself (CKKS: double hoisting,
// one ModDown per sum instead of one per rotation):
// rotate_mul_sums(x, steps, sums, s)[j] == sum over t in sums[j] of
// mul_plain(rotate(x, steps[t.rotation]), *t.values, s), a step 0 meaning x itself.
template <typename B>
concept RotationSumBackend =
    Backend<B> && requires(B& b, const typename B::Value& x, const std::vector<RotationStep>& steps,
                           const std::vector<std::vector<RotationTerm>>& sums, Scale s) {
      { b.rotate_mul_sums(x, steps, sums, s) } -> std::same_as<std::vector<typename B::Value>>;
    };

// A backend with lazy values: a lazy value stands for a Value whose last reduction is deferred
// (CKKS: a ciphertext times P over Q_l P before its ModDown, rlwe::ExtendedCiphertext), so
// chains of sums and rotations of such values divide by P once, at settle. Lazy operations
// consume no level and keep the scale:
//   settle(lazy_rotate_mul_sums(x, steps, sums, s)[j]) == rotate_mul_sums(x, steps, sums, s)[j],
//   settle(lazy_rotate(e, k)) == rotate(settle(e), k), and lazy_add_inplace(e, f) makes
//   settle(e) == add(settle(e), settle(f)), up to noise.
template <typename B>
concept LazyBackend =
    RotationSumBackend<B> &&
    requires(B& b, const typename B::Value& x, typename B::Lazy& acc, const typename B::Lazy& e,
             const std::vector<RotationStep>& steps,
             const std::vector<std::vector<RotationTerm>>& sums, Scale s, RotationStep k) {
      typename B::Lazy;
      { b.lazy_rotate_mul_sums(x, steps, sums, s) } -> std::same_as<std::vector<typename B::Lazy>>;
      { b.lazy_rotate(e, k) } -> std::same_as<typename B::Lazy>;
      { b.lazy_add_inplace(acc, e) } -> std::same_as<void>;
      { b.settle(e) } -> std::same_as<typename B::Value>;
    };

// B::Lazy on a LazyBackend, B::Value elsewhere (where the lazy operations below are the plain
// ones and settle is the identity): algorithms are written once with these.
template <typename B>
struct LazyValueOf {
  using type = typename B::Value;
};
template <LazyBackend B>
struct LazyValueOf<B> {
  using type = typename B::Lazy;
};
template <typename B>
using lazy_value_t = typename LazyValueOf<B>::type;

template <Backend B>
lazy_value_t<B> lazy_rotate(B& b, const lazy_value_t<B>& e, RotationStep k) {
  if constexpr (LazyBackend<B>) return b.lazy_rotate(e, k);
  else return b.rotate(e, k);
}

template <Backend B>
void lazy_add_inplace(B& b, lazy_value_t<B>& acc, const lazy_value_t<B>& e) {
  if constexpr (LazyBackend<B>) b.lazy_add_inplace(acc, e);
  else acc = b.add(acc, e);
}

template <Backend B>
typename B::Value settle(B& b, lazy_value_t<B> e) {
  if constexpr (LazyBackend<B>) return b.settle(std::move(e));
  else return e;
}

// rotate_hoisted where the backend has it, separate rotations elsewhere.
template <Backend B>
std::vector<typename B::Value> rotate_many(B& b, const typename B::Value& x,
                                           const std::vector<RotationStep>& steps) {
  if constexpr (HoistingBackend<B>) {
    return b.rotate_hoisted(x, steps);
  } else {
    std::vector<typename B::Value> out;
    out.reserve(steps.size());
    for (const auto& s : steps) out.push_back(b.rotate(x, s));
    return out;
  }
}

// rotate_mul_sums where the backend has it; elsewhere the rotations (rotate_many), then
// mul_plain and add. Every sum needs at least one term (InvalidArgument otherwise).
template <Backend B>
std::vector<typename B::Value> rotate_mul_sums(B& b, const typename B::Value& x,
                                               const std::vector<RotationStep>& steps,
                                               const std::vector<std::vector<RotationTerm>>& sums,
                                               Scale s) {
  if constexpr (RotationSumBackend<B>) {
    return b.rotate_mul_sums(x, steps, sums, s);
  } else {
    std::vector<RotationStep> nonzero;
    for (const RotationStep& k : steps) {
      if (k.value != 0) nonzero.push_back(k);
    }
    const std::vector<typename B::Value> rotated = rotate_many(b, x, nonzero);
    std::vector<const typename B::Value*> at(steps.size(), &x);
    for (std::size_t i = 0, r = 0; i < steps.size(); ++i) {
      if (steps[i].value != 0) at[i] = &rotated[r++];
    }
    std::vector<typename B::Value> out;
    out.reserve(sums.size());
    for (const auto& terms : sums) {
      require(!terms.empty(), "sum rotations times plaintexts", "a sum has no term");
      std::optional<typename B::Value> sum;
      for (const RotationTerm& t : terms) {
        require(t.rotation < steps.size(), "sum rotations times plaintexts", "a term names rotation ",
                t.rotation, " of ", steps.size());
        typename B::Value p = b.mul_plain(*at[t.rotation], *t.values, s);
        sum = sum ? b.add(*sum, p) : std::move(p);
      }
      out.push_back(std::move(*sum));
    }
    return out;
  }
}

// rotate_mul_sums with lazy results (see LazyBackend); the plain results elsewhere.
template <Backend B>
std::vector<lazy_value_t<B>> lazy_rotate_mul_sums(B& b, const typename B::Value& x,
                                                  const std::vector<RotationStep>& steps,
                                                  const std::vector<std::vector<RotationTerm>>& sums,
                                                  Scale s) {
  if constexpr (LazyBackend<B>) return b.lazy_rotate_mul_sums(x, steps, sums, s);
  else return rotate_mul_sums(b, x, steps, sums, s);
}

}  // namespace fhecnn::circuits

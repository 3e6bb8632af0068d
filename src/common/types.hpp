// Strong one-field types for quantities that are easy to swap (ARCHITECTURE.md §4 rule 2).
#pragma once

#include <cmath>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <ostream>

namespace fhecnn {

// log2 of the ring degree N.
struct LogN {
  int value = 0;
  constexpr std::size_t degree() const { return std::size_t{1} << value; }
  constexpr std::size_t max_slots() const { return degree() / 2; }
  auto operator<=>(const LogN&) const = default;
};

// Index of the top remaining ciphertext prime: level l means primes q_0..q_l (l + 1 limbs).
struct Level {
  int value = 0;
  constexpr std::size_t limbs() const { return static_cast<std::size_t>(value) + 1; }
  auto operator<=>(const Level&) const = default;
};

// A slot rotation: positive = left rotation, out[i] = in[(i + step) mod slots].
struct RotationStep {
  int value = 0;
  auto operator<=>(const RotationStep&) const = default;
};

// An element g of (Z/2NZ)^*, the automorphism X -> X^g. Conjugation is g = 2N - 1.
struct GaloisElement {
  std::uint64_t value = 1;
  auto operator<=>(const GaloisElement&) const = default;
};

// The CKKS scaling factor Delta, tracked exactly as a double (not rounded to a power of two).
struct Scale {
  double value = 1.0;
  static Scale from_log2(double log2_scale) { return Scale{std::exp2(log2_scale)}; }
  double log2() const { return std::log2(value); }
  auto operator<=>(const Scale&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, LogN v) { return os << "logN=" << v.value; }
inline std::ostream& operator<<(std::ostream& os, Level v) { return os << "level " << v.value; }
inline std::ostream& operator<<(std::ostream& os, RotationStep v) { return os << "step " << v.value; }
inline std::ostream& operator<<(std::ostream& os, GaloisElement v) { return os << "galois " << v.value; }
inline std::ostream& operator<<(std::ostream& os, Scale v) { return os << "2^" << v.log2(); }

}  // namespace fhecnn

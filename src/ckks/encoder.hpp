// CKKS encoding: complex slot vectors <-> plaintext polynomials through the canonical embedding
// (special FFT over the rotation group 5^j mod 2N). A vector of `slots` values (a power of two
// <= N/2) becomes a polynomial in X^(N / (2 slots)); its full-slot view repeats the vector
// N / (2 slots) times, so rotations by k act on it as rotations mod `slots`.
#pragma once

#include <complex>
#include <cstdint>
#include <span>
#include <vector>

#include "rlwe/ciphertext.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::ckks {

using Complex = std::complex<double>;
using rlwe::Ciphertext;
using rlwe::Plaintext;

// A plaintext's coefficients before reduction mod the primes: b's 2 slots coefficients for the
// polynomial b(X^gap) (real parts, then imaginary parts), times the scale and rounded. What every
// limb of the encoded plaintext is computed from (Encoder::encode_limb), so a caller can encode
// limb by limb where it uses them.
struct RoundedPlaintext {
  std::size_t slots = 0;
  Scale scale{1.0};
  std::vector<std::int64_t> ints;  // every |scale x| < 2^62: the rounded coefficients
  std::vector<long double> big;    // otherwise: the scaled coefficients, rounded per limb
};

class Encoder {
 public:
  explicit Encoder(rlwe::ParamsPtr params);

  // Encodes values (zero-padded to `slots`) at `level` and `scale`. slots = 0 means the smallest
  // power of two >= values.size(). Throws InvalidArgument for a bad slot count, more values than
  // slots, a level outside the chain, or non-finite values / values too large for the scale.
  Plaintext encode(std::span<const Complex> values, Level level, Scale scale,
                   std::size_t slots = 0) const;
  Plaintext encode(std::span<const double> values, Level level, Scale scale,
                   std::size_t slots = 0) const;
  // The same plaintext over Q_level P, P = p_0..p_{specials-1} appended: for products with
  // key-switch outputs before their ModDown (Evaluator::rotate_multiply_sums).
  Plaintext encode_extended(std::span<const Complex> values, Level level, Scale scale,
                            std::size_t slots, std::size_t specials) const;
  std::vector<Complex> decode(const Plaintext& pt) const;

  // Encoding in two steps: the special FFT and rounding once (throws as encode), then each limb
  // in NTT form for any prime of the ring (n residues written to `out`).
  RoundedPlaintext round(std::span<const Complex> values, Scale scale, std::size_t slots) const;
  void encode_limb(const RoundedPlaintext& r, ring::PrimeIndex prime, ring::u64* out) const;

  // Residues of round(c * scale) for each q_0..q_level (real and imaginary parts).
  std::pair<std::vector<ring::u64>, std::vector<ring::u64>> constant_residues(Complex c, Scale scale, Level level) const;

  // The special FFT (exposed for tests): z_j = sum_k v_k zeta^(5^j k), zeta = exp(2 pi i/(4n)).
  void special_fft(std::vector<Complex>& v) const;
  void special_ifft(std::vector<Complex>& v) const;

  const rlwe::Params& params() const { return *params_; }

 private:
  std::size_t check_slots(std::size_t slots, std::size_t count) const;
  void check_level(Level level) const;
  Plaintext encode_on(std::span<const Complex> values, const ring::Basis& basis, Scale scale,
                      std::size_t slots) const;
  rlwe::ParamsPtr params_;
  std::vector<std::uint64_t> rot_group_;  // 5^j mod 2N
  std::vector<Complex> roots_;            // exp(2 pi i k / 2N), k in [0, 2N]
  // Butterfly twiddles of the special FFT by stage: for a stage of length len (a power of two
  // >= 2), entries [len/2 - 1, len - 1) hold roots_[(5^j mod 4 len) * 2N / (4 len)], j < len/2.
  // They do not depend on the vector length, so one table serves every slot count.
  std::vector<Complex> twiddles_;
};

// round(x) mod q for a real x of any magnitude (exact for |x| < 2^63, relative 2^-64 beyond).
ring::u64 real_to_residue(long double x, const math::Modulus& q);

}  // namespace fhecnn::ckks

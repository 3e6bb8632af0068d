#include "ckks/encoder.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "math/crt.hpp"
#include "math/ntt.hpp"
#include "math/vecops.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::ckks {

ring::u64 real_to_residue(long double x, const math::Modulus& q) {
  const long double r = std::nearbyint(x);
  if (std::fabs(r) < 9.2e18L) return math::from_signed(static_cast<std::int64_t>(r), q);
  long double m = std::fmod(r, static_cast<long double>(q.value));
  if (m < 0) m += static_cast<long double>(q.value);
  ring::u64 v = static_cast<ring::u64>(m);
  return v >= q.value ? v - q.value : v;
}

Encoder::Encoder(rlwe::ParamsPtr params) : params_(std::move(params)) {
  const std::size_t n = params_->n(), m = 2 * n;
  rot_group_.resize(n / 2);
  std::uint64_t g = 1;
  for (auto& r : rot_group_) {
    r = g;
    g = g * 5 % m;
  }
  roots_.resize(m + 1);
  for (std::size_t k = 0; k <= m; ++k) {
    const long double angle = 2.0L * M_PIl * static_cast<long double>(k) / static_cast<long double>(m);
    roots_[k] = Complex(static_cast<double>(std::cos(angle)), static_cast<double>(std::sin(angle)));
  }
  twiddles_.resize(n / 2);
  for (std::size_t len = 2; len <= n / 2; len <<= 1) {
    const std::size_t half = len / 2, period = 4 * len;
    for (std::size_t j = 0; j < half; ++j) {
      twiddles_[half - 1 + j] = roots_[(rot_group_[j] % period) * (m / period)];
    }
  }
}

namespace {

void bit_reverse_permute(std::vector<Complex>& v) {
  const std::size_t n = v.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(v[i], v[j]);
  }
}

// (a, b) -> (a + w b, a - w b) on v[start + j], v[start + j + half], explicit real arithmetic
// (std::complex's operator* checks for NaN on every product).
void butterfly_forward(Complex* v, const Complex* w, std::size_t n, std::size_t half) {
  double* d = reinterpret_cast<double*>(v);
  const double* t = reinterpret_cast<const double*>(w);
  for (std::size_t start = 0; start < n; start += 2 * half) {
    double* a = d + 2 * start;
    double* b = a + 2 * half;
    for (std::size_t j = 0; j < half; ++j) {
      const double wr = t[2 * j], wi = t[2 * j + 1];
      const double br = b[2 * j] * wr - b[2 * j + 1] * wi, bi = b[2 * j] * wi + b[2 * j + 1] * wr;
      const double ar = a[2 * j], ai = a[2 * j + 1];
      a[2 * j] = ar + br;
      a[2 * j + 1] = ai + bi;
      b[2 * j] = ar - br;
      b[2 * j + 1] = ai - bi;
    }
  }
}

// (a, b) -> (a + b, (a - b) conj(w)).
void butterfly_inverse(Complex* v, const Complex* w, std::size_t n, std::size_t half) {
  double* d = reinterpret_cast<double*>(v);
  const double* t = reinterpret_cast<const double*>(w);
  for (std::size_t start = 0; start < n; start += 2 * half) {
    double* a = d + 2 * start;
    double* b = a + 2 * half;
    for (std::size_t j = 0; j < half; ++j) {
      const double wr = t[2 * j], wi = -t[2 * j + 1];
      const double ar = a[2 * j], ai = a[2 * j + 1], br = b[2 * j], bi = b[2 * j + 1];
      const double dr = ar - br, di = ai - bi;
      a[2 * j] = ar + br;
      a[2 * j + 1] = ai + bi;
      b[2 * j] = dr * wr - di * wi;
      b[2 * j + 1] = dr * wi + di * wr;
    }
  }
}

// round(s x) into out when |s x| < 2^62 (false otherwise), exactly: s x = p + e with p = fl(s x)
// and e from an FMA, so the rounding sees the full 106-bit product.
bool round_scaled(double s, double x, std::int64_t& out) {
  const double p = s * x;
  if (!(std::fabs(p) < 0x1p62)) return false;
  const double e = std::fma(s, x, -p);
  const double r = std::rint(p);
  out = static_cast<std::int64_t>(r) + static_cast<std::int64_t>(std::rint((p - r) + e));
  return true;
}

}  // namespace

void Encoder::special_fft(std::vector<Complex>& v) const {
  const std::size_t n = v.size();
  bit_reverse_permute(v);
  for (std::size_t len = 2; len <= n; len <<= 1) {
    butterfly_forward(v.data(), twiddles_.data() + len / 2 - 1, n, len / 2);
  }
}

void Encoder::special_ifft(std::vector<Complex>& v) const {
  const std::size_t n = v.size();
  for (std::size_t len = n; len >= 2; len >>= 1) {
    butterfly_inverse(v.data(), twiddles_.data() + len / 2 - 1, n, len / 2);
  }
  bit_reverse_permute(v);
  const double inv = 1.0 / static_cast<double>(n);
  for (auto& x : v) x *= inv;
}

std::size_t Encoder::check_slots(std::size_t slots, std::size_t count) const {
  if (slots == 0) {
    slots = 1;
    while (slots < count) slots <<= 1;
  }
  require(slots <= params_->max_slots() && (slots & (slots - 1)) == 0, "encode",
          "slot count ", slots, " is not a power of two in [1, ", params_->max_slots(), "]");
  require(count <= slots, "encode", count, " values do not fit in ", slots, " slots");
  return slots;
}

Plaintext Encoder::encode(std::span<const Complex> values, Level level, Scale scale,
                          std::size_t slots) const {
  check_level(level);
  return encode_on(values, params_->ring().q_basis(level), scale, slots);
}

Plaintext Encoder::encode_extended(std::span<const Complex> values, Level level, Scale scale,
                                   std::size_t slots, std::size_t specials) const {
  check_level(level);
  return encode_on(values, params_->ring().qp_basis(level, specials), scale, slots);
}

void Encoder::check_level(Level level) const {
  require(level.value >= 0 && level <= params_->max_level(), "encode", level,
          " is outside [0, ", params_->max_level().value, "]");
}

RoundedPlaintext Encoder::round(std::span<const Complex> values, Scale scale,
                                std::size_t slots) const {
  slots = check_slots(slots, values.size());
  require(scale.value >= 1 && std::isfinite(scale.value), "encode", "scale ", scale.value,
          " must be finite and >= 1");
  std::vector<Complex> v(slots, Complex(0, 0));
  for (std::size_t i = 0; i < values.size(); ++i) {
    require(std::isfinite(values[i].real()) && std::isfinite(values[i].imag()), "encode",
            "value ", i, " is not finite");
    v[i] = values[i];
  }
  special_ifft(v);
  RoundedPlaintext r{slots, scale, std::vector<std::int64_t>(2 * slots), {}};
  bool small = true;
  for (std::size_t k = 0; k < slots && small; ++k) {
    small = round_scaled(scale.value, v[k].real(), r.ints[k]) &&
            round_scaled(scale.value, v[k].imag(), r.ints[k + slots]);
  }
  if (!small) {
    r.ints.clear();
    r.big.resize(2 * slots);
    const long double s = scale.value;
    for (std::size_t k = 0; k < slots; ++k) {
      r.big[k] = s * v[k].real();
      r.big[k + slots] = s * v[k].imag();
    }
  }
  return r;
}

void Encoder::encode_limb(const RoundedPlaintext& r, ring::PrimeIndex prime, ring::u64* out) const {
  const auto& ring = params_->ring();
  const auto& q = ring.modulus(prime);
  const std::size_t m = 2 * r.slots;  // b's coefficients; the polynomial is b(X^(n / m))
  if (!r.ints.empty()) {
    math::reduce_signed_vec(r.ints.data(), out, m, q);
  } else {
    for (std::size_t k = 0; k < m; ++k) out[k] = real_to_residue(r.big[k], q);
  }
  math::ntt_forward_sparse(ring.ntt(prime), out, params_->n() / m);
}

Plaintext Encoder::encode_on(std::span<const Complex> values, const ring::Basis& basis,
                             Scale scale, std::size_t slots) const {
  const RoundedPlaintext r = round(values, scale, slots);
  Plaintext pt{ring::RnsPoly(params_->n(), basis, true, ring::Uninitialized{}), scale, r.slots};
  // Each limb is filled and transformed by one thread while it is in cache.
#pragma omp parallel for schedule(static, 1)
  for (long il = 0; il < static_cast<long>(basis.size()); ++il) {
    encode_limb(r, basis[static_cast<std::size_t>(il)], pt.poly.limb(static_cast<std::size_t>(il)));
  }
  return pt;
}

Plaintext Encoder::encode(std::span<const double> values, Level level, Scale scale,
                          std::size_t slots) const {
  std::vector<Complex> c(values.begin(), values.end());
  return encode(std::span<const Complex>(c), level, scale, slots);
}

std::vector<Complex> Encoder::decode(const Plaintext& pt) const {
  require(pt.slots >= 1 && pt.slots <= params_->max_slots(), "decode", "slot count ", pt.slots,
          " is invalid");
  const auto& ring = params_->ring();
  ring::RnsPoly p = pt.poly;
  if (p.is_ntt()) ring::from_ntt(ring, p);
  std::vector<math::Modulus> moduli;
  for (auto idx : p.basis()) moduli.push_back(ring.modulus(idx));
  const math::CrtComposer crt(moduli);
  const std::size_t n = params_->n(), gap = n / (2 * pt.slots);
  std::vector<Complex> v(pt.slots);
  const long double inv = 1.0L / pt.scale.value;
#pragma omp parallel for schedule(static)
  for (long k = 0; k < static_cast<long>(pt.slots); ++k) {
    const long double re = crt.compose_centered(p.data().data() + k * gap, n);
    const long double im = crt.compose_centered(p.data().data() + k * gap + n / 2, n);
    v[k] = Complex(static_cast<double>(re * inv), static_cast<double>(im * inv));
  }
  special_fft(v);
  return v;
}

std::pair<std::vector<ring::u64>, std::vector<ring::u64>> Encoder::constant_residues(
    Complex c, Scale scale, Level level) const {
  const auto& ring = params_->ring();
  std::vector<ring::u64> re(level.limbs()), im(level.limbs());
  const long double s = scale.value;
  for (std::size_t i = 0; i < level.limbs(); ++i) {
    const auto& q = ring.modulus(static_cast<ring::PrimeIndex>(i));
    re[i] = real_to_residue(s * c.real(), q);
    im[i] = real_to_residue(s * c.imag(), q);
  }
  return {re, im};
}

}  // namespace fhecnn::ckks
